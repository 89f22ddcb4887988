"""A static check of APL documents: what APL accepts, and that the datasource has what they read.

It includes a small parser and evaluator for APL data-binding expressions (`${...}`), also used by
the HTML mirror in docs/apl-preview/ that draws the PNG preview. Tests and tools only: the skill
itself never loads this module.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections import ChainMap
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

# ---- APL data-binding expressions ----------------------------------------------------------------
#
# The subset of APL's expression language the documents use: literals, names, `@resources`,
# member access, calls (Math.*), unary ! - +, * / %, + -, comparisons, == !=, && || ??, and ?:.
# Anything else is a syntax error, so a document never relies on something this cannot read.


class ExpressionError(ValueError):
    """An expression that does not parse, or cannot be evaluated in the scope given."""


_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(?P<unit>dp|px|vw|vh)?
  | (?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<res>@[A-Za-z_]\w*)
  | (?P<name>[A-Za-z_]\w*)
  | (?P<op>===|!==|==|!=|<=|>=|&&|\|\||\?\?|[-+*/%!<>?:.,()\[\]])
""", re.VERBOSE)
_BINARY = [  # lowest precedence first
    ("??",), ("||",), ("&&",), ("==", "!=", "===", "!=="), ("<", ">", "<=", ">="),
    ("+", "-"), ("*", "/", "%"),
]
_LITERALS = {"true": True, "false": False, "null": None}


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise ExpressionError(f"unexpected {text[pos]!r} in ${{{text}}}")
        pos = m.end()
        kind = m.lastgroup if m.lastgroup != "unit" else "num"
        if kind == "num" and m.group("unit"):
            out.append(("dim", m.group(0)))
        elif kind != "space":
            out.append((kind, m.group(kind)))
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, op: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (op is not None and tok != ("op", op)):
            want = repr(op) if op else "more"
            raise ExpressionError(f"expected {want} in ${{{self.text}}}")
        self.i += 1
        return tok

    def at(self, *ops: str) -> bool:
        tok = self.peek()
        return tok is not None and tok[0] == "op" and tok[1] in ops

    def parse(self) -> tuple:
        if not self.toks:
            raise ExpressionError("empty ${}")
        node = self.ternary()
        if self.peek() is not None:
            raise ExpressionError(f"unexpected {self.peek()[1]!r} in ${{{self.text}}}")
        return node

    def ternary(self) -> tuple:
        cond = self.binary(0)
        if self.at("?"):
            self.take("?")
            yes = self.ternary()
            self.take(":")
            return ("cond", cond, yes, self.ternary())
        return cond

    def binary(self, level: int) -> tuple:
        if level == len(_BINARY):
            return self.unary()
        node = self.binary(level + 1)
        while self.at(*_BINARY[level]):
            op = self.take()[1]
            node = ("binary", op, node, self.binary(level + 1))
        return node

    def unary(self) -> tuple:
        if self.at("!", "-", "+"):
            op = self.take()[1]
            return ("unary", op, self.unary())
        return self.postfix(self.primary())

    def postfix(self, node: tuple) -> tuple:
        while True:
            if self.at("."):
                self.take(".")
                kind, name = self.take()
                if kind != "name":
                    raise ExpressionError(f"expected a name after '.' in ${{{self.text}}}")
                node = ("member", node, name)
            elif self.at("["):
                self.take("[")
                index = self.ternary()
                self.take("]")
                node = ("index", node, index)
            elif self.at("("):
                self.take("(")
                args = []
                while not self.at(")"):
                    args.append(self.ternary())
                    if not self.at(")"):
                        self.take(",")
                self.take(")")
                node = ("call", node, tuple(args))
            else:
                return node

    def primary(self) -> tuple:
        kind, value = self.take()
        if kind == "num":
            number = float(value)
            return ("lit", int(number) if number.is_integer() and "e" not in value.lower()
                    else number)
        if kind == "dim":
            return ("lit", value)
        if kind == "str":
            return ("lit", re.sub(r"\\(.)", r"\1", value[1:-1]))
        if kind == "res":
            return ("res", value[1:])
        if kind == "name":
            return ("lit", _LITERALS[value]) if value in _LITERALS else ("name", value)
        if value == "(":
            node = self.ternary()
            self.take(")")
            return node
        if value == "[":
            items = []
            while not self.at("]"):
                items.append(self.ternary())
                if not self.at("]"):
                    self.take(",")
            self.take("]")
            return ("array", tuple(items))
        raise ExpressionError(f"unexpected {value!r} in ${{{self.text}}}")


