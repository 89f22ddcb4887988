"""The local speaker makes real, audible WAVs with real pauses, and fails soft and once."""

from __future__ import annotations

import array
import math
import subprocess
import sys
import time
import wave
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from skill import ssml
from skill.lambda_function import lambda_handler
from skill.local import envelopes, wav
from skill.local.speaker import (
    INSTALL_HINT,
    PIP_HINT,
    AplayPlayer,
    Pyttsx3Synthesiser,
    Speaker,
    SpeechError,
    VoiceStatus,
    probe,
)
from skill.ssml import Pause

VOICE = probe(which=lambda _: None)  # synthesis only: collecting tests runs no aplay
needs_espeak = pytest.mark.skipif(
    not VOICE.can_synthesise,
    reason=f"espeak-ng is not installed here ({VOICE.reason}); CI installs it: {INSTALL_HINT}",
)
WORKING = VoiceStatus(True, True)


def tone(path: Path, seconds: float, rate: int = 22_050, amplitude: int = 8000) -> Path:
    """A sine WAV: a stand-in for speech where espeak is not the point of the test."""
    frames = round(seconds * rate)
    samples = array.array("h", (round(amplitude * math.sin(i / 10)) for i in range(frames)))
    if sys.byteorder == "big":
        samples.byteswap()
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return path


