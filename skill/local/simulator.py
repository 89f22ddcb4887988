"""An Alexa stand-in: text -> intent -> real envelope -> lambda_handler, carrying the session."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from skill import model, ssml
from skill.local import envelopes
from skill.local.resolution import Resolution, SlotValue
from skill.local.resolver import Resolver

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Turn:
    """One request and what came back, as a person would hear it."""

    utterance: str | None
    intent: str | None  # the intent sent (None for launch and other request types)
    slots: dict[str, str | None]  # slot name -> canonical value, or the words heard if unmatched
    speech: str  # plain text, SSML stripped
    ssml: str
    reprompt: str | None
    end_session: bool
    request_type: str
    response: dict[str, Any] = field(repr=False)

    @property
    def attributes(self) -> dict[str, Any]:
        return self.response.get("sessionAttributes") or {}

    @property
    def screen(self) -> dict[str, Any] | None:
        """The datasources of the APL document this response puts on screen, if any."""
        for directive in (self.response.get("response") or {}).get("directives") or []:
            if directive.get("type") == "Alexa.Presentation.APL.RenderDocument":
                return directive.get("datasources") or {}
        return None

    def as_json(self) -> dict[str, Any]:
        """The chat's --jsonl record for this turn."""
        return {
            "utterance": self.utterance, "intent": self.intent, "slots": self.slots,
            "speech": self.speech, "ssml": self.ssml, "reprompt": self.reprompt,
            "end_session": self.end_session,
        }


@dataclass(frozen=True, slots=True)
class Claimed:
    """The skill's answer to a CanFulfillIntentRequest: would it take this intent, said without
    its name? (YES, NO or MAYBE, for the intent and for each slot's value.)"""

    intent: str
    slots: dict[str, str | None]  # what Alexa heard in each slot
    answer: str | None  # canFulfill
    understood: dict[str, str | None]  # slot -> canUnderstand
    response: dict[str, Any] = field(repr=False)

    def as_json(self) -> dict[str, Any]:
        """The chat's --jsonl record for a name-free request."""
        return {"nameless": True, "intent": self.intent, "slots": self.slots,
                "can_fulfill": self.answer, "slots_understood": self.understood}


