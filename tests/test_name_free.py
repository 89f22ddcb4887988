"""CanFulfillIntentRequest over every intent and slot value, as real envelopes through
lambda_handler: what the skill claims when a request is said without its name."""

from __future__ import annotations

import json
from typing import Any

import pytest

from skill import model
from skill.lambda_function import lambda_handler
from skill.local import alexa_api, envelopes
from skill.local.resolution import SlotValue

MODEL = model.load("en-US")
# What a person opens with; everything else answers the skill mid-conversation (the list).
OPENERS = {"CrampReliefIntent", "PregnancyIntent", "CausesIntent", "PreventionIntent",
           "RedFlagCheckIntent", "MedicineIntent"}
LEG_AND_FOOT = {"calf", "hamstring", "quadriceps", "thigh", "shin", "foot", "toes", "leg"}


def _ask(name: str, slots: dict[str, SlotValue] | None = None, **options: Any) -> dict[str, Any]:
    return lambda_handler(envelopes.can_fulfill(name, slots, **options), None)


def _listed(type_name: str, value: str) -> SlotValue:
    return SlotValue(value, value, value.upper().replace(" ", "_"), "ER_SUCCESS_MATCH", type_name)


def _unlisted(type_name: str, words: str) -> SlotValue:
    return SlotValue(words, None, None, "ER_SUCCESS_NO_MATCH", type_name)


def _answer(raw: dict[str, Any]) -> tuple[str, dict[str, dict[str, str]]]:
    found = raw["response"]["canFulfillIntent"]
    return found["canFulfill"], found.get("slots") or {}


@pytest.mark.parametrize("name", sorted(MODEL.intents))
def test_every_intent_without_slots(name: str) -> None:
    claimed, _ = _answer(_ask(name))
    assert claimed == ("YES" if name in OPENERS else "NO")


CASES = [(name, slot, value.name) for name, intent in sorted(MODEL.intents.items())
         for slot, type_name in intent.slots.items() if type_name in MODEL.types
         for value in MODEL.types[type_name]]


@pytest.mark.parametrize(("name", "slot", "value"), CASES)
def test_every_slot_value(name: str, slot: str, value: str) -> None:
    type_name = MODEL.intents[name].slots[slot]
    claimed, slots = _answer(_ask(name, {slot: _listed(type_name, value)}))
    if name not in OPENERS:
        assert claimed == "NO"
    elif slot == "muscle" and value not in LEG_AND_FOOT:
        assert claimed == "NO"  # a cramp outside the leg and foot: Alexa's own answer
    else:
        assert claimed == "YES"
        assert slots[slot] == {"canUnderstand": "YES", "canFulfill": "YES"}


@pytest.mark.parametrize("words", ["my chest", "short of breath", "my heart", "coughing blood",
                                   "my foot's cold and blue"])
def test_emergency_words_in_a_slot_are_never_claimed(words: str) -> None:
    claimed, _ = _answer(_ask("CrampReliefIntent", {"muscle": _unlisted("MuscleType", words)}))
    assert claimed == "NO"


def test_an_unresolved_value_is_a_maybe() -> None:
    claimed, slots = _answer(_ask("MedicineIntent",
                                  {"medicine": _unlisted("MedicineType", "the little white ones")}))
    assert claimed == "MAYBE"
    assert slots["medicine"]["canUnderstand"] == "MAYBE"


def test_an_intent_the_model_lacks_is_not_claimed() -> None:
    assert _answer(_ask("PlayMusicIntent"))[0] == "NO"


def test_the_answer_speaks_nothing_keeps_nothing_and_asks_no_api() -> None:
    with alexa_api.running({"dev": "America/New_York"}) as api:
        raw = _ask("CrampReliefIntent", {"muscle": _listed("MuscleType", "calf")},
                   api_endpoint=api.endpoint, device_id="dev")
        assert api.requests == []  # no Settings API call: Alexa waits on this answer
    body = raw["response"]
    assert set(body) == {"canFulfillIntent"}, json.dumps(body)
    assert not raw.get("sessionAttributes")
