"""`test-voice`: say the model's samples with espeak-ng, hear them back, and score the round trip.

A sample that only works typed is one a real device may mishear. Each case is spoken in every
voice at every rate (pyttsx3 driving espeak-ng, as the chat's voice does), heard by an `Ear`,
and resolved; it is right when it lands on the intent and slot values its text stands for.
"""

from __future__ import annotations

import random
import subprocess
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skill.local import dialogs
from skill.local.hearing import Ear, corpus, listen, read_wav, spoken
from skill.local.resolution import LAUNCH
from skill.local.resolver import Resolver
from skill.local.speaker import Pyttsx3Synthesiser, Run

# espeak-ng voices pocketsphinx's American model hears well; its default male voice it mostly
# does not (measured in bench/README.md), so the default would test the engine, not the model.
VOICES = ("en-us+f5", "en-us+f2")
RATES = (130, 170)  # words a minute: slow and sleepy, and brisk


@dataclass(frozen=True, slots=True)
class Case:
    """Words to say, and the intent and slot values they should reach."""

    say: str
    intent: str
    slots: Mapping[str, str | None] = field(default_factory=dict)
    source: str = "sample"  # the intent's sample, or the dialog file it came from


@dataclass(frozen=True, slots=True)
class Trial:
    """One case said in one voice at one rate, and what came of it."""

    case: Case
    voice: str
    rate: int
    heard: str
    intent: str
    slots: Mapping[str, str | None]
    seconds: float  # of audio
    decoding: float  # seconds spent hearing it

    @property
    def intent_right(self) -> bool:
        return self.intent == self.case.intent

    @property
    def right(self) -> bool:
        """The intent and every expected slot value came through."""
        return self.intent_right and all(self.slots.get(k) == v
                                         for k, v in self.case.slots.items())


def unknown_voices(voices: Iterable[str], *, espeak: str = "espeak-ng",
                   run: Run = subprocess.run) -> list[str]:
    """The voices espeak-ng does not have: pyttsx3 then speaks in its default voice, unsaid.

    A voice is a language (`en-us`), optionally `+` a variant file name (`f5`, exact case).
    """
    listing = run([espeak, "--voices=variant"], capture_output=True, text=True,
                  check=False).stdout
    variants = {word.removeprefix("!v/") for line in listing.splitlines()
                for word in line.split() if word.startswith("!v/")}
    unknown = []
    for voice in voices:
        language, _, variant = voice.partition("+")
        known = run([espeak, "-v", language, "-q", ""], capture_output=True, text=True,
                    check=False).returncode == 0
        if not known or (variant and variant not in variants):
            unknown.append(voice)
    return unknown


def sample_cases(model: Mapping[str, Any], resolver: Resolver, *, per_intent: int | None = None,
                 seed: int = 0) -> list[Case]:
    """The model's samples with slots filled as a device hears them, labelled by their text.

    A sample is labelled with its own intent; its slot values are what its text resolves to
    (so a number said "three" expects 3), which is also a check that the text still works.
    """
    lm = model.get("interactionModel", {}).get("languageModel", model)
    name = " ".join(spoken(lm.get("invocationName", "")))
    cases = [Case(f"open {name}", LAUNCH)] if name else []
    for intent in lm.get("intents", ()):
        texts = list(dict.fromkeys(corpus({"intents": [intent], "types": lm.get("types", ())})))
        if per_intent is not None:
            texts = random.Random(f"{seed}:{intent['name']}").sample(
                texts, min(per_intent, len(texts)))
        for text in texts:
            _, slots = resolver.resolve(text).sent()
            declared = {s["name"] for s in intent.get("slots", ())}
            cases.append(Case(text, intent["name"], {k: v for k, v in slots.items()
                                                     if k in declared and v is not None}))
    return cases


def dialog_cases(paths: Iterable[Path], resolver: Resolver) -> list[Case]:
    """Every utterance the dialog files say, expected to land where its text does."""
    cases: dict[str, Case] = {}
    for path in paths:
        for dialog in dialogs.load(path):
            for turn in dialog.turns:
                if "say" in turn and (text := " ".join(spoken(str(turn["say"])))):
                    intent, slots = resolver.resolve(text).sent()
                    cases.setdefault(text, Case(text, intent, slots, path.name))
    return list(cases.values())


