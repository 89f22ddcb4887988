"""Every spoken word, loaded once from responses/<locale>.yaml, checked at load, rendered by key."""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from . import data, ssml, yamlfile

if TYPE_CHECKING:
    import yaml

RESPONSES_DIR = data.directory("responses")
DEFAULT_LOCALE = "en-US"
NIGHT = "night."  # keys under night: replace the key they name between 22:00 and 07:00
_KEY_PART = re.compile(r"[a-z][a-z0-9_]*")
_FORMATTER = string.Formatter()
LOCALE_FILE = re.compile(r"[a-z]{2}-[A-Z]{2}")  # responses/<locale>.yaml, beside protocol.yaml
COMPILED = ".compiled.json"  # a checked catalog the Lambda package ships, to skip YAML at start


class ContentError(Exception):
    """A responses file that cannot be used, with the file and line that is wrong."""


@dataclass(frozen=True, slots=True)
class Line:
    """A thing to say: a content key, and the values for its placeholders."""

    key: str
    values: tuple[tuple[str, str], ...] = ()
    # The placeholder names the code fills (declared by line(); not part of what is said).
    placeholders: frozenset[str] = field(default=frozenset(), compare=False)

    def __call__(self, **values: object) -> Line:
        """This line with its placeholders filled."""
        return Line(self.key, tuple(sorted((k, str(v)) for k, v in values.items())),
                    self.placeholders)


def line(key: str, *placeholders: str) -> Line:
    """A content key the code speaks, with the placeholders it fills; `declared()` finds every
    one the conversation defines, so start-up can check each exists in the responses."""
    return Line(key, placeholders=frozenset(placeholders))


@dataclass(frozen=True, slots=True)
class Entry:
    """One key's variants as SSML templates, and where it stands in its file."""

    variants: tuple[str, ...]
    placeholders: frozenset[str]
    where: str


