"""Whole conversations kept as data (tests/dialogs/*.yaml), driven through real envelopes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from skill import ssml

from .conftest import Device, Turn, intent_request

DIALOGS = sorted((Path(__file__).parent / "dialogs").glob("*.yaml"))


def _cases() -> list[Any]:
    cases = []
    for path in DIALOGS:
        for dialog in yaml.safe_load(path.read_text(encoding="utf-8")):
            cases.append(pytest.param(dialog, id=f"{path.stem}: {dialog['name']}"))
    return cases


def _listify(value: Any) -> list[str]:
    return [] if value is None else [value] if isinstance(value, str) else list(value)


def _send(device: Device, turn: dict[str, Any]) -> Turn:
    if "launch" in turn:
        return device.launch()
    if "intent" in turn:
        return device.send(intent_request(turn["intent"], turn.get("slots")))
    return device.send(turn["request"])


def check(turn: dict[str, Any], heard: Turn) -> list[str]:
    """What in `heard` breaks the expectations of `turn` (empty when all hold)."""
    problems = []
    text = heard.speech.lower()
    for phrase in _listify(turn.get("hears")):
        if phrase.lower() not in text:
            problems.append(f"expected to hear {phrase!r}")
    for phrase in _listify(turn.get("not_hears")):
        if phrase.lower() in text:
            problems.append(f"expected not to hear {phrase!r}")
    if "first_sentence" in turn and not heard.speech.startswith(turn["first_sentence"]):
        problems.append(f"expected to start with {turn['first_sentence']!r}")
    if "matches" in turn and not re.search(turn["matches"], heard.speech, re.I | re.S):
        problems.append(f"expected to match /{turn['matches']}/")
    for phrase in _listify(turn.get("reprompt")):
        if phrase.lower() not in (heard.reprompt or "").lower():
            problems.append(f"expected the reprompt to say {phrase!r}")
    if "ends" in turn and heard.end != turn["ends"]:
        problems.append(f"expected the session {'to end' if turn['ends'] else 'to stay open'}")
    for key, value in (turn.get("state") or {}).items():
        if heard.attributes.get(key) != value:
            problems.append(f"expected state {key}={value!r}, got {heard.attributes.get(key)!r}")
    if turn.get("silent") and "outputSpeech" in heard.raw.get("response", {}):
        problems.append("expected no speech")
    return problems


@pytest.mark.parametrize("dialog", _cases())
def test_dialog(dialog: dict[str, Any]) -> None:
    device = Device()
    for number, turn in enumerate(dialog["turns"], 1):
        heard = _send(device, turn)
        problems = check(turn, heard)
        assert not problems, f"turn {number} ({turn}): {problems}\n  heard: {heard.speech!r}"
        if not heard.end and not turn.get("silent"):
            # Every response that leaves the microphone open must have valid SSML and a reprompt.
            ssml.check(heard.ssml)
            assert heard.reprompt, f"turn {number} has no reprompt"
