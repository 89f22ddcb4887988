"""The one place that reads and writes conversation state in Alexa's session attributes."""

from __future__ import annotations

import zlib
from collections.abc import Container, Mapping
from typing import Any

from . import conversation as conv
from . import protocol
from .content import Line, declared

# Session attributes come back from the client on every turn, so nothing read here is trusted:
# a field of the wrong shape is dropped (its default used) rather than failing the turn.
_PENDING = {*conv.QUESTIONS, "redflag"}
# The shape written by dump(). Attributes of another shape (an older deployment mid-session, or
# tampered ones) restart the conversation politely rather than being half-read.
VERSION = 2
MAX_LAST = 16  # lines remembered for Repeat; a longer list is not ours
MAX_VALUE = 40  # characters in a placeholder value we fill (a step number)


def load(attributes: Mapping[str, Any] | None, session_id: str | None = None) -> conv.State:
    """The conversation state carried in `attributes`; a fresh state for a new session."""
    # Seed the phrasing rotation per session, so two nights don't open with the same words.
    seed = zlib.crc32((session_id or "").encode()) % 1009
    if not attributes:
        return conv.State(variant=seed)
    if not isinstance(attributes, Mapping) or attributes.get("v") != VERSION:
        return conv.State(variant=seed, restarted=True)
    a = attributes
    proto = protocol.default()
    muscle, pending = _text(a.get("muscle")), _text(a.get("pending"))
    return conv.State(
        muscle=muscle if muscle in proto.stretches() else None,
        step=_index(a.get("step"), len(proto.steps)),
        furthest=_count(a.get("furthest"), len(proto.steps) - 1, -1),
        counting=a.get("counting") is True,
        pending=pending if pending in _PENDING else None,
        question=_count(a.get("question"), len(proto.questions) - 1, 0),
        unclear=_count(a.get("unclear"), conv.UNCLEAR_LIMIT, 0),
        # A warning must survive anything: unknown entries are dropped, known ones always kept.
        signs=_known(a.get("signs"), proto.signs),
        denied=_known(a.get("denied"), proto.signs),
        pregnant=a.get("pregnant") is True,
        offered=_known(a.get("offered"), conv.OFFERS),
        disclaimed=a.get("disclaimed") is True,
        last=_lines(a.get("last")),
        variant=_count(a.get("turn"), None, 0),
    )


def dump(state: conv.State) -> dict[str, Any]:
    """Session attributes for `state`, advanced by one turn."""
    return {
        "v": VERSION,
        "muscle": state.muscle,
        "step": state.step,
        "furthest": state.furthest,
        "counting": state.counting,
        "pending": state.pending,
        "question": state.question,
        "unclear": state.unclear,
        "signs": list(state.signs),
        "denied": list(state.denied),
        "pregnant": state.pregnant,
        "offered": list(state.offered),
        "disclaimed": state.disclaimed,
        "last": [[ln.key, dict(ln.values)] for ln in state.last],
        "turn": state.variant + 1,  # one more each request
    }


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _index(value: object, size: int) -> int | None:
    return value if _is_int(value) and 0 <= value < size else None  # type: ignore[operator]


def _count(value: object, top: int | None, default: int) -> int:
    """A whole number from `default` up to `top` (None: no top); `default` when it is not one."""
    if _is_int(value) and default <= value and (top is None or value <= top):  # type: ignore
        return value  # type: ignore[return-value]
    return default


def _known(raw: object, allowed: Container[str]) -> tuple[str, ...]:
    """The entries of a stored list that are among `allowed`, once each, in order."""
    if not isinstance(raw, list):
        return ()
    return tuple(dict.fromkeys(x for x in raw if isinstance(x, str) and x in allowed))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _lines(raw: object) -> tuple[Line, ...]:
    if not isinstance(raw, list) or len(raw) > MAX_LAST:
        return ()
    clinical = protocol.default().keys()
    lines = []
    for item in raw:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[1], dict)):
            return ()
        key, values = item
        if not isinstance(key, str) or set(values) != declared().get(key, clinical.get(key)):
            return ()
        if any(len(str(v)) > MAX_VALUE for v in values.values()):
            return ()
        lines.append(Line(key, tuple(sorted((str(k), str(v)) for k, v in values.items()))))
    return tuple(lines)
