"""lambda_handler with raw Alexa envelopes: what Alexa would get back, error paths included."""

from __future__ import annotations

import json
import logging
import re
import sys
from typing import Any

import pytest

from skill import conversation as conv
from skill import ssml
from skill.builder import build_skill, intent, routes
from skill.lambda_function import lambda_handler

from .conftest import Device, Turn, envelope, intent_request


def test_launch_is_a_complete_response_envelope() -> None:
    raw = lambda_handler(envelope({"type": "LaunchRequest"}, new=True), None)
    assert raw["version"] == "1.0"
    speech = raw["response"]["outputSpeech"]
    assert speech["type"] == "SSML"
    ssml.check(speech["ssml"])
    assert "Do you have a cramp right now?" in ssml.to_text(speech["ssml"])
    assert raw["response"]["reprompt"]["outputSpeech"]["type"] == "SSML"
    assert raw["response"]["shouldEndSession"] is False
    assert raw["sessionAttributes"]["pending"] == "have_cramp"
    json.dumps(raw)  # what goes back to Alexa is plain JSON


def test_help_comes_within_the_first_sentence_of_a_one_shot_request() -> None:
    turn = Turn.of(lambda_handler(envelope(intent_request("CrampReliefIntent"), new=True), None))
    first = re.split(r"(?<=[.!?])\s", turn.speech, maxsplit=1)[0]
    assert first == "Straighten your leg and pull your toes up toward you."
    assert len(first.split()) <= 12
    assert turn.speech.index("toes") < turn.speech.index("not a clinician")
    assert '<break time="' in turn.ssml  # time to act before the next words


def test_stop_ends_the_session_without_a_reprompt() -> None:
    raw = lambda_handler(envelope(intent_request("AMAZON.StopIntent")), None)
    assert raw["response"]["shouldEndSession"] is True
    assert "reprompt" not in raw["response"]


@pytest.mark.parametrize(
    "attributes",
    [
        {"step": "two", "pending": 7, "muscle": ["calf"], "turn": -3, "last": "x"},
        {"step": 99, "pending": "launch_missiles", "question": 12, "paused": "yes"},
        {"last": [["no.such.key", {}]], "disclaimed": 1},
        {"last": [["relief.resume", {"wrong": "1"}]]},
        {"last": [[1, 2, 3]], "turn": True},
    ],
)
def test_tampered_session_attributes_are_ignored_not_fatal(attributes: dict[str, Any]) -> None:
    for name in ("AMAZON.NextIntent", "AMAZON.RepeatIntent", "AMAZON.YesIntent"):
        turn = Turn.of(lambda_handler(envelope(intent_request(name), attributes), None))
        assert "something went wrong" not in turn.speech
        assert turn.reprompt


def test_a_place_in_the_steps_survives_attributes_as_alexa_echoes_them() -> None:
    device = Device()
    device.intent("CrampReliefIntent", muscle="foot")
    device.intent("AMAZON.NextIntent")
    # Alexa sends back exactly what we stored; a JSON round trip must not lose the place.
    device.attributes = json.loads(json.dumps(device.attributes))
    turn = device.intent("AMAZON.PreviousIntent")
    assert "toes gently back toward your shin" in turn.speech


@pytest.mark.parametrize(
    "event",
    [{}, {"version": "1.0"}, {"request": {"type": "IntentRequest"}}, {"request": "nonsense"}, []],
)
def test_an_event_that_is_no_envelope_still_gets_a_spoken_answer(event: Any) -> None:
    raw = lambda_handler(event, None)
    text = ssml.to_text(raw["response"]["outputSpeech"]["ssml"])
    assert "something went wrong" in text
    assert "straighten your leg" in text  # even the apology helps with the cramp


def test_a_failing_handler_gets_an_apology_and_the_place_is_kept(monkeypatch) -> None:
    def broken(state: conv.State, slots: conv.Slots) -> conv.Reply:
        raise RuntimeError("bug")

    table = [intent("CausesIntent", broken), *routes()]
    skill = build_skill(table)
    monkeypatch.setattr(sys.modules["skill.lambda_function"], "SKILL", skill)
    attributes = {"step": 2, "muscle": "calf", "pending": "ready_next"}
    turn = Turn.of(lambda_handler(envelope(intent_request("CausesIntent"), attributes), None))
    assert turn.speech.startswith("Sorry, something went wrong on my side.")
    assert turn.end is False and turn.reprompt
    assert turn.attributes["step"] == 2 and turn.attributes["muscle"] == "calf"
    after = Turn.of(lambda_handler(envelope(intent_request("AMAZON.NextIntent"),
                                            turn.attributes), None))
    assert "walk around gently" in after.speech


def test_an_unknown_locale_speaks_english_and_loads_nothing_new() -> None:
    from skill import content

    before = content._load.cache_info().currsize
    for locale in ("en-GB", "xx-YY", "<script>"):
        turn = Turn.of(lambda_handler(envelope({"type": "LaunchRequest"}, locale=locale), None))
        assert "Cramp Coach" in turn.speech
    assert content._load.cache_info().currsize == before


def test_nothing_a_person_said_is_logged_above_debug(caplog) -> None:
    caplog.set_level(logging.INFO)
    device = Device()
    device.intent("SymptomReportIntent", symptom={"heard": "purple toes"})
    device.intent("CrampReliefIntent", muscle={"heard": "left buttock"})
    device.send({"type": "SessionEndedRequest", "reason": "ERROR",
                 "error": {"type": "INVALID_RESPONSE", "message": "purple toes"}})
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "session ended" in logged  # the session end itself is logged...
    for private in ("purple", "buttock", "TESTUSER", "TESTDEVICE", "test-token"):
        assert private not in logged  # ...but nothing personal
    caplog.clear()
    caplog.set_level(logging.DEBUG)
    device.intent("SymptomReportIntent", symptom={"heard": "purple toes"})
    assert "purple toes" in caplog.text  # DEBUG is where it may go, for a developer's eyes only
