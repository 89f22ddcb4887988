"""Build request envelopes exactly as Alexa sends them to a custom skill, for local runs."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Literal, TypedDict, Unpack

from skill.local.resolution import Resolution, SlotValue

DEFAULT_SKILL_ID = "amzn1.ask.skill.cramp-coach-local"
USER_ID = "amzn1.ask.account.LOCAL-USER"
DEVICE_ID = "amzn1.ask.device.LOCAL-DEVICE"
API_ACCESS_TOKEN = "local-api-access-token"  # what a local stand-in for the Alexa API expects
APL_INTERFACE = {"runtime": {"maxVersion": "2023.3"}}

Reason = Literal["USER_INITIATED", "ERROR", "EXCEEDED_MAX_REPROMPTS"]
DialogState = Literal["STARTED", "IN_PROGRESS", "COMPLETED"]
ERROR_TYPES = frozenset(
    {"INVALID_RESPONSE", "DEVICE_COMMUNICATION_ERROR", "INTERNAL_SERVICE_ERROR", "ENDPOINT_TIMEOUT"}
)


class Options(TypedDict, total=False):
    """Who, where and when a request comes from; every builder takes these as keywords."""

    attributes: Mapping[str, Any] | None  # session attributes carried from the last response
    new: bool  # first request of the session
    session_id: str | None  # None: a fresh "amzn1.echo-api.session.<uuid>"
    locale: str
    now: Callable[[], datetime]  # the clock, for the request timestamp
    new_id: Callable[[], str]  # source of the uuids in request and session ids
    skill_id: str
    user_id: str
    device_id: str
    interfaces: Mapping[str, Any] | None  # the device's supportedInterfaces
    api_endpoint: str | None  # a local stand-in for the Alexa API; None: no API (offline)
    apl: bool  # add Alexa.Presentation.APL to the supported interfaces


def launch(**options: Unpack[Options]) -> dict[str, Any]:
    """A LaunchRequest: the user opened the skill without asking for anything."""
    return request("LaunchRequest", **options)


def intent(
    name: str,
    slots: Mapping[str, SlotValue] | None = None,
    *,
    unfilled: Iterable[str] = (),
    dialog_state: DialogState | None = "COMPLETED",
    **options: Unpack[Options],
) -> dict[str, Any]:
    """An IntentRequest; `unfilled` names the intent's slots that were declared but not heard."""
    fields = _intent_field(name, slots, unfilled, options.get("skill_id", DEFAULT_SKILL_ID))
    if dialog_state is not None:
        fields = {"dialogState": dialog_state, **fields}
    return request("IntentRequest", fields, **options)


def _intent_field(name: str, slots: Mapping[str, SlotValue] | None, unfilled: Iterable[str],
                  skill_id: str) -> dict[str, Any]:
    """The request's "intent": its name and slots, those declared but not heard left empty."""
    alexa_slots = {slot: _empty_slot(slot) for slot in unfilled}
    alexa_slots |= {slot: _slot(slot, value, skill_id) for slot, value in (slots or {}).items()}
    return {"intent": {"name": name, "confirmationStatus": "NONE", "slots": alexa_slots}}


def session_ended(
    reason: Reason, error: Mapping[str, str] | None = None, **options: Unpack[Options]
) -> dict[str, Any]:
    """A SessionEndedRequest; an ERROR carries `error` {type, message} (a generic one if None)."""
    if reason not in ("USER_INITIATED", "ERROR", "EXCEEDED_MAX_REPROMPTS"):
        raise ValueError(f"unknown SessionEndedRequest reason {reason!r}")
    fields: dict[str, Any] = {"reason": reason}
    if reason == "ERROR":
        fields["error"] = _error(error or {
            "type": "INVALID_RESPONSE", "message": "The skill's response was not valid.",
        })
    elif error is not None:
        raise ValueError("only an ERROR session end carries an error")
    return request("SessionEndedRequest", fields, **options)


def exception_encountered(
    error_type: str,
    message: str,
    cause_request_id: str,
    *,
    in_session: bool = False,
    **options: Unpack[Options],
) -> dict[str, Any]:
    """A System.ExceptionEncountered: Alexa could not act on the response to `cause_request_id`.

    Like AudioPlayer requests it is sent without a session unless `in_session` is set; the skill
    must handle it with no session attributes and cannot answer it with speech.
    """
    fields = {
        "error": _error({"type": error_type, "message": message}),
        "cause": {"requestId": cause_request_id},
    }
    return request("System.ExceptionEncountered", fields, in_session=in_session, **options)