class Simulator:
    """Holds one device's session with the skill, exactly as Alexa would carry it."""

    def __init__(
        self,
        locale: str = "en-US",
        *,
        handler: Handler | None = None,
        resolver: Resolver | None = None,
        now: Callable[[], datetime] | None = None,
        new_id: Callable[[], str] | None = None,
        apl: bool = False,
        api_endpoint: str | None = None,
    ) -> None:
        if handler is None:
            from skill.lambda_function import lambda_handler as handler
        self.handler = handler
        self.locale = locale
        self.resolver = resolver or Resolver(model.load(locale).raw)
        self.options: dict[str, Any] = {"locale": locale, "apl": apl,
                                         "api_endpoint": api_endpoint}
        if now is not None:
            self.options["now"] = now
        if new_id is not None:
            self.options["new_id"] = new_id
        self.new_session()

    def device(self, **options: Any) -> dict[str, Any]:
        """Change what the device is (apl, api_endpoint, device_id, now); returns what it was,
        so a caller can put it back with device(**old)."""
        old = {k: self.options.get(k) for k in options}
        self.options.update(options)
        for key in [k for k, v in self.options.items() if v is None]:
            del self.options[key]
        return old

    def new_session(self) -> None:
        """Forget the session: the next request opens a new one."""
        self.attributes: dict[str, Any] = {}
        self.session_id = envelopes.new_session_id(self.options.get("new_id"))
        self.in_session = False

    def say(self, text: str) -> Turn:
        """What the skill answers when the person says `text`."""
        resolution = self.resolver.resolve(text)
        if resolution.kind == "launch":
            self.new_session()  # "open cramp coach" always starts afresh, as on a device
        return self._send(envelopes.from_resolution(resolution, **self._session()), text,
                          resolution)

    def launch(self) -> Turn:
        """Open the skill with no request, in a new session."""
        self.new_session()
        return self._send(envelopes.launch(**self._session()))

    def intent(self, name: str, slots: Mapping[str, Any] | None = None) -> Turn:
        """Send an intent directly. A slot value is a canonical value of the slot's type,
        {"heard": words} for words outside it (sent as ER_SUCCESS_NO_MATCH), or {"heard": words,
        "value": canonical} for words Alexa resolved to a value."""
        return self._send(envelopes.intent(name, self._values(name, slots), **self._session()))

    def nameless(self, text: str) -> Claimed | None:
        """Whether the skill would claim `text` said without its name (None: no intent to ask
        about, as for a launch). The conversation under way is left as it was."""
        resolution = self.resolver.resolve(text)
        if resolution.kind != "intent" or resolution.intent is None:
            return None
        return self._claim(envelopes.can_fulfill(resolution.intent, resolution.slots,
                                                 **self.options))

    def nameless_intent(self, name: str, slots: Mapping[str, Any] | None = None) -> Claimed:
        """Whether the skill would claim this intent said without its name, slots as in
        `intent`."""
        return self._claim(envelopes.can_fulfill(name, self._values(name, slots), **self.options))

    def _claim(self, event: dict[str, Any]) -> Claimed:
        response = self.handler(event, None)
        answer = (response.get("response") or {}).get("canFulfillIntent") or {}
        intent = event["request"]["intent"]
        return Claimed(intent["name"], _slot_values(intent["slots"]), answer.get("canFulfill"),
                       {k: v.get("canUnderstand") for k, v in (answer.get("slots") or {}).items()},
                       response)

    def request(self, type_: str, fields: Mapping[str, Any] | None = None) -> Turn:
        """Send any other request type (SessionEndedRequest, System.ExceptionEncountered, ...)."""
        return self._send(envelopes.request(type_, fields, **self._session()))

    def _session(self) -> dict[str, Any]:
        return {**self.options, "attributes": self.attributes, "new": not self.in_session,
                "session_id": self.session_id}

    def _values(self, intent: str, slots: Mapping[str, Any] | None) -> dict[str, SlotValue]:
        return {slot: self._slot_value(intent, slot, v) for slot, v in (slots or {}).items()
                if v is not None}

    def _slot_value(self, intent: str, slot: str, value: Any) -> SlotValue:
        type_name = self.resolver.slot_type(intent, slot)
        if isinstance(value, Mapping) and value.get("value"):  # words Alexa resolved to a value
            canonical = value["value"]
            return SlotValue(value["heard"], canonical, canonical.upper().replace(" ", "_"),
                             "ER_SUCCESS_MATCH", type_name)
        if isinstance(value, Mapping):
            return SlotValue(value["heard"], None, None, "ER_SUCCESS_NO_MATCH", type_name)
        return SlotValue(value, value, value.upper().replace(" ", "_"), "ER_SUCCESS_MATCH",
                         type_name)

    def _send(self, event: dict[str, Any], utterance: str | None = None,
              resolution: Resolution | None = None) -> Turn:
        response = self.handler(event, None)
        request = event["request"]
        body = response.get("response") or {}
        speech = (body.get("outputSpeech") or {}).get("ssml", "")
        reprompt = ((body.get("reprompt") or {}).get("outputSpeech") or {}).get("ssml")
        ends = body.get("shouldEndSession") is not False or request["type"] == "SessionEndedRequest"
        if ends:
            self.new_session()
        else:
            self.in_session = True
            self.attributes = response.get("sessionAttributes") or {}
        intent = request.get("intent") or {}
        return Turn(
            utterance=utterance,
            intent=intent.get("name"),
            slots=_slot_values(intent.get("slots") or {}),
            speech=ssml.to_text(speech),
            ssml=speech,
            reprompt=ssml.to_text(reprompt) if reprompt else None,
            end_session=ends,
            request_type=request["type"],
            response=response,
        )


def _slot_values(slots: Mapping[str, Any]) -> dict[str, str | None]:
    values: dict[str, str | None] = {}
    for name, slot in slots.items():
        values[name] = slot.get("value")
        for authority in (slot.get("resolutions") or {}).get("resolutionsPerAuthority", []):
            if authority["status"]["code"] == "ER_SUCCESS_MATCH":
                values[name] = authority["values"][0]["value"]["name"]
    return values