class ToneSynthesiser:
    """Writes a tone of 50 ms per character for each text, and remembers what it was asked."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def synthesise(self, jobs: Sequence[tuple[str, Path]]) -> None:
        for text, path in jobs:
            self.texts.append(text)
            tone(path, 0.05 * len(text))


class RecordingPlayer:
    """Keeps the bytes of every WAV it is asked to play."""

    def __init__(self, error: str | None = None) -> None:
        self.played: list[bytes] = []
        self.error = error

    def play(self, path: Path) -> None:
        if self.error:
            raise SpeechError(self.error)
        self.played.append(path.read_bytes())


class NoSynthesiser:
    """Fails the test if asked to synthesise anything."""

    def synthesise(self, jobs: Sequence[tuple[str, Path]]) -> None:
        raise AssertionError(f"no synthesis expected, got {jobs}")


def _missing(name: str) -> object:
    raise OSError(f"{name}: cannot open shared object file")


def _fake_run(*listings: str) -> Any:
    outputs = iter(listings)

    def run(cmd: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(cmd, 0, next(outputs), "")

    return run


def _real_response_ssml() -> str:
    response = lambda_handler(envelopes.launch(new=True), None)["response"]
    return response["outputSpeech"]["ssml"]


# --- real speech -------------------------------------------------------------------------


@needs_espeak
def test_a_real_response_becomes_an_audible_wav(tmp_path: Path) -> None:
    out = Speaker(status=WORKING).save(_real_response_ssml(), tmp_path / "launch.wav")
    assert out is not None
    with wave.open(str(out), "rb") as check:
        assert (check.getnchannels(), check.getsampwidth()) == (1, 2)
        assert check.getnframes() > check.getframerate()  # over a second of audio
    assert wav.rms(out) > 500  # speech, not silence (a full-scale tone is ~23,000)


@needs_espeak
def test_longer_text_makes_longer_audio(tmp_path: Path) -> None:
    speaker = Speaker(status=WORKING)
    short = speaker.save("<speak>Breathe.</speak>", tmp_path / "short.wav")
    long = speaker.save("<speak>Breathe in slowly, and let your calf go soft as you breathe "
                        "out.</speak>", tmp_path / "long.wav")
    assert short is not None and long is not None
    assert wav.duration(long) > wav.duration(short) + 1.5


@needs_espeak
def test_a_break_adds_that_much_real_silence(tmp_path: Path) -> None:
    speaker = Speaker(status=WORKING)
    first = speaker.save("<speak>Breathe in.</speak>", tmp_path / "a.wav")
    second = speaker.save("<speak>Now breathe out.</speak>", tmp_path / "b.wav")
    both = speaker.save('<speak>Breathe in.<break time="3000ms"/>Now breathe out.</speak>',
                        tmp_path / "ab.wav")
    assert first is not None and second is not None and both is not None
    gap = wav.duration(both) - wav.duration(first) - wav.duration(second)
    assert gap == pytest.approx(3.0, abs=0.001)
    start = wav.duration(first)
    assert wav.rms(both, start + 0.05, start + 2.95) == 0.0  # the pause is silent
    assert wav.rms(both, start + 3.0) > 500  # and speech follows it


@needs_espeak
def test_a_content_pause_mark_lengthens_the_audio(tmp_path: Path) -> None:
    speaker = Speaker(status=WORKING)
    plain = speaker.save(ssml.wrap(ssml.marked_to_ssml("Hold the stretch. Now relax.")),
                         tmp_path / "plain.wav")
    paused = speaker.save(ssml.wrap(ssml.marked_to_ssml("Hold the stretch. [pause 3s] Now "
                                                         "relax.")), tmp_path / "paused.wav")
    assert plain is not None and paused is not None
    # Split pieces each get espeak's own end-of-sentence pause, hence the tolerance.
    assert wav.duration(paused) - wav.duration(plain) == pytest.approx(3.0, abs=0.6)


@needs_espeak
def test_playback_plays_exactly_the_saved_audio(tmp_path: Path) -> None:
    player = RecordingPlayer()
    speaker = Speaker(status=WORKING, player=player)
    speech = '<speak>Point your toes up.<break time="1500ms"/>Hold it there.</speak>'
    assert speaker.say(speech) is True
    saved = speaker.save(speech, tmp_path / "saved.wav")
    assert saved is not None
    assert player.played == [saved.read_bytes()]


@needs_espeak
def test_synthesis_runs_in_a_child_process_quickly(tmp_path: Path) -> None:
    start = time.perf_counter()
    Pyttsx3Synthesiser().synthesise([("One.", tmp_path / "1.wav"), ("Two.", tmp_path / "2.wav")])
    assert time.perf_counter() - start < 10
    assert wav.rms(tmp_path / "1.wav") > 500 and wav.rms(tmp_path / "2.wav") > 500


# --- the speaker's own logic, with stand-ins ------------------------------------------------


def test_pieces_and_pauses_are_composed_in_order(tmp_path: Path) -> None:
    synth = ToneSynthesiser()
    out = Speaker(status=WORKING, synthesiser=synth).save(
        '<speak>abcd<break time="500ms"/>ef &amp; gh<break time="250ms"/></speak>',
        tmp_path / "out.wav")
    assert out is not None
    assert synth.texts == ["abcd", "ef & gh"]
    assert wav.duration(out) == pytest.approx(0.05 * 4 + 0.5 + 0.05 * 7 + 0.25, abs=1e-4)
    assert wav.rms(out, 0.2 + 0.01, 0.7 - 0.01) == 0.0


def test_pause_only_speech_needs_no_synthesis(tmp_path: Path) -> None:
    out = Speaker(status=WORKING, synthesiser=NoSynthesiser()).save(
        '<speak><break time="1000ms"/></speak>', tmp_path / "quiet.wav")
    assert out is not None
    assert wav.duration(out) == pytest.approx(1.0)
    assert wav.rms(out) == 0.0


def test_say_plays_what_save_writes(tmp_path: Path) -> None:
    player = RecordingPlayer()
    speaker = Speaker(status=WORKING, synthesiser=ToneSynthesiser(), player=player)
    speech = '<speak>hello<break time="300ms"/>there</speak>'
    assert speaker.say(speech)
    saved = speaker.save(speech, tmp_path / "s.wav")
    assert saved is not None and player.played == [saved.read_bytes()]


def test_without_espeak_the_hint_is_given_once_and_nothing_raises(tmp_path: Path) -> None:
    def no_espeak() -> VoiceStatus:
        return probe(load_library=_missing, has_module=lambda _: True)

    speaker = Speaker(prober=no_espeak, synthesiser=NoSynthesiser(), player=RecordingPlayer())
    assert speaker.say("<speak>hello</speak>") is False
    assert speaker.save("<speak>hello</speak>", tmp_path / "x.wav") is None
    notice = speaker.notice()
    assert notice is not None
    assert "espeak-ng is not installed" in notice and INSTALL_HINT in notice
    assert speaker.notice() is None
    assert not (tmp_path / "x.wav").exists()


def test_without_a_sound_card_saving_still_works(tmp_path: Path) -> None:
    def no_card() -> VoiceStatus:
        return probe(has_module=lambda _: True, load_library=lambda _: object(),
                     which=lambda _: "/usr/bin/aplay", run=_fake_run("", "null\n"))

    player = RecordingPlayer()
    speaker = Speaker(prober=no_card, synthesiser=ToneSynthesiser(), player=player)
    assert speaker.say("<speak>hello</speak>") is False
    assert player.played == []
    assert speaker.save("<speak>hello</speak>", tmp_path / "x.wav") is not None
    assert "no sound card" in (speaker.notice() or "")


def test_a_hung_synthesiser_is_cut_off(tmp_path: Path) -> None:
    hung = Pyttsx3Synthesiser(command=[sys.executable, "-c", "import time; time.sleep(60)"],
                              timeout_s=1)
    speaker = Speaker(status=WORKING, synthesiser=hung)
    start = time.perf_counter()
    assert speaker.save("<speak>hello</speak>", tmp_path / "x.wav") is None
    assert time.perf_counter() - start < 10
    assert "took longer than" in (speaker.notice() or "")
    assert speaker.say("<speak>again</speak>") is False  # voice stays off after a failure


def test_a_crashing_synthesiser_reports_why(tmp_path: Path) -> None:
    crashing = Pyttsx3Synthesiser(command=[sys.executable, "-c", "import sys; sys.exit('boom')"])
    speaker = Speaker(status=WORKING, synthesiser=crashing)
    assert speaker.save("<speak>hello</speak>", tmp_path / "x.wav") is None
    assert "boom" in (speaker.notice() or "")


def test_a_silent_synthesiser_is_a_failure(tmp_path: Path) -> None:
    silent = Pyttsx3Synthesiser(command=[sys.executable, "-c", "pass"])
    with pytest.raises(SpeechError, match="no audio"):
        silent.synthesise([("hello", tmp_path / "x.wav")])


def test_a_failing_player_turns_playback_off_but_not_saving(tmp_path: Path) -> None:
    speaker = Speaker(status=WORKING, synthesiser=ToneSynthesiser(),
                      player=RecordingPlayer(error="aplay failed: device busy"))
    assert speaker.say("<speak>hello</speak>") is False
    assert "device busy" in (speaker.notice() or "")
    assert speaker.status.can_synthesise and not speaker.status.can_play
    assert speaker.save("<speak>hello</speak>", tmp_path / "x.wav") is not None


def test_aplay_player_runs_aplay_quietly(tmp_path: Path) -> None:
    calls: list[list[str]] = []

    def run(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        calls.append(cmd)
        assert kwargs["timeout"] > 1.0
        return subprocess.CompletedProcess(cmd, 0, "", "")

    path = tone(tmp_path / "t.wav", 1.0)
    AplayPlayer(run=run).play(path)
    assert calls == [["aplay", "-q", str(path)]]

    def failing(cmd: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(cmd, 1, "", "aplay: main:831: audio open error")

    with pytest.raises(SpeechError, match="audio open error"):
        AplayPlayer(run=failing).play(path)


# --- probing --------------------------------------------------------------------------------


def test_probe_without_pyttsx3() -> None:
    status = probe(has_module=lambda _: False)
    assert (status.can_synthesise, status.can_play, status.hint) == (False, False, PIP_HINT)


def test_probe_without_aplay() -> None:
    status = probe(has_module=lambda _: True, load_library=lambda _: object(),
                   which=lambda _: None)
    assert (status.can_synthesise, status.can_play, status.hint) == (True, False, INSTALL_HINT)
    assert "aplay" in (status.reason or "")


@pytest.mark.parametrize(("card_listing", "device_listing", "plays"), [
    ("card 0: PCH [HDA Intel PCH], device 0: ALC892 Analog\n", "", True),
    ("", "null\n    Discard all samples\npulse\n    PulseAudio Sound Server\n", True),
    ("", "null\npipewire\n", True),
    ("", "null\n    Discard all samples (playback) or generate zero samples (capture)\n", False),
])
def test_probe_reads_aplay_listings(card_listing: str, device_listing: str, plays: bool) -> None:
    status = probe(has_module=lambda _: True, load_library=lambda _: object(),
                   which=lambda _: "/usr/bin/aplay", run=_fake_run(card_listing, device_listing))
    assert status.can_synthesise and status.can_play is plays
    assert (status.message is None) is plays


def test_probe_survives_a_stuck_aplay() -> None:
    def stuck(cmd: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        raise subprocess.TimeoutExpired(cmd, 5)

    status = probe(has_module=lambda _: True, load_library=lambda _: object(),
                   which=lambda _: "/usr/bin/aplay", run=stuck)
    assert not status.can_play


def test_status_message() -> None:
    assert WORKING.message is None
    message = VoiceStatus(False, False, "espeak-ng is not installed", INSTALL_HINT).message
    assert message == ("Voice is off: espeak-ng is not installed. To hear replies: "
                       f"{INSTALL_HINT}. Carrying on in text.")


# --- WAV helpers ----------------------------------------------------------------------------


def test_compose_adds_exact_silence(tmp_path: Path) -> None:
    a = tone(tmp_path / "a.wav", 0.4)
    out = wav.compose([Pause(250), a, Pause(1000), a], tmp_path / "out.wav")
    assert wav.duration(out) == pytest.approx(0.25 + 0.4 + 1.0 + 0.4, abs=1e-4)
    assert wav.rms(out, 0, 0.25) == 0.0
    assert wav.rms(out, 0.25, 0.65) == pytest.approx(8000 / math.sqrt(2), rel=0.02)


def test_compose_refuses_mixed_formats(tmp_path: Path) -> None:
    a = tone(tmp_path / "a.wav", 0.1)
    b = tone(tmp_path / "b.wav", 0.1, rate=16_000)
    with pytest.raises(ValueError, match="not"):
        wav.compose([a, b], tmp_path / "out.wav")


def test_silence_in_eight_bit_is_the_midpoint() -> None:
    assert wav.Format(1, 1, 8000).silence(1) == b"\x80" * 8
    assert wav.Format(2, 2, 1000).silence(2) == b"\x00" * 8
