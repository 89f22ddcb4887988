"""Resolve a typed utterance to launch, an intent with slots, or session end, from an ASK model."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from skill.local.alexa_phrases import (
    CARRIER_JOINERS,
    EXIT_PHRASES,
    LAUNCH_VERBS,
    STANDARD_SAMPLES,
    TRAILING_CARRIERS,
)
from skill.local.normalise import normalise, words
from skill.local.resolution import FALLBACK, Resolution, SlotValue

DEFAULT_THRESHOLD = 0.72
_SET_WEIGHT = 0.5  # share of token_set_ratio (forgives extra words) against token_sort_ratio
_TIE = 0.02  # fuzzy scores this close count as a tie, settled by how many words each explains
_PLACEHOLDER = re.compile(r"\{([^{}\s]+)\}")
_VALUE_CUTOFF = 88  # rapidfuzz ratio above which a heard slot value counts as a known one
_MAX_EXTRA = 2  # words a slot capture may hold beyond a known value ("my left calf") and match
_EXTRA_WORD_COST = 0.1  # each such word is one the sample does not really explain
_FUZZY_CAP = 0.99  # only an exact or pattern match scores 1
# Token scores ignore a "not"; a sample and an utterance that differ in one mean opposite things.
_NEGATIONS = frozenset({"not", "never"})
_NEGATION_PENALTY = 0.25


@dataclass(frozen=True, slots=True)
class _Value:
    name: str
    id: str | None


@dataclass(frozen=True, slots=True)
class _SlotType:
    name: str
    phrases: Mapping[str, _Value]  # normalised value or synonym -> the value it names
    longest_first: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Pattern:
    intent: str
    text: str  # normalised sample, placeholders kept as {slot}
    regex: re.Pattern[str]
    slots: tuple[str, ...]
    literals: frozenset[str]
    literal_count: int
    typed: str  # the sample with each placeholder as its type's stand-in word, for fuzzy use


@dataclass(frozen=True, slots=True)
class _Span:
    start: int
    end: int
    raw: str
    type: str
    value: _Value


@dataclass(frozen=True, slots=True)
class _Choice:
    intent: str
    text: str
    pattern: _Pattern | None
    tokens: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Group:
    choices: tuple[_Choice, ...]
    texts: tuple[str, ...]
    sorted_texts: tuple[str, ...]

    @classmethod
    def of(cls, choices: list[_Choice]) -> _Group:
        texts = tuple(c.text for c in choices)
        return cls(tuple(choices), texts, tuple(" ".join(sorted(t.split())) for t in texts))

    def scores(self, query: str, floor: float) -> list[tuple[float, _Choice]]:
        """Choices scoring at least `floor` (0..1) against `query`; else the few best, if any."""
        if not self.choices:
            return []
        w = _SET_WEIGHT
        # Score = weighted mean of token-sort and token-set ratios. Each is at most 100, so a
        # floor on the score puts a floor on each: the cheap sort ratio runs over every choice,
        # the costly set ratio only over those that can still reach the floor.
        ordered = " ".join(sorted(query.split()))
        sort_floor = max(0.0, 100 * (floor - w) / (1 - w))
        sorts = process.extract(ordered, self.sorted_texts, scorer=fuzz.ratio, limit=None,
                                score_cutoff=sort_floor)
        if sorts:
            set_floor = max(0.0, 100 * (floor - (1 - w) * sorts[0][1] / 100) / w)
            found = self._combine(query, sorts, set_floor)
            if found:
                return found
        # Nothing reaches the floor: score the closest few so a fallback can say how close.
        closest = process.extract(ordered, self.sorted_texts, scorer=fuzz.ratio, limit=3)
        return self._combine(query, closest, 0.0)

    def _combine(self, query: str, sorts: list[tuple[str, float, int]],
                 set_floor: float) -> list[tuple[float, _Choice]]:
        w = _SET_WEIGHT
        subset = [self.texts[i] for _, _, i in sorts]
        sets = process.extract(query, subset, scorer=fuzz.token_set_ratio, limit=None,
                               score_cutoff=set_floor)
        return [(((1 - w) * sorts[k][1] + w * s) / 100, self.choices[sorts[k][2]])
                for _, s, k in sets]


class Resolver:
    """Maps utterances onto one interaction model's intents and slots, the way Alexa would."""

    def __init__(self, model: Mapping[str, Any], *, threshold: float = DEFAULT_THRESHOLD) -> None:
        lm = model.get("interactionModel", model).get("languageModel", model)
        self.threshold = threshold
        self.invocation = tuple(words(lm.get("invocationName", "")))
        self._types = {t["name"]: _slot_type(t) for t in lm.get("types", [])}
        self._slot_types: dict[str, dict[str, str]] = {
            intent["name"]: {s["name"]: s["type"] for s in intent.get("slots", [])}
            for intent in lm.get("intents", [])
        }
        self._type_tokens: dict[str, str] = {}
        self._typed_phrases = self._phrase_index()
        self._longest_phrase = max((len(p.split()) for p in self._typed_phrases), default=0)
        self._exact: dict[str, str] = {}
        patterns: dict[tuple[str, str], _Pattern] = {}
        plain: dict[str, _Choice] = {}
        # The model's own samples first, so one it gives an intent beats Alexa's standard phrase
        # for another ("not now" as Cancel, not No).
        for name, sample in _samples(lm.get("intents", [])):
            text, pattern = self._compile(name, sample)
            if pattern is not None:
                patterns.setdefault((name, text), pattern)
            elif text and text not in plain:
                self._exact[text] = name
                plain[text] = _Choice(name, text, None, frozenset(text.split()))
        self._patterns = tuple(patterns.values())
        self._by_literal, self._open = _index(self._patterns)
        typed = {p.typed: _Choice(p.intent, p.typed, p, frozenset(p.typed.split()))
                 for p in self._patterns}
        # Slotless samples are compared with the utterance as heard; slot samples with the
        # utterance whose known slot values are replaced by their type's stand-in word.
        self._groups = tuple(_Group.of(list(g.values())) for g in (plain, typed))

    @classmethod
    def from_file(cls, path: str | Path, **kwargs: Any) -> Resolver:
        """A resolver for the interaction model JSON file at `path`."""
        return cls(json.loads(Path(path).read_text(encoding="utf-8")), **kwargs)

    @property
    def intents(self) -> tuple[str, ...]:
        """Names of the intents the model declares."""
        return tuple(self._slot_types)

    def slot_type(self, intent: str, slot: str) -> str:
        """The type name of `slot` in `intent`, as the model declares it."""
        return self._slot_types[intent][slot]

    def resolve(self, text: str) -> Resolution:
        """What Alexa would send the skill for `text`: a launch, an intent, or the session's end."""
        tokens = words(text)
        if len(tokens) >= 2 and tokens[1] == "alexa" and tokens[0] in ("hey", "ok", "okay"):
            tokens = tokens[1:]
        if tokens[:1] == ["alexa"]:
            tokens = tokens[1:]
        if not tokens:
            return Resolution("intent", FALLBACK, score=0.0)
        if " ".join(tokens) in EXIT_PHRASES:
            return Resolution("end")
        carried = self._carried(tokens)
        if carried is not None:
            return carried
        return self._intent(tokens)

    def _carried(self, tokens: list[str]) -> Resolution | None:
        n = len(self.invocation)
        at = _find(tokens, self.invocation) if n else -1
        if at < 0:
            return None
        before, after = tokens[:at], tokens[at + n :]
        if " ".join(before) in LAUNCH_VERBS or not before:
            if not after:
                return Resolution("launch")
            tries = [after]
            if after[0] in CARRIER_JOINERS and len(after) > 1:
                tries.insert(0, after[1:])
            return max((self._intent(t) for t in tries), key=lambda r: r.score)
        if not after and before[-1] in TRAILING_CARRIERS and len(before) > 1:
            return self._intent(before[:-1])
        return None

    def _intent(self, tokens: list[str]) -> Resolution:
        text = " ".join(tokens)
        if text in self._exact:
            intent = self._exact[text]
            return self._fill(intent, {}, tokens, score=1.0, sample=text)
        best = self._pattern_match(tokens)
        if best is not None and best.score >= 1.0:
            return best
        fuzzy = self._fuzzy(tokens)
        if best is not None and best.score < self.threshold:
            best = None  # too weak alone to lend its slots to a fuzzy reading
        if best is not None and fuzzy is not None and best.intent == fuzzy.intent:
            # Same intent both ways: keep whichever has the better slots, at the better score.
            score = max(best.score, fuzzy.score)
            if _slot_quality(best) >= _slot_quality(fuzzy):
                best, fuzzy = replace(best, score=score), None
            else:
                best, fuzzy = None, replace(fuzzy, score=score)
        candidates = [r for r in (best, fuzzy) if r is not None and r.score >= self.threshold]
        if not candidates:
            top = max((r.score for r in (best, fuzzy) if r is not None), default=0.0)
            return Resolution("intent", FALLBACK, score=round(top, 3))
        return max(candidates, key=lambda r: r.score)

    def _pattern_match(self, tokens: list[str]) -> Resolution | None:
        text = " ".join(tokens)
        present = set(tokens)
        best: tuple[tuple[float, int, int], Resolution] | None = None
        for pattern in self._candidates(present):
            if not pattern.literals <= present:
                continue
            m = pattern.regex.fullmatch(text)
            if m is None:
                continue
            slots: dict[str, SlotValue] = {}
            extra = 0
            for i, slot in enumerate(pattern.slots):
                value, more = self._slot_value(self.slot_type(pattern.intent, slot),
                                               m.group(f"g{i}"))
                slots[slot] = value
                extra += more
            score = _pattern_score(pattern, slots, len(tokens), extra)
            matched = sum(s.matched for s in slots.values())
            rank = (score, matched, pattern.literal_count)
            if best is None or rank > best[0]:
                res = self._fill(pattern.intent, slots, tokens, score, pattern.text)
                best = (rank, res)
        return best[1] if best else None

    def _candidates(self, present: set[str]) -> Iterable[_Pattern]:
        yield from self._open
        for word in present:
            yield from self._by_literal.get(word, ())

    def _fuzzy(self, tokens: list[str]) -> Resolution | None:
        spans = self._spans(tokens)
        typed = _typed_text(tokens, spans, self._type_tokens)
        heard = set(tokens)
        negated = not heard.isdisjoint(_NEGATIONS)
        scored: list[tuple[float, _Choice]] = []
        for group, query in zip(self._groups, (" ".join(tokens), typed), strict=True):
            for score, choice in group.scores(query, self.threshold - _TIE):
                if negated != (not choice.tokens.isdisjoint(_NEGATIONS)):
                    score -= _NEGATION_PENALTY
                scored.append((min(score, _FUZZY_CAP), choice))
        if not scored:
            return None
        best = max(s for s, _ in scored)
        heard |= set(typed.split())
        score, choice = max(((s, c) for s, c in scored if s >= best - _TIE),
                            key=lambda sc: (len(heard & sc[1].tokens), sc[0]))
        slots = self._slots_from_spans(choice, spans)
        sample = choice.pattern.text if choice.pattern else choice.text
        return self._fill(choice.intent, slots, tokens, score, sample)

    def _fill(self, intent: str, slots: dict[str, SlotValue], tokens: Sequence[str],
              score: float, sample: str | None) -> Resolution:
        declared = self._slot_types.get(intent, {})
        if len(slots) < len(declared):
            spans = self._spans(list(tokens))
            taken = {(s.raw, s.type) for s in slots.values()}
            for slot, type_name in declared.items():
                if slot in slots:
                    continue
                span = next((sp for sp in spans
                             if sp.type == type_name and (sp.raw, sp.type) not in taken), None)
                if span is not None:
                    taken.add((span.raw, span.type))
                    slots[slot] = SlotValue(span.raw, span.value.name, span.value.id,
                                            "ER_SUCCESS_MATCH", type_name)
        unfilled = tuple(s for s in declared if s not in slots)
        return Resolution("intent", intent, slots, round(min(score, 1.0), 3), unfilled, sample)

    def _slots_from_spans(self, choice: _Choice, spans: list[_Span]) -> dict[str, SlotValue]:
        if choice.pattern is None:
            return {}
        remaining = list(spans)
        slots: dict[str, SlotValue] = {}
        for slot in choice.pattern.slots:
            type_name = self.slot_type(choice.intent, slot)
            span = next((sp for sp in remaining if sp.type == type_name), None)
            if span is not None:
                remaining.remove(span)
                slots[slot] = SlotValue(span.raw, span.value.name, span.value.id,
                                        "ER_SUCCESS_MATCH", type_name)
        return slots

    def _slot_value(self, type_name: str, raw: str) -> tuple[SlotValue, int]:
        """The slot value for captured words, and how many of them the value leaves unexplained."""
        slot_type = self._types.get(type_name)
        if slot_type is None:  # one of Alexa's own types: no entity resolution
            return SlotValue(raw, None, None, None, type_name), 0
        phrase, extra = _known_phrase(slot_type, raw)
        if phrase is None:
            return SlotValue(raw, None, None, "ER_SUCCESS_NO_MATCH", type_name), 0
        value = slot_type.phrases[phrase]
        return SlotValue(raw, value.name, value.id, "ER_SUCCESS_MATCH", type_name), extra

    def _spans(self, tokens: list[str]) -> list[_Span]:
        spans: list[_Span] = []
        i = 0
        while i < len(tokens):
            for n in range(min(self._longest_phrase, len(tokens) - i), 0, -1):
                phrase = " ".join(tokens[i : i + n])
                hit = self._typed_phrases.get(phrase)
                if hit is not None:
                    spans.append(_Span(i, i + n, phrase, hit[0], hit[1]))
                    i += n
                    break
            else:
                i += 1
        return spans

    def _phrase_index(self) -> dict[str, tuple[str, _Value]]:
        used = {t for slots in self._slot_types.values() for t in slots.values()}
        index: dict[str, tuple[str, _Value]] = {}
        for type_name in sorted(used):
            slot_type = self._types.get(type_name)
            if slot_type is None:
                continue
            self._type_token(type_name)
            for phrase, value in slot_type.phrases.items():
                index.setdefault(phrase, (type_name, value))
        return index

    def _type_token(self, type_name: str) -> str:
        # Word-length stand-ins: a long one would weigh too much in character-level ratios.
        return self._type_tokens.setdefault(type_name, f"<{len(self._type_tokens)}>")

    def _compile(self, intent: str, sample: str) -> tuple[str, _Pattern | None]:
        parts = _PLACEHOLDER.split(sample)
        if len(parts) == 1:
            return normalise(sample), None
        regex: list[str] = []
        shown: list[str] = []
        typed: list[str] = []
        literals: list[str] = []
        slots: list[str] = []
        for k, part in enumerate(parts):
            if k % 2:
                regex.append(rf"(?P<g{len(slots)}>\S+(?: \S+)*?)")
                shown.append(f"{{{part}}}")
                typed.append(self._type_token(self._slot_types[intent].get(part, part)))
                slots.append(part)
            else:
                found = words(part)
                regex.extend(re.escape(w) for w in found)
                shown.extend(found)
                # Typed exactly as an utterance is, so "my leg is {symptom}" meets "my calf is
                # swollen" with the same stand-in for both "leg" and "calf".
                typed.append(_typed_text(found, self._spans(found), self._type_tokens))
                literals.extend(found)
        text = " ".join(shown)
        compiled = re.compile(" ".join(regex))
        return text, _Pattern(intent, text, compiled, tuple(slots), frozenset(literals),
                              len(literals), " ".join(t for t in typed if t))