@cache
def parse_expression(text: str) -> tuple:
    """The syntax tree of the inside of one `${...}`."""
    return _Parser(text).parse()


@cache
def parse_template(text: str) -> tuple[str | tuple, ...]:
    """A string as literal pieces and expression trees (`"Step ${n}"` -> ("Step ", tree))."""
    parts: list[str | tuple] = []
    pos = 0
    while (start := text.find("${", pos)) != -1:
        if start > pos:
            parts.append(text[pos:start])
        depth, quote, i = 0, None, start + 2
        while i < len(text):
            ch = text[i]
            if quote:
                if ch == "\\":
                    i += 1
                elif ch == quote:
                    quote = None
            elif ch in "'\"":
                quote = ch
            elif ch == "{":
                depth += 1
            elif ch == "}":
                if depth == 0:
                    break
                depth -= 1
            i += 1
        else:
            raise ExpressionError(f"unclosed ${{ in {text!r}")
        parts.append(parse_expression(text[start + 2:i]))
        pos = i + 1
    if pos < len(text):
        parts.append(text[pos:])
    return tuple(parts)


def has_expression(text: str) -> bool:
    return "${" in text


_RESOURCE_ONLY = re.compile(r"@[A-Za-z_]\w*")


def references(node: tuple) -> Iterator[tuple[str, ...]]:
    """Each name chain an expression reads: ("payload", "step", "title"), ("@gutter",), ..."""
    kind = node[0]
    if kind in ("name", "member", "index"):
        chain: list[str] = []
        cur = node
        while True:
            if cur[0] == "member":
                chain.append(cur[2])
                cur = cur[1]
            elif cur[0] == "index" and cur[2][0] == "lit" and isinstance(cur[2][1], str):
                chain.append(cur[2][1])
                cur = cur[1]
            elif cur[0] == "index":
                yield from references(cur[2])
                chain.clear()
                cur = cur[1]
            else:
                break
        if cur[0] == "name":
            yield (cur[1], *reversed(chain))
        else:
            yield from references(cur)
    elif kind == "res":
        yield ("@" + node[1],)
    else:
        for child in node[1:]:
            if isinstance(child, tuple) and child and isinstance(child[0], str):
                yield from references(child)
            elif isinstance(child, tuple):
                for item in child:
                    if isinstance(item, tuple):
                        yield from references(item)


def template_references(text: str) -> Iterator[tuple[str, ...]]:
    if _RESOURCE_ONLY.fullmatch(text):
        yield (text,)
        return
    for part in parse_template(text):
        if isinstance(part, tuple):
            yield from references(part)


_MATH = {
    "floor": math.floor, "ceil": math.ceil, "round": lambda x: math.floor(x + 0.5),
    "abs": abs, "min": min, "max": max, "sqrt": math.sqrt,
}
GLOBALS: dict[str, Any] = {"Math": _MATH}


def truthy(value: Any) -> bool:
    """APL's truthiness: false, null, 0 and "" are false."""
    if value is None or value is False:
        return False
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        return value != ""
    return True


