"""Conversations as data (dialogs/*.yaml): run them through the simulator and say what broke.

A file is a list of dialogs: {name, turns, device}. `device` (optional) describes the Echo:
  screen: true (supports APL)   time_zone: "America/New_York" (served by a local stand-in for
  the Alexa Settings API)   at: "2026-11-27T08:10:00Z" (the clock, for the request timestamps)
A turn sends one of
  launch: ~ | say: "words" | intent: Name (with slots: {slot: value, or {heard: words}
  for words Alexa could not resolve, or {heard: words, value: canonical} for words it resolved})
  | request: {type: ..., ...} | new_session: ~
  | nameless: "words" or {intent: Name, slots: {...}} (a CanFulfillIntentRequest: would the skill
  take it, said without its name? checked with claims: YES|NO|MAYBE and claims_slots: {slot:
  canUnderstand}; the conversation under way is left as it was)
and checks any of
  hears / not_hears: phrase or list (case-insensitive)   first_sentence: the opening words
  matches: regex    reprompt: phrase or list    ends: bool    silent: true (no speech)
  state: {session attribute: value}    heard_intent: Name    heard_slots: {slot: value}
  ssml_contains / ssml_lacks: text or list    screen: {datasource field: value} or "none"
  says: response key or list, said in that order   not_says: key or list (what was said, by
  key: rewording a sentence breaks nothing)
  says_first: the response key spoken first
  disposition: the triage disposition reached (the highest of the signs raised and the advice
  spoken), e.g. emergency | urgent | see_doctor | self_care
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from skill import content, protocol, ssml
from skill.local import alexa_api
from skill.local.simulator import Claimed, Simulator, Turn

SENDS = ("launch", "say", "intent", "request", "new_session", "nameless")
DEVICE = "amzn1.ask.device.DIALOG-DEVICE"


@dataclass(frozen=True, slots=True)
class Dialog:
    """A named conversation from a file."""

    name: str
    turns: list[dict[str, Any]]
    source: str
    device: dict[str, Any]


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
        device = item.get("device") or {}
        if not isinstance(device, dict) or set(device) - {"screen", "time_zone", "at"}:
            raise ValueError(f"{path}: {item['name']}: device takes screen, time_zone, at")
        dialogs.append(Dialog(item["name"], item["turns"], path.name, device))
    return dialogs


def run(dialog: Dialog, simulator: Simulator) -> list[Failure]:
    """Play a dialog in a fresh session, on the device it describes; the turns that broke."""
    with ExitStack() as stack:
        options: dict[str, Any] = {"apl": bool(dialog.device.get("screen"))}
        if "at" in dialog.device:
            moment = datetime.fromisoformat(str(dialog.device["at"]))
            options["now"] = lambda: moment
        if "time_zone" in dialog.device:
            api = stack.enter_context(alexa_api.running({DEVICE: dialog.device["time_zone"]}))
            options |= {"api_endpoint": api.endpoint, "device_id": DEVICE}
        old = simulator.device(**options)
        stack.callback(lambda: simulator.device(**old))
        return _play(dialog, simulator)


def _play(dialog: Dialog, simulator: Simulator) -> list[Failure]:
    simulator.new_session()
    failures = []
    for number, turn in enumerate(dialog.turns, 1):
        if "new_session" in turn:
            simulator.new_session()
            continue
        if "nameless" in turn:
            problems = check_claim(turn, ask_nameless(simulator, turn["nameless"]))
            if problems:
                failures.append(Failure(dialog, number, turn, problems, ""))
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


def ask_nameless(simulator: Simulator, asked: Any) -> Claimed | None:
    """The skill's CanFulfillIntent answer for words, or for {intent, slots}."""
    if isinstance(asked, dict):
        return simulator.nameless_intent(asked["intent"], asked.get("slots"))
    return simulator.nameless(str(asked))


