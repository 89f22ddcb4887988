"""The step screen: the APL document validates, the directive serialises, night is dark, and the
preview PNGs in docs/ were drawn from the document as it is now."""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope
from ask_sdk_model.interfaces.alexa.presentation.apl import RenderDocumentDirective

from skill import apl
from tests import apl_expressions

ROOT = Path(__file__).resolve().parent.parent
PREVIEW = ROOT / "docs" / "apl-preview"


def _load_mirror() -> Any:
    spec = importlib.util.spec_from_file_location("apl_preview_render", PREVIEW / "render.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


mirror = _load_mirror()


def datasource(icon: str = "stretch", hold: int = 30, night: bool = True, **changes: Any) -> dict:
    found = apl.step_datasource(number=1, total=4, title="Stretch",
                                instruction="Straighten your leg. Pull your toes up toward you.",
                                icon=icon, hold_seconds=hold, night=night)
    found["step"].update(changes)
    return found


# ---- the document ------------------------------------------------------------------------------


def test_the_document_is_json_data_under_responses() -> None:
    path = ROOT / "responses" / "apl" / "step.json"
    assert path.parent == apl.APL_DIR
    raw = json.loads(path.read_text(encoding="utf-8"))  # well-formed, or this raises
    assert raw == apl.document()
    assert raw["type"] == "APL" and raw["mainTemplate"]["parameters"] == ["payload"]


@pytest.mark.parametrize("night", [True, False], ids=["night", "day"])
@pytest.mark.parametrize("icon", apl.ICONS)
@pytest.mark.parametrize("hold", [0, 30, 60])
def test_the_document_validates_for_every_step_kind_and_theme(icon: str, night: bool,
                                                              hold: int) -> None:
    found = datasource(icon, hold, night)
    assert apl.check_datasource(found) == []
    assert apl_expressions.datasource_problems(apl.document(), found) == []
    assert apl_expressions.name_problems(apl.document(), found) == []


def test_each_icon_is_a_graphic_in_the_document_and_nothing_comes_from_a_url() -> None:
    document = apl.document()
    assert set(apl.ICONS) <= set(document["graphics"])
    assert "http" not in json.dumps(document)


def test_resources_resolve_on_every_viewport() -> None:
    for name, viewport in apl_expressions.VIEWPORTS.items():
        scope = apl_expressions.top_scope(apl.document(), datasource(), viewport)
        assert float(scope["@instructionSize"].removesuffix("dp")) >= (26 if name == "echo-spot"
                                                                       else 40)


def test_the_timer_counts_down_on_the_device() -> None:
    timer = _component(apl.document()["mainTemplate"], "holdTimer")
    assert timer["when"] == "${payload.step.holdSeconds > 0}"
    assert timer["bind"] == [{"name": "remaining", "value": "${payload.step.holdSeconds}",
                              "type": "number"}]
    (tick,) = timer["handleTick"]
    assert tick["minimumDelay"] == 1000 and tick["when"] == "${remaining > 0}"
    assert tick["commands"][0] == {"type": "SetValue", "componentId": "holdTimer",
                                   "property": "remaining",
                                   "value": "${Math.max(0, remaining - 1)}"}


def _component(node: Any, cid: str) -> dict | None:
    if isinstance(node, dict):
        if node.get("id") == cid:
            return node
        children = node.values()
    elif isinstance(node, list):
        children = node
    else:
        return None
    for child in children:
        if (found := _component(child, cid)) is not None:
            return found
    return None


# ---- broken documents are caught: by Amazon's validator, or by the checks it lacks ---------------

Breaker = Callable[[dict], Any]


def _set(cid: str, key: str, value: Any) -> Breaker:
    def breaker(document: dict) -> None:
        component = _component(document["mainTemplate"], cid)
        assert component is not None
        component[key] = value
    return breaker


def _tick_command(**changes: Any) -> Breaker:
    def breaker(document: dict) -> None:
        _component(document["mainTemplate"], "holdTimer")["handleTick"][0]["commands"][0].update(
            changes)
    return breaker


# Each break and what names it. Not caught by either (known gaps, since the hand-written checker
# gave way to Amazon's): template parameters renamed, a name no binding defines, a resource
# defined only under a `when`, bad AVG path data, SetValue of a property that is no binding.
BROKEN: dict[str, tuple[Breaker, str]] = {
    "unknown payload key": (_set("stepTitle", "text", "${payload.step.heading}"),
                            "no 'heading'"),
    "unknown payload key inside an expression": (
        _set("stepNumber", "color", "${payload.step.theme == 'dark' ? payload.step.ink : bg}"),
        "no 'ink'"),
    "missing graphic": (lambda d: d["graphics"].pop("stretch"), "graphic 'stretch'"),
    "bad component type": (_set("stepTitle", "type", "Txt"), "unknown component type 'Txt'"),
    "missing mainTemplate": (lambda d: d.pop("mainTemplate"),
                             "should have required property 'mainTemplate'"),
    "not APL": (lambda d: d.update(type="APLT"), "/type: should be equal to one of the allowed"),
    "unknown version": (lambda d: d.update(version="2099.9"),
                        "/version: should be equal to one of the allowed"),
    "expression that does not parse": (_set("stepTitle", "text", "${payload.step.title +}"),
                                       "does not parse"),
    "undefined resource": (_set("stepTitle", "fontSize", "@hugeText"), "@hugeText"),
    "graphic without height": (lambda d: d["graphics"]["walk"].pop("height"),
                               "/graphics/walk: should have required property 'height'"),
    "graphic that is not AVG": (lambda d: d["graphics"]["heat"].update(type="SVG"),
                                "/graphics/heat/type: should be equal to one of the allowed"),
    "graphic from a URL": (_set("stepIcon", "item", {"type": "VectorGraphic",
                                                     "source": "https://example.com/i.json"}),
                           "is a URL"),
    "unknown command": (_tick_command(type="SetValu"), "unknown command type 'SetValu'"),
    "command aimed at no component": (_tick_command(componentId="holdTimr"),
                                      "componentId 'holdTimr' names no component"),
    "duplicate id": (_set("stepTitle", "id", "stepNumber"), "id 'stepNumber' is used twice"),
}


SUGGESTER = ROOT / ".node" / "node_modules"  # ./run installs apl-suggester here


def _suggester(documents: list[Any], tmp_path: Path) -> list[list[dict[str, str]]]:
    """Amazon's apl-suggester findings for each document (tests/apl_suggester.js)."""
    if not (SUGGESTER / "apl-suggester").is_dir() or shutil.which("node") is None:
        pytest.skip("apl-suggester is not installed: ./run tests installs it with npm")
    paths = []
    for n, document in enumerate(documents):
        paths.append(tmp_path / f"doc{n}.json")
        paths[-1].write_text(json.dumps(document), encoding="utf-8")
    done = subprocess.run(["node", str(ROOT / "tests" / "apl_suggester.js"), *map(str, paths)],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NODE_PATH": str(SUGGESTER)})
    assert done.returncode == 0, done.stderr
    return [json.loads(line)["findings"] for line in done.stdout.splitlines()]


def test_amazons_validator_finds_nothing_in_the_document(tmp_path: Path) -> None:
    assert _suggester([apl.document()], tmp_path) == [[]]


def test_every_broken_copy_is_caught(tmp_path: Path) -> None:
    copies = []
    for breaker, _ in BROKEN.values():
        document = copy.deepcopy(apl.document())
        breaker(document)
        copies.append(document)
    for (name, (_, expected)), document, amazon in zip(BROKEN.items(), copies,
                                                       _suggester(copies, tmp_path), strict=True):
        ours = [*apl_expressions.datasource_problems(document, datasource()),
                *apl_expressions.name_problems(document, datasource())]
        said = [f"{f['path']}: {f['message']}" for f in amazon] + ours
        assert any(expected in p for p in said), (name, said)


def test_the_datasource_check_names_the_missing_key() -> None:
    found = datasource()
    del found["step"]["holdSeconds"]
    problems = apl_expressions.datasource_problems(apl.document(), found)
    assert any("payload.step.holdSeconds" in p and "no 'holdSeconds'" in p for p in problems)
    assert "datasource: step has no 'holdSeconds'" in apl.check_datasource(found)


@pytest.mark.parametrize("changes, expected", [
    ({"icon": "yoga"}, "step.icon must be one of"),
    ({"theme": "dim"}, "step.theme must be one of"),
    ({"number": "1"}, "step.number must be int"),
    ({"holdSeconds": True}, "step.holdSeconds must be int"),
    ({"colour": "red"}, "keys the document does not read: ['colour']"),
])
def test_check_datasource_names_the_problem(changes: dict, expected: str) -> None:
    found = datasource()
    found["step"].update(changes)
    assert any(expected in p for p in apl.check_datasource(found))


def test_step_datasource_refuses_what_the_screen_cannot_show() -> None:
    with pytest.raises(ValueError, match="icon"):
        datasource(icon="yoga")
    with pytest.raises(ValueError, match="out of range"):
        apl.step_datasource(5, 4, "t", "i", "walk", 0, night=False)
    with pytest.raises(ValueError, match="hold_seconds"):
        apl.step_datasource(1, 4, "t", "i", "walk", -1, night=False)


# ---- the expressions ---------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("${remaining > 0 ? remaining + ' s' : 'Done'}", "12 s"),
    ("Step ${payload.step.number} of ${payload.step.total}", "Step 1 of 4"),
    ("${100 * remaining / payload.step.holdSeconds}%", "40%"),
    ("${payload.step.theme == 'dark' && !light}", True),
    ("${Math.floor(remaining / 5) * 5}", 10),
    ("${payload.step.missing ?? 'none'}", "none"),
    ("@gap", "8dp"),
    ("${@gap}", "8dp"),
    ("no expression", "no expression"),
])
def test_expressions_evaluate_like_apl(text: str, expected: Any) -> None:
    scope = {"payload": datasource(), "remaining": 12, "light": False, "@gap": "8dp"}
    assert apl_expressions.evaluate_value(text, scope) == expected