def to_text(value: Any) -> str:
    """How APL prints a value inside a string: 30 not 30.0, true, null as ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def evaluate(node: tuple, scope: Mapping[str, Any]) -> Any:
    """Evaluate an expression tree; names (and "@resource" keys) come from `scope`."""
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "name":
        if node[1] in scope:
            return scope[node[1]]
        if node[1] in GLOBALS:
            return GLOBALS[node[1]]
        raise ExpressionError(f"unknown name {node[1]!r}")
    if kind == "res":
        if "@" + node[1] in scope:
            return scope["@" + node[1]]
        raise ExpressionError(f"unknown resource @{node[1]}")
    if kind in ("member", "index"):
        obj = evaluate(node[1], scope)
        key = node[2] if kind == "member" else evaluate(node[2], scope)
        if key == "length" and isinstance(obj, str | list):
            return len(obj)
        if isinstance(obj, Mapping):
            return obj.get(key)
        if isinstance(obj, list) and isinstance(key, int) and -len(obj) <= key < len(obj):
            return obj[key]
        return None
    if kind == "call":
        fn = evaluate(node[1], scope)
        if not callable(fn):
            raise ExpressionError("call of something that is not a function")
        return fn(*(evaluate(a, scope) for a in node[2]))
    if kind == "array":
        return [evaluate(a, scope) for a in node[1]]
    if kind == "unary":
        value = evaluate(node[2], scope)
        if node[1] == "!":
            return not truthy(value)
        return -_number(value) if node[1] == "-" else _number(value)
    if kind == "cond":
        return evaluate(node[2] if truthy(evaluate(node[1], scope)) else node[3], scope)
    op, left = node[1], evaluate(node[2], scope)
    if op == "&&":
        return evaluate(node[3], scope) if truthy(left) else left
    if op == "||":
        return left if truthy(left) else evaluate(node[3], scope)
    if op == "??":
        return left if left is not None else evaluate(node[3], scope)
    right = evaluate(node[3], scope)
    if op in ("==", "==="):
        return left == right
    if op in ("!=", "!=="):
        return left != right
    if op == "+" and (isinstance(left, str) or isinstance(right, str)):
        return to_text(left) + to_text(right)
    a, b = _number(left), _number(right)
    try:
        return {
            "+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b,
            "/": lambda: a / b, "%": lambda: math.fmod(a, b),
            "<": lambda: a < b, ">": lambda: a > b, "<=": lambda: a <= b, ">=": lambda: a >= b,
        }[op]()
    except ZeroDivisionError as exc:
        raise ExpressionError("division by zero") from exc


def _number(value: Any) -> int | float:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    if value is None:
        return 0
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise ExpressionError(f"{value!r} is not a number") from exc


def evaluate_value(value: Any, scope: Mapping[str, Any]) -> Any:
    """APL's evaluation of a property value: `${}` expressions, and a lone "@name" resource.

    A string that is exactly one `${...}` keeps the expression's type; otherwise the pieces are
    joined as text. Arrays and objects are evaluated item by item.
    """
    if isinstance(value, str):
        if _RESOURCE_ONLY.fullmatch(value):
            if value not in scope:
                raise ExpressionError(f"unknown resource {value}")
            return scope[value]
        if not has_expression(value):
            return value
        parts = parse_template(value)
        if len(parts) == 1 and isinstance(parts[0], tuple):
            return evaluate(parts[0], scope)
        return "".join(p if isinstance(p, str) else to_text(evaluate(p, scope)) for p in parts)
    if isinstance(value, list):
        return [evaluate_value(v, scope) for v in value]
    if isinstance(value, dict):
        return {k: evaluate_value(v, scope) for k, v in value.items()}
    return value


# ---- viewports, resources --------------------------------------------------------------------

# The data-binding `viewport` of a few Echo devices (sizes in dp), for evaluating and previewing.
VIEWPORTS: dict[str, dict[str, Any]] = {
    "echo-show-8": {"width": 960, "height": 600, "pixelWidth": 1280, "pixelHeight": 800,
                    "dpi": 213, "shape": "rectangle", "mode": "hub", "theme": "dark"},
    "echo-show-5": {"width": 960, "height": 480, "pixelWidth": 960, "pixelHeight": 480,
                    "dpi": 160, "shape": "rectangle", "mode": "hub", "theme": "dark"},
    "echo-show-15": {"width": 1280, "height": 800, "pixelWidth": 1920, "pixelHeight": 1200,
                     "dpi": 240, "shape": "rectangle", "mode": "hub", "theme": "dark"},
    "echo-spot": {"width": 480, "height": 480, "pixelWidth": 480, "pixelHeight": 480,
                  "dpi": 160, "shape": "round", "mode": "hub", "theme": "dark"},
}
ENVIRONMENT = {"agentName": "AlexaWebHost", "agentVersion": "1.0", "aplVersion": "2023.3",
               "disallowVideo": False, "fontScale": 1.0, "screenMode": "normal",
               "screenReader": False, "timing": {"doublePressTimeout": 500}}
RESOURCE_KINDS = ("colors", "dimensions", "numbers", "strings", "booleans", "gradients",
                  "easing")


def top_scope(document: Mapping, datasource: Mapping, viewport: Mapping) -> ChainMap:
    """The scope the mainTemplate's item sees: its parameter, viewport, environment, resources."""
    scope: ChainMap = ChainMap({"viewport": dict(viewport), "environment": dict(ENVIRONMENT)})
    resources: dict[str, Any] = {}
    for block in document.get("resources") or ():
        if "when" in block and not truthy(evaluate_value(block["when"], scope)):
            continue
        for kind in RESOURCE_KINDS:
            for name, value in (block.get(kind) or {}).items():
                resources["@" + name] = evaluate_value(value, scope.new_child(resources))
    params = (document.get("mainTemplate") or {}).get("parameters") or []
    # One parameter gets the whole datasources object; several get one datasource each.
    bound = {params[0]: datasource} if len(params) == 1 else {p: datasource.get(p) for p in params}
    return scope.new_child(resources).new_child(bound)


