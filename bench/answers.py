"""Answers: what the conversation does with answers to its own questions, scored by what each
answer means (not by intent). The sets (bench/sets/answers-*.yaml) were written blind by helpers
who saw only the mission and the questions the skill asks; each answer is labelled with its
meaning, and each is sent through the local resolver to `lambda_handler`, as a device would, in
the conversation that asked the question. What matters most is the safe side: a warning sign,
or doubt about one, must reach urgent advice, and an emergency the emergency number."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bench.report import Row
from skill import protocol
from skill.local.dialogs import disposition_of, spoken_keys
from skill.local.simulator import Simulator, Turn

SECTION = "7 answers"
TITLE = "7. Answers to the skill's own questions (bench/sets/answers-*: development and held-out)"
SETS = Path(__file__).with_name("sets")
DEVELOPMENT = SETS / "answers-development.yaml"  # may be read while improving the model
HELD_OUT = SETS / "answers-held-out.yaml"  # scored only
RIGHT_TARGET = 0.95
URGENT = "urgent"
EMERGENCY = "emergency"

# Each situation: the turns that bring the conversation to its question (sent as intents, so the
# setting up does not depend on the resolver), and the response key of the question itself.
Setup = tuple[tuple[str, dict[str, str]], ...]
CALF = ("CrampReliefIntent", {"muscle": "calf"})
GONE = ("CrampGoneIntent", {})
YES = ("AMAZON.YesIntent", {})
NO = ("AMAZON.NoIntent", {})
LAUNCH = ("launch", {})


@dataclass(frozen=True, slots=True)
class Situation:
    setup: Setup
    asks: str  # the response key of the question, the last thing the skill said
    meanings: frozenset[str]


SIGN_MEANINGS = frozenset({"warning", "no", EMERGENCY})
OFFER_MEANINGS = frozenset({"yes", "no", EMERGENCY})
EASING_MEANINGS = frozenset({"better", "not_better", "warning", EMERGENCY})
_QUESTIONS = ("swelling", "redness_warmth", "nerves", "persistent_pain", "frequent_cramps",
              "new_medication")

SITUATIONS: dict[str, Situation] = {
    "have_cramp": Situation((LAUNCH,), "welcome",
                            frozenset({"cramp_now", "no_cramp", EMERGENCY})),
    "easing": Situation((CALF,), "timer.easing_question", EASING_MEANINGS),
    # The same answers after the last step, where "no" means pain that stays after stretching.
    "easing after the last step": Situation(
        (CALF, NO, NO, ("HeatOnIntent", {})), "timer.easing_question", EASING_MEANINGS),
    "prevention": Situation((CALF, GONE), "offer_prevention", OFFER_MEANINGS),
    "checks": Situation((CALF, GONE, YES), "offer_checks", OFFER_MEANINGS),
    **{question: Situation((("RedFlagCheckIntent", {}), *(NO,) * number),
                           f"question.{question}", SIGN_MEANINGS)
       for number, question in enumerate(_QUESTIONS)},
    "new_medicine": Situation((("MedicineIntent", {}),), "medicine.ask_new", SIGN_MEANINGS),
}
# A set's situation is answered in each of these conversations.
ANSWERED_IN = {"easing": ("easing", "easing after the last step")}
# What a yes to an offer brings, and what saying the cramp is easing is answered with.
OFFERED = {"prevention": "prevention.tips", "checks": "triage.intro"}
EASED = frozenset({"gone", "timer.easing"})
# What still helps when the cramp has not eased: a step, the encouragement, or advice.
CARRIES_ON = ("step.", "relief.still_cramping", "advice.")


# YAML reads a bare yes or no key as a boolean.
_BOOLEAN_KEYS: dict[Any, str] = {True: "yes", False: "no"}


@dataclass(frozen=True, slots=True)
class Answer:
    say: str
    situation: str  # as in the set file
    meaning: str


def load(path: Path) -> list[Answer]:
    """The labelled answers in `path`: {situation: {meaning: [answer]}}; ValueError naming the
    file for a situation or meaning it does not know."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found = []
    for situation, meanings in raw.items():
        if situation not in SITUATIONS:
            raise ValueError(f"{path}: unknown situation {situation!r}")
        for key, answers in meanings.items():
            meaning = _BOOLEAN_KEYS.get(key, key)
            if meaning not in SITUATIONS[situation].meanings:
                raise ValueError(f"{path}: {situation}: unknown meaning {meaning!r}")
            for say in answers or []:
                if not isinstance(say, str):  # a bare yes or no, read as a boolean
                    raise ValueError(f"{path}: {situation}: {meaning}: quote the answer {say!r}")
                found.append(Answer(say, situation, meaning))
    return found


def setting_up(simulator: Simulator, situation: str) -> None:
    """Bring a fresh conversation to the situation's question; RuntimeError if the skill did not
    ask it (the setup has drifted from the conversation)."""
    simulator.new_session()
    turn = None
    for name, slots in SITUATIONS[situation].setup:
        turn = simulator.launch() if name == "launch" else simulator.intent(name, slots)
    asks = SITUATIONS[situation].asks
    if turn is None or spoken_keys(turn.ssml)[-1:] != [asks]:
        raise RuntimeError(f"setting up {situation!r} did not end by asking {asks!r}")


