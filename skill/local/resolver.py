"""Resolve a typed utterance to launch, an intent with slots, or session end, from an ASK model."""

from __future__ import annotations

import itertools
import json
import math
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
from skill.local.normalise import NUMBER_WORDS, normalise, stem, words
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

# ---- meaning: the words an utterance shares with an intent's samples, weighted by what they say
# Two readings of every intent are combined: the surface one above (rapidfuzz over the sample
# text: typos, word order) and a meaning one (stems shared with the nearest sample, each weighted
# by how few intents use it, so "chest" says far more than "my"). Words no sample uses weigh as
# much as the rarest: an utterance mostly about something else ("what time is it") falls back.
_SURFACE_SHARE = 0.4  # weight of the surface reading in the combined score
_COMBINED_FLOOR = 0.55  # the combined score that means "just confident enough" (the threshold)
_FUZZY_FLOOR = 0.45  # surface scores below this are not worth computing exactly
_COVER_SHARE = 0.4  # share of intent-wide word coverage in the meaning score
_STOP_WEIGHT = 0.4  # a function word counts 40% of what its rarity alone would give it
_BIGRAM_WEIGHT = 0.5  # two words in the sample's order count again, at half weight
_PATTERN_ALONE = 0.8  # a pattern with an unknown value this sure stands without the rest
_LONE_WORD_PENALTY = 0.1  # a reading resting on one shared word while others go unexplained
_UNSEEN_DF = 0.5  # a word no intent uses weighs as if half an intent used it
_TYPO_CUTOFF = 86  # rapidfuzz ratio for an unknown word to count as a known one misheard
# Function words: they carry the grammar, not the request, so they count less in the meaning
# reading. Negations, question words and "still"/"again"/"now" are not among them.
STOP_WORDS = frozenset((
    "a", "an", "the", "my", "me", "i", "you", "your", "it", "its", "is", "am", "are", "be", "was",
    "were", "being", "been", "do", "does", "did", "to", "of", "in", "on", "at", "for", "with",
    "and", "or", "so", "that", "this", "these", "those", "there", "here", "some", "any", "just",
    "really", "very", "like", "kind", "sort", "bit", "little", "lot", "can", "could", "would",
    "will", "have", "has", "had", "get", "got", "us", "our", "we", "they", "them", "he", "she",
    "his", "her", "also", "too", "as", "about", "from", "by", "then", "well",
))
# Intents that must never be missed, most urgent first. An utterance with a word distinctive of
# one (in three or more of its samples and in no other intent's; never a number) is read as it,
# as is one naming a value of its own slot type ("my foot has gone numb"), unless the reading
# found explains those words itself. A false alarm costs a sentence of advice; a miss could cost
# far more.
ALARM_INTENTS = ("EmergencyIntent", "SymptomReportIntent")
_CUE_MIN_SAMPLES = 3
# Negation up to this many words before a slot value denies it ("my leg isn't swollen").
_DENIAL_WINDOW = 3
_DENIALS = frozenset({"not", "no", "never", "without"})
# Hedges a slot value may hold without changing what it names ("the pain just won't go away").
_HEDGES = frozenset({"really", "just", "all", "any", "like", "so", "very", "quite", "totally",
                     "completely", "pretty", "even", "actually", "literally", "still",
                     "single"})
_CLAUSE_BREAKS = frozenset({"but", "and", "though", "although"})
# A yes/no word in front of more words ("no, I'm fine"; "yeah it is") answers the question; the
# words after it decide only when they are a confident reading of their own, with a word of
# content their intent knows ("no, it still hurts"), and don't contradict the answer.
_YES, _NO = "AMAZON.YesIntent", "AMAZON.NoIntent"
_REST_CONFIDENT = 0.8
_CONTRADICTS = {
    _NO: frozenset({"CrampGoneIntent", _YES, "AMAZON.NextIntent", "AMAZON.ResumeIntent"}),
    _YES: frozenset({_NO}),
}


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
    # Each slot's place among the stand-ins of its type in `typed`: in "charley horse in my
    # {muscle}" the literal "charley horse" is a muscle too, and the slot is the second one.
    ordinals: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class _Span:
    start: int
    end: int
    raw: str
    type: str
    value: _Value
    by_stem: bool = False  # matched only by a stem ("it tingled"), not a phrase of the type


