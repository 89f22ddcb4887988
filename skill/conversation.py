"""The conversation: where the person is in the steps, which question is pending, what to say next.

Plain Python, no SDK: every event is a function (State, Slots) -> Reply. The handlers in builder.py
route requests to these functions; content.py turns the Lines of a Reply into speech. The clinical
protocol (steps, warning-sign questions, signs, dispositions) is data in responses/protocol.yaml:
this module only walks it, by the rules telephone triage lives by: an unclear answer is never the
reassuring one, a warning once given sticks for the session, and every ending carries a safety net.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import NamedTuple

from . import protocol
from .content import Line, line

Slots = Mapping[str, str | None]
PRESENT = "present"  # SymptomDeniedIntent's second sign: "not swollen, but {present}"
ALSO = "also"  # a second sign said with the first: "numb and {also}", "no swelling or {also}"
NORMAL = "normal"  # SymptomDeniedIntent's sign said as its healthy opposite: "I {normal} fine"
HEARD = ".heard"  # slot name + HEARD: the words heard, where Alexa resolved them to another value


@dataclass(frozen=True, slots=True)
class State:
    """What the conversation remembers between turns (it rides in Alexa's session attributes)."""

    muscle: str | None = None  # the stretch group the steps use
    step: int | None = None  # the relief step last spoken, or None when not guiding
    furthest: int = -1  # the furthest step given this session (its effects are expected)
    pending: str | None = None  # the question waiting for an answer (a key of QUESTIONS)
    question: int = 0  # which warning-sign question, while pending == "redflag"
    unclear: int = 0  # answers to that question that were neither yes, no nor unsure
    counting: bool = False  # the current step's hold is being counted out loud
    signs: tuple[str, ...] = ()  # warning signs raised this session: they stick
    denied: tuple[str, ...] = ()  # signs said not to be there: their questions are not asked
    pregnant: bool = False
    offered: tuple[str, ...] = ()  # offers made or topics given this session: never twice
    disclaimed: bool = False  # the "not a clinician" notice has been given this session
    last: tuple[Line, ...] = ()  # what was last said, for Repeat
    variant: int = 0  # picks among phrasing variants; one more each request (stored as "turn")
    restarted: bool = False  # the session's attributes were of another shape: start afresh


@dataclass(frozen=True, slots=True)
class Reply:
    """What to say, what to say if the person is silent, and whether the session ends."""

    state: State
    speech: tuple[Line, ...]
    reprompt: tuple[Line, ...] = ()
    end: bool = False
    shows: int | None = None  # the relief step to put on a screen, if the device has one


Event = Callable[[State, Slots], Reply]

# ---- what can be said (keys of responses/<locale>.yaml; the protocol's own keys are built
# from its ids: step.*, count.*, question.*, sign.*, advice.*, reminder.*, expected.*) ---------

WELCOME = line("welcome")
WELCOME_REPROMPT = line("welcome_reprompt")
DISCLAIMER = line("disclaimer")
MENU = line("menu")
MENU_REPROMPT = line("menu_reprompt")

COUNT_START = line("timer.start")
EASING_QUESTION = line("timer.easing_question")
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
SKIPPED = line("relief.skipped")
NONE_SAFE = line("relief.none_safe")
WAITING = line("relief.waiting")
WAITING_REPROMPT = line("relief.waiting_reprompt")
STILL_CRAMPING = line("relief.still_cramping")
STEPS_DONE = line("relief.steps_done")
BETTER_NOW = line("relief.better_now")
BETTER_NOW_REPROMPT = line("relief.better_now_reprompt")
PAUSED = line("relief.paused", "number")
STOPPED = line("relief.stopped")
NOTHING_TO_PAUSE = line("relief.nothing_to_pause")
WHERE_WERE_YOU = line("relief.where_were_you")
WHERE_WERE_YOU_REPROMPT = line("relief.where_were_you_reprompt")
NO_SUCH_STEP = line("relief.no_such_step", "total")
QUESTIONS_LATER = line("relief.questions_later")
STEP_HELP = line("relief.step_help", "number", "total")
OUTSIDE = line("scope.outside")
PREGNANCY_NOTE = line("scope.pregnancy")
HAVE_CRAMP = line("scope.have_cramp")

GONE = line("gone")
GONE_MID_QUESTIONS = line("gone_mid_questions")
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

CHECKS_INTRO = line("triage.intro", "count")
UNDER_WAY = line("triage.under_way")
ALREADY_ADVISED = line("triage.already_advised")
ANSWER_YES_NO = line("triage.answer_yes_no")
UNCLEAR = line("triage.unclear")
CANT_TELL = line("triage.cant_tell")
UNSURE = line("triage.unsure")
NOTED = line("triage.noted")
ALL_CLEAR = line("triage.all_clear")
QUESTIONS_DONE = line("triage.questions_done")
BACK_TO_QUESTION = line("triage.back_to_question")
HELP_QUESTIONS = line("triage.help")
EMERGENCY_NET = line("emergency_net")
SAFETY_NET = line("safety_net")
OFFER_CONTINUE = line("offer_continue")
OFFER_CONTINUE_REPROMPT = line("offer_continue_reprompt")
ASK_NEW_MEDICINE = line("medicine.ask_new")
ASK_NEW_MEDICINE_REPROMPT = line("medicine.ask_new_reprompt")

ANYTHING_ELSE = line("anything_else")
ANYTHING_ELSE_REPROMPT = line("anything_else_reprompt")
WHAT_NEXT = line("what_next")
YES_NO_WITHOUT_QUESTION = line("yes_no_without_question")
HELP = line("help")
HELP_REPROMPT = line("help_reprompt")
FALLBACK = line("fallback")
FALLBACK_STEPS = line("fallback_steps")
GOODBYE = line("goodbye")
ERROR = line("error")
LOST_PLACE = line("lost_place")
ERROR_REPROMPT = line("error_reprompt")

# Unclear answers to one warning-sign question before it is taken as unsure (never as no).
UNCLEAR_LIMIT = 2


def _protocol() -> protocol.Protocol:
    return protocol.default()


def advice(disposition: str) -> Line:
    return Line(f"advice.{disposition}")


def reminder(disposition: str) -> Line:
    return Line(f"reminder.{disposition}")


def disposition(state: State) -> str:
    """Where the conversation stands: the highest disposition of the signs raised so far."""
    return _protocol().disposition(state.signs)


# ---- building replies --------------------------------------------------------------------------


def _reply(state: State, speech: tuple[Line, ...], **changes: object) -> Reply:
    """Reply with `speech` and move to the state `changes` describe; the reprompt follows."""
    new = replace(state, last=tuple(ln for ln in speech if ln != DISCLAIMER), **changes)
    return Reply(new, speech, reprompt_for(new))


def reprompt_for(state: State) -> tuple[Line, ...]:
    """What to say when the person has been silent, given where the conversation stands."""
    if state.pending == "redflag":
        return (ANSWER_YES_NO, _question_line(state.question))
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


def _allowed(state: State, index: int) -> bool:
    """Whether relief step `index` is still safe, given the signs raised."""
    return not _protocol().steps[index].ruled_out_by.intersection(state.signs)


def _next_allowed(state: State, start: int) -> int | None:
    steps = _protocol().steps
    return next((i for i in range(max(start, 0), len(steps)) if _allowed(state, i)), None)


def _step_line(state: State, index: int) -> Line:
    """What is said for a relief step (the stretch that fits the muscle, for the first)."""
    step = _protocol().steps[index]
    if step.by_muscle:
        stretch = state.muscle or _protocol().unnamed_muscle.stretch
        return Line(protocol.STRETCH_STEP_KEY.format(step=step.id, stretch=stretch))
    return Line(f"step.{step.id}")


def _guide(state: State, index: int, lead: tuple[Line, ...] = (), count: bool | None = None,
           after: tuple[Line, ...] = ()) -> Reply:
    """Speak relief step `index` (or the next one still safe), counting its hold if asked; what
    is `after` comes once the hold is done, then the question of how it goes. A step that can't
    be timed ends the session with the phrase that brings the person back."""
    target = _next_allowed(state, index)
    if target is None:
        return _no_safe_steps(state, lead)
    if target != index:
        lead = (*lead, SKIPPED)
    step = _protocol().steps[target]
    counted = bool(step.hold) and (step.counted if count is None else count)
    state = replace(state, step=target, furthest=max(state.furthest, target), counting=counted)
    body: tuple[Line, ...] = (*lead, _step_line(state, target))
    if counted:
        body += (COUNT_START, Line(f"count.{step.id}"), Line(f"done.{step.id}"))
    body, disclaimed = _disclaim(state, (*body, *after))
    following = _next_allowed(state, target + 1)
    if step.ends_session and following is not None:
        # The session ends. A warning can't outlive it (nothing is stored), so after one the
        # person is not invited back to steps it might rule out: the advice is the last word.
        level = disposition(state)
        comeback = (Line(f"comeback.{step.id}")(next=following + 1) if level == _protocol().lowest
                    else reminder(level))
        return Reply(replace(state, pending=None, **disclaimed), (*body, comeback), end=True,
                     shows=target)
    if counted:
        reply = _reply(state, (*body, EASING_QUESTION), pending="easing", **disclaimed)
    elif following is None:
        reply = _reply(state, (*body, STEPS_DONE, BETTER_NOW), pending="better_now", **disclaimed)
    else:
        reply = _reply(state, (*body, READY_NEXT), pending="ready_next", **disclaimed)
    return replace(reply, shows=target)


def _no_safe_steps(state: State, lead: tuple[Line, ...] = ()) -> Reply:
    """No step left that is safe with the signs raised: say so, and repeat the advice."""
    speech = (*lead, NONE_SAFE, reminder(disposition(state)), ANYTHING_ELSE)
    return _reply(state, speech, pending="anything_else", step=None, counting=False)


def _steps_done(state: State, lead: tuple[Line, ...] = ()) -> Reply:
    return _reply(state, (*lead, STEPS_DONE, BETTER_NOW), pending="better_now", counting=False)


def _raise(state: State, sign: str, lead: tuple[Line, ...] = (), *, offer_steps: bool = True,
           follow: tuple[tuple[Line, ...], str] | None = None) -> Reply:
    """A warning sign came up: remember it for the session, say why it matters and what to do
    (at the highest disposition raised so far), keep the emergency net, then offer what is safe."""
    proto = _protocol()
    asking = state.pending == "redflag"
    signs = state.signs if sign in state.signs else (*state.signs, sign)
    state = replace(state, signs=signs, counting=False, unclear=0)
    level = proto.disposition(signs)
    reason = Line(f"sign.{sign}")
    if level in proto.ends_session:
        return Reply(replace(state, pending=None), (advice(level), reason), end=True)
    speech = (*lead, reason, advice(level))
    if level != proto.lowest:
        speech += (EMERGENCY_NET,)
    speech, disclaimed = _disclaim(state, speech)
    if asking and follow is None:  # mid-questions: go on while an answer could still raise it
        following = _next_question(state, state.question)
        if following is not None:
            return _ask(replace(state, **disclaimed), following, speech)
    if follow is not None:
        lines, pending = follow
        return _reply(state, (*speech, *lines), pending=pending, **disclaimed)
    if offer_steps and state.step is not None and _next_allowed(state, state.step) is not None:
        return _reply(state, (*speech, OFFER_CONTINUE), pending="continue_relief", **disclaimed)
    return _reply(state, (*speech, ANYTHING_ELSE), pending="anything_else", step=None,
                  **disclaimed)


def _screened(slots: Slots, name: str) -> str | None:
    """The most serious sign the words of a slot point to (value and words heard), if any."""
    proto = _protocol()
    found = [s for s in (proto.screen(w) for w in (slots.get(name), slots.get(name + HEARD)) if w)
             if s]
    return proto.most_serious(found)


def _symptom_sign(slots: Slots) -> str:
    """The sign a symptom slot means: its value's sign or what its words screen to, whichever is
    more serious; a symptom nothing explains is never harmless."""
    proto = _protocol()
    found = [s for s in (proto.symptoms.get(slots.get("symptom") or ""),
                         _screened(slots, "symptom")) if s]
    return proto.most_serious(found) or proto.situations["unknown_symptom"]


def _second_sign(slots: Slots, name: str) -> dict[str, str | None]:
    """A second sign slot's value and words, as the first slot's ({} when it is empty)."""
    if not (slots.get(name) or slots.get(name + HEARD)):
        return {}
    return {"symptom": slots.get(name), "symptom" + HEARD: slots.get(name + HEARD)}


def _elsewhere_said(slots: Slots) -> bool:
    """Whether a symptom slot's words, whole, are about something other than the leg ("a cold",
    however Alexa resolved it): the words as heard decide, before any value or screen word."""
    said = slots.get("symptom" + HEARD) or slots.get("symptom")
    return said is not None and _protocol().said_of_elsewhere(said)


def _easing_said(slots: Slots) -> bool:
    """Whether a symptom slot holds no sign the model lists, nothing screened, and only words
    that say the cramp is easing ("better", "a bit less")."""
    proto = _protocol()
    said = slots.get("symptom")
    return (said is not None and said not in proto.symptoms and not _screened(slots, "symptom")
            and proto.said_as_easing(said))


def _no_sign_said(slots: Slots) -> bool:
    """Whether a symptom slot holds words that are no sign: the cramp easing, or something else."""
    return _easing_said(slots) or _elsewhere_said(slots)


def _expected(state: State, sign: str) -> bool:
    """Whether a step already given can itself cause this (warmth from a heating pad)."""
    steps = _protocol().steps[: state.furthest + 1]
    return any(sign in step.expected for step in steps)


def _question_line(index: int) -> Line:
    return Line(f"question.{_protocol().questions[index].id}")


def _next_question(state: State, start: int) -> int | None:
    """The next question that could still change the advice: one whose signs are not all raised
    and whose yes would raise the disposition (once at urgent, the rest can't)."""
    proto = _protocol()
    now = proto.rank(disposition(state))
    for i in range(start, len(proto.questions)):
        covers = proto.questions[i].covers
        if set(covers) <= {*state.signs, *state.denied}:
            continue
        if proto.rank(proto.signs[covers[0]].disposition) > now:
            return i
    return None


def _ask(state: State, index: int, lead: tuple[Line, ...] = (), unclear: int = 0) -> Reply:
    return _reply(state, (*lead, _question_line(index)), pending="redflag", question=index,
                  unclear=unclear)


def _question_sign(state: State) -> str:
    return _protocol().questions[state.question].covers[0]


def _unclear(state: State) -> Reply:
    """Not an answer to the warning-sign question: ask again, and after UNCLEAR_LIMIT take it as
    unsure (so the safer advice), never as a no."""
    if state.unclear + 1 >= UNCLEAR_LIMIT:
        return _raise(state, _question_sign(state), (CANT_TELL,))
    return _ask(state, state.question, (UNCLEAR,), unclear=state.unclear + 1)


def _end_of_questions(state: State) -> Reply:
    """All questions answered: the all-clear with its safety net, or, after a warning, no
    all-clear but the advice again."""
    level = disposition(state)
    if level == _protocol().lowest:
        return _offer(_given(state, "checks"), "prevention", (ALL_CLEAR, SAFETY_NET))
    return _reply(state, (QUESTIONS_DONE, reminder(level), ANYTHING_ELSE),
                  pending="anything_else")


def _offer(state: State, name: str, lead: tuple[Line, ...] = (), **changes: object) -> Reply:
    """Offer `name` (a key of OFFERS) unless it was offered or given this session; then close
    with "anything else?" instead, so nothing is offered twice and every "no" can end."""
    if name in state.offered:
        return _reply(state, (*lead, ANYTHING_ELSE), pending="anything_else", **changes)
    return _reply(state, (*lead, OFFERS[name]), pending=name,
                  offered=(*state.offered, name), **changes)


def _given(state: State, name: str) -> State:
    """Remember that topic `name` was given, so it is not offered afterwards."""
    return state if name in state.offered else replace(state, offered=(*state.offered, name))


def _answer_to_nothing(state: State) -> Reply:
    """Yes or "not sure" with nothing asked: say so, and ask the one question such an answer
    most likely meant, so the next yes or no means something (never the same reply again)."""
    question = QUESTIONS["have_cramp"]
    return _reply(state, (YES_NO_WITHOUT_QUESTION, *question.reprompt), pending="have_cramp",
                  step=None, counting=False)


def _menu(state: State, lead: tuple[Line, ...] = ()) -> Reply:
    return _reply(state, (*lead, MENU), pending=None, step=None, counting=False)


def respond(event: Event, state: State, slots: Slots) -> Reply:
    """Run `event` for the request. While a warning-sign question waits, an event that does not
    answer or handle it (HANDLES_QUESTION) is an unclear answer: the question is asked again, then
    taken as unsure. The router calls this for every event, so no new intent can drop a question."""
    if state.pending == "redflag" and event not in HANDLES_QUESTION:
        return _unclear(state)
    reply = event(state, slots)
    if state.restarted:  # one sentence, then this request answered from a fresh start
        reply = replace(reply, speech=(LOST_PLACE, *reply.speech))
    return reply


# ---- events ------------------------------------------------------------------------------------


def launch(state: State, slots: Slots) -> Reply:
    """The skill was opened with no request: welcome, and ask whether help is needed now.
    (Within a session, from the top: what was learned about the person stays.)"""
    fresh = State(variant=state.variant, signs=state.signs, pregnant=state.pregnant,
                  disclaimed=state.disclaimed)
    return _reply(fresh, (WELCOME,), pending="have_cramp")


def emergency(state: State, slots: Slots) -> Reply:
    """Chest pain, trouble breathing, coughing up blood: the emergency number, at once."""
    return _raise(state, _protocol().situations["emergency_said"])


def symptom(state: State, slots: Slots) -> Reply:
    """A warning sign reported at any moment: the advice at once (unless a step caused it).
    An unlisted "sign" that is only easing words ("it's a bit easier") is the cramp easing; one
    that is only about something else ("I have a cold") is out of scope, as any request is.
    Two signs said together ("numb and cold") are both raised; the advice is the graver's."""
    if second := _second_sign(slots, ALSO):
        first = {k: v for k, v in slots.items() if not k.startswith(ALSO)}
        if _no_sign_said(second):
            return symptom(state, first)
        if _no_sign_said(first):  # "it's easing but it's numb"
            return symptom(state, second)
        # A sign a step already given can cause is no news; of the others, the graver speaks.
        said = {_symptom_sign(first): first, _symptom_sign(second): second}
        news = [sign for sign in said if not _expected(state, sign)]
        if not news:
            return symptom(state, first)
        graver = _protocol().most_serious(news)
        lesser = [sign for sign in news if sign != graver and sign not in state.signs]
        return symptom(replace(state, signs=(*state.signs, *lesser)), said[graver])
    if _elsewhere_said(slots):
        return fallback(state, slots)
    if _easing_said(slots):
        if state.step is not None and state.pending != "better_now":
            return easing(state, slots)
        return cramp_gone(state, slots)
    sign = _symptom_sign(slots)
    if _expected(state, sign):
        return _reply(state, (Line(f"expected.{sign}"), *reprompt_for(state)))
    if state.pending == "redflag" and sign in _protocol().questions[state.question].yes_from:
        return yes(state, slots)  # "does the pain stay?" "it's still aching"
    return _raise(state, sign)


def symptom_denied(state: State, slots: Slots) -> Reply:
    """"No swelling": raises nothing; an answer when it is what the question asks about. A sign
    named as a lack or a statement ("no, can't walk", "no, it's getting worse") is confirmed by
    the "no": reported, never denied. A second sign denied with it ("no swelling or redness",
    {also}) is denied too; a second sign said with it ("not swollen, but numb") is reported.
    A sign said as its healthy opposite ("both legs are the same size", {normal}) is denied;
    words in that place that no healthy finding explains may be a sign, and are reported."""
    proto = _protocol()
    ruled_out = proto.normal_findings.get(slots.get(NORMAL) or "")
    # A finding said alone leaves the first sign slot empty: that is no unknown sign denied.
    named = slots.get("symptom") or slots.get("symptom" + HEARD)
    first = [slots] if named or not ruled_out else []
    said = [*first, *filter(None, [_second_sign(slots, ALSO)])]
    confirmed = [s for s in said if _confirmed_by_no(s)]
    signs = [_symptom_sign(s) for s in said if s not in confirmed]
    signs += [proto.symptoms[ruled_out]] if ruled_out else []
    for sign in signs:
        if sign not in state.signs and sign not in state.denied:  # a raised sign stays raised
            state = replace(state, denied=(*state.denied, sign))
    unexplained = {} if ruled_out else _second_sign(slots, NORMAL)
    if present := [*confirmed, *filter(None, [_second_sign(slots, PRESENT), unexplained])]:
        return symptom(state, present[0])
    if state.pending == "redflag" and set(signs) & set(proto.questions[state.question].covers):
        return no(state, slots)
    if state.pending == "checks":  # asked whether to check the signs, and already at it
        return warning_signs(state, slots)
    if state.pending is None and state.step is None and "checks" not in state.offered:
        return _offer(state, "checks", (NOTED,))  # talking warning signs: offer to go through them
    return _reply(state, (NOTED, *reprompt_for(state)))


def _confirmed_by_no(slots: Slots) -> bool:
    """Whether a "denied" sign is one a "no" agrees with: named as a lack ("no, can't walk") or
    a listed sign said as a statement ("no, it's getting worse")."""
    proto = _protocol()
    named = slots.get("symptom" + HEARD) or slots.get("symptom") or ""
    listed = slots.get("symptom") in proto.symptoms  # "no, it's fine" states no sign
    return proto.said_as_lack(named) or (listed and proto.said_as_statement(named))


def relief(state: State, slots: Slots) -> Reply:
    """A cramp now: the matching stretch first, within the first sentence. A place outside the
    leg and foot gets no leg routine; a chest or left arm is an emergency."""
    proto = _protocol()
    value = slots.get("muscle")
    if sign := _screened(slots, "muscle"):  # "my heart", "left arm": before anything else
        return _raise(state, sign, offer_steps=False)
    if value is None:
        meaning = proto.unnamed_muscle
    else:
        meaning = proto.muscles.get(value, proto.unknown_muscle)
    if meaning.sign:
        return _raise(state, meaning.sign, offer_steps=False)
    if meaning.outside:
        if state.pregnant and meaning.in_pregnancy:
            return _raise(state, meaning.in_pregnancy, offer_steps=False)
        speech, disclaimed = _disclaim(state, (OUTSIDE,))
        if state.pending == "redflag":  # a word on scope, and the question still waits
            return _ask(replace(state, **disclaimed), state.question, speech, state.unclear)
        return _reply(state, (*speech, ANYTHING_ELSE), pending="anything_else", step=None,
                      counting=False, **disclaimed)
    after = (OTHER_MUSCLE,) if meaning.offer_others else ()
    if state.pregnant:
        after += (PREGNANCY_NOTE,)
    lead = (QUESTIONS_LATER,) if state.pending == "redflag" else ()
    return _guide(replace(state, muscle=meaning.stretch), 0, lead, after=after)


def pregnancy(state: State, slots: Slots) -> Reply:
    """"I'm pregnant" (with a cramp, or not): remembered for the session; tell the midwife."""
    state = replace(state, pregnant=True)
    if slots.get("muscle"):
        return relief(state, slots)
    if state.pending == "redflag":
        return _ask(state, state.question, (PREGNANCY_NOTE,), unclear=state.unclear)
    speech, disclaimed = _disclaim(state, (PREGNANCY_NOTE,))
    if state.step is not None:
        return _reply(state, (*speech, *reprompt_for(state)), **disclaimed)
    return _reply(state, (*speech, HAVE_CRAMP), pending="have_cramp", **disclaimed)


def medicine(state: State, slots: Slots) -> Reply:
    """A medicine the person takes: never stop it alone; ask whether it is new or changed. Named
    in answer to that question ("did they start after a new medicine?" "the statins"), it is a
    yes, as "yes, the statins" would be."""
    situations = _protocol().situations
    asked_if_new = state.pending == "new_medicine" or (
        state.pending == "redflag" and _question_sign(state) == situations["medicine_is_new"])
    if asked_if_new:
        return new_medicine(state, slots)
    if situations["medicine_is_new"] in state.signs or state.pending == "redflag":
        return _raise(state, situations["medicine_named"])
    return _raise(state, situations["medicine_named"],
                  follow=((ASK_NEW_MEDICINE,), "new_medicine"))


def new_medicine(state: State, slots: Slots) -> Reply:
    return _raise(state, _protocol().situations["medicine_is_new"])


def _where_were_you(state: State) -> Reply:
    """A step command with no place known (a new session, after a pause): ask for the step;
    asked already, start from the top rather than ask again."""
    if state.pending == "which_step":
        return _guide(state, 0, (RESTART,))
    return _reply(state, (WHERE_WERE_YOU,), pending="which_step", step=None, counting=False)


def next_step(state: State, slots: Slots) -> Reply:
    """Move on to the next relief step."""
    if state.step is None:
        return _where_were_you(state)
    if _next_allowed(state, state.step + 1) is None:
        return _steps_done(state)
    return _guide(state, state.step + 1)


def previous_step(state: State, slots: Slots) -> Reply:
    """Go back one relief step (the last one still safe)."""
    if state.step is None:
        return _where_were_you(state)
    earlier = [i for i in range(state.step) if _allowed(state, i)]
    if not earlier:
        return _guide(state, state.step, (FIRST_STEP,))
    return _guide(state, earlier[-1])


def repeat(state: State, slots: Slots) -> Reply:
    """Say the last thing again, keeping the place."""
    if state.pending == "redflag" and _question_line(state.question) not in state.last:
        return _ask(state, state.question, unclear=state.unclear)
    if not state.last:
        return _menu(state)
    return _reply(state, state.last)


def start_over(state: State, slots: Slots) -> Reply:
    """Start the current activity again from its beginning."""
    if state.pending == "redflag":
        return warning_signs(replace(state, pending=None), slots)
    if state.step is not None:
        return _guide(state, 0, (RESTART,))
    return launch(state, slots)


def pause(state: State, slots: Slots) -> Reply:
    """Wait: honestly, by closing the session (Alexa would close it after ~16 s of silence
    anyway) and saying the phrase that brings the person back to this step."""
    if state.step is None:
        return _menu(state, (NOTHING_TO_PAUSE,))
    level = disposition(state)
    if level != _protocol().lowest:  # a warning would not survive the pause: stop, with advice
        return Reply(replace(state, pending=None), (STOPPED, reminder(level)), end=True)
    return Reply(replace(state, pending=None), (PAUSED(number=state.step + 1),), end=True)


def resume(state: State, slots: Slots) -> Reply:
    """Pick up the steps where they were left (or ask where, when no place is known). With an
    offer waiting and no steps under way, "go on" accepts it."""
    if state.step is None and state.pending in OFFERS:
        return yes(state, slots)
    if state.step is None:
        return _where_were_you(state)
    return _guide(state, state.step, (RESUMING(number=state.step + 1),), count=state.counting)


def go_to_step(state: State, slots: Slots) -> Reply:
    """"Step two", "the second step": the place said is the place, in this session or a new
    one (the phrase that pause and the untimed steps give for coming back)."""
    total = len(_protocol().steps)
    number = slots.get("number") or slots.get("ordinal") or ""  # "step three", "the third step"
    if not number.isdigit() or not 1 <= int(number) <= total:
        return _reply(state, (NO_SUCH_STEP(total=total),), pending="which_step", step=None)
    return _guide(state, int(number) - 1, (RESUMING(number=number),))


def came_back(state: State, slots: Slots) -> Reply:
    """"The heat is on": the step that had to end the session is under way; on to the next."""
    steps = _protocol().steps
    untimed = next((i for i, step in enumerate(steps) if step.ends_session), None)
    if untimed is None:
        return _where_were_you(state)
    following = _next_allowed(state, untimed + 1)
    if following is None:
        return _steps_done(replace(state, step=untimed, furthest=max(state.furthest, untimed)))
    return _guide(replace(state, furthest=max(state.furthest, untimed)), following,
                  (RESUMING(number=following + 1),))


def count(state: State, slots: Slots) -> Reply:
    """Count the current step's hold out loud ("count for me", "time it")."""
    if state.step is None:
        return _where_were_you(state)
    if not _protocol().steps[state.step].hold:
        return _reply(state, (NOTHING_TO_COUNT, *reprompt_for(state)))
    return _guide(state, state.step, count=True)


def easing(state: State, slots: Slots) -> Reply:
    """After a counted hold, it is easing: on to the next step."""
    step = state.step or 0
    if _next_allowed(state, step + 1) is None:
        return _steps_done(state, (EASING,))
    return _guide(state, step + 1, (EASING,))


def cramp_gone(state: State, slots: Slots) -> Reply:
    """The cramp has let go: end guidance kindly, with the safety net or the advice given."""
    if state.pending == "redflag":
        return _ask(state, state.question, (GONE_MID_QUESTIONS,), unclear=state.unclear)
    return _offer(state, "prevention", (GONE, reminder(disposition(state))), step=None,
                  counting=False)


def still_cramping(state: State, slots: Slots) -> Reply:
    """Still hurts: keep going; after all the steps it is pain that lasts, a warning sign."""
    if state.pending == "redflag":
        if _question_sign(state) == _protocol().situations["pain_after_steps"]:
            return yes(state, slots)
        return _unclear(state)
    if state.step is None:
        return relief(state, {})
    if state.pending == "better_now" or _next_allowed(state, state.step + 1) is None:
        return persistent_pain(state, slots)
    return _guide(state, state.step + 1, (STILL_CRAMPING,))


def causes(state: State, slots: Slots) -> Reply:
    """What causes cramps and when they are more common; details on request."""
    if state.pending == "redflag":
        return _ask(state, state.question, (CAUSES, BACK_TO_QUESTION), unclear=state.unclear)
    body, disclaimed = _disclaim(state, (CAUSES,))
    return _offer(replace(state, **disclaimed), "more_causes", body)


def cause_details(state: State, slots: Slots) -> Reply:
    """The causes in detail; then, at most one offer more (offers go two deep at most)."""
    return _offer(state, "when_common", (CAUSE_DETAILS, MEDICATION_NOTE))


def when_common(state: State, slots: Slots) -> Reply:
    return _reply(_given(state, "when_common"), (WHEN_COMMON, ANYTHING_ELSE),
                  pending="anything_else")


def prevention(state: State, slots: Slots) -> Reply:
    """How to keep cramps from coming back."""
    if state.pending == "redflag":
        return _ask(state, state.question, (PREVENTION, BACK_TO_QUESTION), unclear=state.unclear)
    state = _given(state, "prevention")
    body, disclaimed = _disclaim(state, (PREVENTION,))
    return _offer(replace(state, **disclaimed), "checks", body)


def warning_signs(state: State, slots: Slots) -> Reply:
    """Start the warning-sign questions, one at a time (or go on with the one waiting)."""
    state = _given(state, "checks")
    if state.pending == "redflag":  # "is it serious?" asked again: say why the question matters
        return _ask(state, state.question, (UNDER_WAY,), unclear=state.unclear)
    first = _next_question(state, 0)
    if first is None:
        speech = (ALREADY_ADVISED, reminder(disposition(state)), ANYTHING_ELSE)
        return _reply(state, speech, pending="anything_else")
    remaining = sum(1 for q in _protocol().questions[first:]
                    if not set(q.covers) <= {*state.signs, *state.denied})
    intro, disclaimed = _disclaim(state, (CHECKS_INTRO(count=remaining),))
    return _ask(replace(state, **disclaimed), first, intro)


def yes(state: State, slots: Slots) -> Reply:
    """Yes answers the pending question; yes to a warning sign raises it."""
    if state.pending == "redflag":
        return _raise(state, _question_sign(state))
    if state.pending in QUESTIONS:
        return QUESTIONS[state.pending].yes(state, slots)
    return _answer_to_nothing(state)


def no(state: State, slots: Slots) -> Reply:
    """No answers the pending question; every warning sign answered no is the all-clear."""
    if state.pending == "redflag":
        following = _next_question(state, state.question + 1)
        if following is None:
            return _end_of_questions(state)
        return _ask(state, following)
    if state.pending in QUESTIONS:
        return QUESTIONS[state.pending].no(state, slots)
    return anything_else(state, slots)  # "no" with nothing asked: a way out, one turn away


def unsure(state: State, slots: Slots) -> Reply:
    """"I don't know", "maybe": never a no. On a warning sign, the safer advice."""
    if state.pending == "redflag":
        return _raise(state, _question_sign(state), (UNSURE,))
    if state.pending in QUESTIONS:
        return QUESTIONS[state.pending].unsure(state, slots)
    return _answer_to_nothing(state)


def help_(state: State, slots: Slots) -> Reply:
    """Help that fits where the person is, keeping their place."""
    if state.pending == "redflag":
        return _ask(state, state.question, (HELP_QUESTIONS,), unclear=state.unclear)
    if state.step is not None:
        where = STEP_HELP(number=state.step + 1, total=len(_protocol().steps))
        return _reply(state, (where, *reprompt_for(state)))
    if state.pending in QUESTIONS:  # the question waiting is still the one to answer
        return _reply(state, (HELP, *QUESTIONS[state.pending].reprompt))
    return _reply(state, (HELP, HELP_REPROMPT), pending=None)


def fallback(state: State, slots: Slots) -> Reply:
    """Not understood: say so, and ask again for what is wanted here (never counted as a no)."""
    if state.pending == "redflag":
        return _unclear(state)
    if state.pending in QUESTIONS:
        return _reply(state, (FALLBACK, *QUESTIONS[state.pending].reprompt))
    if state.step is not None:
        return _reply(state, (FALLBACK, FALLBACK_STEPS))
    return _reply(state, (FALLBACK, MENU))


def home(state: State, slots: Slots) -> Reply:
    """Back to the start, leaving any activity."""
    return _menu(state)


def stop(state: State, slots: Slots) -> Reply:
    """Stop or cancel: a short goodbye (with the advice again after a warning); the session ends."""
    level = disposition(state)
    speech = (GOODBYE,) if level == _protocol().lowest else (reminder(level), GOODBYE)
    return Reply(replace(state, pending=None), speech, end=True)


def anything_else(state: State, slots: Slots) -> Reply:
    return _reply(state, (ANYTHING_ELSE,), pending="anything_else", step=None)


def what_next(state: State, slots: Slots) -> Reply:
    return _reply(state, (WHAT_NEXT,), pending=None, step=None)


def wait(state: State, slots: Slots) -> Reply:
    return _reply(state, (WAITING,))


def continue_relief(state: State, slots: Slots) -> Reply:
    """Back to the steps after a warning: the same step if it is still safe, else the next."""
    step = state.step or 0
    lead = (REPEAT_STEP(number=step + 1),) if _allowed(state, step) else ()
    return _guide(state, step, lead, count=state.counting)


def persistent_pain(state: State, slots: Slots) -> Reply:
    """Pain that lasts after all the steps: the warning sign, and no loop back into the steps."""
    return _raise(state, _protocol().situations["pain_after_steps"], offer_steps=False)


def apology(state: State) -> Reply:
    """Something failed on our side: apologise, give the first instruction, keep the place."""
    return Reply(state, (ERROR,), (ERROR_REPROMPT,))


class Question(NamedTuple):
    """A question the skill can leave pending, and what a yes, a no or an unsure answer does."""

    reprompt: tuple[Line, ...]
    yes: Event
    no: Event
    unsure: Event  # when in doubt, the safer or more helpful way


# The questions (warning signs aside): pending name -> reprompt, on yes, on no, on unsure.
QUESTIONS: dict[str, Question] = {
    "have_cramp": Question((WELCOME_REPROMPT,), relief, anything_else, relief),
    "which_step": Question((WHERE_WERE_YOU_REPROMPT,), relief, anything_else, relief),
    "ready_next": Question((READY_NEXT_REPROMPT,), next_step, wait, wait),
    "easing": Question((EASING_REPROMPT,), easing, still_cramping, still_cramping),
    "better_now": Question((BETTER_NOW_REPROMPT,), cramp_gone, persistent_pain, persistent_pain),
    "more_causes": Question((OFFER_DETAILS_REPROMPT,), cause_details, anything_else,
                            cause_details),
    "when_common": Question((OFFER_WHEN_REPROMPT,), when_common, anything_else, when_common),
    "prevention": Question((OFFER_PREVENTION_REPROMPT,), prevention, anything_else, prevention),
    "checks": Question((OFFER_CHECKS_REPROMPT,), warning_signs, anything_else, warning_signs),
    "continue_relief": Question((OFFER_CONTINUE_REPROMPT,), continue_relief, anything_else,
                                continue_relief),
    "new_medicine": Question((ASK_NEW_MEDICINE_REPROMPT,), new_medicine, anything_else,
                             new_medicine),
    "anything_else": Question((ANYTHING_ELSE_REPROMPT,), what_next, stop, what_next),
}


# What can be offered (a pending name of QUESTIONS -> the offer), each at most once a session.
OFFERS = {
    "more_causes": OFFER_DETAILS,
    "when_common": OFFER_WHEN,
    "prevention": OFFER_PREVENTION,
    "checks": OFFER_CHECKS,
}

# The events that answer or handle a waiting warning-sign question themselves (see respond()).
HANDLES_QUESTION = frozenset({
    launch, emergency, symptom, symptom_denied, relief, pregnancy, medicine, cramp_gone,
    still_cramping, causes, prevention, warning_signs, yes, no, unsure, help_, repeat, start_over,
    stop, fallback,
})
