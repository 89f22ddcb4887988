"""Per request, in process: our lambda_handler against the SDK's hello world and bare JSON."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from bench import hello, mix
from bench.report import TIMES, Row
from bench.stats import median, percentile, ratio, summary

SECTION = "1 per request"
TITLE = "1. Per request, in process (µs; ours vs the SDK's hello world vs bare JSON)"
CONTESTANTS = ("ours", "sdk", "stock", "json")
P99_LIMIT_US = 1000.0


def run(*, quick: bool, say: Callable[[str], None] = print) -> tuple[dict[str, Any], list[Row]]:
    """Measure the mix interleaved, with the Alexa API stand-in up for any call the skill makes."""
    with mix.alexa_api() as endpoint:
        return _run(quick, say, endpoint)


def _run(quick: bool, say: Callable[[str], None],
         endpoint: str | None) -> tuple[dict[str, Any], list[Row]]:
    from skill import lambda_function

    ours = lambda_function.lambda_handler
    events = mix.build(ours, api_endpoint=endpoint)
    payloads = {name: json.dumps(event) for name, event in events.items()}
    night = False
    for name, event in events.items():
        answer = ours(event, None)
        speech = (answer.get("response") or {}).get("outputSpeech")
        if not speech:
            raise RuntimeError(f"our skill did not speak to {name!r}: {answer}")
        night |= "<prosody" in speech.get("ssml", "")

    calls: dict[str, Callable[[str], object]] = {
        "ours": lambda name: ours(events[name], None),
        "sdk": lambda name: hello.lambda_handler(events[name], None),
        "stock": lambda name: hello.stock_lambda_handler(events[name], None),
        "json": lambda name: hello.bare_json(payloads[name]),
    }
    rounds, warmup = (60, 5) if quick else (2500, 100)
    samples: dict[str, dict[str, list[float]]] = {c: {n: [] for n in events} for c in calls}
    clock = time.perf_counter_ns
    for r in range(warmup + rounds):
        # Alternate the order each round, so no contestant always follows the same other one.
        order = CONTESTANTS if r % 2 == 0 else CONTESTANTS[::-1]
        for contestant in order:
            call, into = calls[contestant], samples[contestant]
            for name in events:
                start = clock()
                call(name)
                elapsed = clock() - start
                if r >= warmup:
                    into[name].append(elapsed / 1000)

    merged = {c: [s for per in samples[c].values() for s in per] for c in calls}
    result: dict[str, Any] = {
        "rounds": rounds,
        "mix": list(events),
        "handler": "skill.lambda_function.lambda_handler",
        "alexa_api": endpoint is not None,
        "night_delivery": night,
        "all_us": {c: summary(merged[c]) for c in calls},
        "by_request_median_us": {c: {n: median(s) for n, s in samples[c].items()} for c in calls},
        "ours_phases_median_us": _phases(lambda_function, events, 20 if quick else 300),
    }
    m = {c: median(merged[c]) for c in calls}
    p99 = {c: percentile(merged[c], 99) for c in calls}
    result["ratio_median_vs_sdk"] = ratio(m["ours"], m["sdk"])
    result["ratio_p99_vs_sdk"] = ratio(p99["ours"], p99["sdk"])
    result["ratio_median_vs_json"] = ratio(m["ours"], m["json"])

    say(f"  {rounds} interleaved rounds of {len(events)} requests"
        + (", naming a loopback Alexa API (device clock at 3 a.m.)" if endpoint else "")
        + ("; ours answered in its night voice" if night else "") + "; medians in µs:")
    say("  " + "request".ljust(22) + "".join(c.rjust(9) for c in calls))
    for name in events:
        say("  " + name.ljust(22) + "".join(
            f"{result['by_request_median_us'][c][name]:9.1f}" for c in calls))
    phases = result["ours_phases_median_us"]
    if phases:
        say("  ours by phase (median µs): " + ", ".join(f"{k} {v:.1f}" for k, v in phases.items()))
    say("  (sdk = hello world built once; stock = SkillBuilder.lambda_handler(), which rebuilds "
        "the skill on every call)")

    rows = [
        Row(SECTION, "median vs SDK hello world", m["ours"], m["sdk"], "µs",
            result["ratio_median_vs_sdk"], f"≤ 1.0{TIMES} (stretch 0.5{TIMES})",
            result["ratio_median_vs_sdk"] <= 1.0),
        Row(SECTION, "p99 vs SDK hello world", p99["ours"], p99["sdk"], "µs",
            result["ratio_p99_vs_sdk"], "p99 < 1,000 µs", p99["ours"] < P99_LIMIT_US),
        Row(SECTION, "median vs bare json.loads+dumps", m["ours"], m["json"], "µs",
            result["ratio_median_vs_json"]),
        Row(SECTION, "SDK stock wrapper vs built once", m["stock"], m["sdk"], "µs",
            ratio(m["stock"], m["sdk"])),
    ]
    return result, rows


def _phases(module: Any, events: dict[str, dict[str, Any]], rounds: int) -> dict[str, float]:
    """Our request split into deserialise, invoke and serialise."""
    skill = module.lambda_handler.skill
    serializer = skill.serializer
    from ask_sdk_model import RequestEnvelope

    times: dict[str, list[float]] = {"deserialise": [], "invoke": [], "serialise": []}
    clock = time.perf_counter_ns
    for _ in range(rounds):
        for event in events.values():
            t0 = clock()
            envelope = serializer.deserialize(json.dumps(event), RequestEnvelope)
            t1 = clock()
            response = skill.invoke(request_envelope=envelope, context=None)
            t2 = clock()
            serializer.serialize(response)
            t3 = clock()
            times["deserialise"].append((t1 - t0) / 1000)
            times["invoke"].append((t2 - t1) / 1000)
            times["serialise"].append((t3 - t2) / 1000)
    return {k: median(v) for k, v in times.items()}