@pytest.mark.parametrize("text", ["${a ? b}", "${(a}", "${a b}", "${}", "${'open}", "${a"])
def test_broken_expressions_are_errors(text: str) -> None:
    with pytest.raises(apl_expressions.ExpressionError):
        apl_expressions.parse_template(text)


def test_references_name_every_chain_an_expression_reads() -> None:
    found = set(apl_expressions.template_references(
        "${payload.step['icon'] == 'walk' ? Math.max(a, @size) : payload.step.title.length}"))
    assert found == {("payload", "step", "icon"), ("Math", "max"), ("a",), ("@size",),
                     ("payload", "step", "title", "length")}


# ---- which devices get it, and the directive ---------------------------------------------------

ENVELOPE = {
    "version": "1.0",
    "context": {"System": {
        "application": {"applicationId": "amzn1.ask.skill.test"},
        "user": {"userId": "amzn1.ask.account.test"},
        "device": {"deviceId": "amzn1.ask.device.test", "supportedInterfaces": {}},
        "apiEndpoint": "https://api.amazonalexa.com",
    }},
    "request": {"type": "LaunchRequest", "requestId": "amzn1.echo-api.request.test",
                "timestamp": "2024-01-01T03:00:00Z", "locale": "en-US"},
}


def _sdk_interfaces(interfaces: dict) -> Any:
    raw = copy.deepcopy(ENVELOPE)
    raw["context"]["System"]["device"]["supportedInterfaces"] = interfaces
    envelope = DefaultSerializer().deserialize(json.dumps(raw), RequestEnvelope)
    return envelope.context.system.device.supported_interfaces


