"""What a bedside screen shows with each relief step (an APL document), from the same content."""

from __future__ import annotations

from typing import Any

from ask_sdk_model import RequestEnvelope

from . import apl, protocol, ssml
from . import conversation as conv
from .content import Catalog, Line


def has_screen(envelope: RequestEnvelope) -> bool:
    """Whether the device can show an APL document."""
    system = envelope.context.system if envelope.context else None
    device = system.device if system else None
    return device is not None and apl.supports_apl(device.supported_interfaces)


def step_directive(catalog: Catalog, state: conv.State, step: int, night: bool) -> Any:
    """The RenderDocument directive for relief step `step` (dark at night), from the protocol's
    step and its screen.* keys."""
    proto = protocol.default()
    shown = proto.steps[step]
    if shown.by_muscle:
        instruction = Line(f"screen.{shown.id}.{state.muscle or proto.unnamed_muscle.stretch}")
    else:
        instruction = Line(f"screen.{shown.id}")
    return apl.render_directive(apl.step_datasource(
        number=step + 1,
        total=len(proto.steps),
        title=_text(catalog, Line(f"screen.title.{shown.id}")),
        instruction=_text(catalog, instruction),
        icon=shown.icon,
        hold_seconds=shown.hold,
        night=night,
    ))


def _text(catalog: Catalog, shown: Line) -> str:
    return ssml.to_text(catalog.render((shown,)))
