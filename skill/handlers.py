"""ask-sdk handlers: thin adapters from Alexa requests to conversation events and back."""

from __future__ import annotations

import logging
import traceback
from typing import Any

from ask_sdk_core.dispatch_components import AbstractExceptionHandler, AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response
from ask_sdk_model.canfulfill import (
    CanFulfillIntent,
    CanFulfillIntentValues,
    CanFulfillSlot,
    CanFulfillSlotValues,
    CanUnderstandSlotValues,
)
from ask_sdk_model.slu.entityresolution import StatusCode

from . import content, name_free, screen, session, ssml, timezone
from . import conversation as conv

log = logging.getLogger(__name__)


class Route(AbstractRequestHandler):
    """Sends one request type (for IntentRequest, one intent, or any) to one conversation event."""

    def __init__(self, request_type: str, event: conv.Event, intent: str | None = None) -> None:
        self.request_type = request_type
        self.intent = intent
        self.event = event

    def can_handle(self, handler_input: HandlerInput) -> bool:
        request = handler_input.request_envelope.request
        if request.object_type != self.request_type:
            return False
        return self.intent is None or request.intent.name == self.intent

    def handle(self, handler_input: HandlerInput) -> Response:
        state = read_state(handler_input)
        slots = slot_values(handler_input)
        log.debug("event %s slots %s", self.event.__name__, slots)  # health details: DEBUG only
        return speak(handler_input, conv.respond(self.event, state, slots))

    def __repr__(self) -> str:
        return f"Route({self.intent or self.request_type} -> {self.event.__name__})"


class NameFree(AbstractRequestHandler):
    """CanFulfillIntentRequest: whether the skill takes an intent said without its name. It
    speaks nothing, keeps no session state and asks no API (Alexa waits on it before routing)."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return handler_input.request_envelope.request.object_type == "CanFulfillIntentRequest"

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        name = request.intent.name if request.intent else ""
        found = name_free.claim(name, heard_slots(handler_input))
        answer = CanFulfillIntent(
            can_fulfill=CanFulfillIntentValues(found.intent),
            slots={slot: CanFulfillSlot(can_understand=CanUnderstandSlotValues(c.understand),
                                        can_fulfill=CanFulfillSlotValues(c.fulfil))
                   for slot, c in found.slots.items()})
        return handler_input.response_builder.set_can_fulfill_intent(answer).response


class Silent(AbstractRequestHandler):
    """Requests that take no speech (session ended, errors, unknown types): log, answer empty."""

    def __init__(self, request_type: str | None, what: str) -> None:
        self.request_type = request_type  # None: any request type not routed above
        self.what = what

    def can_handle(self, handler_input: HandlerInput) -> bool:
        request_type = handler_input.request_envelope.request.object_type
        return self.request_type in (None, request_type)

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        error = getattr(request, "error", None)
        reason = getattr(request, "reason", None)
        error_type = getattr(getattr(error, "object_type", None), "value", None)
        log.info("%s: type=%s reason=%s error=%s", self.what, request.object_type,
                 getattr(reason, "value", reason), error_type)
        return handler_input.response_builder.response


class Apology(AbstractExceptionHandler):
    """Any exception in a handler: a graceful apology, the place kept, nothing escapes."""

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        # The traceback can quote what was said, so it goes to DEBUG; ERROR names only the place.
        frame = traceback.extract_tb(exception.__traceback__)[-1:] or [None]
        where = f"{frame[0].filename}:{frame[0].lineno}" if frame[0] else "?"
        log.error("handler failed: %s at %s", type(exception).__name__, where)
        log.debug("handler failure", exc_info=exception)
        try:
            state = read_state(handler_input)
        except Exception:  # the state itself may be what broke
            state = conv.State()
        return speak(handler_input, conv.apology(state))


def read_state(handler_input: HandlerInput) -> conv.State:
    """The conversation state this request carries (a fresh one for a request out of session)."""
    envelope = handler_input.request_envelope
    if envelope.session is None:
        return conv.State()
    attributes = handler_input.attributes_manager.session_attributes
    return session.load(attributes, envelope.session.session_id)


def heard_slots(handler_input: HandlerInput) -> dict[str, name_free.Heard]:
    """Each slot of the request: the canonical value Alexa resolved it to, and the words."""
    request = handler_input.request_envelope.request
    slots = getattr(getattr(request, "intent", None), "slots", None) or {}
    found = {}
    for name, slot in slots.items():
        authorities = slot.resolutions.resolutions_per_authority if slot.resolutions else None
        value = next((a.values[0].value.name for a in authorities or ()
                      if a.status and a.status.code == StatusCode.ER_SUCCESS_MATCH), None)
        found[name] = name_free.Heard(value, slot.value or None)
    return found


def slot_values(handler_input: HandlerInput) -> dict[str, str | None]:
    """Slot name -> canonical value when Alexa resolved one, else the words heard, else None;
    and, where Alexa resolved the words to something else, name + conv.HEARD -> the words (the
    conversation screens those too: "left arm" resolved to "arm" is still a left arm)."""
    values: dict[str, str | None] = {}
    for name, heard in heard_slots(handler_input).items():
        values[name] = heard.value or heard.words
        if heard.words and heard.words != values[name]:
            values[name + conv.HEARD] = heard.words
    return values


def speak(handler_input: HandlerInput, reply: conv.Reply) -> Response:
    """Render a reply in the request's locale and the device's time of day, store the new
    state, and build the response (with the step on screen, where there is one)."""
    envelope = handler_input.request_envelope
    catalog = content.catalog(envelope.request.locale or content.DEFAULT_LOCALE)
    night = at_night(handler_input)

    def voice(lines: tuple[content.Line, ...]) -> str:
        body = catalog.render(lines, reply.state.variant, night)
        return ssml.wrap(ssml.soft(body) if night else body)

    builder = handler_input.response_builder.speak(voice(reply.speech))
    if reply.end:
        builder.set_should_end_session(True)
    else:
        builder.ask(voice(reply.reprompt))
    if reply.shows is not None and screen.has_screen(envelope):
        builder.add_directive(screen.step_directive(catalog, reply.state, reply.shows, night))
    if envelope.session is not None:
        attributes = {} if reply.end else session.dump(reply.state)
        handler_input.attributes_manager.session_attributes = attributes
    return builder.response


def at_night(handler_input: HandlerInput) -> bool:
    """Whether it is 22:00-07:00 where the device is (False when its time zone is unknown)."""
    envelope = handler_input.request_envelope
    system = envelope.context.system if envelope.context else None
    if system is None or system.device is None:
        return False
    zone = timezone.default().zone(system.api_endpoint, system.device.device_id,
                                   system.api_access_token)
    return timezone.is_night(timezone.local_time(envelope.request.timestamp, zone))


def apology_response() -> dict[str, Any]:
    """A complete response envelope with the spoken apology, for when the SDK cannot run."""
    speech = content.catalog().render(conv.apology(conv.State()).speech)
    return {
        "version": "1.0",
        "response": {
            "outputSpeech": {"type": "SSML", "ssml": ssml.wrap(speech)},
            "shouldEndSession": True,
        },
    }
