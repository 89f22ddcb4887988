"""Time to help: the words and seconds of speech before the first relief instruction, one-shot."""

from __future__ import annotations

import itertools
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import mix
from bench.report import Row
from bench.stats import median

SECTION = "5 time to help"
TITLE = "5. Time to help (one-shot: words and spoken seconds up to the first relief instruction)"
UTTERANCE = "tell cramp coach I have a leg cramp"
WORD_LIMIT = 12
SECONDS_LIMIT = 4.0
RENDERS = 3
NIGHT_ZONE = "America/New_York"
NIGHT_MOMENT = datetime(2026, 1, 15, 8, 12, 45, tzinfo=UTC)  # 03:12 in New York
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_RATE = re.compile(r'<prosody\b[^>]*\brate="(\d+(?:\.\d+)?)%"')


def sentences(text: str) -> list[str]:
    """Plain text split after each full stop, question or exclamation mark."""
    return [s for s in _SENTENCE_END.split(text.strip()) if s]


def instruction_prefix(speech: str, instructions: list[str]) -> list[str] | None:
    """The sentences of `speech` up to and including the first one from a relief stretch."""
    said = sentences(speech)
    for i, sentence in enumerate(said):
        if any(sentence in instruction for instruction in instructions):
            return said[: i + 1]
    return None


def ssml_prefix(ssml_text: str, word_count: int) -> str:
    """The SSML whose speech is the first `word_count` words of `ssml_text`, pauses kept."""
    from skill import ssml
    from skill.ssml import Pause

    body: list[str] = []
    left = word_count
    for part in ssml.segments(ssml_text):
        if left <= 0:
            break
        if isinstance(part, Pause):
            body.append(f'<break time="{part.ms}ms"/>')
            continue
        taken = part.split()[:left]
        left -= len(taken)
        body.append(ssml.escape(" ".join(taken)))
    return ssml.wrap(" ".join(body))


def speaking_rate(ssml_text: str) -> float:
    """The SSML's prosody rate as a fraction (1.0 when it sets none)."""
    found = _RATE.search(ssml_text)
    return float(found.group(1)) / 100 if found else 1.0


@contextmanager
def _night_device() -> Iterator[dict[str, Any] | None]:
    """Simulator options for a device whose clock says 3 a.m., if this skill can know the time."""
    with mix.alexa_api(NIGHT_ZONE) as endpoint:
        yield None if endpoint is None else {"api_endpoint": endpoint, "now": lambda: NIGHT_MOMENT}


def measure(options: dict[str, Any], instructions: list[str], say: Callable[[str], None],
            label: str) -> dict[str, Any]:
    """One delivery of the one-shot request: its words and its spoken seconds up to help."""
    from skill.local import wav
    from skill.local.simulator import Simulator
    from skill.local.speaker import DEFAULT_RATE, Pyttsx3Synthesiser, Speaker

    counter = itertools.count(1)
    simulator = Simulator(new_id=lambda: f"00000000-0000-0000-0000-{next(counter):012d}",
                          **options)
    turn = simulator.say(UTTERANCE)
    found: dict[str, Any] = {"intent": turn.intent, "slots": turn.slots, "speech": turn.speech,
                             "words": None, "seconds": None}
    prefix = instruction_prefix(turn.speech, instructions)
    if prefix is None:
        say(f"  {label}: {UTTERANCE!r} -> {turn.intent}: no relief instruction in "
            f"{turn.speech!r}")
        return found | {"reason": "no relief instruction spoken"}
    text = " ".join(prefix)
    # espeak ignores SSML prosody, so a slower delivery is rendered at the slower rate itself.
    rate = speaking_rate(turn.ssml)
    speaker = Speaker(synthesiser=Pyttsx3Synthesiser(rate=round(DEFAULT_RATE * rate)))
    spoken = ssml_prefix(turn.ssml, len(text.split()))
    renders: list[float] = []
    with tempfile.TemporaryDirectory(prefix="cramp-bench-voice-") as tmp:
        # pyttsx3 now and then hands back a clipped WAV, so the median of three renders counts.
        for i in range(RENDERS):
            out = speaker.save(spoken, Path(tmp) / f"prefix-{i}.wav")
            if out is None:
                break
            renders.append(wav.duration(out))
    seconds = median(renders) if len(renders) == RENDERS else None
    reason = None if seconds is not None else (speaker.status.reason or "synthesis failed")
    say(f"  {label}: {UTTERANCE!r} -> {turn.intent} {turn.slots}")
    say(f"    before help: {text!r} ({len(text.split())} words), spoken at {rate:.0%} rate: "
        + (f"{seconds:.2f} s" if seconds is not None else f"n/a ({reason})"))
    return found | {"prefix": text, "words": len(text.split()), "prefix_ssml": spoken,
                    "rate": rate, "seconds": seconds, "renders_s": renders, "reason": reason}


def run(*, quick: bool, say: Callable[[str], None] = print) -> tuple[dict[str, Any], list[Row]]:
    """Say the one-shot request by day and, where the skill knows the device's time, at night."""
    from skill import content, lambda_function, protocol, ssml

    del lambda_function  # imported only so every key the skill speaks is declared first
    catalog = content.catalog()
    first = f"step.{protocol.default().steps[0].id}"  # the protocol's first relief step
    instructions = [ssml.to_text(v) for key, entry in catalog.entries.items()
                    if key == first or key.startswith(first + ".") for v in entry.variants]
    result: dict[str, Any] = {"utterance": UTTERANCE}
    result["day"] = measure({}, instructions, say, "day")
    with _night_device() as night:
        if night is None:
            say("  night: not measured (this skill has no way to know the device's time)")
        else:
            with suppress(TypeError):  # a Simulator that cannot name an API: day only
                result["night"] = measure(night, instructions, say, "3 a.m.")
    deliveries = {k: v for k, v in result.items() if k in ("day", "night")}
    result["words"], words_when = _worst(deliveries, "words")
    result["seconds"], seconds_when = _worst(deliveries, "seconds")
    why = next((v["reason"] for v in deliveries.values() if v.get("reason")), "n/a")
    return result, [
        Row(SECTION, f"words up to first instruction{words_when}",
            result["words"] if result["words"] is not None else "no instruction", None,
            "words", target=f"≤ {WORD_LIMIT}",
            met=result["words"] is not None and result["words"] <= WORD_LIMIT),
        Row(SECTION, f"spoken seconds up to it{seconds_when}",
            result["seconds"] if result["seconds"] is not None else f"n/a ({why})", None, "s",
            target=f"≤ {SECONDS_LIMIT:g} s",
            met=None if result["seconds"] is None else result["seconds"] <= SECONDS_LIMIT),
    ]


def _worst(deliveries: dict[str, dict[str, Any]], key: str) -> tuple[float | None, str]:
    """The largest `key` over the deliveries (None if any lacks it), and when it was heard."""
    values = {when: d[key] for when, d in deliveries.items()}
    if any(v is None for v in values.values()):
        return None, ""
    worst = max(values.values())
    when = [w for w, v in values.items() if v == worst]
    return worst, f" ({' and '.join(when)})" if len(values) > 1 else ""