@dataclass(frozen=True, slots=True)
class _Named:
    slot: str
    raw: str
    type: str
    value: _Value
    by_stem: bool


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

    def scores(self, query: str, floor: float, *, closest: bool = True
               ) -> list[tuple[float, _Choice]]:
        """Choices scoring at least `floor` (0..1) against `query`; else the few best, if any
        (or none, unless `closest`)."""
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
        if not closest:
            return []
        # Nothing reaches the floor: score the closest few so a fallback can say how close.
        near = process.extract(ordered, self.sorted_texts, scorer=fuzz.ratio, limit=3)
        return self._combine(query, near, 0.0)

    def _combine(self, query: str, sorts: list[tuple[str, float, int]],
                 set_floor: float) -> list[tuple[float, _Choice]]:
        w = _SET_WEIGHT
        subset = [self.texts[i] for _, _, i in sorts]
        sets = process.extract(query, subset, scorer=fuzz.token_set_ratio, limit=None,
                               score_cutoff=set_floor)
        return [(((1 - w) * sorts[k][1] + w * s) / 100, self.choices[sorts[k][2]])
                for _, s, k in sets]


@dataclass(frozen=True, slots=True)
class _Sample:
    intent: str
    text: str  # normalised, placeholders kept as {slot}
    stems: tuple[str, ...]  # stems, slot values and placeholders as their type's stand-in


class _Meaning:
    """Weighted stem overlap between an utterance and each sample, best per intent.

    Features are stems and pairs of neighbouring stems; a feature weighs log(1 + N / df), df the
    number of intents whose samples have it (a word in one intent's samples only is strong
    evidence for it; function words count _STOP_WEIGHT of that, pairs _BIGRAM_WEIGHT). The score
    against a sample is the weighted Dice overlap 2|U & S| / (|U| + |S|), so extra words in the
    utterance and words of the sample it lacks both cost, each by how much it says.
    """

    def __init__(self, samples: Sequence[_Sample]) -> None:
        self.samples = tuple(samples)
        feats = [_features(s.stems) for s in self.samples]
        users: dict[str, set[str]] = defaultdict(set)
        vocab: dict[str, set[str]] = defaultdict(set)
        for sample, fs in zip(self.samples, feats, strict=True):
            vocab[sample.intent].update(sample.stems)
            for f in fs:
                users[f].add(sample.intent)
        self.n = max(1, len(vocab))
        self.df = {f: len(i) for f, i in users.items()}
        self.vocab = {k: frozenset(v) for k, v in vocab.items()}
        self.sizes = [sum(self.weight(f) for f in fs) for fs in feats]
        self.negations = [not _NEGATIONS.isdisjoint(s.stems) for s in self.samples]
        postings: dict[str, list[int]] = defaultdict(list)
        for k, fs in enumerate(feats):
            for f in fs:
                postings[f].append(k)
        self.postings = {f: tuple(ks) for f, ks in postings.items()}
        self._words = tuple(sorted(f for f in self.df if " " not in f and f[:1] != "<"))
        self._near: dict[str, str] = {}

    def weight(self, feature: str) -> float:
        w = math.log(1 + self.n / self.df.get(feature, _UNSEEN_DF))
        if " " in feature:
            return w * _BIGRAM_WEIGHT
        return w * _STOP_WEIGHT if feature in _STOP_STEMS else w

    def known(self, word: str) -> str:
        """`word`, or the known word it is most likely a typo or mishearing of."""
        if word in self.df or len(word) < 5 or word[:1] == "<":
            return word
        near = self._near.get(word)
        if near is None:
            hit = process.extractOne(word, self._words, scorer=fuzz.ratio,
                                     score_cutoff=_TYPO_CUTOFF)
            near = hit[0] if hit else word
            if len(self._near) < 4096:
                self._near[word] = near
        return near

    def scores(self, stems: Sequence[str]) -> dict[str, tuple[float, _Sample]]:
        """Intent -> (its meaning score, its nearest sample).

        The score blends the best Dice overlap with one sample and the share of the utterance's
        words (by weight) found anywhere in the intent's samples, which credits a request whose
        words are spread over several samples ("any tips so I don't cramp at night").
        """
        wanted = {f: self.weight(f) for f in _features(stems)}
        total = sum(wanted.values())
        single = {f: w for f, w in wanted.items() if " " not in f}
        single_total = sum(single.values()) or 1.0
        shared: dict[int, float] = defaultdict(float)
        postings = self.postings
        for f, w in wanted.items():
            for k in postings.get(f, ()):
                shared[k] += w
        negated = not _NEGATIONS.isdisjoint(stems)
        sizes, negations, samples = self.sizes, self.negations, self.samples
        best: dict[str, tuple[float, _Sample]] = {}
        for k, m in shared.items():
            d = 2 * m / (total + sizes[k])
            if negated != negations[k]:
                d -= _NEGATION_PENALTY  # "it's not gone" is no paraphrase of "it's gone"
            sample = samples[k]
            old = best.get(sample.intent)
            if old is None or d > old[0]:
                best[sample.intent] = (d, sample)
        out: dict[str, tuple[float, _Sample]] = {}
        for intent, (d, sample) in best.items():
            vocab = self.vocab[intent]
            cover = sum(w for f, w in single.items() if f in vocab) / single_total
            if negated != (not _NEGATIONS.isdisjoint(sample.stems)):
                cover -= _NEGATION_PENALTY
            out[intent] = ((1 - _COVER_SHARE) * d + _COVER_SHARE * cover, sample)
        return out


