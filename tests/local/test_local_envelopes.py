"""Envelopes built locally are the ones Alexa sends, field for field, and ask-sdk reads them."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import IntentRequest, LaunchRequest, RequestEnvelope, SessionEndedRequest
from ask_sdk_model.interfaces.system import ExceptionEncounteredRequest

from skill.local import envelopes
from skill.local.resolution import Resolution, SlotValue
from skill.local.resolver import Resolver

MOMENT = datetime(2026, 11, 27, 3, 12, 45, tzinfo=UTC)
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
CALF = SlotValue("calves", "calf", "CALF", "ER_SUCCESS_MATCH", "MuscleType")
ELBOW = SlotValue("elbow", None, None, "ER_SUCCESS_NO_MATCH", "MuscleType")
FIVE = SlotValue("5", None, None, None, "AMAZON.NUMBER")
AUTHORITY = "amzn1.er-authority.echo-sdk.amzn1.ask.skill.cramp-coach-local.MuscleType"


def clock() -> datetime:
    return MOMENT


def test_launch_has_every_field_alexa_sends() -> None:
    env = envelopes.launch(now=clock, new=True)
    assert env["version"] == "1.0"
    session, system, request = env["session"], env["context"]["System"], env["request"]
    assert session["new"] is True
    assert re.fullmatch(rf"amzn1\.echo-api\.session\.{UUID}", session["sessionId"])
    assert session["application"] == {"applicationId": "amzn1.ask.skill.cramp-coach-local"}
    assert session["attributes"] == {}
    assert session["user"]["userId"].startswith("amzn1.ask.account.")
    assert system["application"] == session["application"]
    assert system["user"] == session["user"]
    assert system["device"]["deviceId"].startswith("amzn1.ask.device.")
    assert system["device"]["supportedInterfaces"] == {}
    assert "apiEndpoint" not in system and "apiAccessToken" not in system  # offline: no API
    assert request["type"] == "LaunchRequest"
    assert re.fullmatch(rf"amzn1\.echo-api\.request\.{UUID}", request["requestId"])
    assert request["timestamp"] == "2026-11-27T03:12:45Z"
    assert request["locale"] == "en-US"


def test_options_are_honoured() -> None:
    attributes = {"step": 2}
    env = envelopes.launch(
        attributes=attributes, session_id="amzn1.echo-api.session.kept", locale="en-GB",
        skill_id="amzn1.ask.skill.other", new_id=lambda: "fixed", apl=True,
        interfaces={"AudioPlayer": {}},
    )
    assert env["session"]["attributes"] == attributes
    assert env["session"]["attributes"] is not attributes  # the caller's dict is not shared
    assert env["session"]["sessionId"] == "amzn1.echo-api.session.kept"
    assert env["request"]["requestId"] == "amzn1.echo-api.request.fixed"
    assert env["request"]["locale"] == "en-GB"
    assert env["context"]["System"]["application"]["applicationId"] == "amzn1.ask.skill.other"
    assert set(env["context"]["System"]["device"]["supportedInterfaces"]) == {
        "AudioPlayer", "Alexa.Presentation.APL"}


def test_request_ids_are_unique_per_request() -> None:
    ids = {envelopes.launch()["request"]["requestId"] for _ in range(20)}
    assert len(ids) == 20


@pytest.mark.parametrize("moment", [
    datetime(2026, 11, 27, 4, 12, 45, tzinfo=timezone(timedelta(hours=1))),
    datetime(2026, 11, 27, 3, 12, 45, 999_000),  # naive: taken as UTC
])
def test_timestamp_is_utc_to_the_second(moment: datetime) -> None:
    assert envelopes.timestamp(moment) == "2026-11-27T03:12:45Z"


def test_intent_slots_in_alexas_form() -> None:
    env = envelopes.intent("CrampReliefIntent", {"muscle": CALF}, now=clock)
    request = env["request"]
    assert request["type"] == "IntentRequest"
    assert request["dialogState"] == "COMPLETED"
    assert request["intent"]["name"] == "CrampReliefIntent"
    assert request["intent"]["confirmationStatus"] == "NONE"
    resolved = {"resolutionsPerAuthority": [{
        "authority": AUTHORITY,
        "status": {"code": "ER_SUCCESS_MATCH"},
        "values": [{"value": {"name": "calf", "id": "CALF"}}],
    }]}
    assert request["intent"]["slots"]["muscle"] == {
        "name": "muscle",
        "value": "calves",
        "confirmationStatus": "NONE",
        "resolutions": resolved,
        "slotValue": {"type": "Simple", "value": "calves", "resolutions": resolved},
    }


def test_out_of_list_value_has_no_match_and_no_values() -> None:
    slot = envelopes.intent("CrampReliefIntent", {"muscle": ELBOW})["request"]["intent"]["slots"]
    authority = slot["muscle"]["resolutions"]["resolutionsPerAuthority"][0]
    assert slot["muscle"]["value"] == "elbow"
    assert authority == {"authority": AUTHORITY, "status": {"code": "ER_SUCCESS_NO_MATCH"}}


def test_builtin_type_slot_has_no_resolutions() -> None:
    slot = envelopes.intent("DurationIntent", {"minutes": FIVE})["request"]["intent"]["slots"]
    assert slot["minutes"] == {"name": "minutes", "value": "5", "confirmationStatus": "NONE",
                               "slotValue": {"type": "Simple", "value": "5"}}


def test_unfilled_slots_and_dialog_state() -> None:
    request = envelopes.intent("CrampReliefIntent", unfilled=["muscle"],
                               dialog_state="STARTED")["request"]
    assert request["intent"]["slots"] == {"muscle": {"name": "muscle",
                                                      "confirmationStatus": "NONE"}}
    assert request["dialogState"] == "STARTED"
    assert "dialogState" not in envelopes.intent("X", dialog_state=None)["request"]


@pytest.mark.parametrize("reason", ["USER_INITIATED", "EXCEEDED_MAX_REPROMPTS"])
def test_session_ended_without_error(reason: str) -> None:
    request = envelopes.session_ended(reason)["request"]  # type: ignore[arg-type]
    assert (request["type"], request["reason"]) == ("SessionEndedRequest", reason)
    assert "error" not in request


def test_session_ended_by_error_carries_it() -> None:
    error = {"type": "ENDPOINT_TIMEOUT", "message": "took too long"}
    request = envelopes.session_ended("ERROR", error)["request"]
    assert request["error"] == error
    assert envelopes.session_ended("ERROR")["request"]["error"]["type"] == "INVALID_RESPONSE"


@pytest.mark.parametrize(("reason", "error"), [
    ("BORED", None),
    ("USER_INITIATED", {"type": "INVALID_RESPONSE", "message": "x"}),
    ("ERROR", {"type": "OOPS", "message": "x"}),
])
def test_session_ended_refuses_what_alexa_never_sends(reason: str, error: Any) -> None:
    with pytest.raises(ValueError):
        envelopes.session_ended(reason, error)  # type: ignore[arg-type]


def test_exception_encountered() -> None:
    env = envelopes.exception_encountered("INVALID_RESPONSE", "bad SSML",
                                          "amzn1.echo-api.request.earlier", now=clock)
    assert "session" not in env
    assert env["request"] | {"requestId": None} == {
        "type": "System.ExceptionEncountered", "requestId": None,
        "timestamp": "2026-11-27T03:12:45Z", "locale": "en-US",
        "error": {"type": "INVALID_RESPONSE", "message": "bad SSML"},
        "cause": {"requestId": "amzn1.echo-api.request.earlier"},
    }
    kept = envelopes.exception_encountered("INVALID_RESPONSE", "x", "y", in_session=True)
    assert "session" in kept


def test_generic_request_type() -> None:
    env = envelopes.request("Alexa.Presentation.APL.UserEvent", {"arguments": ["tap"]})
    assert env["request"]["type"] == "Alexa.Presentation.APL.UserEvent"
    assert env["request"]["arguments"] == ["tap"]


def test_from_resolution_follows_the_kind() -> None:
    assert envelopes.from_resolution(Resolution("launch"))["request"]["type"] == "LaunchRequest"
    ended = envelopes.from_resolution(Resolution("end"))["request"]
    assert (ended["type"], ended["reason"]) == ("SessionEndedRequest", "USER_INITIATED")
    res = Resolution("intent", "CrampReliefIntent", {"muscle": CALF}, unfilled=("side",))
    slots = envelopes.from_resolution(res)["request"]["intent"]["slots"]
    assert slots["muscle"]["value"] == "calves"
    assert slots["side"] == {"name": "side", "confirmationStatus": "NONE"}


def test_resolver_output_becomes_an_envelope(resolver: Resolver) -> None:
    env = envelopes.from_resolution(resolver.resolve("how do I stretch my calves"))
    slot = env["request"]["intent"]["slots"]["muscle"]
    value = slot["resolutions"]["resolutionsPerAuthority"][0]["values"][0]["value"]
    assert (env["request"]["intent"]["name"], value["name"]) == ("StretchIntent", "calf")


def _every_kind() -> list[dict[str, Any]]:
    return [
        envelopes.launch(now=clock, new=True, attributes={"a": [1, {"b": None}]}, apl=True),
        envelopes.intent("CrampReliefIntent", {"muscle": CALF}, now=clock),
        envelopes.intent("CrampReliefIntent", {"muscle": ELBOW}, now=clock),
        envelopes.intent("DurationIntent", {"minutes": FIVE}, unfilled=["x"], now=clock,
                         dialog_state="IN_PROGRESS"),
        envelopes.session_ended("USER_INITIATED", now=clock),
        envelopes.session_ended("EXCEEDED_MAX_REPROMPTS", now=clock),
        envelopes.session_ended("ERROR", {"type": "ENDPOINT_TIMEOUT", "message": "m"}, now=clock),
        envelopes.exception_encountered("INVALID_RESPONSE", "m", "amzn1.echo-api.request.c",
                                        now=clock),
    ]


@pytest.mark.parametrize("env", _every_kind(), ids=lambda e: e["request"]["type"])
def test_ask_sdk_reads_every_field_back(env: dict[str, Any]) -> None:
    serializer = DefaultSerializer()
    model = serializer.deserialize(json.dumps(env), RequestEnvelope)
    kinds = {"LaunchRequest": LaunchRequest, "IntentRequest": IntentRequest,
             "SessionEndedRequest": SessionEndedRequest,
             "System.ExceptionEncountered": ExceptionEncounteredRequest}
    assert isinstance(model.request, kinds[env["request"]["type"]])
    assert model.request.timestamp == MOMENT
    # Serialising the SDK's model gives back the same JSON, so no field was dropped or misread;
    # only the timestamp's spelling differs (the SDK writes +00:00 for Z).
    back = serializer.serialize(model)
    assert back["request"].pop("timestamp") == "2026-11-27T03:12:45+00:00"
    env["request"].pop("timestamp")
    assert back == env


def test_ask_sdk_sees_slot_resolutions() -> None:
    env = envelopes.intent("CrampReliefIntent", {"muscle": CALF, "other": ELBOW})
    model = DefaultSerializer().deserialize(json.dumps(env), RequestEnvelope)
    slots = model.request.intent.slots
    per_authority = slots["muscle"].resolutions.resolutions_per_authority[0]
    assert per_authority.status.code.value == "ER_SUCCESS_MATCH"
    assert (per_authority.values[0].value.name, per_authority.values[0].value.id) == (
        "calf", "CALF")
    assert slots["other"].resolutions.resolutions_per_authority[0].status.code.value == (
        "ER_SUCCESS_NO_MATCH")
    assert slots["muscle"].slot_value.value == "calves"


def test_the_skill_answers_local_envelopes(resolver: Resolver) -> None:
    from skill.lambda_function import lambda_handler

    session_id = envelopes.new_session_id()
    launched = lambda_handler(envelopes.launch(new=True, session_id=session_id), None)
    assert launched["response"]["outputSpeech"]["ssml"].startswith("<speak>")
    attributes = launched.get("sessionAttributes") or {}
    env = envelopes.from_resolution(resolver.resolve("yes"), attributes=attributes,
                                    session_id=session_id)
    assert lambda_handler(env, None)["response"]
    ignored = envelopes.exception_encountered("INVALID_RESPONSE", "bad", "amzn1.echo-api.request.x")
    assert lambda_handler(ignored, None)["response"] == {}
