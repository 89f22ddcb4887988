"""The conversation: where the person is in the steps, which question is pending, what to say next.

Plain Python, no SDK: every event is a function (State, Slots) -> Reply. The handlers in builder.py
route requests to these functions; content.py turns the Lines of a Reply into speech.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import NamedTuple

from .content import Line, line

Slots = Mapping[str, str | None]


@dataclass(frozen=True, slots=True)
class State:
    """What the conversation remembers between turns (it rides in Alexa's session attributes)."""

    muscle: str | None = None  # which stretch the steps use (None: the calf's, others offered)
    step: int | None = None  # the relief step last spoken, or None when not guiding
    paused: bool = False
    pending: str | None = None  # the yes/no question waiting for an answer (a key of QUESTIONS)
    question: int = 0  # which red-flag question, while pending == "redflag"
    counting: bool = False  # the current step's hold is being counted out loud
    disclaimed: bool = False  # the "not a clinician" notice has been given this session
    last: tuple[Line, ...] = ()  # what was last said, for Repeat
    turn: int = 0  # counts requests; picks among phrasing variants


@dataclass(frozen=True, slots=True)
class Reply:
    """What to say, what to say if the person is silent, and whether the session ends."""

    state: State
    speech: tuple[Line, ...]
    reprompt: tuple[Line, ...] = ()
    end: bool = False
    shows: int | None = None  # the relief step to put on a screen, if the device has one


Event = Callable[[State, Slots], Reply]

# ---- what can be said (keys of responses/<locale>.yaml) -------------------------------------

WELCOME = line("welcome")
WELCOME_REPROMPT = line("welcome_reprompt")
DISCLAIMER = line("disclaimer")
MENU = line("menu")
MENU_REPROMPT = line("menu_reprompt")

STRETCH = {
    group: line(f"relief.stretch.{group}")
    for group in ("calf", "hamstring", "quadriceps", "thigh", "shin", "foot", "other")
}
# Canonical MuscleType values -> the stretch that fits.
MUSCLE_STRETCH = {
    "calf": "calf", "leg": "calf", "hamstring": "hamstring", "quadriceps": "quadriceps",
    "thigh": "thigh", "shin": "shin", "foot": "foot", "toes": "foot",
}


class Step(NamedTuple):
    """One relief step: what it is, what to say, and the hold to count (0: nothing to time)."""

    kind: str  # stretch | massage | heat | walk (also its icon on a screen)
    speech: Line | None  # None: the stretch that fits the muscle
    hold: int
    count: Line | None  # the spoken count for the hold


STEPS = (
    Step("stretch", None, 30, line("timer.count_thirty")),
    Step("massage", line("relief.massage"), 60, line("timer.count_sixty")),
    Step("heat", line("relief.heat"), 0, None),
    Step("walk", line("relief.walk"), 0, None),
)
LAST_STEP = len(STEPS) - 1
# The first stretch is counted without being asked: that is when pain is worst and time
# hardest to judge. Later holds are counted on request ("count for me").
COUNTED_BY_DEFAULT = {0}
COUNT_START = line("timer.start")
RELEASE = line("timer.release")
EASING_REPROMPT = line("timer.easing_reprompt")
EASING = line("timer.easing")
NOTHING_TO_COUNT = line("timer.nothing_to_count")
OTHER_MUSCLE = line("relief.other_muscle")
READY_NEXT = line("relief.ready_next")
READY_NEXT_REPROMPT = line("relief.ready_next_reprompt")
FIRST_STEP = line("relief.first_step")
RESTART = line("relief.restart")
RESUMING = line("relief.resume", "number")
REPEAT_STEP = line("relief.repeat_step", "number")
WAITING = line("relief.waiting")
WAITING_REPROMPT = line("relief.waiting_reprompt")
STILL_CRAMPING = line("relief.still_cramping")
NONE_ACTIVE = line("relief.none_active")
STEPS_DONE = line("relief.steps_done")
BETTER_NOW = line("relief.better_now")
BETTER_NOW_REPROMPT = line("relief.better_now_reprompt")
PAUSED = line("relief.paused")
PAUSED_REPROMPT = line("relief.paused_reprompt")
NOTHING_TO_PAUSE = line("relief.nothing_to_pause")
NOTHING_TO_RESUME = line("relief.nothing_to_resume")
STEP_HELP = line("relief.step_help", "number", "total")

GONE = line("gone")
OFFER_PREVENTION = line("offer_prevention")
OFFER_PREVENTION_REPROMPT = line("offer_prevention_reprompt")

CAUSES = line("causes.overview")
OFFER_DETAILS = line("causes.offer_details")
OFFER_DETAILS_REPROMPT = line("causes.offer_details_reprompt")
CAUSE_DETAILS = line("causes.details")
MEDICATION_NOTE = line("causes.medication_note")
OFFER_WHEN = line("causes.offer_when")
OFFER_WHEN_REPROMPT = line("causes.offer_when_reprompt")
WHEN_COMMON = line("causes.when")

PREVENTION = line("prevention.tips")
OFFER_CHECKS = line("offer_checks")
OFFER_CHECKS_REPROMPT = line("offer_checks_reprompt")

CHECKS_INTRO = line("redflag.intro")
ANSWER_YES_NO = line("redflag.answer_yes_no")
UNCLEAR = line("redflag.unclear")
ALL_CLEAR = line("redflag.all_clear")
BACK_TO_QUESTION = line("redflag.back_to_question")


class RedFlag(NamedTuple):
    """One of the article's reasons to visit urgent care, asked as a yes/no question."""

    question: Line
    reason: Line


def _reason(name: str) -> Line:
    return line(f"urgent.reason.{name}")


REDFLAGS = (
    RedFlag(line("redflag.question.swelling"), _reason("leg_signs")),
    RedFlag(line("redflag.question.nerves"), _reason("nerve_signs")),
    RedFlag(line("redflag.question.persistent"), _reason("persistent_pain")),
    RedFlag(line("redflag.question.frequent"), _reason("frequent_cramps")),
    RedFlag(line("redflag.question.medication"), _reason("new_medication")),
)
PERSISTENT = 2  # index of the "pain lasts after stretching" question
# Canonical SymptomType values -> why that symptom needs a clinician.
SYMPTOM_REASON = {
    value: _reason(value.replace(" ", "_"))
    for value in (
        "swelling", "redness", "warmth", "numbness", "tingling", "weakness",
        "persistent pain", "frequent cramps", "new medication",
    )
}
UNKNOWN_SYMPTOM = _reason("unknown")
URGENT_ADVICE = line("urgent.advice")
EMERGENCY_NET = line("urgent.emergency_net")
OFFER_CONTINUE = line("urgent.offer_continue")
OFFER_CONTINUE_REPROMPT = line("urgent.offer_continue_reprompt")

EMERGENCY = line("emergency")
ANYTHING_ELSE = line("anything_else")
ANYTHING_ELSE_REPROMPT = line("anything_else_reprompt")
WHAT_NEXT = line("what_next")
YES_NO_WITHOUT_QUESTION = line("yes_no_without_question")
HELP = line("help")
HELP_REPROMPT = line("help_reprompt")
HELP_QUESTIONS = line("help_questions")
FALLBACK = line("fallback")
FALLBACK_STEPS = line("fallback_steps")
GOODBYE = line("goodbye")
ERROR = line("error")
ERROR_REPROMPT = line("error_reprompt")


# ---- building replies --------------------------------------------------------------------------


def _reply(state: State, speech: tuple[Line, ...], **changes: object) -> Reply:
    """Reply with `speech` and move to the state `changes` describe; the reprompt follows."""
    new = replace(state, last=tuple(ln for ln in speech if ln != DISCLAIMER), **changes)
    return Reply(new, speech, reprompt_for(new))


def reprompt_for(state: State) -> tuple[Line, ...]:
    """What to say when the person has been silent, given where the conversation stands."""
    if state.paused:
        return (PAUSED_REPROMPT,)
    if state.pending == "redflag":
        return (ANSWER_YES_NO, REDFLAGS[state.question].question)
    if state.pending:
        return QUESTIONS[state.pending].reprompt
    if state.step is not None:
        return (WAITING_REPROMPT,)
    return (MENU_REPROMPT,)


def _disclaim(state: State, lines: tuple[Line, ...]) -> tuple[tuple[Line, ...], dict[str, object]]:
    """Add the once-a-session notice after the first help given (never before it)."""
    if state.disclaimed:
        return lines, {}
    return (*lines, DISCLAIMER), {"disclaimed": True}


def _step_line(muscle: str | None, step: int) -> Line:
    """What is said (and shown) for a relief step."""
    return STEPS[step].speech or STRETCH[muscle or "calf"]


def _guide(state: State, step: int, lead: tuple[Line, ...] = (), count: bool | None = None
           ) -> Reply:
    """Speak relief step `step` (counting its hold if asked), then ask how it goes."""
    if count is None:
        count = step in COUNTED_BY_DEFAULT
    counted = count and STEPS[step].count is not None
    state = replace(state, step=step, paused=False, counting=counted)
    body: tuple[Line, ...] = (*lead, _step_line(state.muscle, step))
    if step == 0 and state.muscle is None:
        body += (OTHER_MUSCLE,)
    body, disclaimed = _disclaim(state, body)
    if counted:
        body += (COUNT_START, STEPS[step].count, RELEASE)
        reply = _reply(state, body, pending="easing", **disclaimed)
    elif step == LAST_STEP:
        reply = _reply(state, (*body, STEPS_DONE, BETTER_NOW), pending="better_now", **disclaimed)
    else:
        reply = _reply(state, (*body, READY_NEXT), pending="ready_next", **disclaimed)
    return replace(reply, shows=step)


def _ask_flag(state: State, index: int, lead: tuple[Line, ...] = ()) -> Reply:
    return _reply(state, (*lead, REDFLAGS[index].question), pending="redflag", question=index)


def _urgent(state: State, reason: Line) -> Reply:
    """A warning sign came up: say so plainly, advise urgent care, keep the emergency net."""
    speech = (reason, URGENT_ADVICE, EMERGENCY_NET)
    if state.step is not None:
        return _reply(state, (*speech, OFFER_CONTINUE), pending="continue_relief", paused=False)
    return _reply(state, (*speech, ANYTHING_ELSE), pending="anything_else", paused=False)


def _menu(state: State, lead: tuple[Line, ...] = ()) -> Reply:
    return _reply(state, (*lead, MENU), pending=None, step=None, paused=False, counting=False)


def _holds_question(event: Event) -> Event:
    """While a red-flag question waits, anything that is not an answer asks it again."""

    def guarded(state: State, slots: Slots) -> Reply:
        if state.pending == "redflag":
            return _ask_flag(state, state.question, (UNCLEAR,))
        return event(state, slots)

    guarded.__name__ = event.__name__
    guarded.__doc__ = event.__doc__
    return guarded


# ---- events ------------------------------------------------------------------------------------


def launch(state: State, slots: Slots) -> Reply:
    """The skill was opened with no request: welcome, and ask whether help is needed now."""
    return _reply(State(turn=state.turn), (WELCOME,), pending="have_cramp")


def emergency(state: State, slots: Slots) -> Reply:
    """Chest pain, trouble breathing, coughing up blood: the emergency number, at once."""
    return Reply(State(turn=state.turn), (EMERGENCY,), end=True)


def symptom(state: State, slots: Slots) -> Reply:
    """A warning sign reported at any moment gets the urgent-care advice at once."""
    return _urgent(state, SYMPTOM_REASON.get(slots.get("symptom") or "", UNKNOWN_SYMPTOM))


def relief(state: State, slots: Slots) -> Reply:
    """A cramp now: the matching stretch first, within the first sentence."""
    muscle = slots.get("muscle")
    # Unnamed, or just "leg": the calf stretch (where most cramps are), and an offer of others.
    stretch = MUSCLE_STRETCH.get(muscle, "other") if muscle and muscle != "leg" else None
    return _guide(replace(state, muscle=stretch), 0)


@_holds_question
def next_step(state: State, slots: Slots) -> Reply:
    """Move on to the next relief step."""
    if state.step is None:
        return _menu(state, (NONE_ACTIVE,))
    if state.step == LAST_STEP:
        return _reply(state, (STEPS_DONE, BETTER_NOW), pending="better_now", paused=False,
                      counting=False)
    return _guide(state, state.step + 1)


@_holds_question
def previous_step(state: State, slots: Slots) -> Reply:
    """Go back one relief step."""
    if state.step is None:
        return _menu(state, (NONE_ACTIVE,))
    if state.step == 0:
        return _guide(state, 0, (FIRST_STEP,))
    return _guide(state, state.step - 1)


def repeat(state: State, slots: Slots) -> Reply:
    """Say the last thing again, keeping the place."""
    if not state.last:
        return _menu(state)
    return _reply(state, state.last)


def start_over(state: State, slots: Slots) -> Reply:
    """Start the current activity again from its beginning."""
    if state.pending == "redflag":
        return _ask_flag(state, 0, (CHECKS_INTRO,))
    if state.step is not None:
        return _guide(state, 0, (RESTART,))
    return launch(state, slots)


@_holds_question
def pause(state: State, slots: Slots) -> Reply:
    """Wait, keeping the place in the steps."""
    if state.step is None:
        return _menu(state, (NOTHING_TO_PAUSE,))
    return _reply(state, (PAUSED,), paused=True)


@_holds_question
def resume(state: State, slots: Slots) -> Reply:
    """Pick up the steps where they were left."""
    if state.step is None:
        return _menu(state, (NOTHING_TO_RESUME,))
    return _guide(state, state.step, (RESUMING(number=state.step + 1),), count=state.counting)


@_holds_question
def count(state: State, slots: Slots) -> Reply:
    """Count the current step's hold out loud ("count for me", "time it")."""
    if state.step is None:
        return _menu(state, (NONE_ACTIVE,))
    if STEPS[state.step].count is None:
        return _reply(state, (NOTHING_TO_COUNT, *reprompt_for(state)))
    return _guide(state, state.step, count=True)


def easing(state: State, slots: Slots) -> Reply:
    """After a counted hold, it is easing: on to the next step."""
    return _guide(state, min(state.step or 0, LAST_STEP - 1) + 1, (EASING,))


@_holds_question
def cramp_gone(state: State, slots: Slots) -> Reply:
    """The cramp has let go: end guidance kindly and offer prevention tips."""
    return _reply(state, (GONE, OFFER_PREVENTION), pending="prevention", step=None, paused=False,
                  counting=False)


def still_cramping(state: State, slots: Slots) -> Reply:
    """Still hurts: keep going, or after all the steps, treat it as the persistent-pain sign."""
    if state.pending == "redflag":
        if state.question == PERSISTENT:
            return _urgent(state, REDFLAGS[PERSISTENT].reason)
        return _ask_flag(state, state.question, (UNCLEAR,))
    if state.step is None:
        return relief(state, {})
    if state.pending == "better_now" or state.step == LAST_STEP:
        return _urgent(state, SYMPTOM_REASON["persistent pain"])
    return _guide(state, state.step + 1, (STILL_CRAMPING,))


def causes(state: State, slots: Slots) -> Reply:
    """What causes cramps and when they are more common; details on request."""
    if state.pending == "redflag":
        return _ask_flag(state, state.question, (CAUSES, BACK_TO_QUESTION))
    body, disclaimed = _disclaim(state, (CAUSES,))
    return _reply(state, (*body, OFFER_DETAILS), pending="more_causes", **disclaimed)


def cause_details(state: State, slots: Slots) -> Reply:
    return _reply(state, (CAUSE_DETAILS, MEDICATION_NOTE, OFFER_WHEN), pending="when_common")


def when_common(state: State, slots: Slots) -> Reply:
    return _reply(state, (WHEN_COMMON, OFFER_PREVENTION), pending="prevention")


def offer_when(state: State, slots: Slots) -> Reply:
    return _reply(state, (OFFER_WHEN,), pending="when_common")


def offer_prevention(state: State, slots: Slots) -> Reply:
    return _reply(state, (OFFER_PREVENTION,), pending="prevention")


def prevention(state: State, slots: Slots) -> Reply:
    """How to keep cramps from coming back."""
    if state.pending == "redflag":
        return _ask_flag(state, state.question, (PREVENTION, BACK_TO_QUESTION))
    body, disclaimed = _disclaim(state, (PREVENTION,))
    return _reply(state, (*body, OFFER_CHECKS), pending="checks", **disclaimed)


def checks(state: State, slots: Slots) -> Reply:
    """Start the red-flag questions, one at a time."""
    _, disclaimed = _disclaim(state, ())
    return _ask_flag(replace(state, **disclaimed), 0, (CHECKS_INTRO,))


def yes(state: State, slots: Slots) -> Reply:
    """Yes answers the pending question; any yes to a red flag means urgent care."""
    if state.pending == "redflag":
        return _urgent(state, REDFLAGS[state.question].reason)
    if state.pending in QUESTIONS:
        return QUESTIONS[state.pending].yes(state, slots)
    return _menu(state, (YES_NO_WITHOUT_QUESTION,))


def no(state: State, slots: Slots) -> Reply:
    """No answers the pending question; all red flags answered no is reassurance."""
    if state.pending == "redflag":
        if state.question + 1 < len(REDFLAGS):
            return _ask_flag(state, state.question + 1)
        return _reply(state, (ALL_CLEAR, OFFER_PREVENTION), pending="prevention")
    if state.pending in QUESTIONS:
        return QUESTIONS[state.pending].no(state, slots)
    return _menu(state, (YES_NO_WITHOUT_QUESTION,))


def help_(state: State, slots: Slots) -> Reply:
    """Help that fits where the person is, keeping their place."""
    if state.pending == "redflag":
        return _ask_flag(state, state.question, (HELP_QUESTIONS,))
    if state.step is not None:
        where = STEP_HELP(number=state.step + 1, total=len(STEPS))
        return _reply(state, (where, *reprompt_for(state)))
    return _reply(state, (HELP,), pending=None)


def fallback(state: State, slots: Slots) -> Reply:
    """Not understood: say so, and ask again for what is wanted here (never counted as a no)."""
    if state.pending == "redflag":
        return _ask_flag(state, state.question, (UNCLEAR,))
    if state.pending in QUESTIONS:
        return _reply(state, (FALLBACK, *QUESTIONS[state.pending].reprompt))
    if state.step is not None:
        return _reply(state, (FALLBACK, FALLBACK_STEPS))
    return _reply(state, (FALLBACK, MENU))


def home(state: State, slots: Slots) -> Reply:
    """Back to the start, leaving any activity."""
    return _menu(state)


def stop(state: State, slots: Slots) -> Reply:
    """Stop or cancel: a short goodbye, and the session ends."""
    return Reply(replace(state, pending=None), (GOODBYE,), end=True)


def anything_else(state: State, slots: Slots) -> Reply:
    return _reply(state, (ANYTHING_ELSE,), pending="anything_else", step=None)


def what_next(state: State, slots: Slots) -> Reply:
    return _reply(state, (WHAT_NEXT,), pending=None, step=None)


def wait(state: State, slots: Slots) -> Reply:
    return _reply(state, (WAITING,))


def continue_relief(state: State, slots: Slots) -> Reply:
    step = state.step or 0
    return _guide(state, step, (REPEAT_STEP(number=step + 1),), count=state.counting)


def persistent_pain(state: State, slots: Slots) -> Reply:
    return _urgent(state, SYMPTOM_REASON["persistent pain"])


def error(state: State) -> Reply:
    """Something failed on our side: apologise, give the first instruction, keep the place."""
    return Reply(state, (ERROR,), (ERROR_REPROMPT,))


class Question(NamedTuple):
    """A yes/no question the skill can leave pending, and what each answer does."""

    reprompt: tuple[Line, ...]
    yes: Event
    no: Event


# The yes/no questions (red flags aside): pending name -> reprompt, on yes, on no.
QUESTIONS: dict[str, Question] = {
    "have_cramp": Question((WELCOME_REPROMPT,), relief, home),
    "ready_next": Question((READY_NEXT_REPROMPT,), next_step, wait),
    "easing": Question((EASING_REPROMPT,), easing, still_cramping),
    "better_now": Question((BETTER_NOW_REPROMPT,), cramp_gone, persistent_pain),
    "more_causes": Question((OFFER_DETAILS_REPROMPT,), cause_details, offer_when),
    "when_common": Question((OFFER_WHEN_REPROMPT,), when_common, offer_prevention),
    "prevention": Question((OFFER_PREVENTION_REPROMPT,), prevention, anything_else),
    "checks": Question((OFFER_CHECKS_REPROMPT,), checks, anything_else),
    "continue_relief": Question((OFFER_CONTINUE_REPROMPT,), continue_relief, anything_else),
    "anything_else": Question((ANYTHING_ELSE_REPROMPT,), what_next, stop),
}