class Resolver:
    """Maps utterances onto one interaction model's intents and slots, the way Alexa would."""

    def __init__(self, model: Mapping[str, Any], *, threshold: float = DEFAULT_THRESHOLD) -> None:
        lm = model.get("interactionModel", model).get("languageModel", model)
        self.threshold = threshold
        self._floor = _uncalibrated(threshold)  # the combined score the threshold stands for
        self.invocation = tuple(words(lm.get("invocationName", "")))
        self._types = {t["name"]: _slot_type(t) for t in lm.get("types", [])}
        self._types[NUMBER] = _slot_type(_SPOKEN_NUMBER_TYPE)  # heard as words, sent as digits
        self._slot_types: dict[str, dict[str, str]] = {
            intent["name"]: {s["name"]: s["type"] for s in intent.get("slots", [])}
            for intent in lm.get("intents", [])
        }
        self._type_tokens: dict[str, str] = {}
        self._typed_phrases = self._phrase_index()
        self._stemmed_phrases: dict[str, tuple[str, _Value]] = {}
        for phrase, hit in self._typed_phrases.items():
            if " " not in phrase:
                self._stemmed_phrases.setdefault(stem(phrase), hit)
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
        groups: dict[str, tuple[list[_Choice], list[_Choice]]] = defaultdict(lambda: ([], []))
        for k, chosen in enumerate((plain, typed)):
            for choice in chosen.values():
                groups[choice.intent][k].append(choice)
        self._groups = {name: (_Group.of(a), _Group.of(b)) for name, (a, b) in groups.items()}
        self._meaning = _Meaning([self._sample(name, text)
                                  for name, text in _samples(lm.get("intents", []))])
        self._sample_stems = {m.text: frozenset(m.stems) for m in self._meaning.samples}
        self._alarms = tuple(a for a in ALARM_INTENTS if a in self._slot_types)
        self._cues = {a: self._distinctive(a) for a in self._alarms if not self._custom_slots(a)}
        self._leads, self._weak_leads = self._answer_leads()
        self._longest_lead = max((len(p.split()) for p in self._leads), default=0)

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
            return self._fill(self._exact[text], {}, tokens, score=1.0, sample=text)
        lead = self._lead(tokens)
        if lead is not None:
            return self._answer(tokens, *lead)
        return self._read(tokens)

    def _read(self, tokens: list[str]) -> Resolution:
        """The best reading of `tokens`, alarms included: a sample, a pattern, or the closest."""
        text = " ".join(tokens)
        if text in self._exact:
            return self._fill(self._exact[text], {}, tokens, score=1.0, sample=text)
        spans = self._spans(tokens)
        best = self._pattern_match(tokens)
        if best is None or best.score < 1.0:
            best = self._combined(tokens, spans, best)
        return self._alarm(tokens, spans, best)

    def _combined(self, tokens: list[str], spans: list[_Span],
                  pattern: Resolution | None) -> Resolution:
        """Every intent scored on surface and meaning together; the best, or a fallback."""
        stems = self._stems(tokens, spans)
        meaning = self._meaning.scores(stems)
        share = _SURFACE_SHARE
        content = {t for t in stems if t not in _STOP_STEMS}
        # What each intent's meaning reading leaves to the surface one: the surface score it
        # needs to reach the threshold. An intent that can't reach it isn't scored on surface.
        base: dict[str, float] = {}
        need: dict[str, float] = {}
        for intent, (m, near) in meaning.items():
            b = (1 - share) * m
            if len(content & set(near.stems)) == 1 < len(content):
                # One word in common, and the rest about something else ("what time is it").
                b -= _LONE_WORD_PENALTY
            base[intent] = b
            lacking = (self._floor - b) / share
            if lacking <= _FUZZY_CAP:
                need[intent] = max(_FUZZY_FLOOR, lacking - _TIE)
        surface = self._surface(tokens, spans, need)
        if pattern is not None and pattern.intent is not None:
            # A pattern with an unknown or padded value is a surface reading of its own.
            s, choice = surface.get(pattern.intent, (0.0, None))
            surface[pattern.intent] = (max(s, pattern.score), choice)
        unseen = _FUZZY_FLOOR - 0.05  # a surface score never computed was below the floor
        alone = pattern is not None and self._stands_alone(pattern)
        best: tuple[float, str] | None = None
        for intent in surface.keys() | base.keys():
            c = share * surface.get(intent, (unseen, None))[0] + base.get(intent, 0.0)
            if alone and pattern is not None and pattern.intent == intent:
                c = max(c, _uncalibrated(pattern.score))
            if best is None or c > best[0]:
                best = (c, intent)
        if best is None:
            return Resolution("intent", FALLBACK, score=0.0)
        score = min(_calibrated(best[0]), _FUZZY_CAP)
        intent = best[1]
        if score < self.threshold:
            return Resolution("intent", FALLBACK, score=round(score, 3))
        readings: list[Resolution] = []
        if pattern is not None and pattern.intent == intent:
            readings.append(replace(pattern, score=round(score, 3)))
        choice = surface.get(intent, (0.0, None))[1]
        if choice is not None:
            slots = self._slots_from_spans(choice, spans, tokens)
            sample = choice.pattern.text if choice.pattern else choice.text
            readings.append(self._fill(intent, slots, tokens, score, sample))
        near = meaning.get(intent)
        if near is not None:
            readings.append(self._fill(intent, {}, tokens, score, near[1].text))
        # Same intent several ways: the reading with the better slots (the pattern on a tie).
        return max(readings, key=_slot_quality)

    def _stands_alone(self, pattern: Resolution) -> bool:
        """Whether a pattern reading with a value outside its slot's list ("my elbow is
        cramping") keeps its own confidence, as Alexa would pass the value on: when the
        pattern's words are most of what was said and the value's words are new to the model.
        ("I think I have a cramp" is no unknown symptom: "cramp" is another intent's word.)"""
        if pattern.score < _PATTERN_ALONE:
            return False
        heard = [w for v in pattern.slots.values() if not v.matched for w in v.raw.split()]
        return not any(stem(w) in self._meaning.df or w in self._typed_phrases
                       for w in heard if w not in STOP_WORDS)

    def _surface(self, tokens: list[str], spans: list[_Span], need: Mapping[str, float]
                 ) -> dict[str, tuple[float, _Choice]]:
        """Intent -> its best rapidfuzz score (and sample), for the intents in `need` that
        score at least what `need` gives them."""
        if not need:
            return {}
        typed = _typed_text(tokens, spans, self._type_tokens)
        heard = set(tokens)
        negated = not heard.isdisjoint(_NEGATIONS)
        heard |= set(typed.split())
        queries = (" ".join(tokens), typed)
        best: dict[str, tuple[float, int, _Choice]] = {}
        for intent, floor in need.items():
            for group, query in zip(self._groups.get(intent, ()), queries, strict=False):
                self._score_choices(group.scores(query, floor, closest=False), negated, heard,
                                    best)
        return {k: (v[0], v[2]) for k, v in best.items()}

    @staticmethod
    def _score_choices(scored: list[tuple[float, _Choice]], negated: bool, heard: set[str],
                       best: dict[str, tuple[float, int, _Choice]]) -> None:
        """Keep each intent's best choice in `best`; a sample that differs from the utterance by
        a "not" is penalised, and near ties go to the sample explaining more of the words."""
        for score, choice in scored:
            if negated != (not choice.tokens.isdisjoint(_NEGATIONS)):
                score -= _NEGATION_PENALTY
            score = min(score, _FUZZY_CAP)
            explained = len(heard & choice.tokens)
            old = best.get(choice.intent)
            if old is None or (round(score / _TIE), explained, score) > (
                    round(old[0] / _TIE), old[1], old[0]):
                best[choice.intent] = (score, explained, choice)

    def _stems(self, tokens: list[str], spans: list[_Span]) -> list[str]:
        """The utterance for the meaning reading: slot values as their stand-in, words stemmed."""
        out: list[str] = []
        i = 0
        for span in spans:
            out.extend(self._meaning.known(stem(t)) for t in tokens[i : span.start])
            out.append(self._type_tokens[span.type])
            i = span.end
        out.extend(self._meaning.known(stem(t)) for t in tokens[i:])
        return out

    # ---- alarms: what must never be missed --------------------------------------------------

    def _alarm(self, tokens: list[str], spans: list[_Span], reading: Resolution) -> Resolution:
        """`reading`, unless the utterance carries an alarm intent's words it doesn't explain."""
        inside = {i for sp in spans for i in range(sp.start, sp.end)}
        free = {stem(t) for i, t in enumerate(tokens) if i not in inside}
        for alarm in self._alarms:
            if reading.intent == alarm:
                return self._with_named_values(alarm, tokens, spans, reading)
            cues = self._cues.get(alarm, frozenset()) & free
            if cues and not self._explains(reading, cues):
                score = max(self.threshold, reading.score if not reading.is_fallback else 0.0)
                return self._fill(alarm, {}, tokens, score, None)
            # Overruling another reading takes a value as the type lists it, not just its stem.
            found = [f for f in self._alarm_slots(alarm, tokens, spans) if not f.by_stem]
            if found and not self._explains(reading, {stem(t) for t in found[0].raw.split()}):
                named = found[0]
                value = SlotValue(named.raw, named.value.name, named.value.id,
                                  "ER_SUCCESS_MATCH", named.type)
                score = max(self.threshold, reading.score if not reading.is_fallback else 0.0)
                return self._fill(alarm, {named.slot: value}, tokens, score, None)
        return reading

    def _with_named_values(self, alarm: str, tokens: list[str], spans: list[_Span],
                           reading: Resolution) -> Resolution:
        """`reading` of `alarm`, its unresolved slots given values named elsewhere in `tokens`;
        or No, when every value named is denied ("my leg isn't swollen")."""
        types = self._custom_slots(alarm)
        if not types:
            return reading
        named = [sp for sp in spans if sp.type in types.values()]
        if named and all(self._denied(tokens, sp) for sp in named) and _NO in self._slot_types:
            return self._fill(_NO, {}, tokens, reading.score, None)
        slots = dict(reading.slots)
        found = self._alarm_slots(alarm, tokens, spans)
        for slot in types:
            if slot not in slots or not slots[slot].matched:
                hit = next((f for f in found if f.slot == slot), None)
                if hit is not None:
                    slots[slot] = SlotValue(hit.raw, hit.value.name, hit.value.id,
                                            "ER_SUCCESS_MATCH", hit.type)
        return replace(reading, slots=slots, unfilled=tuple(s for s in self._slot_types[alarm]
                                                            if s not in slots))

    def _alarm_slots(self, alarm: str, tokens: list[str], spans: list[_Span]) -> list[_Named]:
        """Values of `alarm`'s own slot types named in `tokens`, and not denied."""
        types = self._custom_slots(alarm)
        by_type = {t: slot for slot, t in types.items()}
        return [_Named(by_type[sp.type], sp.raw, sp.type, sp.value, sp.by_stem) for sp in spans
                if sp.type in by_type and not self._denied(tokens, sp)]

    def _explains(self, reading: Resolution, stems: set[str] | frozenset[str]) -> bool:
        """Whether the sample behind `reading` has all of `stems` itself ("it's hot" in Causes)."""
        if reading.is_fallback or reading.sample is None:
            return False
        return stems <= self._sample_stems.get(reading.sample, frozenset())

    @staticmethod
    def _denied(tokens: list[str], span: _Span) -> bool:
        """Whether a negation shortly before `span` denies it: "not" or "never" a few words
        before ("it isn't really swollen"), "no" right before ("no swelling"; but in "no, I
        can't feel my foot" the "no" answers a question and the numbness stands)."""
        before = tokens[max(0, span.start - _DENIAL_WINDOW) : span.start]
        for k, t in enumerate(reversed(before)):
            if t in _CLAUSE_BREAKS:
                return False
            if t in _DENIALS and (t != "no" or k == 0):
                return True
        return False

    def _custom_slots(self, intent: str) -> dict[str, str]:
        """`intent`'s slots whose types the model defines (slot -> type)."""
        return {s: t for s, t in self._slot_types.get(intent, {}).items() if t in self._types}

    def _distinctive(self, intent: str) -> frozenset[str]:
        """Content stems in three or more of `intent`'s samples and in no other intent's."""
        mine: Counter[str] = Counter()
        others: set[str] = set()
        for sample in self._meaning.samples:
            content = {t for t in sample.stems
                       if t not in _STOP_STEMS and t[:1] != "<" and t not in _NUMBER_STEMS}
            if sample.intent == intent:
                mine.update(content)
            else:
                others |= content
        return frozenset(w for w, n in mine.items() if n >= _CUE_MIN_SAMPLES and w not in others)

    # ---- answers: "no, I'm fine" -------------------------------------------------------------

    def _answer_leads(self) -> tuple[dict[str, str], frozenset[str]]:
        """Yes/No samples that open with a one-word answer ("no thanks"), and the answer words
        that open more of other intents' samples than of their own ("okay what's next"), which
        decide nothing alone."""
        answers = {t: n for t, n in self._exact.items()
                   if n in (_YES, _NO) and " " not in t and t not in STOP_WORDS}
        leads = {t: n for t, n in self._exact.items()
                 if n in (_YES, _NO) and t.split()[0] in answers}
        opened: Counter[tuple[str, bool]] = Counter()
        texts = [*((t, n) for t, n in self._exact.items()),
                 *((p.text, p.intent) for p in self._patterns)]
        for text, name in texts:
            first = text.split()[0]
            if " " in text and first in answers:
                opened[first, name in (_YES, _NO)] += 1
        weak = {w for w in answers if opened[w, False] > opened[w, True]}
        return leads, frozenset(weak)

    def _lead(self, tokens: list[str]) -> tuple[str, int] | None:
        for n in range(min(len(tokens) - 1, self._longest_lead), 0, -1):
            intent = self._leads.get(" ".join(tokens[:n]))
            if intent is not None:
                return intent, n
        return None

    def _answer(self, tokens: list[str], answer: str, n: int) -> Resolution:
        """A yes/no word and more: the answer, unless the rest is a confident request itself."""
        rest = self._read(tokens[n:])
        rest = replace(rest, score=min(rest.score, _FUZZY_CAP))  # the whole is no sample
        said = self._fill(answer, {}, tokens, max(self.threshold, _REST_CONFIDENT),
                          " ".join(tokens[:n]))
        if rest.intent in self._alarms:
            alarm = str(rest.intent)
            if not self._custom_slots(alarm):
                return rest  # "no, I can't breathe"
            if self._alarm_slots(alarm, tokens, self._spans(tokens)):
                return rest  # "yes, it's swollen"
            return said  # "no, it doesn't feel warm"; "no, I haven't noticed that"
        if rest.is_fallback:
            return said
        if tokens[0] in self._weak_leads or rest.intent == answer:
            return rest  # "okay, I'm back"
        if rest.intent in _CONTRADICTS.get(answer, ()):
            return said  # "no, I'm fine"
        if rest.score >= _REST_CONFIDENT and self._supported(rest, tokens[n:]):
            return rest  # "no, it still hurts"
        return said

    def _supported(self, reading: Resolution, tokens: list[str]) -> bool:
        """Whether a word of content in `tokens` is one `reading`'s intent uses in its samples."""
        if any(v.matched for v in reading.slots.values()):
            return True
        vocab = self._meaning.vocab.get(str(reading.intent), frozenset())
        return any(stem(t) in vocab for t in tokens
                   if t not in STOP_WORDS and t not in _DENIALS and t not in self._leads)

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
                    slots[slot] = _resolved(span.raw, span.value, type_name)
        unfilled = tuple(s for s in declared if s not in slots)
        return Resolution("intent", intent, slots, round(min(score, 1.0), 3), unfilled, sample)

    def _slots_from_spans(self, choice: _Choice, spans: list[_Span],
                          tokens: Sequence[str]) -> dict[str, SlotValue]:
        pattern = choice.pattern
        if pattern is None:
            return {}
        remaining = list(spans)
        stand_ins = pattern.typed.split()
        slots: dict[str, SlotValue] = {}
        for slot, ordinal in zip(pattern.slots, pattern.ordinals, strict=True):
            type_name = self.slot_type(choice.intent, slot)
            token = self._type_tokens[type_name]
            of_type = [sp for sp in remaining if sp.type == type_name]
            if not of_type:
                continue
            span = of_type[0]
            if len(of_type) > 1:
                # Two values of the slot's type heard ("a charley horse in my thigh"): the one
                # after the word the sample puts before its slot, else the one in its place.
                at = [k for k, t in enumerate(stand_ins) if t == token]
                before = stand_ins[at[ordinal] - 1] if ordinal < len(at) and at[ordinal] else None
                after = [sp for sp in of_type if sp.start and tokens[sp.start - 1] == before]
                if after:
                    span = after[-1]
                elif len(of_type) == len(at):
                    span = of_type[ordinal]
            remaining.remove(span)
            slots[slot] = _resolved(span.raw, span.value, type_name)
        return slots

    def _slot_value(self, type_name: str, raw: str) -> tuple[SlotValue, int]:
        """The slot value for captured words, and how many of them the value leaves unexplained."""
        slot_type = self._types.get(type_name)
        phrase, extra = _known_phrase(slot_type, raw) if slot_type else (None, 0)
        if phrase is None:  # Alexa's own types have no entity resolution
            status = None if type_name.startswith("AMAZON.") else "ER_SUCCESS_NO_MATCH"
            return SlotValue(raw, None, None, status, type_name), 0
        return _resolved(raw, slot_type.phrases[phrase], type_name), extra

    def _spans(self, tokens: list[str]) -> list[_Span]:
        """Known slot values in `tokens`, left to right, longest first."""
        spans: list[_Span] = []
        i = 0
        while i < len(tokens):
            span = self._span_at(tokens, i)
            if span is None:
                i += 1
            else:
                spans.append(span)
                i = span.end
        return spans

    def _span_at(self, tokens: list[str], i: int) -> _Span | None:
        """The longest known value starting at `i`. A hedge inside it is passed over ("can't
        really feel my toes"), and a lone word may be a value by its stem ("it tingles")."""
        exact = 0
        for n in range(min(self._longest_phrase, len(tokens) - i), 0, -1):
            if " ".join(tokens[i : i + n]) in self._typed_phrases:
                exact = n
                break
        kept = [i]
        j = i + 1
        while j < len(tokens) and len(kept) < self._longest_phrase:
            if tokens[j] not in _HEDGES:
                kept.append(j)
            j += 1
        for n in range(len(kept), max(exact, 1), -1):
            if kept[n - 1] - i + 1 == n:
                continue  # nothing passed over: tried above
            hit = self._typed_phrases.get(" ".join(tokens[k] for k in kept[:n]))
            if hit is not None:
                end = kept[n - 1] + 1
                return _Span(i, end, " ".join(tokens[i:end]), hit[0], hit[1])
        if exact:
            phrase = " ".join(tokens[i : i + exact])
            hit = self._typed_phrases[phrase]
            return _Span(i, i + exact, phrase, hit[0], hit[1])
        hit = self._stemmed_phrases.get(stem(tokens[i]))
        if hit is not None:
            return _Span(i, i + 1, tokens[i], hit[0], hit[1], by_stem=True)
        return None

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

    def _sample(self, intent: str, sample: str) -> _Sample:
        """`sample` for the meaning reading, typed and stemmed exactly as an utterance is."""
        shown: list[str] = []
        stems: list[str] = []
        for k, part in enumerate(_PLACEHOLDER.split(sample)):
            if k % 2:
                shown.append(f"{{{part}}}")
                stems.append(self._type_token(self._slot_types[intent].get(part, part)))
            else:
                found = words(part)
                shown.extend(found)
                spans = self._spans(found)
                i = 0
                for span in spans:
                    stems.extend(stem(t) for t in found[i : span.start])
                    stems.append(self._type_tokens[span.type])
                    i = span.end
                stems.extend(stem(t) for t in found[i:])
        return _Sample(intent, " ".join(shown), tuple(stems))

    def _compile(self, intent: str, sample: str) -> tuple[str, _Pattern | None]:
        parts = _PLACEHOLDER.split(sample)
        if len(parts) == 1:
            return normalise(sample), None
        regex: list[str] = []
        shown: list[str] = []
        typed: list[str] = []
        literals: list[str] = []
        slots: list[str] = []
        ordinals: list[int] = []
        for k, part in enumerate(parts):
            if k % 2:
                regex.append(rf"(?P<g{len(slots)}>\S+(?: \S+)*?)")
                shown.append(f"{{{part}}}")
                token = self._type_token(self._slot_types[intent].get(part, part))
                ordinals.append(" ".join(typed).split().count(token))
                typed.append(token)
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
                              len(literals), " ".join(t for t in typed if t), tuple(ordinals))


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
    heard = raw.split()
    n = len(heard)
    # Longest first, so "back of my thigh" wins over "thigh" inside the same words; of two as
    # long, the one said first ("red and hot" is red). At most _MAX_EXTRA words left over.
    for size in range(n - 1, max(0, n - _MAX_EXTRA - 1), -1):
        for start in range(n - size + 1):
            phrase = " ".join(heard[start : start + size])
            if phrase in slot_type.phrases:
                return phrase, n - size
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


