"""Hearing: espeak-ng speech decoded by pocketsphinx, with our language model and without it.

Round trips on the model's own samples and on the held-out paraphrases (scored, never printed),
and decoding time per second of audio against real time (the floor a live device must beat).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bench import understanding
from bench.report import Row
from bench.stats import ratio
from skill import model

SECTION = "6 voice"
TITLE = "6. Voice in (espeak-ng -> pocketsphinx -> resolver)"
TARGET = 0.90  # of requests right end to end
OPEN = ("en-us+f5",), (170,)  # the general model is slow: one voice and rate for the comparison
DEVELOPMENT_STRIDE = 60  # every 60th development line (314) said aloud: what tuning may read


class _Heard:
    """Stands in for the resolver in `understanding.score`: resolves what was heard instead."""

    def __init__(self, resolver: Any, heard: Sequence[str]) -> None:
        self.resolver, self.heard = resolver, iter(heard)

    def resolve(self, _typed: str) -> Any:
        return self.resolver.resolve(next(self.heard))


def run(*, quick: bool, say: Callable[[str], None] = print) -> tuple[dict[str, Any], list[Row]]:
    """Say, hear and resolve the samples and the held-out half, with the grammar and without."""
    from skill.local import hearing, voice_test
    from skill.local.resolver import Resolver

    if (why := hearing.available()) is not None:
        raise RuntimeError(f"cannot hear: {why}")
    raw = model.load("en-US").raw
    resolver = Resolver(raw)
    voices, rates = (voice_test.VOICES[:1], (170,)) if quick else (voice_test.VOICES,
                                                                    voice_test.RATES)
    samples = voice_test.sample_cases(raw, resolver, per_intent=1 if quick else 8)
    held = understanding.load(understanding.HELD_OUT)
    held = held[:: 13 if quick else 1]
    held_cases = [voice_test.Case(p.say, p.intent) for p in held]
    development = understanding.load(understanding.DEVELOPMENT)
    development = development[:: DEVELOPMENT_STRIDE * (10 if quick else 1)]
    results: dict[str, Any] = {}
    rows: list[Row] = []
    for grammar in (True, False):
        label = "with our grammar" if grammar else "pocketsphinx's general English model"
        vs, rs = (voices, rates) if grammar else OPEN
        some = samples if grammar else samples[:: 2 if quick else 4]
        sample_trials = voice_test.run(some, raw, voices=vs, rates=rs, grammar=grammar,
                                       workers=2)
        found = voice_test.summarise(sample_trials, worst=10)
        held_trials = voice_test.run(held_cases, raw, voices=vs, rates=rs, grammar=grammar,
                                     workers=2)
        scored = understanding.score(_Heard(resolver, [t.heard for t in held_trials]),
                                     [p for _ in range(len(vs) * len(rs)) for p in held])
        trials = [*sample_trials, *held_trials]
        if grammar:  # the paraphrases a change to hearing may be tuned on, said aloud
            dev_trials = voice_test.run([voice_test.Case(p.say, p.intent) for p in development],
                                        raw, voices=vs, rates=rs, workers=2)
            dev_scored = understanding.score(
                _Heard(resolver, [t.heard for t in dev_trials]),
                [p for _ in range(len(vs) * len(rs)) for p in development])
            trials += dev_trials
        audio = sum(t.seconds for t in trials)
        per_second = sum(t.decoding for t in trials) / max(audio, 1e-9)
        key = "grammar" if grammar else "open"
        results[key] = {"samples": found.as_json(), "held_out": {
            k: scored[k] for k in ("intent_accuracy", "slot_accuracy", "fallback_kept",
                                   "accuracy_by_intent")} | {
            "cramps_misrouted": len(scored["cramps_misrouted"]),
            "emergencies_missed": len(scored["emergencies_missed"])},
            "decoding_per_audio_second": per_second}
        if grammar:
            results[key]["development"] = {k: dev_scored[k] for k in (
                "intent_accuracy", "slot_accuracy", "fallback_kept")}
        say(f"  {label}: {len(some)} samples and {len(held)} held-out lines, "
            f"{len(vs)} voice(s) x {len(rs)} rate(s), {audio:.0f} s of audio")
        say(f"    samples: {found.intent_accuracy:.1%} intents, {found.accuracy:.1%} with slots; "
            f"held-out: {scored['intent_accuracy']:.1%} intents, "
            f"{scored['slot_accuracy']:.1%} slots; {per_second:.3f} s per second of audio")
        if grammar:
            say(f"    development ({len(development)} lines): "
                f"{dev_scored['intent_accuracy']:.1%} intents, "
                f"{dev_scored['slot_accuracy']:.1%} slots, "
                f"{dev_scored['fallback_kept']:.0%} of out-of-domain kept")
            say("    samples heard wrong most often:")
            for case, count, heard in found.worst:
                say(f"      {count}x {case.intent}: {case.say!r} heard as {heard[0]!r}")
        target = f"≥ {TARGET:.0%}" if grammar else ""
        rows += [
            Row(SECTION, f"samples right end to end ({label})", found.accuracy * 100, None, "%",
                None, target, found.accuracy >= TARGET if grammar else None),
            Row(SECTION, f"held-out intents right end to end ({label})",
                scored["intent_accuracy"] * 100, None, "%", None, target,
                scored["intent_accuracy"] >= TARGET if grammar else None),
            *([Row(SECTION, f"development intents right end to end ({label})",
                   dev_scored["intent_accuracy"] * 100, None, "%")] if grammar else []),
            Row(SECTION, f"decoding per second of audio ({label})", per_second, 1.0, "s",
                ratio(per_second, 1.0), "< 1 s (real time)" if grammar else "",
                per_second < 1.0 if grammar else None),
        ]
    return results, rows