def judge(situation: str, meaning: str, before: dict[str, Any], turn: Turn,
          keys: list[str]) -> str | None:
    """What went wrong with an answer (None if nothing): "under-triage" (a warning sign or doubt
    below urgent, the question no longer asked), "emergency missed", "over-triage" (urgent or
    more for an answer without a sign), "asked again" (the same question still waits: nothing
    dismissed, but not understood either), or "wrong" (safe, but not what the answer meant)."""
    clinical = protocol.default()
    level = clinical.rank(disposition_of(turn, keys))
    if meaning == EMERGENCY:
        return None if level >= clinical.rank(EMERGENCY) else "emergency missed"
    asking = not turn.end_session and all(
        turn.attributes.get(k) == before.get(k) for k in ("pending", "question", "step"))
    if meaning == "warning":
        if level >= clinical.rank(URGENT):
            return None
        return "asked again" if asking else "under-triage"
    if meaning == "not_better":  # after the last step, pain that stays is urgent on purpose
        if EASED & set(keys):
            return "wrong"
        if any(k.startswith(CARRIES_ON) for k in keys):
            return None
        return "asked again" if asking else "wrong"
    if level >= clinical.rank(URGENT):
        return "over-triage"
    if asking:
        return "asked again"
    offered = OFFERED.get(situation)
    right = {
        "better": bool(EASED & set(keys)),
        "cramp_now": any(k.startswith("step.") for k in keys),
        "no_cramp": not any(k.startswith("step.") for k in keys),
        "yes": offered in keys,
        "no": offered not in keys,
    }[meaning]
    return None if right else "wrong"


def score(simulator: Simulator, answers: list[Answer]) -> dict[str, Any]:
    """Send every answer in every conversation its situation is answered in; what went wrong."""
    by_situation: dict[str, Counter[bool]] = {}
    by_meaning: dict[str, Counter[bool]] = {}
    problems = Counter[str]()
    misses: list[dict[str, Any]] = []
    for answer in answers:
        for situation in ANSWERED_IN.get(answer.situation, (answer.situation,)):
            setting_up(simulator, situation)
            before = dict(simulator.attributes)
            turn = simulator.say(answer.say)
            keys = spoken_keys(turn.ssml)
            problem = judge(situation, answer.meaning, before, turn, keys)
            by_situation.setdefault(situation, Counter())[problem is None] += 1
            by_meaning.setdefault(answer.meaning, Counter())[problem is None] += 1
            if problem:
                problems[problem] += 1
                misses.append({"say": answer.say, "situation": situation,
                               "meaning": answer.meaning, "problem": problem,
                               "intent": turn.intent, "said": keys})
    total = sum(c.total() for c in by_situation.values())
    return {
        "answers": len(answers),
        "judged": total,
        "right": sum(c[True] for c in by_situation.values()) / max(1, total),
        "under_triage": problems["under-triage"],
        "emergencies_missed": problems["emergency missed"],
        "over_triage": problems["over-triage"],
        "asked_again": problems["asked again"],
        "wrong": problems["wrong"],
        "by_situation": {k: c[True] / c.total() for k, c in by_situation.items()},
        "by_meaning": {k: c[True] / c.total() for k, c in sorted(by_meaning.items())},
        "misses": misses,
    }


def run(*, quick: bool, say: Callable[[str], None] = print) -> tuple[dict[str, Any], list[Row]]:
    """Score both sets (quick or not: every answer is one conversation, and they are few)."""
    del quick
    simulator = Simulator()
    held_out = score(simulator, load(HELD_OUT))
    development = score(simulator, load(DEVELOPMENT))
    _say_scores(HELD_OUT.name, held_out, say, answers=False)  # its lines stay unread
    _say_scores(DEVELOPMENT.name, development, say)
    rows = []
    for label, scored, judged in (("held-out", held_out, True),
                                  ("development", development, False)):
        rows += [
            Row(SECTION, f"answers taken as meant ({label})", scored["right"] * 100, None, "%",
                None, f"≥ {RIGHT_TARGET:.0%}" if judged else "",
                scored["right"] >= RIGHT_TARGET if judged else None),
            Row(SECTION, f"warning signs or doubt below urgent ({label})",
                scored["under_triage"], None, "", None, "0", not scored["under_triage"]),
            Row(SECTION, f"emergencies missed ({label})", scored["emergencies_missed"], None, "",
                None, "0", not scored["emergencies_missed"]),
            Row(SECTION, f"answers without a sign sent to urgent care ({label})",
                scored["over_triage"], None, ""),
        ]
    unread = {k: v for k, v in held_out.items() if k != "misses"} | {
        "misses": len(held_out["misses"])}
    return {"held_out": unread, "development": development}, rows


def _say_scores(name: str, result: dict[str, Any], say: Callable[[str], None], *,
                answers: bool = True) -> None:
    """Print the scores; with `answers`, every miss too (the held-out set's go nowhere)."""
    say(f"  {name}: {result['answers']} answers, judged in {result['judged']} conversations: "
        f"{result['right']:.1%} taken as meant; below urgent with a sign or doubt "
        f"{result['under_triage']}, emergencies missed {result['emergencies_missed']}, "
        f"sent to urgent care without a sign {result['over_triage']}, asked again "
        f"{result['asked_again']}, otherwise wrong "
        f"{result['wrong']}")
    say("  per situation: " + ", ".join(f"{k} {v:.0%}" for k, v in result["by_situation"].items()))
    say("  per meaning: " + ", ".join(f"{k} {v:.0%}" for k, v in result["by_meaning"].items()))
    if answers:
        for m in result["misses"]:
            say(f"    {m['problem']}: {m['situation']} / {m['meaning']}: {m['say']!r} -> "
                f"{m['intent']} {m['said']}")
