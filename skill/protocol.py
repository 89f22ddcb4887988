"""The clinical protocol, loaded once from responses/protocol.yaml and checked at load.

Steps, warning-sign questions, signs, dispositions, and what slot values mean are data a
clinician reviews; the conversation only walks them. A mistake in the file fails start-up,
naming the file and line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import data, ssml, yamlfile
from .apl import ICONS

if TYPE_CHECKING:
    import yaml

    from .content import Catalog

PATH = data.directory("responses") / "protocol.yaml"
COMPILED = ".compiled.json"  # shipped in the Lambda package so start-up skips YAML
SOURCES = ("article", "safety-net")
STRETCH_STEP_KEY = "step.{step}.{stretch}"
# The situations the conversation recognises itself; the protocol says which sign each raises.
SITUATIONS = ("emergency_said", "unknown_symptom", "medicine_named", "medicine_is_new",
              "pain_after_steps")
# A counted hold's spoken count, measured the way it is heard: its pauses plus about this long per
# spoken cue ("Five."), must come within this share of the hold it counts.
CUE_SECONDS = 0.6
COUNT_TOLERANCE = 0.15


class ProtocolError(Exception):
    """A protocol that cannot be used, naming the file, line and key that are wrong."""


@dataclass(frozen=True, slots=True)
class Step:
    id: str
    hold: int  # seconds to hold; 0: nothing to time
    counted: bool  # counted out loud without being asked
    icon: str
    by_muscle: bool  # the words depend on the muscle (step.<id>.<stretch>)
    ends_session: bool  # untimed: the session ends, with the phrase that brings the person back
    ruled_out_by: frozenset[str]
    expected: frozenset[str]  # signs this step itself can cause: not alarms once it was given


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    covers: tuple[str, ...]  # a yes or an unsure answer raises covers[0]
    yes_from: frozenset[str] = frozenset()  # signs that, reported while it is asked, are a yes


@dataclass(frozen=True, slots=True)
class Sign:
    id: str
    disposition: str
    source: str


@dataclass(frozen=True, slots=True)
class Muscle:
    """What a MuscleType value means: a stretch group, a sign, or a place outside our scope."""

    stretch: str | None = None
    sign: str | None = None
    outside: bool = False
    in_pregnancy: str | None = None  # the sign it raises when the person is pregnant
    offer_others: bool = False


@dataclass(frozen=True)  # no slots: what is derived from the protocol is cached on it
class Protocol:
    source: str
    dispositions: tuple[str, ...]  # highest first
    ends_session: frozenset[str]
    steps: tuple[Step, ...]
    questions: tuple[Question, ...]
    signs: Mapping[str, Sign]
    situations: Mapping[str, str]  # a situation of SITUATIONS -> sign
    symptoms: Mapping[str, str]  # SymptomType value -> sign
    normal_findings: Mapping[str, str]  # NormalFindingType value -> SymptomType value ruled out
    muscles: Mapping[str, Muscle]  # MuscleType value -> meaning
    unnamed_muscle: Muscle
    unknown_muscle: Muscle
    screen_words: Mapping[str, tuple[str, ...]]  # sign -> words screened in raw slot values
    lack_words: tuple[str, ...]  # words that open a sign said as a lack ("can't walk")
    easing_words: frozenset[str]  # whole answers in a sign's slot that mean it is easing
    elsewhere_words: frozenset[str]  # whole answers in a sign's slot not about the leg ("a cold")
    statement_words: tuple[str, ...]  # words that open a sign said as a statement ("it's worse")
    data: Mapping[str, Any]  # the checked file, for the compiled copy

    @property
    def lowest(self) -> str:
        return self.dispositions[-1]

    def rank(self, disposition: str) -> int:
        """Higher is more serious."""
        return len(self.dispositions) - self.dispositions.index(disposition)

    def disposition(self, signs: Iterable[str]) -> str:
        """The highest disposition of `signs` (the lowest one when there are none)."""
        found = [self.signs[s].disposition for s in signs if s in self.signs]
        return max(found, key=self.rank, default=self.lowest)

    def most_serious(self, signs: Iterable[str]) -> str | None:
        """The sign among `signs` with the highest disposition (None for none)."""
        return max(signs, key=lambda s: self.rank(self.signs[s].disposition), default=None)

    def stretches(self) -> frozenset[str]:
        return self._stretches

    @cached_property
    def _stretches(self) -> frozenset[str]:
        every = (*self.muscles.values(), self.unnamed_muscle, self.unknown_muscle)
        return frozenset(m.stretch for m in every if m.stretch)

    def screen(self, heard: str) -> str | None:
        """The sign that words Alexa could not resolve point to, if any (most serious first)."""
        words = " " + " ".join(heard.lower().replace("'", " ").split()) + " "
        hits = [sign for sign, needles in self.screen_words.items()
                if any(f" {needle} " in words for needle in needles)]
        return self.most_serious(hits)

    def said_as_lack(self, named: str) -> bool:
        """Whether a sign is named as a lack ("can't walk", "no feeling"): denied with a "no",
        it is confirmed ("no, can't walk")."""
        words = _folded(named)
        return any(words == w or words.startswith(w + " ") for w in self.lack_words)

    def said_as_statement(self, named: str) -> bool:
        """Whether a sign is named as a statement with no negation in it ("it's getting worse"):
        denied with a "no", it is confirmed ("no, it's getting worse")."""
        words = _folded(named)
        negated = any(w in ("not", "no", "never") or w.endswith("n't") for w in words.split())
        return not negated and any(words.startswith(w + " ") for w in self.statement_words)

    def said_as_easing(self, said: str) -> bool:
        """Whether the words in a sign's slot are, whole, the cramp easing ("a bit easier")."""
        return _folded(said) in self.easing_words

    def said_of_elsewhere(self, said: str) -> bool:
        """Whether the words in a sign's slot are, whole, about something other than the leg:
        another illness ("a cold") or the room ("freezing in here")."""
        return _folded(said) in self.elsewhere_words

    def keys(self) -> Mapping[str, frozenset[str]]:
        """Every content key the protocol needs spoken or shown (no placeholders)."""
        return self._keys

    @cached_property
    def _keys(self) -> Mapping[str, frozenset[str]]:
        names = [f"advice.{d}" for d in self.dispositions]
        names += [f"reminder.{d}" for d in self.dispositions]
        for step in self.steps:
            names.append(f"screen.title.{step.id}")
            if step.by_muscle:
                for stretch in sorted(self.stretches()):
                    names.append(STRETCH_STEP_KEY.format(step=step.id, stretch=stretch))
                    names.append(f"screen.{step.id}.{stretch}")
            else:
                names += [f"step.{step.id}", f"screen.{step.id}"]
            if step.hold:
                names += [f"count.{step.id}", f"done.{step.id}"]
            names += [f"expected.{sign}" for sign in step.expected]
        names += [f"question.{q.id}" for q in self.questions]
        names += [f"sign.{s}" for s in self.signs]
        keys = dict.fromkeys(names, frozenset())
        for step in self.steps:
            if step.ends_session:  # "... ask Cramp Coach for step {next}"
                keys[f"comeback.{step.id}"] = frozenset({"next"})
        return keys

    def check_content(self, catalog: Catalog) -> None:
        """ContentError unless the responses say everything this protocol needs, and every
        counted hold's spoken count lasts as long as its hold."""
        from .content import ContentError, declared

        catalog.check_declared({**self.keys(), **declared()})
        for step in self.steps:
            if not step.hold:
                continue
            entry = catalog.entries[f"count.{step.id}"]
            for variant in entry.variants:
                parts = ssml.segments(variant)
                heard = sum(p.ms / 1000 if isinstance(p, ssml.Pause) else CUE_SECONDS
                            for p in parts)
                if abs(heard - step.hold) > COUNT_TOLERANCE * step.hold:
                    raise ContentError(
                        f"{entry.where}: count.{step.id} lasts about {heard:.0f}s spoken, but "
                        f"{self.source} holds step {step.id!r} for {step.hold}s")

    def compiled(self) -> str:
        return json.dumps({"source": self.source, "data": self.data}, ensure_ascii=False)


