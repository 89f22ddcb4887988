"""What a bedside screen shows with each relief step (an APL document), from the same content."""

from __future__ import annotations

from typing import Any

from ask_sdk_model import RequestEnvelope

from . import apl, ssml
from . import conversation as conv
from .content import Catalog, Line, line

TITLE = {step.kind: line(f"screen.title.{step.kind}") for step in conv.STEPS}
STRETCH = {group: line(f"screen.stretch.{group}") for group in conv.STRETCH}
INSTRUCTION = {step.kind: line(f"screen.{step.kind}") for step in conv.STEPS if step.speech}


def has_screen(envelope: RequestEnvelope) -> bool:
    """Whether the device can show an APL document."""
    system = envelope.context.system if envelope.context else None
    device = system.device if system else None
    return device is not None and apl.supports_apl(device.supported_interfaces)


def step_directive(catalog: Catalog, state: conv.State, step: int, night: bool) -> Any:
    """The RenderDocument directive for relief step `step` (dark at night)."""
    kind = conv.STEPS[step].kind
    instruction = STRETCH[state.muscle or "calf"] if kind == "stretch" else INSTRUCTION[kind]
    return apl.render_directive(apl.step_datasource(
        number=step + 1,
        total=len(conv.STEPS),
        title=_text(catalog, TITLE[kind]),
        instruction=_text(catalog, instruction),
        icon=kind,
        hold_seconds=conv.STEPS[step].hold,
        night=night,
    ))


def _text(catalog: Catalog, shown: Line) -> str:
    return ssml.to_text(catalog.render((shown,)))
