"""Load and check interaction_model/<locale>.json (the ASK schema): resolver, packaging, tests."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import data

MODELS_DIR = data.directory("interaction_model")
LOCALE_FILE = re.compile(r"[a-z]{2}-[A-Z]{2}")
SLOT_REF = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# A slot is a word of its own: "{muscle}'s gone" leaves a stray "s" where a person says "is".
SLOT_GLUED = re.compile(r"[^\s{]\{|\}[^\s}]")
FALLBACK = "AMAZON.FallbackIntent"
# Alexa's sample rules: letters, spaces, apostrophes, periods (abbreviations); no digits.
SAMPLE_TEXT = re.compile(r"[a-zA-Z' .]+")
MAX_NAME_FREE_PHRASES = 5  # Amazon's limit per ingress point
INVOCATION = re.compile(r"[a-z][a-z' .]*[a-z]")
# Words that change nothing in a sample, for spotting near-duplicates across intents.
FILLERS = frozenset({"please", "um", "uh", "er", "oh", "okay", "ok", "well", "alexa"})
INVOCATION_BANNED = {"alexa", "amazon", "echo", "skill", "app", "launch", "ask", "tell", "open",
                     "load", "begin", "enable"}


class ModelError(Exception):
    """An interaction model that Alexa would refuse, naming the file and the problem."""


@dataclass(frozen=True, slots=True)
class Value:
    """A slot type value: canonical name, id, and the synonyms that resolve to it."""

    name: str
    id: str | None
    synonyms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Intent:
    """An intent with its slots (name -> type) and sample utterances."""

    name: str
    slots: dict[str, str]
    samples: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Model:
    """One locale's language model."""

    locale: str
    invocation: str
    intents: dict[str, Intent]
    types: dict[str, tuple[Value, ...]]
    raw: dict[str, Any]


def path_for(locale: str) -> Path:
    return MODELS_DIR / f"{locale}.json"


def locales() -> list[str]:
    """The locales that have an interaction model."""
    return sorted(p.stem for p in MODELS_DIR.glob("*.json") if LOCALE_FILE.fullmatch(p.stem))


