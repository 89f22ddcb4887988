"""Resolve a typed utterance to launch, an intent with slots, or session end, from an ASK model.

It imitates what Alexa's language understanding does with a skill's model, and nothing more:

1. Alexa's own grammar: a wake word, "exit", "open/ask/tell <invocation name> ...", with the
   words people say around them ("could you open cramp coach please").
2. Speech-recognition slips: Alexa's recogniser is biased towards the skill's own words, so a
   word the model never uses is heard as the model word it is one letter from ("a clamp in my
   calf"). Words are then compared by a light stem ("calves" and "calf", "cramping" and "cramp").
3. Slot values and synonyms anywhere in the utterance stand for their type, as in a sample
   (`skill.local.slot_values`, entity resolution).
4. A sample said as written (slot values from their lists) is certain. A sample said with a
   value outside its slot's list still matches, the value passed on with ER_SUCCESS_NO_MATCH.
5. Anything else goes to a statistical classifier trained on the samples, as Alexa's is
   (`skill.local.classifier`); below the threshold it is the fallback, out of the domain.

There is no rule for any particular intent, word or answer: what the model does not teach, a
device does not know, and neither does this.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from skill.local.alexa_phrases import (
    CARRIER_JOINERS,
    EXIT_PHRASES,
    LAUNCH_VERBS,
    REQUEST_VERBS,
    STANDARD_SAMPLES,
    TRAILING_CARRIERS,
    launch_verb,
    sounds_like_name,
    without_wake_word,
)
from skill.local.classifier import Classifier, Example
from skill.local.normalise import stem, words
from skill.local.resolution import FALLBACK, Resolution, SlotValue
from skill.local.slot_values import SlotValues, Span, Value, filled, phrase_key

# Below this confidence an utterance is out of the model's domain. Chosen on the development
# set: where requests the model should take and out-of-domain ones cost about the same misses.
DEFAULT_THRESHOLD = 0.5
_SLIP_EDITS = 1  # a mishearing is one sound off: a letter changed, added or dropped
_SLIP_MIN_LENGTH = 5  # shorter words are too alike to correct ("cap", "cat", "can")
_MAX_VALUE_WORDS = 4  # longest slot capture; custom slot values are short phrases
# Once a sample is chosen, a slot no value filled holds what was said in its place, as a device
# sends it, up to a clause ("i can't catch my breath"), for the skill to screen.
_MAX_HEARD_WORDS = 8
_EXTRA_WORD_COST = 0.05  # each one makes the match a little less than certain
_PLACEHOLDER = re.compile(r"\{([^{}\s]+)\}")
_CAPTURE = r"\S+(?: \S+){{0,{}}}?"  # a placeholder's words, one to the number given plus one


@dataclass(frozen=True, slots=True)
class _Sample:
    intent: str
    text: str  # as written, normalised, placeholders kept
    typed: tuple[str, ...]  # stems, with each slot value and placeholder as its type's <token>
    slots: tuple[str, ...]  # placeholders, in order
    regex: re.Pattern[str] | None  # over stems, a capture per placeholder
    literals: int  # words of its own (not placeholders)
    value: Value | None = None  # a listed value said alone, for the intent whose slot takes it


class Resolver:
    """Maps utterances onto one interaction model's intents and slots, the way Alexa would."""

    def __init__(self, model: Mapping[str, Any], *, threshold: float = DEFAULT_THRESHOLD) -> None:
        lm = model.get("interactionModel", model).get("languageModel", model)
        self.threshold = threshold
        self.invocation = tuple(words(lm.get("invocationName", "")))
        intents = lm.get("intents", [])
        self._slot_types = {i["name"]: {s["name"]: s["type"] for s in i.get("slots", [])}
                            for i in intents}
        self._values = SlotValues(lm.get("types", []))
        self._vocabulary = sorted({w for i in intents for s in _samples_of(i)
                                   for w in words(_PLACEHOLDER.sub(" ", s))}
                                  | self._values.words()
                                  | set(self.invocation))
        self._known_words = frozenset(self._vocabulary) | {stem(w) for w in self._vocabulary}
        self._slips: dict[str, str] = {}
        self._by_initial: dict[str, list[str]] = defaultdict(list)
        for w in self._vocabulary:
            self._by_initial[w[0]].append(w)
        samples = [self._sample(i["name"], s) for i in intents for s in _samples_of(i)]
        self._exact: dict[tuple[str, ...], _Sample] = {}
        for sample in samples:  # the model's own samples first: they win a shared phrase
            self._exact.setdefault(sample.typed, sample)
        # Alexa trains an intent on its samples with the slot values filled in, so a value said
        # with other words around it ("I can't put any weight on it") leans to the intents whose
        # slots take it: each value, said alone, is a sample of those intents too.
        for name, types in self._slot_types.items():
            for type_name in dict.fromkeys(types.values()):  # two slots of a type learn it once
                samples += [_Sample(name, key, tuple(key.split()), (), None, 0, value)
                            for key, value in self._values.of_type(type_name)
                            if not type_name.startswith("AMAZON.")]
        self.samples = tuple(samples)
        self._classifier = Classifier([Example(s.intent, s.typed, s.value is not None)
                                       for s in self.samples])
        by_word: dict[str, list[_Sample]] = defaultdict(list)
        for s in self.samples:
            if s.regex is not None:  # indexed by its rarest word: an utterance must say it
                key = min((w for w in s.typed if w[:1] != "<"), default="",
                          key=lambda w: (self._classifier.samples_with(w), w))
                by_word[key].append(s)
        self._by_word = dict(by_word)

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

    # ---- Alexa's own grammar --------------------------------------------------------------

    def resolve(self, text: str) -> Resolution:
        """What Alexa would send the skill for `text`: a launch, an intent, or the session's end."""
        tokens = without_wake_word(words(text))
        if not tokens:
            return Resolution("intent", FALLBACK, score=0.0)
        if " ".join(tokens) in EXIT_PHRASES:
            return Resolution("end")
        n = len(self.invocation)
        heard = [self._heard(w) for w in tokens]  # "open cramp couch" is still the skill
        named = [i for i in range(len(tokens) - n + 1)
                 if n and tuple(heard[i : i + n]) == self.invocation]
        # Of two mentions of the name ("what's it called, cramp coach, yeah open cramp coach"),
        # the one after a launch verb.
        at = next((i for i in named if launch_verb(tokens[:i])), named[0] if named else -1)
        if at < 0 and tokens[0] in LAUNCH_VERBS:  # "open cram coach": said right after "open"
            at = 1 if sounds_like_name(heard[1 : 1 + n], self.invocation, _SLIP_EDITS) else -1
        if at < 0:
            return self._intent(tokens)
        before, after = tokens[:at], tokens[at + n :]
        # "open the cramp coach skill" is said too; the name is what Alexa listens for.
        before = before[:-1] if before[-1:] == ["the"] else before
        after = after[1:] if after[:1] == ["skill"] else after
        verb = launch_verb(before)
        if not before or verb:
            if not after:
                return Resolution("launch")
            tries = [after[1:], after] if after[0] in CARRIER_JOINERS and after[1:] else [after]
            found = max((self._intent(t) for t in tries), key=lambda r: r.score)
            return Resolution("launch") if found.is_fallback and verb not in (
                None, *REQUEST_VERBS) else found
        if not after and before[-1] in TRAILING_CARRIERS and len(before) > 1:
            return self._intent(before[:-1])
        return self._intent(tokens)

    # ---- the skill's model ----------------------------------------------------------------

    def _intent(self, tokens: list[str]) -> Resolution:
        heard = [self._heard(w) for w in tokens]
        stems = [stem(w) for w in heard]
        typed, spans = self._values.typed(stems)
        variants = self._variants(typed, spans)  # a phrase in two lists may be either type
        for variant in (*variants, tuple(stems)):
            if (sample := self._exact.get(variant)) is not None:
                return self._reading(sample.intent, spans, heard, 1.0, sample.text)
        readings = [self._classifier.classify(v, self.threshold) for v in variants]
        found = max(filter(None, readings), key=lambda f: (f[0], -f[1]), default=None)
        best = None if found is None else (found[0], self.samples[found[1]])
        captured = self._captured(heard, stems)
        if captured is not None and captured.score >= self.threshold and (
                best is None or captured.score >= best[0]):
            return captured
        if best is None or best[0] < self.threshold:
            return Resolution("intent", FALLBACK, score=round(best[0] if best else 0.0, 3))
        score, sample = best
        for type_name in self._slot_types[sample.intent].values():
            if not any(type_name in vs for _, _, vs in spans):
                spans += self._values.loose(type_name, stems)
        reading = self._reading(sample.intent, spans, heard, min(score, 0.99), sample.text)
        # A slot no listed value filled holds the words said in its place, as on a device: in
        # the sample of the intent that says the whole utterance and places the most such slots
        # ("neither numb nor tingly but {present}": "I can't catch my breath", to be screened).
        text = " ".join(stems)
        found: dict[str, SlotValue] = {}
        for other in (sample, *self._patterns(stems)) if reading.unfilled else ():
            if other.intent == sample.intent and other.regex and (
                    m := _heard_in_place(other.regex.pattern).fullmatch(text)):
                more = {s: v for s, raw in _captures(other, m, heard) if s in reading.unfilled
                        and (v := self._values.value(self._slot_types[other.intent][s], raw)[0])}
                found = more if len(more) > len(found) else found
        slots = reading.slots | found
        return replace(reading, slots=slots, unfilled=self._unfilled(sample.intent, slots))

    def _heard(self, word: str) -> str:
        """`word`, or the model word a recogniser biased to the model would have heard."""
        if (word in self._known_words or stem(word) in self._known_words
                or len(word) < _SLIP_MIN_LENGTH or not word.isalpha()):
            return word
        if word not in self._slips:
            # Recognisers rarely mishear a word's first sound ("clamp" for "cramp", never
            # "mount" for "count").
            hit = process.extractOne(word, self._by_initial.get(word[0], ()),
                                     scorer=Levenshtein.distance, score_cutoff=_SLIP_EDITS)
            self._slips = {} if len(self._slips) > 4096 else self._slips  # a long chat's words
            self._slips[word] = hit[0] if hit else word
        return self._slips[word]

    @staticmethod
    def _variants(typed: list[str], spans: list[Span]) -> list[tuple[str, ...]]:
        """`typed` with every choice of type for the values that are in more than one list."""
        out = [tuple(typed)]
        shift = 0
        for a, b, vs in spans:
            where = a - shift
            shift += b - a - 1
            if len(vs) > 1:
                out = [(*v[:where], f"<{t}>", *v[where + 1 :]) for v in out for t in vs]
        return out

    def _captured(self, heard: list[str], stems: list[str]) -> Resolution | None:
        """The best sample said with a value its list doesn't hold, or with words around one."""
        text = " ".join(stems)
        best: Resolution | None = None
        for sample in self._patterns(stems):
            m = sample.regex.fullmatch(text) if sample.regex else None
            if m is None:
                continue
            slots: dict[str, SlotValue] = {}
            extra = unknown = 0
            for slot, raw in _captures(sample, m, heard):
                filled, more = self._values.value(self._slot_types[sample.intent][slot], raw)
                if filled is None:
                    break
                slots[slot] = filled
                extra += more
                unknown += len(raw) if not filled.value and filled.status else 0
            if len(slots) < len(sample.slots):
                continue
            # A listed value with a word or two more is nearly certain; an unlisted one is as
            # sure as the share of what was said that the sample's own words explain.
            score = 1 - _EXTRA_WORD_COST * extra if not unknown else sample.literals / len(stems)
            if best is None or score > best.score:
                best = Resolution("intent", sample.intent, slots, round(score, 3),
                                  self._unfilled(sample.intent, slots), sample.text)
        return best

    def _reading(self, intent: str, spans: list[Span], heard: list[str],
                 score: float, sample: str) -> Resolution:
        """`intent` with its slots filled by the listed values heard for their type, slot by
        slot in the order the sample places them. Of two values of one type, a slot takes the
        one said after the word the sample puts before it ("step {number}"), then before the
        word it puts after ("my {muscle} just"), as a tagger reads a value by its neighbours;
        then the one in its place: where in the utterance (as a share of its length) matches
        where the placeholder sits in the sample."""
        slots: dict[str, SlotValue] = {}
        free = list(spans)
        shown = sample.split()
        types = self._slot_types.get(intent, {})
        placed = sorted((s for s in types if f"{{{s}}}" in shown),  # in the sample's order
                        key=lambda s: shown.index(f"{{{s}}}"))
        for slot in (*placed, *(s for s in types if s not in placed)):
            type_name = types[slot]
            at = shown.index(f"{{{slot}}}") if slot in placed else 0
            place = at / len(shown)
            before = stem(shown[at - 1]) if at else None
            then = stem(shown[at + 1]) if slot in placed and at + 1 < len(shown) else None
            # A value may sit inside a longer one of another type ("a diuretic", a sign).
            fits = [(s, filled(" ".join(heard[s[0] : s[1]]), s[2][type_name]))
                    for s in free if type_name in s[2]] or [
                (s, v) for s in free
                if (v := self._values.value(type_name, heard[s[0] : s[1]])[0]) and v.value]
            best = min(fits, default=None, key=lambda f: (
                *_beside(heard, f[0], before, then), abs(f[0][0] / len(heard) - place)))
            if best is not None:
                free.remove(best[0])
                slots[slot] = best[1]
        return Resolution("intent", intent, slots, round(score, 3),
                          self._unfilled(intent, slots), sample)

    def _unfilled(self, intent: str, slots: Mapping[str, SlotValue]) -> tuple[str, ...]:
        return tuple(s for s in self._slot_types.get(intent, {}) if s not in slots)

    # ---- samples with slots, by their rarest word ------------------------------------------

    def _patterns(self, stems: Sequence[str]) -> list[_Sample]:
        return [s for w in dict.fromkeys(["", *stems]) for s in self._by_word.get(w, ())]

    def _sample(self, intent: str, text: str) -> _Sample:
        parts = _PLACEHOLDER.split(text)
        typed: list[str] = []
        regex: list[str] = []
        slots: list[str] = []
        for k, part in enumerate(parts):
            if k % 2:
                typed.append(f"<{self._slot_types[intent].get(part, part)}>")
                regex.append(f"(?P<g{len(slots)}>{_CAPTURE.format(_MAX_VALUE_WORDS - 1)})")
                slots.append(part)
            else:
                stems = phrase_key(words(part)).split()
                typed += self._values.typed(stems)[0]
                regex += map(re.escape, stems)
        shown = " ".join(" ".join(words(p)) if k % 2 == 0 else f"{{{p}}}"
                         for k, p in enumerate(parts)).split()
        if not slots and all(t[:1] == "<" for t in typed):
            # Words that are all slot values but written with no slot ("back", "charley horse"):
            # Alexa learns them as words, so they stand only for themselves, said as written.
            typed = phrase_key(words(text)).split()
        return _Sample(intent, " ".join(shown), tuple(typed), tuple(slots),
                       re.compile(" ".join(regex)) if slots else None,
                       len(typed) - len(slots))


