"""The one place that reads and writes conversation state in Alexa's session attributes."""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Any

from . import conversation as conv
from .content import DECLARED, Line

# Session attributes come back from the client on every turn, so nothing read here is trusted:
# a field of the wrong shape is dropped (its default used) rather than failing the turn.
_PENDING = {*conv.QUESTIONS, "redflag"}


def load(attributes: Mapping[str, Any] | None, session_id: str | None = None) -> conv.State:
    """The conversation state carried in `attributes`; a fresh state for a new session."""
    if not attributes:
        # Seed the phrasing rotation per session, so two nights don't open with the same words.
        return conv.State(turn=zlib.crc32((session_id or "").encode()) % 1009)
    a = attributes
    step, question = a.get("step"), a.get("question")
    muscle, pending = _text(a.get("muscle")), _text(a.get("pending"))
    return conv.State(
        muscle=muscle if muscle in conv.STRETCH else None,
        step=step if _is_int(step) and 0 <= step <= conv.LAST_STEP else None,
        paused=a.get("paused") is True,
        counting=a.get("counting") is True,
        pending=pending if pending in _PENDING else None,
        question=question if _is_int(question) and 0 <= question < len(conv.REDFLAGS) else 0,
        disclaimed=a.get("disclaimed") is True,
        last=_lines(a.get("last")),
        turn=a["turn"] if _is_int(a.get("turn")) and a["turn"] >= 0 else 0,
    )


def dump(state: conv.State) -> dict[str, Any]:
    """Session attributes for `state`, advanced by one turn."""
    return {
        "muscle": state.muscle,
        "step": state.step,
        "paused": state.paused,
        "counting": state.counting,
        "pending": state.pending,
        "question": state.question,
        "disclaimed": state.disclaimed,
        "last": [[ln.key, dict(ln.values)] for ln in state.last],
        "turn": state.turn + 1,
    }


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _lines(raw: object) -> tuple[Line, ...]:
    if not isinstance(raw, list):
        return ()
    lines = []
    for item in raw:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[1], dict)):
            return ()
        key, values = item
        if not isinstance(key, str) or key not in DECLARED or set(values) != DECLARED[key]:
            return ()
        lines.append(Line(key, tuple(sorted((str(k), str(v)) for k, v in values.items()))))
    return tuple(lines)
