"""Speak SSML aloud or into a WAV file with pyttsx3 (espeak-ng), with real pauses, never hanging."""

from __future__ import annotations

import ctypes
import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
import wave
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from skill import ssml
from skill.local import wav
from skill.ssml import Pause

INSTALL_HINT = "sudo apt-get install espeak-ng alsa-utils"
PIP_HINT = "pip install 'cramp-coach[local]'"
ESPEAK_LIBRARIES = ("libespeak-ng.so.1", "libespeak.so.1")  # the names pyttsx3 tries on Linux
SOUND_SERVERS = ("pulse", "pipewire")  # ALSA devices that play with no card of their own listed
WORKER = Path(__file__).with_name("tts_worker.py")
DEFAULT_RATE = 160  # words a minute: slower than espeak's 175, for someone in pain at night

Run = Callable[..., subprocess.CompletedProcess[str]]


@dataclass(frozen=True, slots=True)
class VoiceStatus:
    """Whether speech can be made and heard here, and if not, why and what would fix it."""

    can_synthesise: bool
    can_play: bool
    reason: str | None = None
    hint: str | None = None

    @property
    def message(self) -> str | None:
        """One line for the person at the keyboard, or None when voice fully works."""
        if self.reason is None:
            return None
        fix = f" To hear replies: {self.hint}." if self.hint else ""
        return f"Voice is off: {self.reason}.{fix} Carrying on in text."


class SpeechError(Exception):
    """Synthesis or playback failed; the message says how."""


class Synthesiser(Protocol):
    """Turns pieces of plain text into WAV files."""

    def synthesise(self, jobs: Sequence[tuple[str, Path]]) -> None:
        """Write each text to its path as a WAV file, or raise SpeechError."""


class Player(Protocol):
    """Plays a WAV file to the end."""

    def play(self, path: Path) -> None:
        """Play `path`, or raise SpeechError."""


def probe(
    *,
    load_library: Callable[[str], object] = ctypes.CDLL,
    has_module: Callable[[str], bool] = lambda name: importlib.util.find_spec(name) is not None,
    which: Callable[[str], str | None] = shutil.which,
    run: Run = subprocess.run,
) -> VoiceStatus:
    """Check for pyttsx3, libespeak-ng, aplay and a sound device, without making a sound."""
    if not has_module("pyttsx3"):
        return VoiceStatus(False, False, "pyttsx3 is not installed", PIP_HINT)
    if not _loads_any(load_library, ESPEAK_LIBRARIES):
        return VoiceStatus(False, False, "espeak-ng is not installed", INSTALL_HINT)
    aplay = which("aplay")
    if aplay is None:
        return VoiceStatus(True, False, "aplay is not installed, so speech cannot be played",
                           INSTALL_HINT)
    if not has_device(aplay, run):
        return VoiceStatus(True, False, "no sound card or sound server was found "
                           "(WAV files can still be saved)")
    return VoiceStatus(True, True)


