"""lambda_handler with raw Alexa envelopes: what Alexa would get back, error paths included."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest

from skill import conversation as conv
from skill import session, ssml
from skill.builder import build_skill, intent, routes
from skill.lambda_function import Handler, lambda_handler
from skill.local import dialogs, envelopes
from skill.local.simulator import Simulator


def speech_of(raw: dict[str, Any]) -> str:
    return ssml.to_text(raw["response"]["outputSpeech"]["ssml"])


def answer(name: str, attributes: dict[str, Any] | None = None, **options: Any) -> dict[str, Any]:
    """lambda_handler's answer to an intent (no slots) with these session attributes."""
    return lambda_handler(envelopes.intent(name, attributes=attributes, **options), None)


def test_launch_is_a_complete_response_envelope() -> None:
    raw = lambda_handler(envelopes.launch(new=True), None)
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
    raw = answer("CrampReliefIntent", new=True)
    speech = speech_of(raw)
    first = re.split(r"(?<=[.!?])\s", speech, maxsplit=1)[0]
    assert first == "Straighten your leg and pull your toes up toward you."
    assert len(first.split()) <= 12
    keys = dialogs.spoken_keys(raw["response"]["outputSpeech"]["ssml"])
    assert keys[0] == "step.stretch.calf"
    assert keys.index("disclaimer") > keys.index("done.stretch")  # never inside the counted hold
    assert '<break time="' in raw["response"]["outputSpeech"]["ssml"]  # time to act


def test_stop_ends_the_session_without_a_reprompt() -> None:
    raw = answer("AMAZON.StopIntent")
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
        raw = answer(name, attributes)
        assert "something went wrong" not in speech_of(raw)
        assert raw["response"]["reprompt"]


@pytest.mark.parametrize("attributes", [
    {"step": 1, "muscle": "calf", "pending": "easing"},  # an older deployment's shape
    {"v": 1, "step": 1},
    {"v": session.VERSION + 1, "signs": ["swelling"]},
    {"v": str(session.VERSION), "step": 1},  # a version of the wrong type
])
def test_attributes_of_another_shape_restart_politely_in_one_sentence(attributes) -> None:
    raw = answer("AMAZON.NextIntent", attributes)
    keys = dialogs.spoken_keys(raw["response"]["outputSpeech"]["ssml"])
    assert keys[0] == "lost_place" and "error" not in keys
    assert raw["response"]["shouldEndSession"] is False
    assert raw["sessionAttributes"]["v"] == session.VERSION


def test_a_huge_repeat_memory_is_not_trusted_and_the_answer_stays_small() -> None:
    attributes = {"v": session.VERSION, "step": 1, "pending": "easing",
                  "last": [["relief.resume", {"number": "2"}]] * 10_000}
    raw = answer("AMAZON.RepeatIntent", attributes)
    assert len(json.dumps(raw)) < 24_000  # Alexa's limit for a whole response
    assert len(raw["response"]["outputSpeech"]["ssml"]) < 8_000  # and for its speech


def test_a_place_in_the_steps_survives_attributes_as_alexa_echoes_them(simulator) -> None:
    simulator.intent("CrampReliefIntent", {"muscle": "foot"})
    simulator.intent("AMAZON.NextIntent")
    # Alexa sends back exactly what we stored; a JSON round trip must not lose the place.
    simulator.attributes = json.loads(json.dumps(simulator.attributes))
    turn = simulator.intent("AMAZON.PreviousIntent")
    assert "toes gently back toward your shin" in turn.speech


@pytest.mark.parametrize(
    "event",
    [{}, {"version": "1.0"}, {"request": {"type": "IntentRequest"}}, {"request": "nonsense"}, []],
)
def test_an_event_that_is_no_envelope_still_gets_a_spoken_answer(event: Any) -> None:
    text = speech_of(lambda_handler(event, None))
    assert "something went wrong" in text
    assert "straighten your leg" in text  # even the apology helps with the cramp


def test_a_failing_handler_gets_an_apology_and_the_place_is_kept() -> None:
    def broken(state: conv.State, slots: conv.Slots) -> conv.Reply:
        raise RuntimeError("bug")

    table = [intent("CausesIntent", broken), *routes()]
    handler = Handler(build_skill(table))
    attributes = {"v": session.VERSION, "step": 2, "muscle": "calf", "pending": "ready_next"}
    raw = handler(envelopes.intent("CausesIntent", attributes=attributes), None)
    assert speech_of(raw).startswith("Sorry, something went wrong on my side.")
    assert raw["response"]["shouldEndSession"] is False and raw["response"]["reprompt"]
    kept = raw["sessionAttributes"]
    assert kept["step"] == 2 and kept["muscle"] == "calf"
    assert "walk around gently" in speech_of(answer("AMAZON.NextIntent", kept))


def test_an_unknown_locale_speaks_english_and_loads_nothing_new() -> None:
    from skill import content

    before = content._load.cache_info().currsize
    for locale in ("en-GB", "xx-YY", "<script>"):
        assert "Cramp Coach" in speech_of(lambda_handler(envelopes.launch(locale=locale), None))
    assert content._load.cache_info().currsize == before


def test_nothing_a_person_said_is_logged_above_debug(caplog, simulator: Simulator) -> None:
    caplog.set_level(logging.INFO)
    simulator.intent("SymptomReportIntent", {"symptom": {"heard": "purple toes"}})
    simulator.say("my left buttock is cramping")
    simulator.request("SessionEndedRequest", {
        "reason": "ERROR", "error": {"type": "INVALID_RESPONSE", "message": "purple toes"}})
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "session ended" in logged  # the session end itself is logged...
    for private in ("purple", "buttock", envelopes.USER_ID, envelopes.DEVICE_ID,
                    envelopes.API_ACCESS_TOKEN):
        assert private not in logged  # ...but nothing personal
    caplog.clear()
    caplog.set_level(logging.DEBUG)
    simulator.intent("SymptomReportIntent", {"symptom": {"heard": "purple toes"}})
    assert "purple toes" in caplog.text  # DEBUG is where it may go, for a developer's eyes only


def test_a_request_outside_a_session_is_answered_without_session_state() -> None:
    event = envelopes.intent("CrampReliefIntent")
    del event["session"]  # AudioPlayer-style requests come without one
    raw = lambda_handler(event, None)
    assert speech_of(raw).startswith("Straighten your leg")
    assert not raw.get("sessionAttributes")
    event = envelopes.exception_encountered("INVALID_RESPONSE", "bad", "amzn1.echo-api.request.x")
    assert "outputSpeech" not in lambda_handler(event, None)["response"]
