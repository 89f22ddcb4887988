"""Conversations as data (dialogs/*.yaml): run them through the simulator and say what broke.

A file is a list of dialogs: {name, turns}. A turn sends one of
  launch: ~ | say: "words" | intent: Name (with slots: {slot: value or {heard: words}})
  | request: {type: ..., ...} | new_session: ~
and checks any of
  hears / not_hears: phrase or list (case-insensitive)   first_sentence: the opening words
  matches: regex    reprompt: phrase or list    ends: bool    silent: true (no speech)
  state: {session attribute: value}    heard_intent: Name    heard_slots: {slot: value}
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from skill import ssml
from skill.local.simulator import Simulator, Turn

SENDS = ("launch", "say", "intent", "request", "new_session")


@dataclass(frozen=True, slots=True)
class Dialog:
    """A named conversation from a file."""

    name: str
    turns: list[dict[str, Any]]
    source: str


@dataclass(frozen=True, slots=True)
class Failure:
    """One turn that did not go as the dialog expected."""

    dialog: Dialog
    number: int
    turn: dict[str, Any]
    problems: list[str]
    heard: str

    def __str__(self) -> str:
        sent = next((f"{k} {self.turn[k]!r}" for k in SENDS if k in self.turn), "?")
        lines = [f"{self.dialog.source}: {self.dialog.name}", f"  turn {self.number} ({sent}):"]
        lines += [f"    {p}" for p in self.problems]
        lines.append(f"    heard: {self.heard!r}")
        return "\n".join(lines)


def load(path: Path) -> list[Dialog]:
    """The dialogs in a file; ValueError naming the file if it is not in the format above."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of dialogs")
    dialogs = []
    for item in data:
        if not (isinstance(item, dict) and "name" in item and isinstance(item.get("turns"), list)):
            raise ValueError(f"{path}: every dialog needs a name and a list of turns")
        for turn in item["turns"]:
            if sum(k in turn for k in SENDS) != 1:
                raise ValueError(f"{path}: {item['name']}: each turn sends one of {SENDS}: {turn}")
        dialogs.append(Dialog(item["name"], item["turns"], path.name))
    return dialogs


def run(dialog: Dialog, simulator: Simulator) -> list[Failure]:
    """Play a dialog in a fresh session; every turn that broke an expectation."""
    simulator.new_session()
    failures = []
    for number, turn in enumerate(dialog.turns, 1):
        if "new_session" in turn:
            simulator.new_session()
            continue
        heard = send(simulator, turn)
        problems = check(turn, heard)
        if problems:
            failures.append(Failure(dialog, number, turn, problems, heard.speech))
    return failures


def send(simulator: Simulator, turn: dict[str, Any]) -> Turn:
    """Send what a turn says to send."""
    if "launch" in turn:
        return simulator.launch()
    if "say" in turn:
        return simulator.say(str(turn["say"]))
    if "intent" in turn:
        return simulator.intent(turn["intent"], turn.get("slots"))
    fields = dict(turn["request"])
    return simulator.request(fields.pop("type"), fields)


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
            problems.append(f"expected the reprompt to say {phrase!r}, got {heard.reprompt!r}")
    if "ends" in turn and heard.end_session != turn["ends"]:
        problems.append(f"expected the session {'to end' if turn['ends'] else 'to stay open'}")
    for key, value in (turn.get("state") or {}).items():
        if heard.attributes.get(key) != value:
            problems.append(f"expected state {key}={value!r}, got {heard.attributes.get(key)!r}")
    if "heard_intent" in turn and heard.intent != turn["heard_intent"]:
        problems.append(f"expected intent {turn['heard_intent']}, resolved {heard.intent}")
    for slot, value in (turn.get("heard_slots") or {}).items():
        if heard.slots.get(slot) != value:
            problems.append(f"expected slot {slot}={value!r}, got {heard.slots.get(slot)!r}")
    if turn.get("silent") and heard.ssml:
        problems.append("expected no speech")
    if not heard.end_session and heard.ssml:
        # Whenever the microphone stays open: valid SSML, and a reprompt for silence.
        try:
            ssml.check(heard.ssml)
        except ValueError as exc:
            problems.append(str(exc))
        if not heard.reprompt:
            problems.append("the session stays open with no reprompt")
    return problems


def run_files(paths: Iterable[Path], simulator: Simulator,
              report: Callable[[str], None] = print) -> tuple[int, int]:
    """Run every dialog in `paths`, reporting each failure; (dialogs run, dialogs failed)."""
    ran = failed = 0
    for path in paths:
        for dialog in load(path):
            ran += 1
            failures = run(dialog, simulator)
            if failures:
                failed += 1
                for failure in failures:
                    report(str(failure))
    return ran, failed


def _listify(value: Any) -> list[str]:
    return [] if value is None else [value] if isinstance(value, str) else [str(v) for v in value]
