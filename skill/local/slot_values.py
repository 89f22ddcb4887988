"""Slot values the way Alexa's entity resolution finds them in what was said: each listed value
and synonym of a model's slot types (and Alexa's own number types), compared by stems."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from skill.local.alexa_phrases import BUILT_IN_TYPES
from skill.local.classifier import FUNCTION_STEMS
from skill.local.normalise import stem, words
from skill.local.resolution import SlotValue

_MAX_EXTRA = 2  # words a capture may hold beyond a listed value ("my left calf") and resolve


@dataclass(frozen=True, slots=True)
class Value:
    type: str
    name: str
    id: str | None


Span = tuple[int, int, dict[str, Value]]  # where a listed value was heard, and its values


class SlotValues:
    """Every listed value of a model's slot types, by its stemmed phrase."""

    def __init__(self, types: Sequence[Mapping[str, Any]]) -> None:
        self._values: dict[str, dict[str, Value]] = {}  # stemmed phrase -> type -> value
        for t in [*types, *BUILT_IN_TYPES]:
            for entry in t.get("values", []):
                name = entry["name"]
                for phrase in (name["value"], *name.get("synonyms", [])):
                    key = phrase_key(words(phrase))
                    if key:
                        self._values.setdefault(key, {}).setdefault(
                            t["name"], Value(t["name"], name["value"], entry.get("id")))
        self._longest = max(len(k.split()) for k in self._values)
        # Each listed value's content words, by type, for loose matches (`loose`): more than
        # one, as a single word anywhere is a keyword ("now" once stood for "loads now").
        self._content: dict[str, list[tuple[int, frozenset[str], str, Value]]] = {}
        for key, vs in self._values.items():
            content = [w for w in key.split() if w not in FUNCTION_STEMS]
            for type_name, value in vs.items():
                if len(content) > 1:
                    self._content.setdefault(type_name, []).append(
                        (len(content), frozenset(content), key, value))

    def words(self) -> set[str]:
        """Every stem of every listed phrase."""
        return {w for k in self._values for w in k.split()}

    def of_type(self, type_name: str) -> Iterator[tuple[str, Value]]:
        """Each stemmed phrase that stands for a value of `type_name`, and the value."""
        return ((key, vs[type_name]) for key, vs in self._values.items() if type_name in vs)

    def typed(self, said: Sequence[str]) -> tuple[list[str], list[Span]]:
        """Stems `said` with each listed value (longest first) as its type's token, and where the
        values were: (start, end, {type: value}). A phrase in two types' lists ("statin", a
        medicine and a sign) stands for the first; the resolver tries the others."""
        typed: list[str] = []
        spans: list[Span] = []
        i = 0
        while i < len(said):
            for n in range(min(self._longest, len(said) - i), 0, -1):
                values = self._values.get(" ".join(said[i : i + n]))
                if values is not None:
                    typed.append(f"<{next(iter(values))}>")
                    spans.append((i, i + n, values))
                    i += n
                    break
            else:
                typed.append(said[i])
                i += 1
        return typed, spans

    def value(self, type_name: str, raw: list[str]) -> tuple[SlotValue | None, int]:
        """The slot value for captured words, and how many of them it leaves unexplained (None:
        Alexa's own types, numbers, hold only what they know)."""
        keys = [stem(w) for w in raw]
        for size in range(len(keys), max(0, len(keys) - _MAX_EXTRA - 1), -1):
            for start in range(len(keys) - size + 1):
                value = self._values.get(" ".join(keys[start : start + size]), {}).get(type_name)
                if value is not None:
                    said = " ".join(raw[start : start + size])
                    return filled(said if size == len(keys) else " ".join(raw), value), \
                        len(keys) - size
        if type_name.startswith("AMAZON."):
            return None, 0
        return SlotValue(" ".join(raw), None, None, "ER_SUCCESS_NO_MATCH", type_name), 0

    def loose(self, type_name: str, said: Sequence[str]) -> list[Span]:
        """The listed value of `type_name` with the most words, all among stems `said` ("I can't
        put any weight on it"), as entity resolution's fuzzy match finds it."""
        heard, pairs = set(said), set(pairwise(said))
        found = [(n, key, value) for n, content, key, value in self._content.get(type_name, ())
                 if heard.issuperset(content) and _negation_bound(key.split(), pairs)]
        if not found:
            return []
        _, key, value = max(found, key=lambda f: (f[0], f[1]))
        at = [i for i, t in enumerate(said) if t in key.split()]
        return [(at[0], at[-1] + 1, {type_name: value})]


def filled(raw: str, value: Value) -> SlotValue:
    """A slot with a listed value: entity-resolved for the skill's types; for Alexa's own
    (AMAZON.NUMBER, AMAZON.Ordinal), the value itself, as Alexa sends it ("3" for "three" or
    "third"), unresolved."""
    if value.type.startswith("AMAZON."):
        return SlotValue(value.name, None, None, None, value.type)
    return SlotValue(raw, value.name, value.id, "ER_SUCCESS_MATCH", value.type)


def phrase_key(tokens: Sequence[str]) -> str:
    """The stems of `tokens` joined by spaces: how a phrase is compared."""
    return " ".join(stem(w) for w in tokens)


def _negation_bound(key: Sequence[str], pairs: set[tuple[str, str]]) -> bool:
    """Whether a value's "no" is said right before the word it negates (`pairs`: each two stems
    said in a row): "no feeling" is not in "no, it feels normal", where the "no" answers the
    question. ("can't ... stand" may have words between: "I can't even stand".)"""
    return all((w, key[i + 1]) in pairs for i, w in enumerate(key[:-1]) if w == "no")
