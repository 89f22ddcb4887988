"""The chat command's contract: one JSON object per turn, bad input survived, voice or a hint."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from skill.local import dialogs, wav
from skill.local.chat import Chat, Options
from skill.local.speaker import INSTALL_HINT, Speaker, VoiceStatus, probe

ROOT = Path(__file__).resolve().parents[2]
KEYS = {"utterance", "intent", "slots", "speech", "ssml", "reprompt", "end_session"}
needs_espeak = pytest.mark.skipif(not probe().can_synthesise,
                                  reason="espeak-ng is not installed (./run installs it)")


def run_cli(*args: str, lines: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "skill", *args], input="\n".join(lines) + "\n",
                          capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_jsonl_is_one_object_per_request_turn_and_bad_input_loses_nothing() -> None:
    lines = ["/launch", "my calf is cramping", "", "/bogus", "x" * 10_000, "😀🦵 ça va ?",
             "next", "/new", "what causes leg cramps", "/quit", "never read"]
    done = run_cli("chat", "--jsonl", lines=lines)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["utterance"] for r in records] == [
        None, "my calf is cramping", "x" * 10_000, "😀🦵 ça va ?", "next", "what causes leg cramps"]
    assert all(set(r) == KEYS for r in records)
    launch, calf, long, emoji, after, causes = records
    assert launch["intent"] is None and "Do you have a cramp" in launch["speech"]
    assert calf["intent"] == "CrampReliefIntent" and calf["slots"] == {"muscle": "calf"}
    assert calf["ssml"].startswith("<speak>") and calf["end_session"] is False
    assert long["intent"] == emoji["intent"] == "AMAZON.FallbackIntent"
    assert "Is the cramp easing?" in long["speech"]  # misheard, but still where we were
    assert "rub the muscle" in after["speech"]  # the session went on through the bad lines
    assert causes["intent"] == "CausesIntent"
    assert "nothing heard" in done.stderr and "unknown command /bogus" in done.stderr
    assert "never read" not in done.stdout


def _keys(record: dict) -> list[str]:
    return dialogs.spoken_keys(record["ssml"])


def test_chat_triage_unsure_is_never_reassured_and_a_warning_sticks_to_the_goodbye() -> None:
    lines = ["should I see a doctor", "I don't know", "/new",
             "should I see a doctor", *["no"] * 6, "/new",
             "my calf is cramping", "my leg is swollen", "yes", "it's better now", "no", "no"]
    done = run_cli("chat", "--jsonl", lines=lines)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    unsure = records[1]
    assert unsure["intent"] == "UnsureIntent"
    assert "advice.urgent" in _keys(unsure) and "triage.all_clear" not in _keys(unsure)
    all_no = records[8]
    assert _keys(all_no)[:2] == ["triage.all_clear", "safety_net"]
    swollen, resumed, better, _, goodbye = records[10:]
    assert swollen["slots"] == {"symptom": "swelling", "also": None}
    assert "advice.urgent" in _keys(swollen)
    assert "step.massage" not in _keys(resumed) and "step.heat" not in _keys(resumed)
    assert "reminder.urgent" in _keys(better)
    assert _keys(goodbye) == ["reminder.urgent", "goodbye"] and goodbye["end_session"]


def test_text_mode_prints_what_is_said_and_when_the_session_ends() -> None:
    done = run_cli("chat", "--text", lines=["I have chest pain", "open cramp coach"])
    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    assert out[0].startswith("Cramp Coach: Call 911 now.")
    assert "session has ended" in out[1]
    assert "Do you have a cramp right now?" in out[2]


def test_without_espeak_the_chat_says_how_to_get_voice_once_and_goes_on_in_text() -> None:
    missing = VoiceStatus(False, False, "espeak-ng is not installed", INSTALL_HINT)
    out, notices = io.StringIO(), io.StringIO()
    chat = Chat(Options(), out, notices, speaker_factory=lambda: Speaker(status=missing))
    assert chat.run(io.StringIO("open cramp coach\nyes\n")) == 0
    assert notices.getvalue().count(INSTALL_HINT) == 1
    assert "Voice is off" in notices.getvalue()
    assert out.getvalue().count("Cramp Coach:") == 2


@needs_espeak
def test_saved_audio_is_one_real_wav_per_turn_that_grows_with_the_text(tmp_path: Path) -> None:
    done = run_cli("chat", "--text", "--save-audio", str(tmp_path),
                   lines=["stop", "what causes leg cramps"])
    assert done.returncode == 0, done.stderr
    short, long = tmp_path / "turn-001.wav", tmp_path / "turn-002.wav"
    assert sorted(p.name for p in tmp_path.iterdir()) == [short.name, long.name]
    assert wav.rms(short) > 100 and wav.rms(long) > 100  # not silence
    assert 1.0 < wav.duration(short) < wav.duration(long) / 3


def test_test_dialogs_reports_the_turn_what_was_expected_and_what_was_heard(tmp_path) -> None:
    dialog = tmp_path / "broken.yaml"
    dialog.write_text(
        "- name: a wrong expectation\n"
        "  turns:\n"
        "    - say: my calf is cramping\n"
        "      hears: bananas\n", encoding="utf-8")
    done = run_cli("test-dialogs", str(dialog), lines=[])
    assert done.returncode == 1
    assert "turn 1 (say 'my calf is cramping')" in done.stdout
    assert "expected to hear 'bananas'" in done.stdout
    assert 'heard: "Straighten your leg' in done.stdout
    assert "0 passed, 1 failed" in done.stdout


def test_test_dialogs_passes_the_project_dialogs() -> None:
    done = run_cli("test-dialogs", lines=[])
    assert done.returncode == 0, done.stdout
    assert ", 0 failed" in done.stdout


def test_a_bedside_echo_show_at_night_in_the_chat() -> None:
    done = run_cli("chat", "--jsonl", "--device", "echo-show", "--time-zone", "America/New_York",
                   "--at", "2026-11-27T03:10", lines=["my calf is cramping", "yes"])
    assert done.returncode == 0, done.stderr
    stretch, massage = (json.loads(line) for line in done.stdout.splitlines())
    assert stretch["ssml"].startswith('<speak><prosody volume="soft" rate="90%">')
    assert "Thirty." in stretch["speech"]  # the first hold is counted out loud
    step = stretch["screen"]["step"]
    assert (step["number"], step["title"], step["holdSeconds"], step["theme"]) == (
        1, "Stretch", 30, "dark")
    assert massage["screen"]["step"]["icon"] == "massage"


def test_text_chat_prints_what_the_screen_shows() -> None:
    done = run_cli("chat", "--text", "--device", "echo-show", lines=["my foot is cramping"])
    assert done.returncode == 0, done.stderr
    shown = next(line for line in done.stdout.splitlines() if line.startswith("  [screen] "))
    assert '"instruction": "Pull your toes back toward your shin."' in shown
    assert '"theme": "light"' in shown  # no time zone given: the normal, daytime look