def _samples_of(intent: Mapping[str, Any]) -> list[str]:
    """The model's samples for `intent`, then Alexa's own phrases for a built-in."""
    return [*intent.get("samples", []), *STANDARD_SAMPLES.get(intent["name"], ())]


@lru_cache(maxsize=4096)
def _heard_in_place(pattern: str) -> re.Pattern[str]:
    """A sample's pattern with each capture as long as a device lets a slot's words be."""
    return re.compile(pattern.replace(_CAPTURE.format(_MAX_VALUE_WORDS - 1),
                                      _CAPTURE.format(_MAX_HEARD_WORDS - 1)))


def _beside(heard: list[str], span: Span, before: str | None,
            then: str | None) -> tuple[bool, bool]:
    """Whether the word a sample puts before a placeholder, then the one after it, are missing
    beside `span` ("my {muscle} just": "my calf just locked", not "on my feet all day")."""
    a, b = span[0], span[1]
    return (not (a > 0 and stem(heard[a - 1]) == before),
            not (b < len(heard) and stem(heard[b]) == then))


def _captures(sample: _Sample, m: re.Match[str], heard: list[str]) -> list[tuple[str, list[str]]]:
    """Each placeholder of `sample` and the words heard where `m` (over stems) captured it."""
    out = []
    for k, slot in enumerate(sample.slots):
        start = m.string[: m.start(f"g{k}")].count(" ")
        out.append((slot, heard[start : start + m.group(f"g{k}").count(" ") + 1]))
    return out
