"""FastSerializer builds exactly what the SDK's DefaultSerializer builds, on every envelope sent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope, ResponseEnvelope

from skill.lambda_function import lambda_handler
from skill.local import dialogs, envelopes
from skill.local.simulator import Simulator
from skill.serializer import FastSerializer

DIALOGS = sorted((Path(__file__).parent / "dialogs").glob("*.yaml"))
fast, stock = FastSerializer(), DefaultSerializer()


def _recorded() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Every (request, response) the project's dialogs exchange, plus the odd request types."""
    seen: list[tuple[dict[str, Any], dict[str, Any]]] = []

    def recording(event: dict[str, Any], context: Any) -> dict[str, Any]:
        response = lambda_handler(event, context)
        seen.append((json.loads(json.dumps(event)), response))
        return response

    simulator = Simulator(handler=recording, apl=True)
    for path in DIALOGS:
        for dialog in dialogs.load(path):
            dialogs.run(dialog, simulator)
    for event in (
        envelopes.exception_encountered("INVALID_RESPONSE", "bad", "amzn1.echo-api.request.1"),
        envelopes.session_ended("ERROR", {"type": "INTERNAL_SERVICE_ERROR", "message": "x"}),
        envelopes.request("CanFulfillIntentRequest", {"intent": {"name": "CausesIntent"}}),
        envelopes.request("Alexa.Presentation.APL.UserEvent", {"arguments": ["next"]}),
    ):
        seen.append((event, lambda_handler(event, None)))
    return seen


Exchanges = list[tuple[dict[str, Any], dict[str, Any]]]


@pytest.fixture(scope="module")
def exchanges() -> Exchanges:
    """Recorded once for this module, when its first test runs (never at collection)."""
    return _recorded()


def test_the_recording_covers_the_conversations(exchanges: Exchanges) -> None:
    types = {request["request"]["type"] for request, _ in exchanges}
    assert {"LaunchRequest", "IntentRequest", "SessionEndedRequest"} <= types
    assert len(exchanges) > 150


def test_every_request_envelope_deserialises_to_the_same_objects(exchanges: Exchanges) -> None:
    for event, _ in exchanges:
        payload = json.dumps(event)
        ours, theirs = fast.deserialize(payload, RequestEnvelope), stock.deserialize(
            payload, RequestEnvelope)
        assert ours == theirs, event["request"]
        assert fast.read(event, RequestEnvelope) == theirs
        assert type(ours.request) is type(theirs.request)


def test_every_response_serialises_to_the_same_json(exchanges: Exchanges) -> None:
    for _, response in exchanges:
        model = stock.deserialize(json.dumps(response), ResponseEnvelope)
        assert fast.serialize(model) == stock.serialize(model)


def test_timestamps_are_the_same_instant() -> None:
    event = envelopes.launch()
    ours = fast.read(event, RequestEnvelope).request.timestamp
    theirs = stock.deserialize(json.dumps(event), RequestEnvelope).request.timestamp
    assert ours == theirs and ours.utcoffset() == theirs.utcoffset()


@pytest.mark.parametrize("payload", ["{", '{"request": {"type": "LaunchRequest", '
                                          '"timestamp": "yesterday-ish"}}'])
def test_bad_payloads_raise_the_sdk_exception(payload: str) -> None:
    with pytest.raises(SerializationException):
        fast.deserialize(payload, RequestEnvelope)
    with pytest.raises(SerializationException):
        stock.deserialize(payload, RequestEnvelope)


def test_the_skill_uses_it() -> None:
    assert isinstance(lambda_handler.skill.serializer, FastSerializer)
