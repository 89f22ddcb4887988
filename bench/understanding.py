"""Understanding: the local resolver's intent and slot accuracy on held-out paraphrases."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bench.report import Row
from bench.stats import median, percentile, ratio

SECTION = "4 understanding"
TITLE = "4. Understanding (local resolver on held-out paraphrases in bench/paraphrases.yaml)"
PARAPHRASES = Path(__file__).with_name("paraphrases.yaml")
LAUNCH = "LaunchRequest"
ENDED = "SessionEndedRequest"
INVOKED = " (invoked)"
ACCURACY_TARGET = 0.95
MEDIAN_LIMIT_US = 1000.0


@dataclass(frozen=True, slots=True)
class Paraphrase:
    """One utterance, the intent it means, and the canonical slot values it names."""

    say: str
    intent: str
    slots: dict[str, str] = field(default_factory=dict)
    invoked: bool = False  # said with the invocation name ("ask cramp coach ...")


def load(path: Path = PARAPHRASES) -> list[Paraphrase]:
    """The labelled paraphrases in `path`."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    found = []
    for key, items in raw.items():
        intent = key.removesuffix(INVOKED)
        for item in items:
            if isinstance(item, str):
                found.append(Paraphrase(item, intent, invoked=key.endswith(INVOKED)))
            else:
                slots = {k: str(v) for k, v in item.items() if k != "say"}
                found.append(Paraphrase(str(item["say"]), intent, slots, key.endswith(INVOKED)))
    return found


def heard(resolution: Any) -> tuple[str, dict[str, str | None]]:
    """The intent a resolution sends (or the request type), and its canonical slot values."""
    if resolution.kind == "launch":
        return LAUNCH, {}
    if resolution.kind == "end":
        return ENDED, {}
    return resolution.intent, {name: value.value for name, value in resolution.slots.items()}


def run(*, quick: bool, say: Callable[[str], None] = print) -> tuple[dict[str, Any], list[Row]]:
    """Resolve every paraphrase, score it, then time resolving against tokenising alone."""
    from skill import model
    from skill.local.normalise import words
    from skill.local.resolver import Resolver

    resolver = Resolver(model.load("en-US").raw)
    items = load()
    confusions: list[dict[str, Any]] = []
    slot_misses: list[dict[str, Any]] = []
    right = Counter[bool]()
    right_invoked = Counter[bool]()
    slot_right = Counter[bool]()
    by_intent: dict[str, Counter[bool]] = {}
    for item in items:
        resolution = resolver.resolve(item.say)
        got, slots = heard(resolution)
        ok = got == item.intent
        right[ok] += 1
        by_intent.setdefault(item.intent, Counter())[ok] += 1
        if item.invoked:
            right_invoked[ok] += 1
        if not ok:
            confusions.append({"say": item.say, "expected": item.intent, "got": got,
                               "score": resolution.score, "sample": resolution.sample})
        for name, value in item.slots.items():
            slot_ok = ok and slots.get(name) == value
            slot_right[slot_ok] += 1
            if not slot_ok:
                slot_misses.append({"say": item.say, "slot": name, "expected": value,
                                    "got": slots.get(name), "intent": got})

    passes = 3 if quick else 25
    resolve_us: list[float] = []
    tokenise_us: list[float] = []
    clock = time.perf_counter_ns
    for _ in range(passes):
        for item in items:
            t0 = clock()
            resolver.resolve(item.say)
            t1 = clock()
            words(item.say)
            t2 = clock()
            resolve_us.append((t1 - t0) / 1000)
            tokenise_us.append((t2 - t1) / 1000)

    accuracy = right[True] / len(items)
    slot_accuracy = slot_right[True] / max(1, slot_right.total())
    result: dict[str, Any] = {
        "utterances": len(items),
        "intents_covered": len(by_intent),
        "intent_accuracy": accuracy,
        "invoked_accuracy": right_invoked[True] / max(1, right_invoked.total()),
        "invoked_utterances": right_invoked.total(),
        "slot_accuracy": slot_accuracy,
        "slot_values": slot_right.total(),
        "accuracy_by_intent": {k: c[True] / c.total() for k, c in sorted(by_intent.items())},
        "resolve_us": {"median": median(resolve_us), "p99": percentile(resolve_us, 99)},
        "tokenise_us": {"median": median(tokenise_us), "p99": percentile(tokenise_us, 99)},
        "confusions": confusions,
        "slot_misses": slot_misses,
    }
    say(f"  {len(items)} utterances over {len(by_intent)} intents "
        f"({right_invoked.total()} with the invocation name); {passes} timed passes")
    say(f"  intent accuracy {accuracy:.1%} ({right[True]}/{len(items)}), with invocation "
        f"{result['invoked_accuracy']:.1%}; slot accuracy {slot_accuracy:.1%} "
        f"({slot_right[True]}/{slot_right.total()})")
    weak = {k: v for k, v in result["accuracy_by_intent"].items() if v < 1}
    if weak:
        say("  intents below 100%: " + ", ".join(f"{k} {v:.0%}" for k, v in weak.items()))
    say(f"  confusions ({len(confusions)}): utterance -> got (expected)")
    for c in confusions:
        say(f"    {c['say']!r} -> {c['got']} ({c['expected']}), score {c['score']}")
    if slot_misses:
        say(f"  slot misses ({len(slot_misses)}): utterance -> got (expected)")
        for s in slot_misses:
            say(f"    {s['say']!r}: {s['slot']} -> {s['got']} ({s['expected']})")
    rows = [
        Row(SECTION, "intent accuracy", accuracy * 100, None, "%", None,
            f"≥ {ACCURACY_TARGET:.0%}", accuracy >= ACCURACY_TARGET),
        Row(SECTION, "slot accuracy", slot_accuracy * 100, None, "%"),
        Row(SECTION, "median per utterance vs tokenising", result["resolve_us"]["median"],
            result["tokenise_us"]["median"], "µs",
            ratio(result["resolve_us"]["median"], result["tokenise_us"]["median"]),
            "≤ 1,000 µs", result["resolve_us"]["median"] <= MEDIAN_LIMIT_US),
        Row(SECTION, "p99 per utterance vs tokenising", result["resolve_us"]["p99"],
            result["tokenise_us"]["p99"], "µs",
            ratio(result["resolve_us"]["p99"], result["tokenise_us"]["p99"])),
    ]
    return result, rows
