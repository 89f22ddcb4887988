"""What a screen shows with each relief step: the APL document, its datasource, the directive.

Devices with a screen say so in `context.System.device.supportedInterfaces`; only those get an
`Alexa.Presentation.APL.RenderDocument` directive. The document is data, in
responses/apl/step.json, and reads everything it shows from one datasource:

    {"step": {"number": 1, "total": 4, "title": "Stretch",
              "instruction": "Straighten your leg. Pull your toes up toward you.",
              "icon": "stretch", "holdSeconds": 30, "theme": "dark"}}

`icon` picks one of the document's own vector graphics (ICONS), so nothing is fetched from a URL;
`holdSeconds` > 0 shows a hold timer that counts down on the device; `theme` "dark" is the night
palette (near-black, dim warm text, never bright white).

Documents are checked in the tests by Amazon's validator (apl-suggester, tests/apl_suggester.js)
and by tests/apl_expressions.py for what it does not check; neither is part of the product.

This runs in the Lambda: standard library and ask_sdk_model only; the document is read once, lazily.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Any

from . import data

APL_DIR = data.directory("responses") / "apl"
APL_INTERFACE = "Alexa.Presentation.APL"
RENDER_DOCUMENT = "Alexa.Presentation.APL.RenderDocument"
DEFAULT_TOKEN = "cramp-coach-step"
ICONS = ("stretch", "massage", "heat", "walk")  # one per relief step, in the order of the steps
THEMES = ("dark", "light")
# The datasource contract: payload.step's keys and their types.
STEP_FIELDS: dict[str, type] = {
    "number": int, "total": int, "title": str, "instruction": str,
    "icon": str, "holdSeconds": int, "theme": str,
}


# ---- the skill's side ---------------------------------------------------------------------------


def supports_apl(supported_interfaces: Any) -> bool:
    """Whether a device can show APL, from its `supportedInterfaces`.

    Takes the envelope's JSON object (`{"Alexa.Presentation.APL": {...}, ...}`) or the SDK's
    `ask_sdk_model.supported_interfaces.SupportedInterfaces` (attribute `alexa_presentation_apl`).
    """
    if supported_interfaces is None:
        return False
    if isinstance(supported_interfaces, Mapping):
        return supported_interfaces.get(APL_INTERFACE) is not None
    return getattr(supported_interfaces, "alexa_presentation_apl", None) is not None


def step_datasource(number: int, total: int, title: str, instruction: str, icon: str,
                    hold_seconds: int, night: bool) -> dict:
    """The datasource for step `number` of `total` (1-based); `hold_seconds` 0 means no timer."""
    if icon not in ICONS:
        raise ValueError(f"icon {icon!r} is not one of {ICONS}")
    if not 1 <= number <= total:
        raise ValueError(f"step {number} of {total} is out of range")
    if hold_seconds < 0:
        raise ValueError(f"hold_seconds must be 0 or more, not {hold_seconds}")
    return {"step": {
        "number": number,
        "total": total,
        "title": title,
        "instruction": instruction,
        "icon": icon,
        "holdSeconds": hold_seconds,
        "theme": "dark" if night else "light",
    }}


def check_datasource(datasource: Any) -> list[str]:
    """Problems with a datasource against the contract above (empty when it fits)."""
    step = datasource.get("step") if isinstance(datasource, Mapping) else None
    if not isinstance(step, Mapping):
        return ["datasource: needs an object under 'step'"]
    problems = []
    for key, kind in STEP_FIELDS.items():
        if key not in step:
            problems.append(f"datasource: step has no {key!r}")
        elif not isinstance(step[key], kind) or isinstance(step[key], bool):
            problems.append(f"datasource: step.{key} must be {kind.__name__}, not {step[key]!r}")
    if extra := sorted(set(step) - set(STEP_FIELDS)):
        problems.append(f"datasource: step has keys the document does not read: {extra}")
    if step.get("icon") not in ICONS:
        problems.append(f"datasource: step.icon must be one of {ICONS}")
    if step.get("theme") not in THEMES:
        problems.append(f"datasource: step.theme must be one of {THEMES}")
    return problems


def document(name: str = "step") -> dict:
    """A fresh copy of responses/apl/<name>.json (read from disk once per process)."""
    return json.loads(_text(name))  # three times cheaper than a deepcopy of the parsed document


@cache
def _text(name: str) -> str:
    path = APL_DIR / f"{name}.json"
    text = path.read_text(encoding="utf-8")
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from exc
    return text


def render_directive(datasource: dict, token: str = DEFAULT_TOKEN) -> Any:
    """The RenderDocument directive that shows the step document with this datasource."""
    # Imported here: only screen devices need it, and it costs a Lambda cold start otherwise.
    from ask_sdk_model.interfaces.alexa.presentation.apl import RenderDocumentDirective

    return RenderDocumentDirective(token=token, document=document(), datasources=datasource)


def render_directive_dict(datasource: dict, token: str = DEFAULT_TOKEN) -> dict:
    """The same directive as plain JSON data, as it appears in the response."""
    return {"type": RENDER_DOCUMENT, "token": token, "document": document(),
            "datasources": datasource}