def load(path: Path | None = None) -> Protocol:
    """Parse and check a protocol file (default: PATH); ProtocolError naming the file and line."""
    path = path or PATH
    compiled = path.with_name(path.stem + COMPILED)
    if compiled.is_file():
        try:
            saved = json.loads(compiled.read_text(encoding="utf-8"))
            return _build(saved["data"], saved["source"], lambda *_: saved["source"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ProtocolError(f"{compiled}: not a compiled protocol: {exc}") from exc
    root = yamlfile.compose(path, ProtocolError)
    marks: dict[tuple[Any, ...], int] = {}
    data = _plain(root, (), marks)

    def where(*at: Any) -> str:
        for n in range(len(at), -1, -1):  # the deepest part of the path that has a line
            if at[:n] in marks:
                return f"{path}:{marks[at[:n]]}"
        return str(path)

    return _build(data, str(path), where)


@cache
def default() -> Protocol:
    """The skill's protocol, loaded once per process."""
    return load()


def _plain(node: yaml.Node, at: tuple[Any, ...], marks: dict[tuple[Any, ...], int]) -> Any:
    """Plain Python values from a YAML node, remembering the line of every key and item."""
    import yaml

    marks[at] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out = {}
        for key_node, value in node.value:
            out[key_node.value] = _plain(value, (*at, key_node.value), marks)
            marks[(*at, key_node.value)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_plain(item, (*at, i), marks) for i, item in enumerate(node.value)]
    return yaml.safe_load(yaml.serialize(node)) if node.tag != "tag:yaml.org,2002:str" \
        else node.value


def _build(data: Any, source: str, where: Callable[..., str]) -> Protocol:
    def fail(problem: str, *at: Any) -> ProtocolError:
        return ProtocolError(f"{where(*at)}: {'.'.join(map(str, at))}: {problem}")

    def mapping(value: Any, *at: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise fail("must be a mapping", *at)
        return value

    def items(value: Any, *at: Any) -> list[Any]:
        if not isinstance(value, list) or not value:
            raise fail("must be a non-empty list", *at)
        return value

    def ident(value: Any, *at: Any) -> str:
        if not isinstance(value, str) or not value.replace("_", "").isalpha() \
                or not value.islower():
            raise fail(f"{value!r} must be a lower_snake_case name", *at)
        return value

    def sign_ref(value: Any, *at: Any) -> str:
        if value not in signs:
            raise fail(f"{value!r} is not a sign in signs:", *at)
        return value

    def sign_list(value: Any, *at: Any) -> frozenset[str]:
        if not isinstance(value, list):
            raise fail("must be a list of signs", *at)
        return frozenset(sign_ref(v, *at, i) for i, v in enumerate(value))

    root = mapping(data)
    known = {"dispositions", "steps", "questions", "signs", "situations", "symptoms",
             "normal_findings", "muscles",
             "unnamed_muscle", "unknown_muscle", "screen_words", "lack_words",
             "easing_words", "elsewhere_words", "statement_words"}
    for key in root:
        if key not in known:
            raise fail(f"unknown section (expected {sorted(known)})", key)
    for key in known:
        if key not in root:
            raise fail(f"the protocol needs a {key}: section", key)

    dispositions, ends = [], set()
    for i, item in enumerate(items(root["dispositions"], "dispositions")):
        d = ident(mapping(item, "dispositions", i).get("id"), "dispositions", i)
        if d in dispositions:
            raise fail(f"disposition {d!r} is listed twice", "dispositions", i)
        dispositions.append(d)
        if item.get("ends_session") is True:
            ends.add(d)

    signs: dict[str, Sign] = {}
    for name, item in mapping(root["signs"], "signs").items():
        ident(name, "signs", name)
        item = mapping(item, "signs", name)
        if item.get("disposition") not in dispositions:
            raise fail(f"disposition {item.get('disposition')!r} is not one of {dispositions}",
                       "signs", name)
        if item.get("source") not in SOURCES:
            raise fail(f"source must be one of {SOURCES}", "signs", name)
        signs[name] = Sign(name, item["disposition"], item["source"])

    steps, seen = [], set()
    for i, item in enumerate(items(root["steps"], "steps")):
        item = mapping(item, "steps", i)
        sid = ident(item.get("id"), "steps", i)
        hold = item.get("hold")
        if sid in seen:
            raise fail(f"step {sid!r} is listed twice", "steps", i)
        if not isinstance(hold, int) or isinstance(hold, bool) or not 0 <= hold <= 120:
            raise fail("hold must be whole seconds from 0 to 120", "steps", i, "hold")
        if item.get("counted") and not hold:
            raise fail("a counted step needs a hold", "steps", i, "counted")
        if item.get("ends_session") and hold:
            raise fail("a timed step is counted, not left to the person", "steps", i,
                       "ends_session")
        if item.get("icon") not in ICONS:
            raise fail(f"icon must be one the screen draws: {ICONS}", "steps", i, "icon")
        seen.add(sid)
        steps.append(Step(sid, hold, item.get("counted") is True, item["icon"],
                          item.get("by_muscle") is True, item.get("ends_session") is True,
                          sign_list(item.get("ruled_out_by", []), "steps", i, "ruled_out_by"),
                          sign_list(item.get("expected", []), "steps", i, "expected")))

    questions = []
    for i, item in enumerate(items(root["questions"], "questions")):
        item = mapping(item, "questions", i)
        covers = tuple(sign_ref(c, "questions", i, "covers", n)
                       for n, c in enumerate(items(item.get("covers"), "questions", i, "covers")))
        yes_from = sign_list(item.get("yes_from", []), "questions", i, "yes_from")
        questions.append(Question(ident(item.get("id"), "questions", i), covers, yes_from))

    symptoms = {str(v): sign_ref(s, "symptoms", v)
                for v, s in mapping(root["symptoms"], "symptoms").items()}
    normal_findings = {}
    for v, ruled_out in mapping(root["normal_findings"], "normal_findings").items():
        if ruled_out not in symptoms:
            raise fail(f"{ruled_out!r} is not a value in symptoms:", "normal_findings", v)
        normal_findings[str(v)] = str(ruled_out)
    situations = {str(k): sign_ref(s, "situations", k)
                  for k, s in mapping(root["situations"], "situations").items()}
    for name in SITUATIONS:
        if name not in situations:
            raise fail(f"the conversation needs the sign for {name!r}", "situations")

    def muscle(item: Any, *at: Any) -> Muscle:
        item = mapping(item, *at)
        meaning = Muscle(item.get("stretch"), item.get("sign"), item.get("outside") is True,
                         item.get("in_pregnancy"), item.get("offer_others") is True)
        if sum((meaning.stretch is not None, meaning.sign is not None, meaning.outside)) != 1:
            raise fail("needs exactly one of stretch, sign, outside", *at)
        if meaning.stretch is not None:
            ident(meaning.stretch, *at, "stretch")
        for key in ("sign", "in_pregnancy"):
            if item.get(key) is not None:
                sign_ref(item[key], *at, key)
        return meaning

    muscles = {str(v): muscle(m, "muscles", v)
               for v, m in mapping(root["muscles"], "muscles").items()}

    def word_list(value: Any, *at: Any) -> tuple[str, ...]:
        if not all(isinstance(w, str) and w.strip() for w in items(value, *at)):
            raise fail("must be a list of words", *at)
        return tuple(" ".join(w.lower().split()) for w in value)

    screen_words = {}
    for name, needles in mapping(root["screen_words"], "screen_words").items():
        sign_ref(name, "screen_words", name)
        screen_words[name] = word_list(needles, "screen_words", name)
    lack_words = word_list(root["lack_words"], "lack_words")
    easing_words = frozenset(word_list(root["easing_words"], "easing_words"))
    elsewhere_words = frozenset(word_list(root["elsewhere_words"], "elsewhere_words"))
    statement_words = word_list(root["statement_words"], "statement_words")

    protocol = Protocol(source, tuple(dispositions), frozenset(ends), tuple(steps),
                        tuple(questions), signs, situations, symptoms, normal_findings, muscles,
                        muscle(root["unnamed_muscle"], "unnamed_muscle"),
                        muscle(root["unknown_muscle"], "unknown_muscle"), screen_words,
                        lack_words, easing_words, elsewhere_words, statement_words, data)
    reachable = {*symptoms.values(), *screen_words, *situations.values(),
                 *(c for q in questions for c in q.covers[:1]),
                 *(m.sign for m in muscles.values() if m.sign),
                 *(m.in_pregnancy for m in muscles.values() if m.in_pregnancy)}
    for name in signs:
        if name not in reachable:
            raise fail("no slot value, question, muscle or situation raises this sign",
                       "signs", name)
    return protocol


def _folded(said: str) -> str:
    """Words as heard, compared the way the protocol lists them: lower case, single spaces, a
    curly apostrophe as a straight one."""
    return " ".join(said.lower().replace("\u2019", "'").split())
