"""Child process that turns texts into WAV files with pyttsx3; run as a script, never imported.

Reads {"rate": int, "voice": str | null, "jobs": [[text, wav_path], ...], "job_timeout_s": float}
as JSON on stdin and exits 0 once every WAV is written. It runs apart from the caller because
pyttsx3's espeak driver initialises espeak once per process and its run loop can wedge: a stuck
child is killed on a timeout, where a stuck engine in the caller's own process could not be.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import wave
from collections.abc import Callable
from typing import Any

_WAV_HEADER = 44  # bytes, as the wave module writes a PCM file
_TRIES = 3


def main() -> int:
    """Synthesise each job's text into its WAV path."""
    import pyttsx3  # here, not at module level: importing it loads libespeak-ng

    spec: dict[str, Any] = json.load(sys.stdin)
    timeout_s = spec.get("job_timeout_s", 30.0)
    engine = pyttsx3.init()
    engine.setProperty("rate", spec.get("rate", 170))
    if spec.get("voice"):
        engine.setProperty("voice", spec["voice"])
    finished = threading.Event()
    engine.connect("finished-utterance", lambda **_: finished.set())
    for text, path in spec["jobs"]:
        for _ in range(_TRIES):
            finished.clear()
            engine.save_to_file(text, path)
            engine.runAndWait()
            # pyttsx3 2.99 can leave runAndWait before espeak-ng, synthesising on its own
            # thread, is done (its queued endLoop runs as the loop starts), and the driver
            # writes the WAV only at the message's end. So wait for its end-of-utterance
            # notice, which follows the driver's reset for the next text, and a whole file.
            if not (finished.wait(timeout_s) and _wait_until(lambda p=path: _complete(p), 5.0)):
                print(f"no complete WAV was written to {path}", file=sys.stderr)
                return 1
            # Rarely the driver's shared buffer is reset under a running synthesis and the
            # WAV comes out empty; saying it again fixes that.
            if _frames(path) > 0 or not any(c.isalnum() for c in text):
                break
        else:
            print(f"espeak-ng made no sound for {text!r}", file=sys.stderr)
            return 1
    return 0


def _wait_until(ready: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while not ready():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _frames(path: str) -> int:
    with wave.open(path, "rb") as w:
        return w.getnframes()


def _complete(path: str) -> bool:
    try:
        size = os.path.getsize(path)
        with wave.open(path, "rb") as w:
            data = w.getnframes() * w.getsampwidth() * w.getnchannels()
    except (OSError, EOFError, wave.Error):
        return False
    # The header's frame count is patched in last, when the file is closed.
    return size - _WAV_HEADER == data


if __name__ == "__main__":
    sys.exit(main())
