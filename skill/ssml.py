"""Build and read SSML: escape spoken text, turn pause marks into breaks, and back to plain text."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Content files mark pauses as "[pause 3s]" or "[pause 500ms]"; nothing else in them is markup.
PAUSE_MARK = re.compile(r"\[pause (\d+(?:\.\d+)?)(s|ms)\]")
MAX_BREAK_MS = 10_000  # Alexa rejects a single <break> longer than ten seconds.
_BREAK_TAG = re.compile(r'<break time="(\d+)ms"\s*/>')
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Pause:
    """A silence of `ms` milliseconds between pieces of speech."""

    ms: int


def escape(text: str) -> str:
    """Escape text so it is safe inside an SSML element."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replace('"', "&quot;").replace("'", "&apos;")
    )


def pause_ms(amount: str, unit: str) -> int:
    """Milliseconds for a pause mark's amount and unit ("3", "s" -> 3000)."""
    return round(float(amount) * (1000 if unit == "s" else 1))


def marked_to_ssml(text: str) -> str:
    """Escape a content string and turn its pause marks into <break> tags."""
    out: list[str] = []
    last = 0
    for m in PAUSE_MARK.finditer(text):
        out.append(escape(text[last : m.start()]))
        out.append(f'<break time="{min(pause_ms(*m.groups()), MAX_BREAK_MS)}ms"/>')
        last = m.end()
    out.append(escape(text[last:]))
    return "".join(out)


def wrap(body: str) -> str:
    """Put an SSML body inside its <speak> root."""
    return f"<speak>{body}</speak>"


def soft(body: str) -> str:
    """An SSML body spoken gently: quieter and a little slower (for the night)."""
    return f'<prosody volume="soft" rate="90%">{body}</prosody>'


def segments(ssml: str) -> list[str | Pause]:
    """Split SSML into plain-text pieces and pauses, in speaking order (for a local speaker)."""
    parts: list[str | Pause] = []
    last = 0
    for m in _BREAK_TAG.finditer(ssml):
        text = _plain(ssml[last : m.start()])
        if text:
            parts.append(text)
        parts.append(Pause(int(m.group(1))))
        last = m.end()
    text = _plain(ssml[last:])
    if text:
        parts.append(text)
    return parts


def to_text(ssml: str) -> str:
    """What a listener hears, as plain text: tags dropped, entities decoded, spaces folded."""
    return _plain(ssml)


def _plain(fragment: str) -> str:
    from html import unescape  # here, not at import: the Lambda's cold start needs neither

    return _SPACES.sub(" ", unescape(_TAG.sub(" ", fragment))).strip()


def check(ssml: str) -> None:
    """Raise ValueError unless `ssml` is well-formed, rooted at <speak>, breaks all <= 10 s."""
    import xml.etree.ElementTree as ET  # tests and tools only

    try:
        root = ET.fromstring(ssml)
    except ET.ParseError as exc:
        raise ValueError(f"SSML is not well-formed: {exc}") from exc
    if root.tag != "speak":
        raise ValueError(f"SSML root is <{root.tag}>, not <speak>")
    for brk in root.iter("break"):
        m = re.fullmatch(r"(\d+)(ms|s)", brk.get("time", ""))
        if not m or pause_ms(*m.groups()) > MAX_BREAK_MS:
            raise ValueError(f"SSML break time {brk.get('time')!r} is not between 0 and 10s")
