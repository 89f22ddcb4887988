"""Join WAV pieces with real silence between them, and measure a WAV's length and loudness."""

from __future__ import annotations

import array
import math
import sys
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from skill.ssml import Pause


@dataclass(frozen=True, slots=True)
class Format:
    """The sample layout of a WAV file."""

    channels: int = 1
    width: int = 2  # bytes per sample
    rate: int = 22_050  # what pyttsx3's espeak driver writes

    def silence(self, ms: int) -> bytes:
        """`ms` milliseconds of silence in this format."""
        frames = round(self.rate * ms / 1000)
        zero = b"\x80" if self.width == 1 else b"\x00" * self.width  # 8-bit WAV is unsigned
        return zero * (frames * self.channels)


def compose(pieces: Sequence[Path | Pause], out: Path, fmt: Format | None = None) -> Path:
    """Write `pieces` (WAV files and pauses, in order) to `out` as one WAV file."""
    layout = fmt or next((read_format(p) for p in pieces if isinstance(p, Path)), Format())
    with wave.open(str(out), "wb") as dst:
        dst.setnchannels(layout.channels)
        dst.setsampwidth(layout.width)
        dst.setframerate(layout.rate)
        for piece in pieces:
            if isinstance(piece, Pause):
                dst.writeframes(layout.silence(piece.ms))
                continue
            with wave.open(str(piece), "rb") as src:
                if _format(src) != layout:
                    raise ValueError(f"{piece} is {_format(src)}, not {layout} like the rest")
                dst.writeframes(src.readframes(src.getnframes()))
    return out


def read_format(path: Path) -> Format:
    """The sample layout of the WAV file at `path`."""
    with wave.open(str(path), "rb") as src:
        return _format(src)


def duration(path: Path) -> float:
    """Length of the WAV file at `path`, in seconds."""
    with wave.open(str(path), "rb") as src:
        return src.getnframes() / src.getframerate()


def rms(path: Path, start: float = 0.0, end: float | None = None) -> float:
    """RMS level (0 to 32767) of 16-bit samples, all channels alike, from `start` to `end` s."""
    with wave.open(str(path), "rb") as src:
        if src.getsampwidth() != 2:
            raise ValueError(f"{path}: only 16-bit WAV is measured")
        rate = src.getframerate()
        first = min(round(start * rate), src.getnframes())
        last = src.getnframes() if end is None else min(round(end * rate), src.getnframes())
        src.setpos(first)
        samples = array.array("h", src.readframes(max(0, last - first)))
    if sys.byteorder == "big":  # WAV samples are little-endian
        samples.byteswap()
    if not samples:
        return 0.0
    return math.sqrt(sum(s * s for s in samples) / len(samples))


def _format(src: wave.Wave_read) -> Format:
    return Format(src.getnchannels(), src.getsampwidth(), src.getframerate())