class Catalog:
    """The responses of one locale, validated and ready to render."""

    def __init__(self, entries: Mapping[str, Entry], source: str) -> None:
        self.entries = dict(entries)
        self.source = source

    @classmethod
    def from_file(cls, path: Path) -> Catalog:
        """Parse and check a responses file; raise ContentError naming the file and line."""
        import yaml  # imported here: a packaged Lambda starts from the compiled catalog instead

        root = yamlfile.compose(path, ContentError)
        if not isinstance(root, yaml.MappingNode):
            raise ContentError(f"{path}:1: the top level must be a mapping of keys")
        entries: dict[str, Entry] = {}
        _collect(root, "", path, entries)
        return cls(entries, str(path))

    def compiled(self) -> str:
        """This catalog as JSON, already checked and turned into SSML templates."""
        entries = {k: {"variants": e.variants, "placeholders": sorted(e.placeholders),
                       "where": e.where} for k, e in self.entries.items()}
        return json.dumps({"source": self.source, "entries": entries}, ensure_ascii=False)

    @classmethod
    def from_compiled(cls, path: Path) -> Catalog:
        """A catalog written by compiled(); ContentError naming the file if it is unreadable."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            entries = {k: Entry(tuple(e["variants"]), frozenset(e["placeholders"]), e["where"])
                       for k, e in data["entries"].items()}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ContentError(f"{path}: not a compiled catalog: {exc}") from exc
        return cls(entries, data["source"])

    def check_declared(self, declared: Mapping[str, frozenset[str]]) -> None:
        """Raise ContentError unless every key the code speaks is here, placeholders alike,
        and every night-time key replaces one of them."""
        for key, entry in self.entries.items():
            base = key.removeprefix(NIGHT)
            if base != key and (base not in declared or entry.placeholders != declared[base]):
                raise ContentError(f"{entry.where}: {key!r} replaces no key the code speaks "
                                   "with the same placeholders")
        for key, names in sorted(declared.items()):
            entry = self.entries.get(key)
            if entry is None:
                raise ContentError(f"{self.source}: missing key {key!r}, which the code speaks")
            if entry.placeholders != names:
                raise ContentError(
                    f"{entry.where}: {key!r} has placeholders {sorted(entry.placeholders)}, "
                    f"the code fills {sorted(names)}"
                )

    def render(self, lines: Iterable[Line], turn: int = 0, night: bool = False) -> str:
        """The SSML body (no <speak> root) for these lines; `turn` picks among variants,
        `night` takes the night-time wording where there is one."""
        parts = []
        for ln in lines:
            entry = (night and self.entries.get(NIGHT + ln.key)) or self.entries[ln.key]
            variants = entry.variants
            template = variants[turn % len(variants)]
            if ln.values:
                template = template.format_map({k: ssml.escape(v) for k, v in ln.values})
            parts.append(template)
        return " ".join(parts)


def _collect(node: yaml.Node, prefix: str, path: Path, out: dict[str, Entry]) -> None:
    """Flatten nested mappings into dotted keys, checking every leaf."""
    import yaml

    for key_node, value in node.value:
        name = key_node.value
        where = f"{path}:{key_node.start_mark.line + 1}"
        if not isinstance(key_node, yaml.ScalarNode) or not _KEY_PART.fullmatch(name):
            raise ContentError(f"{where}: key {name!r} must be lower_snake_case")
        key = f"{prefix}{name}"
        if key in out or any(k.startswith(key + ".") for k in out):
            raise ContentError(f"{where}: key {key!r} is defined twice")
        if isinstance(value, yaml.MappingNode):
            _collect(value, key + ".", path, out)
        elif isinstance(value, yaml.ScalarNode):
            out[key] = _entry([value], where, key)
        elif isinstance(value, yaml.SequenceNode) and value.value:
            out[key] = _entry(value.value, where, key)
        else:
            raise ContentError(f"{where}: {key!r} must be a sentence or a list of variants")


def _entry(nodes: list[yaml.Node], where: str, key: str) -> Entry:
    import yaml

    variants: list[str] = []
    names: frozenset[str] | None = None
    for node in nodes:
        at = f"{where.rsplit(':', 1)[0]}:{node.start_mark.line + 1}"
        if not isinstance(node, yaml.ScalarNode) or node.tag != "tag:yaml.org,2002:str":
            raise ContentError(f"{at}: every variant of {key!r} must be text")
        text = node.value.strip()
        if not text:
            raise ContentError(f"{at}: {key!r} has an empty variant")
        for m in ssml.PAUSE_MARK.finditer(text):
            if ssml.pause_ms(*m.groups()) > ssml.MAX_BREAK_MS:
                raise ContentError(f"{at}: {key!r} pauses longer than 10s ({m.group(0)})")
        if re.search(r"\[(?!pause \d)", ssml.PAUSE_MARK.sub("", text)):
            raise ContentError(f"{at}: {key!r} has a '[' that is not a [pause Ns] mark")
        try:
            found = frozenset(f for _, f, spec, conv in _FORMATTER.parse(text) if f is not None)
        except ValueError as exc:
            raise ContentError(f"{at}: {key!r} has a broken placeholder: {exc}") from exc
        if any(not f.isidentifier() for f in found):
            raise ContentError(f"{at}: {key!r} placeholders must be {{simple_names}}")
        if names is not None and found != names:
            raise ContentError(f"{at}: variants of {key!r} use different placeholders")
        names = found
        variants.append(ssml.marked_to_ssml(text))
    return Entry(tuple(variants), names or frozenset(), where)


def catalog(locale: str = DEFAULT_LOCALE) -> Catalog:
    """The checked catalog for a locale (en-US where we have none), loaded once per process."""
    return _load(locale if locale in locales() else DEFAULT_LOCALE)


@cache
def _load(locale: str) -> Catalog:
    compiled = RESPONSES_DIR / f"{locale}{COMPILED}"
    if compiled.is_file():
        found = Catalog.from_compiled(compiled)
    else:
        found = Catalog.from_file(RESPONSES_DIR / f"{locale}.yaml")
    found.check_declared(speakable())
    return found


@cache
def declared() -> dict[str, frozenset[str]]:
    """The keys the code speaks: every line() the conversation defines, with its placeholders."""
    from . import conversation

    return {v.key: v.placeholders for v in vars(conversation).values() if isinstance(v, Line)}


def speakable() -> dict[str, frozenset[str]]:
    """Every key the skill can speak: the code's and the protocol's."""
    from . import protocol

    return {**protocol.default().keys(), **declared()}


@cache
def locales() -> frozenset[str]:
    """The locales that have a responses file."""
    return frozenset(p.stem for p in RESPONSES_DIR.glob("*.yaml") if LOCALE_FILE.fullmatch(p.stem))
