"""APL data-binding expressions (`${...}`): a small parser and evaluator, for the HTML mirror in
docs/apl-preview/ that draws the PNG preview, and the one check Amazon's validator (apl-suggester,
tests/apl_suggester.js) cannot make: that the datasource has every key the document reads.
Tests and tools only: the skill itself never loads this module.
"""

from __future__ import annotations

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
                node = ("call", node, self.listed(")"))
            else:
                return node

    def listed(self, close: str) -> tuple:
        """Comma-separated expressions up to and including `close` (after its opener)."""
        items = []
        while not self.at(close):
            items.append(self.ternary())
            if not self.at(close):
                self.take(",")
        self.take(close)
        return tuple(items)

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
            return ("array", self.listed("]"))
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


# ---- what the document reads from the datasource --------------------------------------------


def datasource_problems(document: Mapping, datasource: Mapping) -> list[str]:
    """Each `${payload...}` in `document` that reads a key `datasource` does not have, or an
    expression that does not parse (empty when every read finds its value)."""
    params = (document.get("mainTemplate") or {}).get("parameters") or []
    problems: list[str] = []

    def visit(value: Any, where: str) -> None:
        if isinstance(value, list):
            for n, v in enumerate(value):
                visit(v, f"{where}[{n}]")
        elif isinstance(value, Mapping):
            for k, v in value.items():
                visit(v, f"{where}.{k}")
        elif isinstance(value, str):
            try:
                chains = list(template_references(value))
            except ExpressionError as exc:
                problems.append(f"{where}: {value!r} does not parse: {exc}")
                return
            for chain in chains:
                if chain[0] in params:
                    problems.extend(_missing(chain, datasource, value, where))

    visit(document, "document")
    return problems


def _missing(chain: tuple[str, ...], datasource: Mapping, value: str, where: str) -> list[str]:
    current: Any = datasource
    for depth, key in enumerate(chain[1:], start=1):
        if isinstance(current, Mapping) and key in current:
            current = current[key]
        elif key == "length" and isinstance(current, list | str):
            return []
        else:
            have = sorted(current) if isinstance(current, Mapping) else []
            return [f"{where}: {value!r} reads {'.'.join(chain[:depth + 1])}, but the "
                    f"datasource's {'.'.join(chain[:depth])} has no {key!r} (it has: "
                    f"{', '.join(have) or 'nothing'})"]
    return []


# ---- what apl-suggester does not check --------------------------------------------------------
# Amazon's validator checks the schema (required properties, value shapes, enumerations) but not
# names: a misspelt component or command type, a graphic, resource or component id that does not
# exist, a duplicate id, or a graphic fetched from a URL. These few checks cover those.

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


CHILD_KEYS = ("item", "items", "firstItem", "lastItem")


def name_problems(document: Mapping, datasource: Mapping) -> list[str]:
    """Names in `document` that point at nothing (empty when every name resolves)."""
    problems: list[str] = []
    ids: list[str] = []
    commands: list[tuple[str, Mapping]] = []
    resources = {"@" + name for block in document.get("resources") or ()
                 for kind in RESOURCE_KINDS for name in (block.get(kind) or {})}
    graphics = set(document.get("graphics") or {})
    known = COMPONENTS | set(document.get("layouts") or {})
    scope = top_scope(document, datasource, VIEWPORTS["echo-show-8"])

    def commands_in(value: Any, where: str) -> None:  # handlers hold commands, nested or not
        if isinstance(value, list):
            for n, item in enumerate(value):
                commands_in(item, f"{where}[{n}]")
        elif isinstance(value, Mapping):
            if "type" in value:
                commands.append((where, value))
            for key in ("commands", "catch", "finally", "otherwise"):
                commands_in(value.get(key), f"{where}.{key}")

    def component(node: Any, where: str) -> None:
        if isinstance(node, list):
            for n, item in enumerate(node):
                component(item, f"{where}[{n}]")
            return
        if not isinstance(node, Mapping):
            return
        kind = node.get("type")
        if kind not in known:
            problems.append(f"{where}: unknown component type {kind!r}")
        if "id" in node:
            ids.append(node["id"])
        if kind == "VectorGraphic":
            source = str(evaluate_value(node.get("source", ""), scope))
            if "://" in source:
                problems.append(f"{where}: graphic source {source!r} is a URL")
            elif source not in graphics:
                problems.append(f"{where}: no graphic {source!r} in graphics")
        for key, value in node.items():
            if key.startswith(("handle", "on")):
                commands_in(value, f"{where}.{key}")
            elif key in CHILD_KEYS:
                component(value, f"{where}.{key}")
            elif isinstance(value, str) and _RESOURCE_ONLY.fullmatch(value) \
                    and value not in resources:
                problems.append(f"{where}.{key}: resource {value} is not defined")

    component((document.get("mainTemplate") or {}).get("item"), "mainTemplate.item")
    problems += [f"id {i!r} is used twice" for i in sorted({i for i in ids if ids.count(i) > 1})]
    for where, command in commands:
        if command.get("type") not in COMMANDS:
            problems.append(f"{where}: unknown command type {command.get('type')!r}")
        target = command.get("componentId")
        if target is not None and target not in ids:
            problems.append(f"{where}: componentId {target!r} names no component")
    return problems