def load(locale: str = "en-US", path: Path | None = None) -> Model:
    """Read and check a model; raise ModelError naming the file (and line, where there is one)."""
    path = path or path_for(locale)
    try:
        text = path.read_text(encoding="utf-8")
        raw = json.loads(text)
    except OSError as exc:
        raise ModelError(f"{path}: cannot read: {exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f"{path}:{exc.lineno}" if isinstance(exc, json.JSONDecodeError) else str(path)
        raise ModelError(f"{where}: not valid JSON: {exc}") from exc
    try:
        return _parse(raw, locale, text, path)
    except (KeyError, TypeError, AttributeError) as exc:
        raise ModelError(f"{path}: not in the ASK schema ({type(exc).__name__}: {exc})") from exc


def _parse(raw: dict[str, Any], locale: str, text: str, path: Path) -> Model:
    def fail(problem: str, near: str | None = None) -> ModelError:
        line = text[: text.find(near)].count("\n") + 1 if near and near in text else None
        return ModelError(f"{path}:{line}: {problem}" if line else f"{path}: {problem}")

    language = raw["interactionModel"]["languageModel"]
    invocation = language["invocationName"]
    if not INVOCATION.fullmatch(invocation) or len(invocation.split()) < 2:
        raise fail(f"invocation name {invocation!r} must be two or more lower-case words",
                   invocation)
    if banned := INVOCATION_BANNED & set(invocation.split()):
        raise fail(f"invocation name {invocation!r} must not contain {sorted(banned)}", invocation)

    types: dict[str, tuple[Value, ...]] = {}
    for slot_type in language.get("types", []):
        values, seen = [], set()
        for v in slot_type["values"]:
            value = Value(v["name"]["value"], v.get("id"), tuple(v["name"].get("synonyms", [])))
            for word in (value.name, *value.synonyms):
                if word.lower() in seen:
                    raise fail(f"type {slot_type['name']}: {word!r} resolves to two values", word)
                seen.add(word.lower())
            values.append(value)
        types[slot_type["name"]] = tuple(values)

    listed = sorted({w.lower() for vs in types.values() for v in vs for w in (v.name, *v.synonyms)})
    intents: dict[str, Intent] = {}
    owner: dict[str, str] = {}
    templates: dict[str, str] = {}
    for item in language["intents"]:
        name = item["name"]
        if name in intents:
            raise fail(f"intent {name} is declared twice", f'"{name}"')
        slots = {s["name"]: s["type"] for s in item.get("slots", [])}
        for slot, slot_type in slots.items():
            if not slot_type.startswith("AMAZON.") and slot_type not in types:
                raise fail(f"intent {name}: slot {slot} has unknown type {slot_type}", slot_type)
        samples = tuple(item.get("samples", []))
        used = set()
        for sample in samples:
            if not SAMPLE_TEXT.fullmatch(SLOT_REF.sub("a", sample)):
                raise fail(f"intent {name}: sample {sample!r} has characters Alexa refuses", sample)
            if SLOT_GLUED.search(sample):
                raise fail(f"intent {name}: sample {sample!r} has a slot joined to a word "
                           "(write it as a word of its own: 'my {muscle} is gone')", sample)
            for ref in SLOT_REF.findall(sample):
                if ref not in slots:
                    raise fail(f"intent {name}: sample {sample!r} names unknown slot {{{ref}}}",
                               sample)
                used.add(ref)
            folded = " ".join(sample.lower().split())
            if folded in owner:
                raise fail(f"sample {sample!r} is in both {owner[folded]} and {name}", sample)
            owner[folded] = name
            # An out-of-domain sample that names a sign or a muscle would teach that a person
            # saying it that way ("i have a cold foot") is not talking to us.
            if name == FALLBACK and (named := _names_a_value(folded, listed)):
                raise fail(f"intent {name}: sample {sample!r} names the slot value {named!r}",
                           sample)
            near = _template(sample)
            if templates.get(near, name) != name:
                raise fail(f"sample {sample!r} of {name} is a near-duplicate of one in "
                           f"{templates[near]} (the same words around its slots)", sample)
            templates[near] = name
        if unused := set(slots) - used:
            raise fail(f"intent {name}: slot(s) {sorted(unused)} appear in no sample", f'"{name}"')
        intents[name] = Intent(name, slots, samples)
    _check_name_free(raw["interactionModel"].get("_nameFreeInteraction"), intents, fail)
    return Model(locale, invocation, intents, types, raw)


def _check_name_free(container: Any, intents: Mapping[str, Intent],
                     fail: Callable[[str, str | None], ModelError]) -> None:
    """The name-free ingress points, within Amazon's rules: one skill launch point and intent
    launch points for custom intents, each with one to five complete phrases, slot-free."""
    if container is None:
        return
    points = container.get("ingressPoints") if isinstance(container, Mapping) else None
    if not isinstance(points, list):
        raise fail("_nameFreeInteraction: needs a list of ingressPoints", "_nameFreeInteraction")
    seen: set[str] = set()
    launches = 0
    for point in points:
        kind, name = point.get("type"), point.get("name")
        where = f"ingress point {name or kind}"
        if kind == "LAUNCH" and name is None:
            launches += 1
        elif kind != "INTENT" or name not in intents or name.startswith("AMAZON."):
            raise fail(f"{where}: must be LAUNCH, or INTENT naming a custom intent", f'"{kind}"')
        phrases = point.get("sampleUtterances") or []
        if not 1 <= len(phrases) <= MAX_NAME_FREE_PHRASES:
            raise fail(f"{where}: needs 1 to {MAX_NAME_FREE_PHRASES} phrases", f'"{kind}"')
        for phrase in phrases:
            text = phrase.get("value", "")
            if phrase.get("format") != "RAW_TEXT" or not SAMPLE_TEXT.fullmatch(text):
                raise fail(f"{where}: {text!r} must be RAW_TEXT, whole words, no slots", text)
            if text.lower() in seen:
                raise fail(f"{where}: {text!r} is given twice", text)
            seen.add(text.lower())
    if launches > 1:
        raise fail("_nameFreeInteraction: one LAUNCH ingress point at most", '"LAUNCH"')


def _names_a_value(sample: str, values: Iterable[str]) -> str | None:
    """The first listed slot value (or synonym) said in `sample` as whole words, if any."""
    padded = f" {sample} "
    return next((v for v in values if f" {v} " in padded), None)


def _template(sample: str) -> str:
    """A sample with its slots blanked, apostrophes and fillers dropped: two intents with the
    same template would fight over the same words (Alexa warns of that, and guesses)."""
    text = SLOT_REF.sub(" {} ", sample.lower()).replace("'", "")
    return " ".join(w for w in re.sub(r"[^a-z{} ]", " ", text).split() if w not in FILLERS)
