"""Push-to-talk recording for `chat --listen`, through ALSA's arecord (installed with aplay)."""

from __future__ import annotations

import shutil
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from skill.local.speaker import has_device

INSTALL_HINT = "sudo apt-get install alsa-utils"
RATE = 16_000  # what the recogniser's acoustic model was trained on

Run = Callable[..., subprocess.CompletedProcess[str]]


class Microphone:
    """Records from the default capture device between two presses of Enter."""

    def __init__(self, *, which: Callable[[str], str | None] = shutil.which,
                 run: Run = subprocess.run,
                 start: Callable[..., subprocess.Popen[bytes]] = subprocess.Popen) -> None:
        self._which = which
        self._run = run
        self._start = start

    def problem(self) -> str | None:
        """Why nothing can be recorded here (for a notice), or None when it can."""
        arecord = self._which("arecord")
        if arecord is None:
            return f"arecord is not installed ({INSTALL_HINT})"
        return None if has_device(arecord, self._run) else "no microphone was found"

    def record(self, path: Path, lines: TextIO) -> Path:
        """Record until the next line of `lines` (Enter) arrives; the WAV written."""
        arecord = self._which("arecord") or "arecord"
        process = self._start([arecord, "-q", "-f", "S16_LE", "-c", "1", "-r", str(RATE),
                               "-t", "wav", str(path)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
        try:
            lines.readline()
        finally:
            process.send_signal(signal.SIGINT)  # arecord finishes the WAV header on SIGINT
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return path
