"""The conversation logic on its own: safety and reprompts hold in every reachable state."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from skill import content, session, ssml
from skill import conversation as conv
from skill.builder import routes
from skill.handlers import Route

CATALOG = content.catalog()
EVENTS = {r.intent or r.request_type: r.event for r in routes() if isinstance(r, Route)}
SLOTS = {
    "CrampReliefIntent": st.fixed_dictionaries(
        {"muscle": st.sampled_from([None, "arm", *conv.MUSCLE_STRETCH])}),
    "SymptomReportIntent": st.fixed_dictionaries(
        {"symptom": st.sampled_from([None, "itch", *conv.SYMPTOM_REASON])}),
}
ORDINARY = sorted(set(EVENTS) - {"EmergencyIntent", "AMAZON.StopIntent", "AMAZON.CancelIntent"})
event_names = st.sampled_from(ORDINARY)


def _run(state: conv.State, name: str, slots: conv.Slots) -> conv.Reply:
    reply = EVENTS[name](state, slots)
    body = CATALOG.render(reply.speech, reply.state.turn)
    ssml.check(ssml.wrap(body))
    if not reply.end:
        assert reply.reprompt, f"{name} left the microphone open with no reprompt"
        ssml.check(ssml.wrap(CATALOG.render(reply.reprompt)))
    return reply


@st.composite
def reachable_states(draw) -> conv.State:
    """A state reached by a random walk of ordinary events from a fresh session."""
    state = conv.State()
    for name in draw(st.lists(event_names, max_size=12)):
        slots = draw(SLOTS[name]) if name in SLOTS else {}
        state = _run(state, name, slots).state
    return state


@settings(max_examples=300, deadline=None)
@given(reachable_states())
def test_an_emergency_gets_the_emergency_number_first_from_any_state(state: conv.State) -> None:
    reply = _run(state, "EmergencyIntent", {})
    assert reply.speech[0] == conv.EMERGENCY
    assert reply.end
    assert "Call 911 now." in ssml.to_text(CATALOG.render(reply.speech))


@settings(max_examples=300, deadline=None)
@given(reachable_states(), st.sampled_from([None, "itch", *conv.SYMPTOM_REASON]))
def test_a_warning_sign_gets_urgent_care_advice_from_any_state(state, symptom) -> None:
    reply = _run(state, "SymptomReportIntent", {"symptom": symptom})
    assert conv.URGENT_ADVICE in reply.speech and conv.EMERGENCY_NET in reply.speech
    assert not reply.end


@settings(max_examples=300, deadline=None)
@given(reachable_states())
def test_any_yes_to_a_red_flag_question_means_urgent_care(state: conv.State) -> None:
    if state.pending != "redflag":
        state = _run(state, "RedFlagCheckIntent", {}).state
    reply = _run(state, "AMAZON.YesIntent", {})
    assert reply.speech[0] == conv.REDFLAGS[state.question].reason
    assert conv.URGENT_ADVICE in reply.speech


@settings(max_examples=200, deadline=None)
@given(reachable_states(), st.lists(st.sampled_from(
    ["AMAZON.FallbackIntent", "AMAZON.NextIntent", "AMAZON.PauseIntent", "AMAZON.PreviousIntent",
     "AMAZON.ResumeIntent", "CrampGoneIntent", "AMAZON.HelpIntent", "AMAZON.RepeatIntent"]),
    max_size=5))
def test_nothing_but_an_answer_moves_past_a_red_flag_question(state, interruptions) -> None:
    state = _run(state, "RedFlagCheckIntent", {}).state
    state = _run(state, "AMAZON.NoIntent", {}).state
    for name in interruptions:
        reply = _run(state, name, {})
        assert (reply.state.pending, reply.state.question) == ("redflag", 1), name
        assert conv.REDFLAGS[1].question in reply.speech
        state = reply.state


@settings(max_examples=200, deadline=None)
@given(reachable_states())
def test_session_attributes_carry_the_state_exactly(state: conv.State) -> None:
    assert session.load(session.dump(state)) == replace(state, turn=state.turn + 1)


def test_every_step_of_every_stretch_is_reachable_in_order() -> None:
    for muscle, stretch in conv.MUSCLE_STRETCH.items():
        state = _run(conv.State(), "CrampReliefIntent", {"muscle": muscle}).state
        assert state.step == 0 and state.muscle == (None if muscle == "leg" else stretch)
        for step in range(1, len(conv.STEPS)):
            state = _run(state, "AMAZON.NextIntent", {}).state
            assert state.step == step
        assert state.pending == "better_now"