def _samples(intents: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    own = [(i["name"], s) for i in intents for s in i.get("samples", [])]
    standard = [(i["name"], s) for i in intents for s in STANDARD_SAMPLES.get(i["name"], ())]
    return own + standard


def _slot_type(raw: Mapping[str, Any]) -> _SlotType:
    phrases: dict[str, _Value] = {}
    for entry in raw.get("values", []):
        name = entry["name"]
        value = _Value(name["value"], entry.get("id"))
        for phrase in (name["value"], *name.get("synonyms", [])):
            phrases.setdefault(normalise(phrase), value)
    phrases.pop("", None)
    ordered = tuple(sorted(phrases, key=lambda p: (-len(p.split()), -len(p), p)))
    return _SlotType(raw["name"], phrases, ordered)


def _index(patterns: Sequence[_Pattern]) -> tuple[dict[str, list[_Pattern]], tuple[_Pattern, ...]]:
    counts = Counter(w for p in patterns for w in p.literals)
    by_literal: dict[str, list[_Pattern]] = defaultdict(list)
    open_: list[_Pattern] = []
    for p in patterns:
        if p.literals:
            by_literal[min(p.literals, key=lambda w: (counts[w], w))].append(p)
        else:
            open_.append(p)
    return dict(by_literal), tuple(open_)


def _known_phrase(slot_type: _SlotType, raw: str) -> tuple[str | None, int]:
    if raw in slot_type.phrases:
        return raw, 0
    n = len(raw.split())
    padded = f" {raw} "
    # Longest first, so "back of my thigh" wins over "thigh" inside the same words.
    for phrase in slot_type.longest_first:
        extra = n - len(phrase.split())
        if extra <= _MAX_EXTRA and f" {phrase} " in padded:
            return phrase, extra
    if n <= 3 and slot_type.longest_first:
        near = process.extractOne(raw, slot_type.longest_first, scorer=fuzz.ratio,
                                  score_cutoff=_VALUE_CUTOFF)
        if near:
            return near[0], 0
    return None, 0


def _pattern_score(pattern: _Pattern, slots: Mapping[str, SlotValue], n_words: int,
                   extra: int) -> float:
    if all(s.matched for s in slots.values()):
        return 1.0 - _EXTRA_WORD_COST * extra
    # An unknown value is still passed on, as Alexa does, but the less of the utterance the
    # sample's own words explain, the less it is trusted against a fuzzy reading.
    unknown_words = sum(len(s.raw.split()) for s in slots.values() if not s.matched)
    return 0.55 + 0.4 * pattern.literal_count / n_words - 0.05 * max(0, unknown_words - 2)


def _slot_quality(res: Resolution) -> tuple[int, int]:
    """More resolved slots first, then more filled ones (an unknown value is still heard)."""
    return sum(s.matched for s in res.slots.values()), len(res.slots)


def _typed_text(tokens: list[str], spans: list[_Span], type_tokens: Mapping[str, str]) -> str:
    out: list[str] = []
    i = 0
    for span in spans:
        out.extend(tokens[i : span.start])
        out.append(type_tokens[span.type])
        i = span.end
    out.extend(tokens[i:])
    return " ".join(out)


def _find(tokens: Sequence[str], needle: Sequence[str]) -> int:
    n = len(needle)
    for i in range(len(tokens) - n + 1):
        if list(tokens[i : i + n]) == list(needle):
            return i
    return -1