def can_fulfill(
    name: str, slots: Mapping[str, SlotValue] | None = None, **options: Unpack[Options]
) -> dict[str, Any]:
    """A CanFulfillIntentRequest: Alexa asking, before routing a request said without the
    skill's name, whether the skill can take this intent with these slots (a new session)."""
    fields = _intent_field(name, slots, (), options.get("skill_id", DEFAULT_SKILL_ID))
    return request("CanFulfillIntentRequest", fields, **{**options, "new": True,
                                                          "attributes": None})


def from_resolution(resolution: Resolution, **options: Unpack[Options]) -> dict[str, Any]:
    """The envelope Alexa would send for what the local resolver heard."""
    if resolution.kind == "launch":
        return launch(**options)
    if resolution.kind == "end":
        return session_ended("USER_INITIATED", **options)
    if resolution.intent is None:
        raise ValueError("an intent resolution has no intent name")
    return intent(resolution.intent, resolution.slots, unfilled=resolution.unfilled, **options)


def request(
    type_: str,
    fields: Mapping[str, Any] | None = None,
    *,
    in_session: bool = True,
    **options: Unpack[Options],
) -> dict[str, Any]:
    """Any request type in a full envelope: `fields` go into the request after its common ones."""
    new_id = options.get("new_id", _uuid)
    now = options.get("now", _utc_now)
    skill_id = options.get("skill_id", DEFAULT_SKILL_ID)
    application = {"applicationId": skill_id}
    user = {"userId": options.get("user_id", USER_ID)}
    interfaces = dict(options.get("interfaces") or {})
    if options.get("apl"):
        interfaces.setdefault("Alexa.Presentation.APL", APL_INTERFACE)
    envelope: dict[str, Any] = {"version": "1.0"}
    if in_session:
        envelope["session"] = {
            "new": options.get("new", False),
            "sessionId": options.get("session_id") or new_session_id(new_id),
            "application": application,
            "attributes": dict(options.get("attributes") or {}),
            "user": user,
        }
    system: dict[str, Any] = {
        "application": application,
        "user": user,
        "device": {
            "deviceId": options.get("device_id", DEVICE_ID),
            "supportedInterfaces": interfaces,
        },
    }
    # Alexa names its API here; offline there is none, and the skill must never call out to
    # the real one from a test, so only a local stand-in is ever named.
    if api_endpoint := options.get("api_endpoint"):
        system |= {"apiEndpoint": api_endpoint, "apiAccessToken": API_ACCESS_TOKEN}
    return envelope | {
        "context": {"System": system},
        "request": {
            "type": type_,
            "requestId": f"amzn1.echo-api.request.{new_id()}",
            "timestamp": timestamp(now()),
            "locale": options.get("locale", "en-US"),
            **(fields or {}),
        },
    }


def new_session_id(new_id: Callable[[], str] | None = None) -> str:
    """A session id in Alexa's form, for a caller that keeps one across a conversation."""
    return f"amzn1.echo-api.session.{(new_id or _uuid)()}"


def timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC to the second, as Alexa writes it ("2026-11-27T03:12:45Z")."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def authority(skill_id: str, type_name: str) -> str:
    """The entity-resolution authority Alexa names for a custom slot type of a skill."""
    return f"amzn1.er-authority.echo-sdk.{skill_id}.{type_name}"


def _slot(name: str, value: SlotValue, skill_id: str) -> dict[str, Any]:
    slot: dict[str, Any] = {"name": name, "value": value.raw, "confirmationStatus": "NONE"}
    simple: dict[str, Any] = {"type": "Simple", "value": value.raw}
    if value.status is not None:
        resolved: dict[str, Any] = {
            "authority": authority(skill_id, value.type),
            "status": {"code": value.status},
        }
        if value.status == "ER_SUCCESS_MATCH":
            entity = {"name": value.value} | ({"id": value.id} if value.id is not None else {})
            resolved["values"] = [{"value": entity}]
        slot["resolutions"] = simple["resolutions"] = {"resolutionsPerAuthority": [resolved]}
    slot["slotValue"] = simple
    return slot


def _empty_slot(name: str) -> dict[str, Any]:
    return {"name": name, "confirmationStatus": "NONE"}


def _error(error: Mapping[str, str]) -> dict[str, str]:
    if error.get("type") not in ERROR_TYPES:
        raise ValueError(f"error type {error.get('type')!r} is not one of {sorted(ERROR_TYPES)}")
    return {"type": error["type"], "message": error.get("message", "")}


def _uuid() -> str:
    return str(uuid.uuid4())


def _utc_now() -> datetime:
    return datetime.now(UTC)
