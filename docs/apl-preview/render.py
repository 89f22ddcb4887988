"""An HTML mirror of the step APL document, screenshotted offline with headless Chromium.

There is no APL renderer we can run offline, so this draws the document the way a device would
first show it, in HTML, CSS and SVG: it walks responses/apl/step.json, evaluates its `${...}`
expressions with skill.apl's expression reader against the same datasource the skill sends
(skill.apl.step_datasource, with the on-screen wording from responses/en-US.yaml) and a device's
viewport, and turns each component it knows into a flexbox box. A property or component it does
not know how to draw stops it with an error, so the preview cannot quietly drift from the
document; tests/test_apl.py checks that the committed HTML is what this script makes from the
document now, and that each PNG was made from that HTML (its sha256 is in a PNG text chunk).

What it does not show: time (the hold timer's handleTick; it draws the first frame, the full
bar), and the device's fonts (Amazon Ember is not installable here; Liberation Sans or DejaVu
Sans stand in). Layout is CSS flexbox, which APL's Yoga layout follows closely but not exactly.

    python docs/apl-preview/render.py              # HTML mirrors + PNGs (apt-get install chromium)
    python docs/apl-preview/render.py --html-only  # just the HTML mirrors
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from collections import ChainMap
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from skill import apl  # noqa: E402
from tests import apl_expressions as expr  # noqa: E402

PNG_KEY = "apl-mirror-sha256"
# name -> (night?, viewport): each becomes docs/apl-preview/<name>.html and docs/<name>.png.
PREVIEWS = {
    "apl-step-night": (True, "echo-show-8"),
    "apl-step-day": (False, "echo-show-8"),
    "apl-step-spot-night": (True, "echo-spot"),
}
FONTS = '"Amazon Ember", "Liberation Sans", "DejaVu Sans", sans-serif'
CSS = (
    "* { box-sizing: border-box; margin: 0; padding: 0; }\n"
    "html, body { background: #000; }\n"
    f".screen {{ position: relative; overflow: hidden; font-family: {FONTS}; }}\n"
    ".c { display: flex; flex-direction: column; align-items: stretch; position: relative;"
    " flex-grow: 0; flex-shrink: 0; min-width: 0; min-height: 0; }\n"
    ".t { display: block; overflow-wrap: break-word; }\n"
)

# Properties that change behaviour, not the first frame: the mirror reads them, draws nothing.
NOT_DRAWN = {"type", "id", "when", "bind", "description", "accessibilityLabel", "speech",
             "handleTick", "onMount"}
BOX = {"width", "height", "minWidth", "maxWidth", "minHeight", "maxHeight", "paddingLeft",
       "paddingRight", "paddingTop", "paddingBottom", "grow", "shrink", "alignSelf", "opacity",
       "display", "spacing"}
DRAWN = {
    "Container": BOX | {"direction", "alignItems", "justifyContent", "items", "item"},
    "Frame": BOX | {"backgroundColor", "borderRadius", "borderWidth", "borderColor", "item",
                    "items"},
    "Text": BOX | {"text", "fontSize", "fontWeight", "fontStyle", "color", "textAlign",
                   "lineHeight", "letterSpacing", "maxLines"},
    "VectorGraphic": BOX | {"source", "scale", "align"},  # and the graphic's parameters
}
AVG_PATH = {"type", "description", "pathData", "fill", "fillOpacity", "stroke", "strokeWidth",
            "strokeOpacity", "strokeLineCap", "strokeLineJoin"}
FLEX = {"start": "flex-start", "end": "flex-end", "center": "center", "stretch": "stretch",
        "baseline": "baseline", "auto": "auto", "spaceBetween": "space-between",
        "spaceAround": "space-around", "spaceEvenly": "space-evenly"}
SCALE = {"best-fit": "meet", "best-fill": "slice", "fill": "none"}
ALIGN = {"center": "xMidYMid", "top": "xMidYMin", "bottom": "xMidYMax", "left": "xMinYMid",
         "right": "xMaxYMid", "top-left": "xMinYMin", "top-right": "xMaxYMin",
         "bottom-left": "xMinYMax", "bottom-right": "xMaxYMax"}


class MirrorError(Exception):
    """The document uses something the mirror cannot draw faithfully."""


class Mirror:
    def __init__(self, document: dict, datasource: dict, viewport: dict) -> None:
        self.doc = document
        self.viewport = viewport
        self.scope = expr.top_scope(document, datasource, viewport)

    def page(self, title: str, meta: dict) -> str:
        vp = self.viewport
        zoom = vp["pixelWidth"] / vp["width"]
        shape = "border-radius: 50%; " if vp["shape"] == "round" else ""
        template = self.doc["mainTemplate"]
        items = template.get("items", template.get("item"))
        body = "".join(self.component(c, self.scope, "column", first=i == 0, path=f"item[{i}]")
                       for i, c in enumerate(items if isinstance(items, list) else [items]))
        return (
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
            f"<title>{html.escape(title)}</title>\n"
            "<!-- Generated by docs/apl-preview/render.py from responses/apl/step.json: an HTML"
            " mirror of the APL document for a preview PNG, not what a device runs. -->\n"
            f"<script type=\"application/json\" id=\"mirror\">{json.dumps(meta, sort_keys=True)}"
            "</script>\n"
            f"<style>{CSS}</style></head>\n<body>\n"
            f"<div class=\"screen\" style=\"width:{vp['width']}px;height:{vp['height']}px;"
            f"zoom:{zoom:.6f};{shape}\">\n{body}</div>\n</body></html>\n"
        )

    # -- values --

    def value(self, raw: Any, scope: ChainMap, where: str) -> Any:
        try:
            return expr.evaluate_value(raw, scope)
        except expr.ExpressionError as exc:
            raise MirrorError(f"{where}: {exc}") from exc

    def dim(self, value: Any, where: str) -> str:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return f"{value:g}px"
        m = re.fullmatch(r"(-?\d+(?:\.\d+)?)(dp|px|vw|vh|%)?|auto", str(value).strip())
        if m is None:
            raise MirrorError(f"{where}: {value!r} is not a dimension")
        if m.group(0) == "auto":
            return "auto"
        number, unit = float(m.group(1)), m.group(2) or "dp"
        scale = {"dp": 1, "px": 160 / self.viewport["dpi"], "vw": self.viewport["width"] / 100,
                 "vh": self.viewport["height"] / 100, "%": None}[unit]
        return f"{number:g}%" if scale is None else f"{number * scale:g}px"

    # -- components --

    def component(self, node: dict, scope: ChainMap, parent_direction: str, first: bool,
                  path: str) -> str:
        kind = node.get("type")
        if kind not in DRAWN:
            raise MirrorError(f"{path}: the mirror cannot draw a {kind!r}; teach render.py first")
        if "when" in node and not expr.truthy(self.value(node["when"], scope, f"{path}.when")):
            return ""
        scope = scope.new_child()
        for bind in node.get("bind") or ():
            scope[bind["name"]] = self.value(bind["value"], scope, f"{path}.bind")
        graphic_params: set[str] = set()
        graphic: dict = {}
        if kind == "VectorGraphic":
            name = self.value(node["source"], scope, f"{path}.source")
            graphic = self.doc.get("graphics", {}).get(name) or {}
            if not graphic:
                raise MirrorError(f"{path}: no graphic {name!r}")
            graphic_params = {p["name"] if isinstance(p, dict) else p
                              for p in graphic.get("parameters") or ()}
        unknown = set(node) - DRAWN[kind] - NOT_DRAWN - graphic_params
        if unknown:
            raise MirrorError(f"{path}: the mirror does not draw {sorted(unknown)} on a {kind}; "
                              "teach render.py before using them")
        props = {k: self.value(v, scope, f"{path}.{k}") for k, v in node.items()
                 if k not in NOT_DRAWN and k not in ("item", "items")}
        if props.get("display") == "none":
            return ""
        style = self.box_style(props, parent_direction, first, path)
        if kind == "Text":
            return self.text(props, style, path)
        if kind == "VectorGraphic":
            return self.vector(props, graphic, style, path)
        direction = "column"
        if kind == "Container":
            direction = props.get("direction", "column")
            if direction not in ("row", "column"):
                raise MirrorError(f"{path}: direction {direction!r}")
            style.append(f"flex-direction:{direction}")
            for key, css in (("alignItems", "align-items"), ("justifyContent", "justify-content")):
                if key in props:
                    style.append(f"{css}:{FLEX[props[key]]}")
        else:  # Frame
            if "backgroundColor" in props:
                style.append(f"background-color:{props['backgroundColor']}")
            if "borderRadius" in props:
                style.append(f"border-radius:{self.dim(props['borderRadius'], path)}")
            if "borderWidth" in props:
                style.append(f"border:{self.dim(props['borderWidth'], path)} solid "
                             f"{props.get('borderColor', 'transparent')}")
        children = node.get("items", node.get("item")) or []
        children = children if isinstance(children, list) else [children]
        inner = "".join(
            self.component(child, scope, direction, first=i == 0, path=f"{path}.items[{i}]")
            for i, child in enumerate(children))
        ident = f' data-id="{html.escape(node["id"])}"' if "id" in node else ""
        return f'<div class="c"{ident} style="{";".join(style)}">{inner}</div>\n'

    def box_style(self, props: dict, parent_direction: str, first: bool, path: str) -> list[str]:
        style = []
        for key, css in (("width", "width"), ("height", "height"), ("minWidth", "min-width"),
                         ("maxWidth", "max-width"), ("minHeight", "min-height"),
                         ("maxHeight", "max-height"), ("paddingLeft", "padding-left"),
                         ("paddingRight", "padding-right"), ("paddingTop", "padding-top"),
                         ("paddingBottom", "padding-bottom")):
            if key in props:
                style.append(f"{css}:{self.dim(props[key], f'{path}.{key}')}")
        if "grow" in props:
            style.append(f"flex-grow:{props['grow']:g}")
        if "shrink" in props:
            style.append(f"flex-shrink:{props['shrink']:g}")
        if "alignSelf" in props:
            style.append(f"align-self:{FLEX[props['alignSelf']]}")
        if "opacity" in props:
            style.append(f"opacity:{props['opacity']:g}")
        if props.get("display") == "invisible":
            style.append("visibility:hidden")
        if "spacing" in props and not first:
            side = "left" if parent_direction == "row" else "top"
            style.append(f"margin-{side}:{self.dim(props['spacing'], path)}")
        return style

    def text(self, props: dict, style: list[str], path: str) -> str:
        # APL's Text defaults: 40dp, line height 1.25, white-ish on the dark theme.
        style.append(f"font-size:{self.dim(props.get('fontSize', 40), path)}")
        style.append(f"line-height:{props.get('lineHeight', 1.25):g}")
        style.append(f"color:{props.get('color', '#FAFAFA')}")
        style.append(f"font-weight:{props.get('fontWeight', 'normal')}")
        if "fontStyle" in props:
            style.append(f"font-style:{props['fontStyle']}")
        if "letterSpacing" in props:
            style.append(f"letter-spacing:{self.dim(props['letterSpacing'], path)}")
        align = props.get("textAlign", "auto")
        style.append(f"text-align:{'start' if align == 'auto' else align}")
        if props.get("maxLines"):
            style.append(f"display:-webkit-box;-webkit-box-orient:vertical;overflow:hidden;"
                         f"-webkit-line-clamp:{props['maxLines']}")
        text = html.escape(expr.to_text(props.get("text", "")))
        return f'<div class="c t" style="{";".join(style)}">{text}</div>\n'

    def vector(self, props: dict, graphic: dict, style: list[str], path: str) -> str:
        scope: ChainMap = ChainMap({}, self.scope.maps[-1])  # viewport and environment only
        for param in graphic.get("parameters") or ():
            name = param["name"] if isinstance(param, dict) else param
            default = param.get("default") if isinstance(param, dict) else None
            scope[name] = props.get(name, default)
        width = graphic.get("viewportWidth", graphic["width"])
        height = graphic.get("viewportHeight", graphic["height"])
        scale, align = props.get("scale", "none"), props.get("align", "center")
        if scale not in SCALE:
            raise MirrorError(f"{path}: the mirror draws scale best-fit, best-fill or fill only")
        fit = "none" if scale == "fill" else f"{ALIGN[align]} {SCALE[scale]}"
        items = graphic.get("items", graphic.get("item"))
        drawn = "".join(self.avg(item, scope, f"{path}.graphic[{i}]")
                        for i, item in enumerate(items if isinstance(items, list) else [items]))
        if "width" not in props:
            style.append(f"width:{self.dim(graphic['width'], path)}")
        if "height" not in props:
            style.append(f"height:{self.dim(graphic['height'], path)}")
        return (f'<div class="c" style="{";".join(style)}"><svg xmlns="http://www.w3.org/2000/svg"'
                f' viewBox="0 0 {width} {height}" preserveAspectRatio="{fit}"'
                f' width="100%" height="100%">{drawn}</svg></div>\n')

    def avg(self, item: dict, scope: ChainMap, path: str) -> str:
        if item.get("type") != "path":
            raise MirrorError(f"{path}: the mirror draws AVG paths only, not {item.get('type')!r}")
        if unknown := set(item) - AVG_PATH:
            raise MirrorError(f"{path}: the mirror does not draw {sorted(unknown)} on a path")
        p = {k: self.value(v, scope, f"{path}.{k}") for k, v in item.items()}

        def paint(color: Any) -> str:  # AVG's fill and stroke default to transparent
            return "none" if color in (None, "transparent") else html.escape(str(color))

        attrs = {
            "d": p["pathData"], "fill": paint(p.get("fill")), "stroke": paint(p.get("stroke")),
            "stroke-width": p.get("strokeWidth", 1), "fill-opacity": p.get("fillOpacity", 1),
            "stroke-opacity": p.get("strokeOpacity", 1),
            "stroke-linecap": p.get("strokeLineCap", "butt"),
            "stroke-linejoin": p.get("strokeLineJoin", "miter"),
        }
        return "<path " + " ".join(f'{k}="{expr.to_text(v)}"' for k, v in attrs.items()) + "/>"


def mirror_html(document: dict, datasource: dict, viewport_name: str, title: str) -> str:
    """The HTML mirror of `document` shown with `datasource` on the named viewport."""
    meta = {"datasource": datasource, "viewport": viewport_name}
    return Mirror(document, datasource, expr.VIEWPORTS[viewport_name]).page(title, meta)


def preview_datasource(night: bool) -> dict:
    """Step 1 of 4, the calf stretch with its 30 s hold, in the words the screen shows."""
    # conversation declares the keys the catalog checks its night-time wording against.
    from skill import content, conversation, ssml  # noqa: F401

    title, instruction = content.line("screen.title.stretch"), content.line("screen.stretch.calf")
    catalog = content.catalog()

    def shown(key: content.Line) -> str:
        return ssml.to_text(catalog.render((key,)))

    return apl.step_datasource(number=1, total=4, title=shown(title),
                               instruction=shown(instruction), icon="stretch",
                               hold_seconds=30, night=night)


def with_text_chunk(png: bytes, key: str, text: str) -> bytes:
    """The PNG with a tEXt chunk (key, text) right after its IHDR."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    ihdr_end = 8 + 4 + 4 + struct.unpack(">I", png[8:12])[0] + 4
    data = key.encode("latin-1") + b"\0" + text.encode("latin-1")
    chunk = struct.pack(">I", len(data)) + b"tEXt" + data
    chunk += struct.pack(">I", zlib.crc32(b"tEXt" + data) & 0xFFFFFFFF)
    return png[:ihdr_end] + chunk + png[ihdr_end:]