def check_claim(turn: dict[str, Any], found: Claimed | None) -> list[str]:
    """What in a name-free answer breaks the expectations of `turn`."""
    if found is None:
        return ["expected an intent to ask about; the words resolved to none"]
    problems = []
    if "claims" in turn and found.answer != turn["claims"]:
        problems.append(f"expected the skill to answer {turn['claims']} for {found.intent}, "
                        f"it answered {found.answer}")
    for slot, value in (turn.get("claims_slots") or {}).items():
        if found.understood.get(slot) != value:
            problems.append(f"expected slot {slot} understood {value}, got "
                            f"{found.understood.get(slot)}")
    if "heard_intent" in turn and found.intent != turn["heard_intent"]:
        problems.append(f"expected intent {turn['heard_intent']}, resolved {found.intent}")
    return problems


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
    for text in _listify(turn.get("ssml_contains")):
        if text not in heard.ssml:
            problems.append(f"expected the SSML to contain {text!r}")
    for text in _listify(turn.get("ssml_lacks")):
        if text in heard.ssml:
            problems.append(f"expected the SSML not to contain {text!r}")
    if "screen" in turn:
        shown = (heard.screen or {}).get("step") if heard.screen is not None else None
        if turn["screen"] == "none":
            if shown is not None:
                problems.append("expected nothing on screen")
        elif shown is None:
            problems.append("expected a step on screen (an APL RenderDocument directive)")
        else:
            for key, value in turn["screen"].items():
                if shown.get(key) != value:
                    problems.append(f"expected screen {key}={value!r}, got {shown.get(key)!r}")
    if any(k in turn for k in ("says", "not_says", "says_first", "disposition")):
        try:
            keys = spoken_keys(heard.ssml)
        except ValueError as exc:
            keys = []
            problems.append(str(exc))
        said = iter(keys)  # in this order, with anything between
        if not all(key in said for key in _listify(turn.get("says"))):
            problems.append(f"expected to say {_listify(turn.get('says'))} in order, said {keys}")
        for key in _listify(turn.get("not_says")):
            if key in keys:
                problems.append(f"expected not to say {key!r}, said {keys}")
        if "says_first" in turn and keys[:1] != [turn["says_first"]]:
            problems.append(f"expected to say {turn['says_first']!r} first, said {keys}")
        if "disposition" in turn and disposition_of(heard, keys) != turn["disposition"]:
            problems.append(f"expected disposition {turn['disposition']!r}, "
                            f"reached {disposition_of(heard, keys)!r} (said {keys})")
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


def spoken_keys(ssml_text: str, catalog: content.Catalog | None = None) -> list[str]:
    """The response keys a reply was rendered from, read back from its SSML: each key's
    variants (day and night) are matched in turn. Raises ValueError if the SSML is not made of
    the catalog's sentences."""
    patterns = _key_patterns(catalog or content.catalog())
    body = re.sub(r"^<speak>(?:<prosody[^>]*>)?|(?:</prosody>)?</speak>$", "", ssml_text.strip())
    found: list[str] = []
    position = 0
    while position < len(body):
        best = max(((m.end(), key) for key, pattern in patterns
                    if (m := pattern.match(body, position))), default=None)
        if best is None:
            raise ValueError(f"not a sentence of the responses: {body[position:][:80]!r}")
        position, key = best
        found.append(key)
        position += body.startswith(" ", position)
    return found


_PATTERN_CACHE: dict[int, list[tuple[str, re.Pattern[str]]]] = {}


def _key_patterns(catalog: content.Catalog) -> list[tuple[str, re.Pattern[str]]]:
    if id(catalog) not in _PATTERN_CACHE:
        patterns = []
        for key, entry in catalog.entries.items():
            for variant in entry.variants:
                parts = re.split(r"\{[A-Za-z_]\w*\}", variant)
                text = ".+?".join(re.escape(p) for p in parts)
                patterns.append((key.removeprefix(content.NIGHT), re.compile(f"{text}(?= |$)")))
        _PATTERN_CACHE[id(catalog)] = patterns
    return _PATTERN_CACHE[id(catalog)]


def disposition_of(heard: Turn, keys: list[str]) -> str:
    """The triage disposition after a turn: the highest of the signs the session holds and of
    the advice just spoken (an emergency ends the session, so its advice is all there is)."""
    clinical = protocol.default()
    raised = heard.attributes.get("signs") or []
    levels = [clinical.disposition(raised)]
    levels += [k.split(".", 1)[1] for k in keys if k.startswith(("advice.", "reminder."))]
    return max(levels, key=clinical.rank)


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
