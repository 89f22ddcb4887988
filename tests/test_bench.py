"""The benchmarks keep running (never judged on time here); their labelled set stays held out."""

from __future__ import annotations

import ast
import json
import math
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bench import answers, report, stats, throughput, time_to_help, understanding
from bench.cold_start import FORBIDDEN
from skill import model
from skill.local.resolution import LAUNCH
from skill.local.simulator import Simulator

ROOT = Path(__file__).absolute().parents[1]
TITLES = ("1. Per request", "2. Cold start", "3. Web service", "4. Understanding",
          "5. Time to help", "6. Voice in", "7. Answers")
SECTIONS = ("per_request", "cold_start", "webservice", "understanding", "time_to_help", "voice",
            "answers")


def test_quick_run_prints_every_section_and_writes_results(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    done = subprocess.run([sys.executable, "-m", "bench", "--quick", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for title in TITLES:
        assert title in done.stdout
    assert "targets met" in done.stdout
    results = json.loads(out.read_text(encoding="utf-8"))
    assert set(results) == {"meta", "rows", *SECTIONS}
    for section in SECTIONS:
        assert "error" not in results[section], results[section]
    assert results["meta"]["quick"] is True
    assert {"ratio_median_vs_sdk", "ratio_p99_vs_sdk", "all_us"} <= set(results["per_request"])
    assert {"ratio_wall", "ratio_in_process", "forbidden_loaded"} <= set(results["cold_start"])
    assert {"ratio_rps", "ours", "echo"} <= set(results["webservice"])
    assert {"intent_accuracy", "slot_accuracy", "confusions"} <= set(results["understanding"])
    assert {"words", "seconds"} <= set(results["time_to_help"])
    assert {"grammar", "open"} <= set(results["voice"])
    assert {"right", "under_triage", "emergencies_missed"} <= set(results["answers"]["held_out"])
    rows = results["rows"]
    assert {row["section"][0] for row in rows} == set("1234567")
    for row in rows:
        assert set(row) == {"section", "what", "ours", "floor", "unit", "ratio", "target", "met"}


def test_the_lambda_path_loads_no_web_voice_or_local_code() -> None:
    code = "import json, sys, skill.lambda_function; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=True)
    loaded = json.loads(done.stdout)
    leaked = [m for m in loaded for f in FORBIDDEN if m == f or m.startswith(f + ".")]
    assert leaked == []


# ---- the labelled paraphrases -----------------------------------------------------------------


def _test_strings() -> set[str]:
    """Every string literal in the tests' Python files and every string in their YAML files."""
    found: set[str] = set()
    for path in (ROOT / "tests").rglob("*.py"):
        if path.name == Path(__file__).name:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(understanding.plain(node.value))
    for path in (ROOT / "tests").rglob("*.yaml"):
        stack = [yaml.safe_load(path.read_text(encoding="utf-8"))]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                found.add(understanding.plain(item))
            elif isinstance(item, dict):
                stack.extend([*item.keys(), *item.values()])
            elif isinstance(item, list):
                stack.extend(item)
    return found


@pytest.fixture(scope="module", params=[understanding.DEVELOPMENT, *understanding.HELD_OUT_SETS],
                ids=lambda path: path.name)
def paraphrases(request: pytest.FixtureRequest) -> list[understanding.Paraphrase]:
    return understanding.load(request.param)


def test_both_halves_cover_every_intent(en_us: model.Model) -> None:
    halves = [understanding.load(p)
              for p in (understanding.DEVELOPMENT, *understanding.HELD_OUT_SETS)]
    assert sum(map(len, halves)) >= 400
    # (The later sets lost the lines equal to a sample or a development line: their short built-in
    # requests, such as every way it said "repeat", are all already there.)
    for half in halves[:2]:
        assert set(en_us.intents) <= {p.intent for p in half}, "every intent in both halves"
    said = [understanding.plain(p.say) for half in halves for p in half]
    # Reading the development half must never show a held-out line.
    assert len(said) == len(set(said)), "an utterance is in two sets"


@pytest.fixture(scope="module")
def en_us() -> model.Model:
    return model.load("en-US")


def _known_source(en_us: model.Model) -> Callable[[str], str | None]:
    """Where a plain text is already said: a sample filled in (one slot or two), one of Alexa's
    built-in phrases, or a string in tests/; None for a text said nowhere."""
    strings = {text: "a string in tests/" for text in _test_strings() if text}
    said = understanding.phrase_source(en_us)
    return lambda text: strings.get(text) or said(text)


@pytest.mark.parametrize("held_out", understanding.HELD_OUT_SETS, ids=lambda path: path.name)
def test_the_held_out_half_is_held_out_from_samples_builtins_and_tests(
    en_us: model.Model, held_out: Path
) -> None:
    paraphrases = understanding.load(held_out)
    source = _known_source(en_us)
    copied = set()
    for p in paraphrases:
        plain = understanding.plain(p.say)
        for form in {plain, understanding.request_part(p.say, en_us.invocation)}:
            if where := source(form):
                # Where it comes from, never the words: a sample's words would be the line's.
                copied.add(where.split(":", 1)[0])
    assert copied == set(), "held-out lines equal to these (remove what you just added there)"


def test_paraphrases_are_labelled_with_the_models_intents_and_values(
    paraphrases: list[understanding.Paraphrase], en_us: model.Model
) -> None:
    assert len(paraphrases) >= 90
    said = [understanding.plain(p.say) for p in paraphrases]
    assert len(said) == len(set(said)), "a paraphrase is listed twice"
    labels = {p.intent for p in paraphrases}
    assert labels - {LAUNCH} <= set(en_us.intents)
    assert any(p.invoked for p in paraphrases)
    for p in paraphrases:
        declared = en_us.intents[p.intent].slots if p.intent in en_us.intents else {}
        for slot, value in p.slots.items():
            assert slot in declared, f"{p.say!r}: {p.intent} has no slot {slot}"
            if declared[slot] == "AMAZON.NUMBER":  # Alexa's own type: sent as digits
                assert value.isdigit(), p.say
            else:
                assert value in {v.name for v in en_us.types[declared[slot]]}, p.say


# ---- pieces the run depends on --------------------------------------------------------------


def test_percentile_and_ratio() -> None:
    samples = list(range(1, 101))
    assert stats.percentile(samples, 99) == 99
    assert stats.percentile(samples, 100) == 100
    assert stats.median([3, 1, 2]) == 2
    assert math.isnan(stats.percentile([], 50))
    assert stats.ratio(1.0, 4.0) == 0.25
    assert math.isnan(stats.ratio(1.0, 0.0))


def test_results_json_is_strict(tmp_path: Path) -> None:
    rows = [report.Row("1 x", "thing", math.nan, 2.0, "µs", math.nan, "≤ 1", None)]
    out = tmp_path / "r.json"
    report.write_json(out, rows, {"x": {"v": math.inf}}, {"quick": True})
    text = out.read_text(encoding="utf-8")
    loaded = json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in JSON"))
    assert loaded["x"]["v"] is None
    assert loaded["rows"][0]["ours"] is None
    assert "thing" in report.table(rows)


def test_the_instruction_prefix_stops_at_the_first_stretch_sentence() -> None:
    stretch = ["Pull your toes up. Hold it."]
    speech = "Sorry it woke you. Pull your toes up. Hold it. Ready?"
    assert time_to_help.instruction_prefix(speech, stretch) == ["Sorry it woke you.",
                                                                 "Pull your toes up."]
    assert time_to_help.instruction_prefix("Hello there.", stretch) is None
    ssml = '<speak>Sorry it woke you. <break time="500ms"/> Pull your toes up. Hold it.</speak>'
    assert time_to_help.ssml_prefix(ssml, 8) == (
        '<speak>Sorry it woke you. <break time="500ms"/> Pull your toes up.</speak>')


def test_the_load_client_reads_keep_alive_responses() -> None:
    left, right = socket.socketpair()
    with left, right:
        right.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"
                      b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
        buffer = bytearray()
        assert throughput._read_response(left, buffer) == 200
        assert throughput._read_response(left, buffer) == 400
        assert buffer == b""


# ---- the labelled answers to the skill's own questions --------------------------------------


@pytest.mark.parametrize("path", [answers.DEVELOPMENT, answers.HELD_OUT], ids=lambda p: p.name)
def test_the_answer_sets_cover_every_meaning_of_every_question(path: Path) -> None:
    found = answers.load(path)
    assert len(found) >= 400
    covered = {(a.situation, a.meaning) for a in found}
    elsewhere = {c for name, also in answers.ANSWERED_IN.items() for c in also if c != name}
    wanted = {(name, meaning) for name, situation in answers.SITUATIONS.items()
              if name not in elsewhere for meaning in situation.meanings}
    assert wanted <= covered


def test_the_held_out_answers_are_held_out(en_us: model.Model) -> None:
    source = _known_source(en_us)
    development = {understanding.plain(a.say) for a in answers.load(answers.DEVELOPMENT)}
    copied = sum(plain in development or source(plain) is not None
                 for plain in (understanding.plain(a.say) for a in answers.load(answers.HELD_OUT)))
    assert copied == 0, "held-out answers equal to a sample, a test string or a development answer"


@pytest.mark.parametrize("situation", answers.SITUATIONS)
def test_each_situation_is_set_up_to_its_question(situation: str) -> None:
    answers.setting_up(Simulator(), situation)  # raises if the skill asks something else


def test_a_set_with_an_unknown_meaning_or_a_bare_yes_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "answers.yaml"
    bad.write_text("swelling:\n  maybe:\n  - not sure\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown meaning 'maybe'"):
        answers.load(bad)
    bad.write_text("swelling:\n  'no':\n  - no\n", encoding="utf-8")
    with pytest.raises(ValueError, match="quote the answer"):
        answers.load(bad)


# The answers development set (read to improve the model) is held to what it reached, a ratchet:
# a change that lets one more sign or emergency slip through, or understands fewer answers, fails.
# (Rounds 26 to 28, 870 hard answers, joined it this stop: they left 107 slipped when they came,
# 39 once read; 29 after the next stop's samples for pain that stays and emergencies after a yes;
# 22 once emergencies told after a denial had samples of their own; 18 once "I don't remember"
# and "hard to tell" said with words after them were unsure; 15 with three more emergencies told
# after a denial. Round 29, 459 more, joined it a stop later: with them 46 slipped as they came,
# 21 once their stroke signs, collapses and hedged signs had samples; 20 with a cold foot
# after a yes.)
ANSWERS_FLOOR = 0.89
ANSWERS_SLIPPED = 20  # signs left below urgent and emergencies missed, together


def test_the_answers_development_set_keeps_its_safety() -> None:
    result = answers.score(Simulator(), answers.load(answers.DEVELOPMENT))
    slipped = [f"{m['problem']}: {m['situation']}: {m['say']!r}" for m in result["misses"]
               if m["problem"] in ("under-triage", "emergency missed")]
    assert len(slipped) <= ANSWERS_SLIPPED, "\n".join(slipped)
    assert result["right"] >= ANSWERS_FLOOR