def run(cases: Sequence[Case], model: Mapping[str, Any], *, voices: Sequence[str] = VOICES,
        rates: Sequence[int] = RATES, grammar: bool = True, workers: int = 1,
        synthesiser: Callable[[str, int], Any] | None = None) -> list[Trial]:
    """Say every case in every voice and rate, hear it back, and resolve what was heard."""
    make = synthesiser or (lambda voice, rate: Pyttsx3Synthesiser(voice=voice, rate=rate))
    with tempfile.TemporaryDirectory(prefix="cramp-coach-voice-test-") as tmp:
        jobs: list[tuple[Case, str, int, Path]] = []
        for voice in voices:
            for rate in rates:
                batch = [(case.say, Path(tmp) / f"{len(jobs) + n}.wav")
                         for n, case in enumerate(cases)]
                make(voice, rate).synthesise(batch)
                jobs += [(case, voice, rate, path) for case, (_, path) in zip(cases, batch,
                                                                              strict=True)]
        paths = [str(path) for *_, path in jobs]
        if workers > 1:
            with ProcessPoolExecutor(workers, initializer=_start_worker,
                                     initargs=(model, grammar)) as pool:
                heard = list(pool.map(_hear_in_worker, paths, chunksize=8))
        else:
            _start_worker(model, grammar)
            heard = [_hear_in_worker(p) for p in paths]
    return [Trial(case, voice, rate, text, intent, slots, seconds, took)
            for (case, voice, rate, _), (text, intent, slots, seconds, took)
            in zip(jobs, heard, strict=True)]


_WORKER: tuple[Ear, Resolver] | None = None


def _start_worker(model: Mapping[str, Any], grammar: bool) -> None:
    global _WORKER  # one recogniser per process, built once: building it takes about a second
    _WORKER = Ear(model, grammar=grammar), Resolver(model)


def _hear_in_worker(path: str) -> tuple[str, str, dict[str, str | None], float, float]:
    """What was heard, what it sends the skill, the audio's length and the time hearing took."""
    assert _WORKER is not None
    samples, rate = read_wav(path)
    began = time.perf_counter()
    text, resolution = listen(*_WORKER, samples, rate)
    took = time.perf_counter() - began
    return (text, *resolution.sent(), len(samples) / 2 / rate, took)


@dataclass(frozen=True, slots=True)
class Summary:
    """Round-trip accuracy overall and per intent, and the cases that fail most."""

    trials: int
    intent_accuracy: float
    accuracy: float  # intent and slots
    by_intent: dict[str, tuple[int, float, float]]  # trials, intent accuracy, accuracy
    worst: list[tuple[Case, int, list[str]]]  # case, trials wrong, what was heard when wrong
    audio_seconds: float

    def as_json(self) -> dict[str, Any]:
        return {"trials": self.trials, "intent_accuracy": self.intent_accuracy,
                "accuracy": self.accuracy, "audio_seconds": round(self.audio_seconds, 1),
                "by_intent": {k: {"trials": n, "intent_accuracy": a, "accuracy": b}
                              for k, (n, a, b) in self.by_intent.items()},
                "worst": [{"say": c.say, "intent": c.intent, "source": c.source, "wrong": n,
                           "heard": h} for c, n, h in self.worst]}


def summarise(trials: Sequence[Trial], *, worst: int = 15) -> Summary:
    """Accuracy of `trials`, per intent, and the `worst` cases."""
    by_intent: dict[str, list[Trial]] = defaultdict(list)
    wrong: Counter[int] = Counter()  # by id: a case's slots are a dict, so it is no key
    heard: dict[int, list[str]] = defaultdict(list)
    cases = {id(t.case): t.case for t in trials}
    for trial in trials:
        by_intent[trial.case.intent].append(trial)
        if not trial.right:
            wrong[id(trial.case)] += 1
            heard[id(trial.case)].append(trial.heard)
    n = max(1, len(trials))
    return Summary(
        len(trials),
        sum(t.intent_right for t in trials) / n,
        sum(t.right for t in trials) / n,
        {k: (len(ts), sum(t.intent_right for t in ts) / len(ts), sum(t.right for t in ts) / len(ts))
         for k, ts in sorted(by_intent.items())},
        [(cases[key], count, heard[key]) for key, count in wrong.most_common(worst)],
        sum(t.seconds for t in trials),
    )


def render(summary: Summary) -> str:
    """The summary as the command line prints it."""
    lines = [f"{summary.trials} spoken requests ({summary.audio_seconds:.0f} s of audio): "
             f"{summary.intent_accuracy:.1%} reach the right intent, {summary.accuracy:.1%} "
             "the right intent and slots", "per intent (requests, intent, intent and slots):"]
    lines += [f"  {name:32} {n:5d} {a:7.1%} {b:7.1%}"
              for name, (n, a, b) in summary.by_intent.items()]
    if summary.worst:
        lines.append("samples heard wrong most often (wrong of all voices and rates):")
        lines += [f"  {count}x {case.intent}: {case.say!r} heard as {heard[0]!r}"
                  + (f" ({case.source})" if case.source != "sample" else "")
                  for case, count, heard in summary.worst]
    return "\n".join(lines)
