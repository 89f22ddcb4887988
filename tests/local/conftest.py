"""Fixtures for the local (offline) tools: a small Cramp Coach interaction model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from skill.local.resolver import Resolver

REAL_MODEL = Path(__file__).resolve().parents[2] / "interaction_model" / "en-US.json"


def _intent(name: str, samples: list[str], slots: list[dict[str, str]] | None = None) -> dict:
    return {"name": name, "slots": slots or [], "samples": samples}


MUSCLE = [{"name": "muscle", "type": "MuscleType"}]

SMALL_MODEL: dict[str, Any] = {
    "interactionModel": {
        "languageModel": {
            "invocationName": "cramp coach",
            "intents": [
                _intent("CrampNowIntent", [
                    "I have a cramp",
                    "I've got a cramp",
                    "my leg is cramping",
                    "my {muscle} is cramping",
                    "I have a cramp in my {muscle}",
                    "my {muscle} cramped",
                    "{muscle} cramp",
                    "help my {muscle} is cramping",
                ], MUSCLE),
                _intent("WhyCrampsIntent", [
                    "why do my legs cramp",
                    "why do I get cramps",
                    "what causes leg cramps",
                    "why do cramps happen at night",
                ]),
                _intent("StretchIntent", [
                    "how do I stretch my {muscle}",
                    "show me a stretch",
                    "what stretch helps",
                ], MUSCLE),
                _intent("CrampGoneIntent", [
                    "it's gone", "the cramp has passed", "it's better now", "I feel better",
                ]),
                _intent("StillCrampingIntent", [
                    "it still hurts", "it's still cramping", "it hasn't stopped",
                ]),
                _intent("DurationIntent", [
                    "it lasted {minutes} minutes",
                ], [{"name": "minutes", "type": "AMAZON.NUMBER"}]),
                _intent("AMAZON.YesIntent", []),
                _intent("AMAZON.NoIntent", []),
                _intent("AMAZON.StopIntent", []),
                _intent("AMAZON.CancelIntent", []),
                _intent("AMAZON.HelpIntent", ["what can you do for me"]),
                _intent("AMAZON.RepeatIntent", []),
                _intent("AMAZON.StartOverIntent", []),
                _intent("AMAZON.PauseIntent", []),
                _intent("AMAZON.ResumeIntent", []),
                _intent("AMAZON.FallbackIntent", []),
                _intent("AMAZON.NavigateHomeIntent", []),
            ],
            "types": [{
                "name": "MuscleType",
                "values": [
                    {"id": "CALF", "name": {"value": "calf",
                                            "synonyms": ["calves", "lower leg", "back of my leg"]}},
                    {"id": "FOOT", "name": {"value": "foot", "synonyms": ["feet", "arch", "sole"]}},
                    {"id": "THIGH", "name": {"value": "thigh",
                                             "synonyms": ["hamstring", "back of my thigh"]}},
                    {"id": "TOES", "name": {"value": "toes", "synonyms": ["toe"]}},
                ],
            }],
        },
    },
}


@pytest.fixture(scope="session")
def small_model() -> dict[str, Any]:
    """A trimmed Cramp Coach model with custom and built-in slot types and built-in intents."""
    return SMALL_MODEL


@pytest.fixture(scope="session")
def resolver(small_model: dict[str, Any]) -> Resolver:
    """A resolver over the small model."""
    return Resolver(small_model)


@pytest.fixture(scope="session")
def real() -> Resolver:
    """A resolver over the skill's own en-US model."""
    return Resolver.from_file(REAL_MODEL)