APL_ONLY = {"Alexa.Presentation.APL": {"runtime": {"maxVersion": "2023.3"}}}


def test_supports_apl_from_the_envelope_json() -> None:
    assert apl.supports_apl(APL_ONLY)
    assert apl.supports_apl({"AudioPlayer": {}, "Alexa.Presentation.APL": {}})
    assert not apl.supports_apl({})
    assert not apl.supports_apl({"AudioPlayer": {}, "Alexa.Presentation.APLT": {}})
    assert not apl.supports_apl(None)


def test_supports_apl_from_the_sdk_object() -> None:
    assert apl.supports_apl(_sdk_interfaces(APL_ONLY))
    assert apl.supports_apl(_sdk_interfaces({"Alexa.Presentation.APL": {}}))
    assert not apl.supports_apl(_sdk_interfaces({}))
    assert not apl.supports_apl(_sdk_interfaces({"AudioPlayer": {}}))


def test_the_directive_serialises_to_render_document_json() -> None:
    found = datasource()
    directive = apl.render_directive(found)
    assert isinstance(directive, RenderDocumentDirective)
    raw = DefaultSerializer().serialize(directive)
    assert raw["type"] == "Alexa.Presentation.APL.RenderDocument"
    assert raw["token"] == "cramp-coach-step"
    assert raw["document"]["type"] == "APL"
    assert raw["document"] == apl.document()
    assert raw["datasources"] == found
    assert raw == apl.render_directive_dict(found)
    assert json.loads(json.dumps(raw)) == raw  # plain JSON, as it goes to Alexa