def text_chunks(png: bytes) -> dict[str, str]:
    """The tEXt chunks of a PNG."""
    found, pos = {}, 8
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        if kind == b"tEXt":
            key, _, value = png[pos + 8:pos + 8 + length].partition(b"\0")
            found[key.decode("latin-1")] = value.decode("latin-1")
        pos += 12 + length
    return found


def screenshot(page: Path, out: Path, viewport: dict) -> None:
    """Headless Chromium's screenshot of `page` at the device's pixel size, offline."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        sys.exit("chromium not found: apt-get install -y chromium (or use --html-only)")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([
            browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--hide-scrollbars", f"--user-data-dir={profile}",
            f"--window-size={viewport['pixelWidth']},{viewport['pixelHeight']}",
            f"--screenshot={out}", page.as_uri(),
        ], check=True, capture_output=True, timeout=120)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html-only", action="store_true", help="write the HTML, no PNGs")
    args = parser.parse_args(argv)
    document = apl.document()
    for name, (night, viewport_name) in PREVIEWS.items():
        datasource = preview_datasource(night)
        problems = [*expr.datasource_problems(document, datasource),
                    *expr.name_problems(document, datasource)]
        if problems:
            sys.exit("the document does not check out:\n" + "\n".join(problems))
        page = HERE / f"{name}.html"
        text = mirror_html(document, datasource, viewport_name, f"Cramp Coach: {name}")
        page.write_text(text, encoding="utf-8")
        print(f"wrote {page.relative_to(ROOT)}")
        if args.html_only:
            continue
        png = ROOT / "docs" / f"{name}.png"
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if png.is_file() and text_chunks(png.read_bytes()).get(PNG_KEY) == digest:
            continue  # drawn from this very HTML already
        screenshot(page, png, expr.VIEWPORTS[viewport_name])
        png.write_bytes(with_text_chunk(png.read_bytes(), PNG_KEY, digest))
        print(f"wrote {png.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