class Pyttsx3Synthesiser:
    """Runs pyttsx3 in a child process with a timeout, so a wedged engine cannot hang the chat."""

    def __init__(
        self,
        *,
        rate: int = DEFAULT_RATE,
        voice: str | None = None,
        command: Sequence[str] = (sys.executable, str(WORKER)),
        timeout_s: float = 20.0,
        run: Run = subprocess.run,
    ) -> None:
        self.rate = rate
        self.voice = voice
        self.command = tuple(command)
        self.timeout_s = timeout_s
        self._run = run

    def synthesise(self, jobs: Sequence[tuple[str, Path]]) -> None:
        """Write each text to its WAV path in one child process."""
        # espeak-ng runs far faster than real time; the allowance grows with the text anyway.
        timeout = self.timeout_s + sum(len(text) for text, _ in jobs) / 200
        spec = {"rate": self.rate, "voice": self.voice, "job_timeout_s": timeout,
                "jobs": [[text, str(path)] for text, path in jobs]}
        try:
            done = self._run(list(self.command), input=json.dumps(spec), capture_output=True,
                             text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise SpeechError(f"speech synthesis took longer than {timeout:.0f} s") from exc
        except OSError as exc:
            raise SpeechError(f"speech synthesis could not start: {exc}") from exc
        if done.returncode != 0:
            last = (done.stderr or "").strip().splitlines()[-1:] or ["no message"]
            raise SpeechError(f"speech synthesis failed: {last[0]}")
        missing = [p for _, p in jobs if not p.exists() or p.stat().st_size == 0]
        if missing:
            raise SpeechError(f"speech synthesis wrote no audio to {missing[0].name}")


class AplayPlayer:
    """Plays WAV files through ALSA's aplay, with a timeout a little past the audio's length."""

    def __init__(self, *, aplay: str = "aplay", run: Run = subprocess.run) -> None:
        self.aplay = aplay
        self._run = run

    def play(self, path: Path) -> None:
        """Play `path` to the end."""
        timeout = wav.duration(path) + 10
        try:
            done = self._run([self.aplay, "-q", str(path)], capture_output=True, text=True,
                             timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise SpeechError("playback did not finish") from exc
        except OSError as exc:
            raise SpeechError(f"aplay could not start: {exc}") from exc
        if done.returncode != 0:
            last = (done.stderr or "").strip().splitlines()[-1:] or ["no message"]
            raise SpeechError(f"aplay failed: {last[0]}")


class Speaker:
    """Says SSML aloud or into a WAV; when voice cannot work, says why once and steps aside."""

    def __init__(
        self,
        *,
        status: VoiceStatus | None = None,
        prober: Callable[[], VoiceStatus] = probe,
        synthesiser: Synthesiser | None = None,
        player: Player | None = None,
    ) -> None:
        self._status = status
        self._prober = prober
        self._synthesiser = synthesiser or Pyttsx3Synthesiser()
        self._player = player or AplayPlayer()
        self._told = False

    @property
    def status(self) -> VoiceStatus:
        """What voice can do here, probed on first use."""
        if self._status is None:
            self._status = self._prober()
        return self._status

    def notice(self) -> str | None:
        """Why voice is off and how to fix it: the first time only, then None."""
        message = self.status.message
        if message is None or self._told:
            return None
        self._told = True
        return message

    def save(self, speech: str, path: Path) -> Path | None:
        """Write `speech` (SSML) to `path` as a WAV, pauses included; None if voice cannot work.

        An unwritable `path` is the caller's mistake, not a voice problem: OSError is raised.
        """
        if not self.status.can_synthesise:
            return None
        try:
            with tempfile.TemporaryDirectory(prefix="cramp-coach-voice-") as tmp:
                return wav.compose(self._render(speech, Path(tmp)), Path(path))
        except (SpeechError, wave.Error, EOFError, ValueError) as exc:
            self._fail(str(exc), synthesis=True)
            return None

    def say(self, speech: str) -> bool:
        """Play `speech` (SSML) aloud to the end; False if it could not be heard."""
        if not (self.status.can_synthesise and self.status.can_play):
            return False
        with tempfile.TemporaryDirectory(prefix="cramp-coach-voice-") as tmp:
            out = self.save(speech, Path(tmp) / "speech.wav")
            if out is None:
                return False
            try:
                self._player.play(out)
            except SpeechError as exc:
                self._fail(str(exc), synthesis=False)
                return False
        return True

    def _render(self, speech: str, tmp: Path) -> list[Path | Pause]:
        pieces: list[Path | Pause] = []
        jobs: list[tuple[str, Path]] = []
        for part in ssml.segments(speech):
            if isinstance(part, Pause):
                pieces.append(part)
            else:
                path = tmp / f"piece-{len(jobs)}.wav"
                jobs.append((part, path))
                pieces.append(path)
        if jobs:
            self._synthesiser.synthesise(jobs)
        return pieces

    def _fail(self, reason: str, *, synthesis: bool) -> None:
        # A failure mid-chat turns voice off for the rest of it, with a fresh notice to show.
        status = self.status
        self._status = replace(status, can_synthesise=status.can_synthesise and not synthesis,
                               can_play=False, reason=reason)
        self._told = False


def _loads_any(load_library: Callable[[str], object], names: Sequence[str]) -> bool:
    for name in names:
        try:
            load_library(name)
        except OSError:
            continue
        return True
    return False


def has_device(tool: str, run: Run) -> bool:
    """Whether ALSA's `tool` (aplay, or arecord for capture) has a card or sound server to use."""
    # "aplay -l" exits 0 even with no card, printing "no soundcards found" to stderr, so the
    # listing itself is read; a sound server (PulseAudio, PipeWire) plays without a listed card.
    try:
        cards = run([tool, "-l"], capture_output=True, text=True, timeout=5, check=False)
        if any(line.startswith("card ") for line in cards.stdout.splitlines()):
            return True
        devices = run([tool, "-L"], capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return any(line.strip() in SOUND_SERVERS for line in devices.stdout.splitlines())
