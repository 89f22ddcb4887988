"""The conversation logic on its own: safety, triage and reprompts hold in every reachable state."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from skill import content, protocol, session, ssml
from skill import conversation as conv
from skill.builder import routes
from skill.handlers import Route

CATALOG = content.catalog()
PROTOCOL = protocol.default()
EVENTS = {r.intent or r.request_type: r.event for r in routes() if isinstance(r, Route)}
# Canonical slot values, raw words a device could send unresolved, and nothing at all.
MUSCLES = [None, "elbow", "my ticker", "short of breath", *PROTOCOL.muscles]
SYMPTOMS = [None, "itch", "my heart", *PROTOCOL.symptoms]
SLOTS = {
    "CrampReliefIntent": st.fixed_dictionaries({"muscle": st.sampled_from(MUSCLES)}),
    "PregnancyIntent": st.fixed_dictionaries({"muscle": st.sampled_from(MUSCLES)}),
    "SymptomReportIntent": st.fixed_dictionaries({"symptom": st.sampled_from(SYMPTOMS)}),
    "SymptomDeniedIntent": st.fixed_dictionaries({"symptom": st.sampled_from(SYMPTOMS)}),
    "MedicineIntent": st.fixed_dictionaries({"medicine": st.sampled_from([None, "statin"])}),
}
ORDINARY = sorted(set(EVENTS) - {"EmergencyIntent", "AMAZON.StopIntent", "AMAZON.CancelIntent"})
event_names = st.sampled_from(ORDINARY)
STEP_KEYS = {f"step.{s.id}" for s in PROTOCOL.steps} | {
    protocol.STRETCH_STEP_KEY.format(step=s.id, stretch=g)
    for s in PROTOCOL.steps if s.by_muscle for g in PROTOCOL.stretches()}


def _run(state: conv.State, name: str, slots: conv.Slots) -> conv.Reply:
    reply = conv.respond(EVENTS[name], state, slots)  # as the router does
    body = CATALOG.render(reply.speech, reply.state.variant)
    ssml.check(ssml.wrap(body))
    if not reply.end:
        assert reply.reprompt, f"{name} left the microphone open with no reprompt"
        ssml.check(ssml.wrap(CATALOG.render(reply.reprompt)))
    return reply


def _check_triage(before: conv.State, reply: conv.Reply, name: str) -> None:
    """The rules that make triage safe, for one reply."""
    signs = set(reply.state.signs)
    assert set(before.signs) <= signs, f"{name} forgot a warning"
    level = PROTOCOL.disposition(signs)
    spoken = {ln.key for ln in reply.speech}
    for said in (k.removeprefix("advice.") for k in spoken if k.startswith("advice.")):
        assert PROTOCOL.rank(said) >= PROTOCOL.rank(level), f"{name}: advice below the signs"
    if level != PROTOCOL.lowest:
        assert conv.ALL_CLEAR not in reply.speech, f"{name}: an all-clear after a warning"
    for key in spoken & STEP_KEYS:
        step = next(i for i, s in enumerate(PROTOCOL.steps) if key.startswith(f"step.{s.id}"))
        assert not PROTOCOL.steps[step].ruled_out_by & signs, f"{name}: ruled-out step {key}"
    if reply.shows is not None:
        assert not PROTOCOL.steps[reply.shows].ruled_out_by & signs
    if reply.end and level != PROTOCOL.lowest:
        # A warning can't outlive the session: nobody is invited back to the steps after one.
        assert not any(k.startswith("comeback.") or k == conv.PAUSED.key for k in spoken), name


@st.composite
def reachable_states(draw) -> conv.State:
    """A state reached by a random walk of ordinary events from a fresh session."""
    state = conv.State()
    for name in draw(st.lists(event_names, max_size=14)):
        slots = draw(SLOTS[name]) if name in SLOTS else {}
        reply = _run(state, name, slots)
        _check_triage(state, reply, name)
        if reply.end:
            break
        state = reply.state
    return state


@settings(max_examples=400, deadline=None)
@given(reachable_states())
def test_every_walk_keeps_warnings_advice_and_ruled_out_steps(state: conv.State) -> None:
    # The checks run on every reply of the walk (in reachable_states); here, the close too.
    reply = _run(state, "AMAZON.StopIntent", {})
    level = conv.disposition(state)
    assert reply.end
    if level != PROTOCOL.lowest:
        assert conv.reminder(level) in reply.speech


@settings(max_examples=300, deadline=None)
@given(reachable_states())
def test_an_emergency_gets_the_emergency_number_first_from_any_state(state: conv.State) -> None:
    reply = _run(state, "EmergencyIntent", {})
    assert reply.speech[0] == conv.advice("emergency")
    assert reply.end


@settings(max_examples=300, deadline=None)
@given(reachable_states(), st.sampled_from(SYMPTOMS))
def test_a_reported_sign_gets_its_reason_and_the_highest_advice(state, symptom) -> None:
    reply = _run(state, "SymptomReportIntent", {"symptom": symptom})
    sign = conv._symptom_sign({"symptom": symptom})
    if reply.speech[0] == conv.Line(f"expected.{sign}"):
        assert sign in {e for s in PROTOCOL.steps[: state.furthest + 1] for e in s.expected}
        return
    level = PROTOCOL.disposition({*state.signs, sign})
    assert conv.Line(f"sign.{sign}") in reply.speech
    assert conv.advice(level) in reply.speech
    assert reply.end == (level in PROTOCOL.ends_session)


@settings(max_examples=300, deadline=None)
@given(reachable_states(), st.sampled_from(["AMAZON.YesIntent", "UnsureIntent"]))
def test_yes_or_unsure_to_a_question_raises_its_sign(state: conv.State, answer: str) -> None:
    if state.pending != "redflag":
        state = _run(state, "RedFlagCheckIntent", {}).state
    if state.pending != "redflag":  # the advice is already as high as a question can take it
        assert conv.ALREADY_ADVISED in _run(state, "RedFlagCheckIntent", {}).speech
        return
    sign = PROTOCOL.questions[state.question].covers[0]
    reply = _run(state, answer, {})
    assert sign in reply.state.signs
    assert PROTOCOL.rank(conv.disposition(reply.state)) >= PROTOCOL.rank("urgent")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(
    ["AMAZON.FallbackIntent", "AMAZON.NextIntent", "AMAZON.PauseIntent", "AMAZON.PreviousIntent",
     "AMAZON.ResumeIntent", "CrampGoneIntent", "AMAZON.HelpIntent", "AMAZON.RepeatIntent",
     "CountIntent", "StillCrampingIntent"]), min_size=1, max_size=6))
def test_nothing_but_an_answer_moves_past_a_question_and_doubt_is_never_a_no(interruptions
                                                                             ) -> None:
    state = _run(conv.State(), "RedFlagCheckIntent", {}).state
    state = _run(state, "AMAZON.NoIntent", {}).state
    for name in interruptions:
        reply = _run(state, name, {})
        if reply.state.pending != "redflag":
            # Only after asking again: taken as unsure, so the question's sign, never a no.
            assert PROTOCOL.questions[1].covers[0] in reply.state.signs, name
            assert conv.ALL_CLEAR not in reply.speech
            return
        assert reply.state.question == 1, name
        assert conv._question_line(1) in reply.speech or name == "AMAZON.RepeatIntent"
        state = reply.state


ANY_SLOTS = st.fixed_dictionaries({
    "muscle": st.sampled_from(MUSCLES), "symptom": st.sampled_from(SYMPTOMS),
    "medicine": st.sampled_from([None, "statin"]), "number": st.sampled_from([None, "2", "7"]),
})


# A LaunchRequest always opens a new session, so it never meets a waiting question.
IN_SESSION = sorted(set(EVENTS) - {"LaunchRequest"})


@settings(max_examples=400, deadline=None)
@given(st.integers(0, len(PROTOCOL.questions) - 1), st.sampled_from(IN_SESSION), ANY_SLOTS)
def test_no_route_drops_or_restarts_a_question_silently(question, name, slots) -> None:
    # The router guards the waiting question for every event, so this holds for any intent,
    # including one added later.
    state = conv.State(pending="redflag", question=question)
    reply = _run(state, name, slots)
    said = set(reply.speech)
    if reply.state.pending == "redflag":
        # Still asking: the same question or a later one; back to the first only out loud.
        assert reply.state.question >= question or conv.CHECKS_INTRO.key in {
            ln.key for ln in reply.speech}, name
        return
    # Left the questions: only by ending, by the last answer, by a sign, or saying the cramp
    # comes first (and the questions after).
    answered = said & {conv.ALL_CLEAR, conv.QUESTIONS_DONE}
    assert (reply.end or answered or reply.state.signs != state.signs
            or conv.QUESTIONS_LATER in said), name


def test_all_no_is_the_all_clear_with_its_safety_net() -> None:
    state = _run(conv.State(), "RedFlagCheckIntent", {}).state
    asked = 1
    while state.pending == "redflag":
        reply = _run(state, "AMAZON.NoIntent", {})
        state = reply.state
        asked += state.pending == "redflag"
    assert asked == len(PROTOCOL.questions)
    assert reply.speech[:2] == (conv.ALL_CLEAR, conv.SAFETY_NET)


@settings(max_examples=200, deadline=None)
@given(reachable_states())
def test_session_attributes_carry_the_state_exactly(state: conv.State) -> None:
    assert session.load(session.dump(state)) == replace(state, variant=state.variant + 1)


def test_every_step_of_every_stretch_is_reachable_in_order() -> None:
    for muscle, meaning in PROTOCOL.muscles.items():
        if not meaning.stretch:
            continue
        state = _run(conv.State(), "CrampReliefIntent", {"muscle": muscle}).state
        assert state.step == 0 and state.muscle == meaning.stretch
        for step in range(1, len(PROTOCOL.steps)):
            reply = _run(state, "AMAZON.NextIntent", {})
            state = reply.state
            assert state.step == step
            assert reply.end == PROTOCOL.steps[step].ends_session  # untimed: a way back instead
        assert state.pending == "easing"  # the last hold is counted, then...
        assert _run(state, "AMAZON.YesIntent", {}).state.pending == "better_now"