_STOP_STEMS = frozenset(stem(w) for w in STOP_WORDS)
_NUMBER_STEMS = frozenset(stem(w) for w in NUMBER_WORDS)
NUMBER = "AMAZON.NUMBER"
_SPOKEN_NUMBER_TYPE = {"name": NUMBER, "values": [
    {"name": {"value": str(n), "synonyms": [word]}} for n, word in enumerate((
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"))]}


def _resolved(raw: str, value: _Value, type_name: str) -> SlotValue:
    """A slot filled with a known value: entity-resolved for our types; for Alexa's own
    (AMAZON.NUMBER), the value itself as Alexa sends it ("3" for "three"), with no resolution."""
    if type_name.startswith("AMAZON."):
        return SlotValue(value.name, None, None, None, type_name)
    return SlotValue(raw, value.name, value.id, "ER_SUCCESS_MATCH", type_name)


def _features(stems: Sequence[str]) -> set[str]:
    """Stems, and each pair of neighbouring stems (joined by a space)."""
    found = set(stems)
    found.update(f"{a} {b}" for a, b in itertools.pairwise(stems))
    return found


def _uncalibrated(score: float) -> float:
    """The combined score whose confidence is `score` (the inverse of _calibrated)."""
    t, f = DEFAULT_THRESHOLD, _COMBINED_FLOOR
    if score >= t:
        return f + (score - t) * (1 - f) / (1 - t)
    return score * f / t


def _calibrated(combined: float) -> float:
    """A combined score as a confidence, _COMBINED_FLOOR landing on DEFAULT_THRESHOLD."""
    t, f = DEFAULT_THRESHOLD, _COMBINED_FLOOR
    if combined >= f:
        return t + (combined - f) * (1 - t) / (1 - f)
    return max(0.0, combined) * t / f
