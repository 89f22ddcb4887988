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
TITLE = "4. Understanding (local resolver on held-out paraphrases in bench/paraphrases*.yaml)"
PARAPHRASES = Path(__file__).with_name("paraphrases.yaml")
# Written after the resolver work, blind to the model, the resolver and the first set: the first
# set's failures had been seen while improving the resolver, so this one keeps the score honest.
FRESH = Path(__file__).with_name("paraphrases-fresh.yaml")
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
    """The labelled paraphrases in `path`: {intent: [text or {say, slot: value}]}, or a list of
    {text, intent, slots}."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(raw, list):
        return [Paraphrase(str(i["text"]), i["intent"], {k: str(v) for k, v in
                                                          (i.get("slots") or {}).items()},
                           "cramp coach" in str(i["text"]).lower()) for i in raw]
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
    # Alexa's own types (AMAZON.NUMBER) carry no resolution: their value is what is sent.
    return resolution.intent, {name: value.raw if value.status is None else value.value
                               for name, value in resolution.slots.items()}


def run(*, quick: bool, say: Callable[[str], None] = print) -> tuple[dict[str, Any], list[Row]]:
    """Resolve every paraphrase, score it, then time resolving against tokenising alone."""
    from skill import model
    from skill.local.normalise import words
    from skill.local.resolver import Resolver

    resolver = Resolver(model.load("en-US").raw)
    items = load()
    result = score(resolver, items)
    fresh = score(resolver, load(FRESH)) if FRESH.is_file() else None

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
    result |= {"resolve_us": {"median": median(resolve_us), "p99": percentile(resolve_us, 99)},
               "tokenise_us": {"median": median(tokenise_us), "p99": percentile(tokenise_us, 99)},
               "fresh": fresh}
    say(f"  timed: {passes} passes over {PARAPHRASES.name}")
    for name, scored in ((PARAPHRASES.name, result), (FRESH.name, fresh)):
        if scored is not None:
            _say_scores(name, scored, say)
    rows = [
        Row(SECTION, f"intent accuracy ({PARAPHRASES.name})", result["intent_accuracy"] * 100,
            None, "%", None, f"≥ {ACCURACY_TARGET:.0%}",
            result["intent_accuracy"] >= ACCURACY_TARGET),
        Row(SECTION, f"slot accuracy ({PARAPHRASES.name})", result["slot_accuracy"] * 100,
            None, "%"),
    ]
    if fresh is not None:
        rows += [
            Row(SECTION, f"intent accuracy ({FRESH.name}, blind)", fresh["intent_accuracy"] * 100,
                None, "%", None, f"≥ {ACCURACY_TARGET:.0%}",
                fresh["intent_accuracy"] >= ACCURACY_TARGET),
            Row(SECTION, f"slot accuracy ({FRESH.name}, blind)", fresh["slot_accuracy"] * 100,
                None, "%"),
        ]
    rows += [
        Row(SECTION, "median per utterance vs tokenising", result["resolve_us"]["median"],
            result["tokenise_us"]["median"], "µs",
            ratio(result["resolve_us"]["median"], result["tokenise_us"]["median"]),
            "≤ 1,000 µs", result["resolve_us"]["median"] <= MEDIAN_LIMIT_US),
        Row(SECTION, "p99 per utterance vs tokenising", result["resolve_us"]["p99"],
            result["tokenise_us"]["p99"], "µs",
            ratio(result["resolve_us"]["p99"], result["tokenise_us"]["p99"])),
    ]
    return result, rows


def score(resolver: Any, items: list[Paraphrase]) -> dict[str, Any]:
    """Intent and slot accuracy of `resolver` on `items`, with every confusion."""
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
        "confusions": confusions,
        "slot_misses": slot_misses,
    }
    return result


def _say_scores(name: str, result: dict[str, Any], say: Callable[[str], None]) -> None:
    say(f"  {name}: {result['utterances']} utterances over {result['intents_covered']} intents "
        f"({result['invoked_utterances']} with the invocation name)")
    say(f"  intent accuracy {result['intent_accuracy']:.1%}, with invocation "
        f"{result['invoked_accuracy']:.1%}; slot accuracy {result['slot_accuracy']:.1%} "
        f"({result['slot_values']} values)")
    weak = {k: v for k, v in result["accuracy_by_intent"].items() if v < 1}
    if weak:
        say("  intents below 100%: " + ", ".join(f"{k} {v:.0%}" for k, v in weak.items()))
    say(f"  confusions ({len(result['confusions'])}): utterance -> got (expected)")
    for c in result["confusions"]:
        say(f"    {c['say']!r} -> {c['got']} ({c['expected']}), score {c['score']}")
    if result["slot_misses"]:
        say(f"  slot misses ({len(result['slot_misses'])}): utterance -> got (expected)")
        for m in result["slot_misses"]:
            say(f"    {m['say']!r}: {m['slot']} -> {m['got']} ({m['expected']})")