# ---- validation ---------------------------------------------------------------------------------

APL_VERSIONS = frozenset({
    "1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "1.8", "1.9",
    "2022.1", "2022.2", "2023.1", "2023.2", "2023.3", "2024.1", "2024.2", "2024.3",
})
AVG_VERSIONS = frozenset({"1.0", "1.1", "1.2"})
# APL's primitive components: usable without importing any package.
COMPONENTS = frozenset({
    "Container", "Frame", "Text", "Image", "VectorGraphic", "Sequence", "GridSequence",
    "ScrollView", "Pager", "TouchWrapper", "EditText", "Video",
})
COMMANDS = frozenset({
    "AnimateItem", "AutoPage", "ClearFocus", "ControlMedia", "Finish", "Idle", "InsertItem",
    "Log", "OpenURL", "Parallel", "PlayMedia", "Reinflate", "RemoveItem", "Scroll",
    "ScrollToComponent", "ScrollToIndex", "Select", "SendEvent", "Sequential", "SetFocus",
    "SetPage", "SetState", "SetValue", "SpeakItem", "SpeakList",
})
# Properties SetValue may change when they are not a binding of the target (the common ones).
DYNAMIC_PROPERTIES = frozenset({
    "accessibilityLabel", "backgroundColor", "borderColor", "borderWidth", "checked", "color",
    "disabled", "display", "height", "maxHeight", "maxWidth", "minHeight", "minWidth",
    "opacity", "source", "text", "transform", "width",
})
ANIMATABLE = frozenset({"opacity", "transform"})
CHILD_KEYS = ("item", "items", "firstItem", "lastItem")
HANDLER_LISTS = ("handleTick", "handleKeyDown", "handleKeyUp", "handleVisibilityChange",
                 "actions")
NESTED_COMMANDS = ("commands", "catch", "finally", "otherwise")
# Names every expression may use besides the template's parameters and bound variables.
BUILTIN_NAMES = frozenset({"viewport", "environment", "Math", "String", "Array", "Time",
                           "elapsedTime", "localTime", "utcTime"})