def test_each_directive_gets_its_own_copy_of_the_document() -> None:
    first = apl.render_directive(datasource())
    first.document["mainTemplate"] = None
    assert apl.render_directive(datasource()).document["mainTemplate"] is not None


def test_night_makes_the_datasource_dark() -> None:
    assert datasource(night=True)["step"]["theme"] == "dark"
    assert datasource(night=False)["step"]["theme"] == "light"


# ---- the mirror and the preview ----------------------------------------------------------------

DARK = {"#0A0908", "#C9A683", "#8A725C", "#B5703F", "#1A1511", "#241D17"}
LIGHT = {"#FBF7F2", "#2A2019", "#6E5D4E", "#B0561F", "#F1E6D9", "#E6DACB"}


def _colours(page: str) -> set[str]:
    return {c.upper() for c in re.findall(r"(?:color|fill|stroke)[:=]\"?(#[0-9A-Fa-f]{6})", page)}


def test_night_draws_dim_warm_colours_on_near_black() -> None:
    page = mirror.mirror_html(apl.document(), datasource(night=True), "echo-show-8", "night")
    assert 'data-id="stepRoot" style="width:960px;height:600px;background-color:#0A0908"' in page
    assert _colours(page) <= DARK
    assert not re.search(r"#F{6}|#FAFAFA|\bwhite\b", page, re.IGNORECASE)
    day = mirror.mirror_html(apl.document(), datasource(night=False), "echo-show-8", "day")
    assert "background-color:#FBF7F2" in day and _colours(day) <= LIGHT


def test_the_mirror_shows_the_timer_only_with_a_hold() -> None:
    timed = mirror.mirror_html(apl.document(), datasource(hold=30), "echo-show-8", "timed")
    assert 'data-id="holdTimer"' in timed and ">30 s<" in timed
    assert ">Hold for 30 seconds<" in timed
    untimed = mirror.mirror_html(apl.document(), datasource("heat", hold=0), "echo-show-8", "")
    assert 'data-id="holdTimer"' not in untimed
    assert ">Step 1 of 4<" in untimed and ">Straighten your leg. Pull your toes up toward you.<" \
        in untimed


def test_the_mirror_refuses_what_it_cannot_draw() -> None:
    document = copy.deepcopy(apl.document())
    _component(document["mainTemplate"], "stepTitle")["borderWidth"] = 2
    with pytest.raises(mirror.MirrorError, match="borderWidth"):
        mirror.mirror_html(document, datasource(), "echo-show-8", "x")


@pytest.mark.parametrize("name", mirror.PREVIEWS)
def test_the_committed_preview_was_drawn_from_the_document_as_it_is(name: str) -> None:
    page = (PREVIEW / f"{name}.html").read_text(encoding="utf-8")
    meta = json.loads(re.search(r'<script type="application/json" id="mirror">(.*?)</script>',
                                page).group(1))
    assert apl.check_datasource(meta["datasource"]) == []
    again = mirror.mirror_html(apl.document(), meta["datasource"], meta["viewport"],
                               f"Cramp Coach: {name}")
    assert again == page, (f"docs/apl-preview/{name}.html is stale: run "
                           "docs/apl-preview/render.py --html-only (no browser needed)")
    # The PNG says which HTML it was drawn from. Redrawing needs Chromium, so an edit to the
    # document never waits on it: `render.py` redraws the pictures whose digest is out of date.
    png = (ROOT / "docs" / f"{name}.png").read_bytes()
    assert re.fullmatch(r"[0-9a-f]{64}", mirror.text_chunks(png).get(mirror.PNG_KEY, ""))


def test_the_night_preview_is_an_echo_show_8_screenshot() -> None:
    png = (ROOT / "docs" / "apl-step-night.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (1280, 800)