DATA_NAMES = frozenset({"data", "index", "ordinal", "length"})
_ID = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*")
_PATH_DATA = re.compile(r"[MmLlHhVvCcSsQqTtAaZz0-9eE.,+\-\s]+")
_ALEXA_LAYOUTS = re.compile(r"Alexa[A-Z]\w*")


class _Check:
    """One validation run: walks the document once, collecting problems as text."""

    def __init__(self, doc: Mapping, datasource: Mapping) -> None:
        self.doc = doc
        self.datasource = datasource
        self.problems: list[str] = []
        self.ids: dict[str, dict] = {}
        self.graphics = doc.get("graphics") if isinstance(doc.get("graphics"), Mapping) else {}
        self.layouts = doc.get("layouts") if isinstance(doc.get("layouts"), Mapping) else {}
        user_commands = doc.get("commands") if isinstance(doc.get("commands"), Mapping) else {}
        self.commands = COMMANDS | set(user_commands)
        self.components = COMPONENTS | set(self.layouts)
        self.imports_alexa_layouts = any(
            isinstance(i, Mapping) and i.get("name") == "alexa-layouts" and i.get("version")
            for i in doc.get("import") or ())
        self.params: list[str] = []
        self.resources: set[str] = set()
        self.scope_values: ChainMap | None = None

    def problem(self, where: str, text: str) -> None:
        self.problems.append(f"{where}: {text}")

    # -- the document's frame --

    def run(self) -> list[str]:
        doc = self.doc
        if doc.get("type") != "APL":
            self.problem("type", f"must be \"APL\", not {doc.get('type')!r}")
        version = doc.get("version")
        if not isinstance(version, str) or version not in APL_VERSIONS:
            self.problem("version", f"{version!r} is not an APL version "
                         f"({', '.join(sorted(APL_VERSIONS))})")
        for n, imp in enumerate(doc.get("import") or ()):
            if not isinstance(imp, Mapping) or not imp.get("name") or not imp.get("version"):
                self.problem(f"import[{n}]", "an import needs a name and a version")
        self.check_resources()
        self.check_graphics()
        template = doc.get("mainTemplate")
        if not isinstance(template, Mapping):
            self.problem("mainTemplate", "missing: an APL document needs a mainTemplate")
            return self.problems
        self.params = template.get("parameters") or []
        if self.params != ["payload"]:
            self.problem("mainTemplate.parameters",
                         f"must be [\"payload\"] (the datasource), not {self.params!r}")
        children = self.children(template, "mainTemplate")
        if not children:
            self.problem("mainTemplate", "has no item or items to show")
        try:
            viewport = VIEWPORTS["echo-show-8"]
            self.scope_values = top_scope(doc, self.datasource, viewport)
        except ExpressionError as exc:
            self.problem("resources", f"cannot be evaluated: {exc}")
            self.scope_values = ChainMap({"payload": self.datasource})
        names = BUILTIN_NAMES | set(self.params)
        for path, child in children:
            self.collect_ids(child, path)
        for path, child in children:
            self.component(child, path, names, self.scope_values)
        for key in ("onMount", "onConfigChange", "onDisplayStateChange"):
            if key in doc:
                self.command_list(doc[key], key, names | {"event"})
        return self.problems

    def children(self, node: Mapping, path: str) -> list[tuple[str, Any]]:
        found = []
        for key in CHILD_KEYS:
            if key not in node:
                continue
            value = node[key]
            if isinstance(value, list):
                found += [(f"{path}.{key}[{i}]", v) for i, v in enumerate(value)]
            else:
                found.append((f"{path}.{key}", value))
        return found

    def check_resources(self) -> None:
        resources = self.doc.get("resources") or []
        if not isinstance(resources, list):
            self.problem("resources", "must be an array of resource blocks")
            return
        conditional: set[str] = set()
        for n, block in enumerate(resources):
            where = f"resources[{n}]"
            if not isinstance(block, Mapping):
                self.problem(where, "must be an object")
                continue
            names = {"@" + name for kind in RESOURCE_KINDS for name in (block.get(kind) or {})}
            if "when" in block:
                self.expressions(block["when"], f"{where}.when", BUILTIN_NAMES)
                conditional |= names
            else:
                self.resources |= names
            for kind in RESOURCE_KINDS:
                for name, value in (block.get(kind) or {}).items():
                    self.expressions(value, f"{where}.{kind}.{name}", BUILTIN_NAMES)
        for name in sorted(conditional - self.resources):
            self.problem("resources", f"{name} is only defined under a 'when', so some "
                         "devices would not have it; define a default too")

    def check_graphics(self) -> None:
        for name, graphic in self.graphics.items():
            where = f"graphics.{name}"
            if not isinstance(graphic, Mapping):
                self.problem(where, "must be an AVG object")
                continue
            if graphic.get("type") != "AVG":
                self.problem(where, f"type must be \"AVG\", not {graphic.get('type')!r}")
            if graphic.get("version") not in AVG_VERSIONS:
                self.problem(where, f"version must be one of {sorted(AVG_VERSIONS)}")
            for key in ("height", "width"):
                if not _positive_dimension(graphic.get(key)):
                    self.problem(where, f"needs a positive {key}")
            names = set(BUILTIN_NAMES)
            for n, param in enumerate(graphic.get("parameters") or ()):
                pname = param.get("name") if isinstance(param, Mapping) else param
                if not isinstance(pname, str) or not _ID.fullmatch(pname):
                    self.problem(f"{where}.parameters[{n}]", "needs a valid name")
                else:
                    names.add(pname)
            for bind in graphic.get("bind") or ():
                if isinstance(bind, Mapping) and isinstance(bind.get("name"), str):
                    names.add(bind["name"])
            items = graphic.get("items", graphic.get("item"))
            items = [items] if isinstance(items, Mapping) else items
            if not items:
                self.problem(where, "has no items to draw")
                continue
            self.avg_items(items, f"{where}.items", names)

    def avg_items(self, items: list, where: str, names: set[str]) -> None:
        for n, item in enumerate(items):
            at = f"{where}[{n}]"
            if not isinstance(item, Mapping):
                self.problem(at, "must be an object")
                continue
            kind = item.get("type")
            if kind == "path":
                data = item.get("pathData")
                if not isinstance(data, str) or not data.strip():
                    self.problem(at, "a path needs pathData")
                elif not has_expression(data) and not _PATH_DATA.fullmatch(data):
                    self.problem(at, f"pathData {data!r} is not SVG path syntax")
            elif kind == "group":
                inner = item.get("items", item.get("item")) or []
                self.avg_items([inner] if isinstance(inner, Mapping) else inner,
                               f"{at}.items", names)
            elif kind == "text":
                if "text" not in item:
                    self.problem(at, "a text item needs text")
            else:
                self.problem(at, f"AVG item type must be path, group or text, not {kind!r}")
            for key, value in item.items():
                if key not in ("items", "item"):
                    self.expressions(value, f"{at}.{key}", names)

    # -- components --

    def collect_ids(self, node: Any, path: str) -> None:
        if not isinstance(node, Mapping):
            return
        cid = node.get("id")
        if cid is not None:
            if not isinstance(cid, str) or not _ID.fullmatch(cid):
                self.problem(path, f"id {cid!r} is not a valid component id")
            elif cid in self.ids:
                self.problem(path, f"id {cid!r} is used twice")
            else:
                self.ids[cid] = node
        for child_path, child in self.children(node, path):
            self.collect_ids(child, child_path)

    def component(self, node: Any, path: str, names: set[str], values: ChainMap) -> None:
        if not isinstance(node, Mapping):
            self.problem(path, "a component must be an object")
            return
        kind = node.get("type")
        known = kind in self.components or (
            self.imports_alexa_layouts and isinstance(kind, str) and _ALEXA_LAYOUTS.fullmatch(kind))
        if not known:
            self.problem(path, f"unknown component type {kind!r} (APL has "
                         f"{', '.join(sorted(COMPONENTS))}; others need a layout or an import)")
        if "when" in node:
            self.expressions(node["when"], f"{path}.when", names)
        names = set(names)
        values = values.new_child()
        if "data" in node:
            names |= DATA_NAMES
        for n, bind in enumerate(node.get("bind") or ()):
            if not isinstance(bind, Mapping) or not isinstance(bind.get("name"), str) \
                    or not _ID.fullmatch(bind["name"]) or "value" not in bind:
                self.problem(f"{path}.bind[{n}]", "a binding needs a valid name and a value")
                continue
            self.expressions(bind["value"], f"{path}.bind[{n}].value", names)
            names.add(bind["name"])
            with contextlib.suppress(ExpressionError):  # reported above, or runtime state
                values[bind["name"]] = evaluate_value(bind["value"], values)
        if kind == "VectorGraphic":
            self.vector_source(node.get("source"), f"{path}.source", values)
        if kind == "Image" and "http" in str(node.get("source", "")):
            self.problem(f"{path}.source", "no images from URLs: the document must work "
                         "offline, with its graphics inside it")
        for key, value in node.items():
            at = f"{path}.{key}"
            if key in CHILD_KEYS or key in ("when", "bind", "type"):
                continue
            if re.fullmatch(r"on[A-Z]\w*", key):
                self.command_list(value, at, names | {"event"})
            elif key in HANDLER_LISTS:
                for n, handler in enumerate(value if isinstance(value, list) else [value]):
                    if not isinstance(handler, Mapping):
                        self.problem(f"{at}[{n}]", "a handler must be an object")
                        continue
                    for hkey, hvalue in handler.items():
                        if hkey in ("commands", "command"):
                            self.command_list(hvalue, f"{at}[{n}].{hkey}", names | {"event"})
                        else:
                            self.expressions(hvalue, f"{at}[{n}].{hkey}", names | {"event"})
            else:
                self.expressions(value, at, names)
        for child_path, child in self.children(node, path):
            self.component(child, child_path, names, values)

    def vector_source(self, source: Any, where: str, values: ChainMap) -> None:
        if not isinstance(source, str) or not source:
            self.problem(where, "a VectorGraphic needs a source")
            return
        try:
            name = evaluate_value(source, values)
        except ExpressionError as exc:
            self.problem(where, f"{source!r} cannot be evaluated with this datasource: {exc}")
            return
        if isinstance(name, str) and ("/" in name or ":" in name):
            self.problem(where, f"{name!r} is a URL: the document must carry its own graphics")
        elif name not in self.graphics:
            self.problem(where, f"{source!r} names graphic {name!r}, which is not in graphics "
                         f"(there are: {', '.join(sorted(self.graphics)) or 'none'})")

    # -- commands --

    def command_list(self, value: Any, where: str, names: set[str]) -> None:
        commands = value if isinstance(value, list) else [value]
        for n, command in enumerate(commands):
            self.command(command, f"{where}[{n}]" if isinstance(value, list) else where, names)

    def command(self, command: Any, where: str, names: set[str]) -> None:
        if not isinstance(command, Mapping):
            self.problem(where, "a command must be an object")
            return
        kind = command.get("type")
        if kind not in self.commands:
            self.problem(where, f"unknown command type {kind!r}")
        target_id = command.get("componentId")
        target = None
        if isinstance(target_id, str) and not has_expression(target_id):
            base = target_id.split(":", 1)[0]
            if base and base not in self.ids:
                self.problem(where, f"componentId {target_id!r} names no component "
                             f"(ids: {', '.join(sorted(self.ids)) or 'none'})")
            target = self.ids.get(base)
        if kind == "SetValue":
            if "property" not in command or "value" not in command:
                self.problem(where, "SetValue needs a property and a value")
            elif target is not None:
                bound = {b.get("name") for b in target.get("bind") or () if isinstance(b, Mapping)}
                if command["property"] not in bound | DYNAMIC_PROPERTIES:
                    self.problem(where, f"SetValue of {command['property']!r}: not a binding "
                                 f"of {target_id!r} nor a dynamic property")
        if kind == "AnimateItem":
            if "duration" not in command or "value" not in command:
                self.problem(where, "AnimateItem needs a duration and a value")
            animated = command.get("value")
            for item in animated if isinstance(animated, list) else [animated]:
                if isinstance(item, Mapping) and item.get("property") not in ANIMATABLE:
                    self.problem(where, f"AnimateItem can animate {sorted(ANIMATABLE)}, "
                                 f"not {item.get('property')!r}")
        for key, value in command.items():
            if key in NESTED_COMMANDS:
                self.command_list(value, f"{where}.{key}", names)
            elif key != "type":
                self.expressions(value, f"{where}.{key}", names)

    # -- expressions --

    def expressions(self, value: Any, where: str, names: set[str]) -> None:
        """Every ${...} and @resource in `value` parses and reads only what exists."""
        if isinstance(value, list):
            for n, v in enumerate(value):
                self.expressions(v, f"{where}[{n}]", names)
            return
        if isinstance(value, Mapping):
            for k, v in value.items():
                self.expressions(v, f"{where}.{k}", names)
            return
        if not isinstance(value, str):
            return
        try:
            chains = list(template_references(value))
        except ExpressionError as exc:
            self.problem(where, f"{value!r} does not parse: {exc}")
            return
        for chain in chains:
            head = chain[0]
            if head.startswith("@"):
                if head not in self.resources:
                    self.problem(where, f"{value!r} uses resource {head}, which is not defined")
            elif head in self.params:
                self.payload_chain(chain, value, where)
            elif head not in names:
                self.problem(where, f"{value!r} uses {head!r}, which is not bound here")

    def payload_chain(self, chain: tuple[str, ...], value: str, where: str) -> None:
        current: Any = self.datasource
        for depth, key in enumerate(chain[1:], start=1):
            if isinstance(current, Mapping) and key in current:
                current = current[key]
            elif key == "length" and isinstance(current, list | str):
                return
            else:
                parent = ".".join(chain[:depth])
                have = sorted(current) if isinstance(current, Mapping) else []
                self.problem(where, f"{value!r} reads {'.'.join(chain[:depth + 1])}, but the "
                             f"datasource's {parent} has no {key!r} (it has: "
                             f"{', '.join(have) or 'nothing'})")
                return


def _positive_dimension(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return value > 0
    return isinstance(value, str) and bool(re.fullmatch(r"\d+(\.\d+)?(dp|px)?", value)) \
        and float(re.sub(r"[a-z]+$", "", value)) > 0


def validate(document: Any, datasource: Any) -> list[str]:
    """What is wrong with an APL document rendered with this datasource (empty when nothing).

    Checks: type "APL" and a known version; imports have a name and version; mainTemplate
    exists, takes ["payload"] and shows something; every component type is an APL primitive
    (or a declared layout, or alexa-layouts when imported); ids are valid and unique; every
    `${...}` parses and reads only bound names, defined resources (defined for every viewport)
    and datasource keys that exist; every VectorGraphic's source, evaluated with the datasource,
    names a graphic in `graphics`, and no image or graphic comes from a URL; every AVG graphic
    has type, version, height, width and drawable items with SVG path data; every command has
    a known type, its componentId names a component, SetValue sets a binding or a dynamic
    property, and AnimateItem animates only opacity or transform.
    """
    if not isinstance(document, Mapping):
        return ["document: must be a JSON object"]
    if not isinstance(datasource, Mapping):
        return ["datasource: must be a JSON object"]
    return _Check(document, datasource).run()
