"""A state-machine fuzz of the whole skill: random sequences of every intent with random slot
values, session ends and new sessions, sent as real envelopes through lambda_handler."""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from skill import model, ssml
from skill.local import dialogs
from skill.local.simulator import Simulator, Turn

MODEL = model.load("en-US")
RAW_WORDS = ["my heart", "elbow", "itchy", "short of breath", "left arm", ""]
MAX_SSML = 8_000  # Alexa's limit on the characters of outputSpeech
MAX_RESPONSE = 24_000  # and on a whole response, in bytes
MAX_ATTRIBUTES = 2_000  # what we allow ourselves to carry between turns
# Questions whose "no" leads out: two of them end the session (a warning-sign question's "no"
# moves to the next question, and "not easing" moves on with the steps, so those are not here).
OFFERS = {"have_cramp", "more_causes", "when_common", "prevention", "checks", "anything_else",
          "continue_relief", "new_medicine", "which_step"}


def _slot(intent: str, slot: str) -> st.SearchStrategy[Any]:
    type_name = MODEL.intents[intent].slots[slot]
    if type_name.startswith("AMAZON."):  # a step's number or ordinal, sent as digits
        return st.sampled_from(["1", "2", "3", "4", "5", "0"])
    canonical = [v.name for v in MODEL.types[type_name]]
    return st.one_of(st.sampled_from(canonical),
                     st.sampled_from(RAW_WORDS).map(lambda w: {"heard": w} if w else None))


def _intent() -> st.SearchStrategy[tuple[str, Any]]:
    def with_slots(name: str) -> st.SearchStrategy[tuple[str, Any]]:
        slots = MODEL.intents[name].slots
        return st.fixed_dictionaries({s: _slot(name, s) for s in slots}).map(
            lambda values: ("intent", (name, values)))
    return st.sampled_from(sorted(MODEL.intents)).flatmap(with_slots)


ACTIONS = st.one_of(
    _intent(), _intent(), _intent(), _intent(),  # mostly intents
    st.just(("launch", None)),
    st.just(("ended", None)),
    st.just(("new_session", None)),
    st.just(("no_no", None)),
)


def _last_sentence(speech: str) -> str:
    sentences = [s for s in re.split(r"(?<=[.?!])\s+", speech.strip()) if s]
    return sentences[-1] if sentences else ""


def _check_turn(turn: Turn) -> None:
    body = turn.response.get("response") or {}
    assert len(json.dumps(turn.response).encode()) < MAX_RESPONSE
    assert len(turn.ssml) < MAX_SSML
    if not turn.ssml:
        return
    ssml.check(turn.ssml)
    keys = dialogs.spoken_keys(turn.ssml)
    assert "error" not in keys, "the apology: something failed"
    if not turn.end_session:
        assert body.get("reprompt"), "an open microphone with no reprompt"
        last = _last_sentence(turn.speech)
        assert last.endswith("?") or last.startswith("Say"), f"no prompt at the end: {last!r}"
        assert len(json.dumps(turn.attributes)) < MAX_ATTRIBUTES


@settings(max_examples=150, deadline=None)
@given(st.lists(ACTIONS, min_size=1, max_size=25))
def test_random_conversations_keep_every_promise(actions) -> None:
    sim = Simulator(new_id=lambda: "00000000-0000-0000-0000-00000000f022")
    recent: list[tuple[str, str]] = []
    for kind, payload in actions:
        if kind in ("new_session", "launch", "ended"):
            recent = []  # a new session may well open with the same words
        if kind == "new_session":
            sim.new_session()
            continue
        if kind == "launch":
            turn = sim.launch()
        elif kind == "ended":
            turn = sim.request("SessionEndedRequest", {"reason": "EXCEEDED_MAX_REPROMPTS"})
            assert not turn.ssml  # nothing is said to a closed session
            continue
        elif kind == "no_no":
            pending = sim.attributes.get("pending")
            first = sim.intent("AMAZON.NoIntent")
            _check_turn(first)
            if first.end_session:
                continue
            turn = sim.intent("AMAZON.NoIntent")
            if pending in OFFERS:
                assert turn.end_session, f"two no's to {pending!r} did not end the session"
        else:
            name, slots = payload
            turn = sim.intent(name, slots)
            if name in ("AMAZON.StopIntent", "AMAZON.CancelIntent"):
                assert turn.end_session
        _check_turn(turn)
        if turn.end_session:
            recent = []
            continue
        # No speech three times in a row without progress while the person says different
        # things (asking the same thing, or "repeat", may well get the same answer).
        state = json.dumps({k: v for k, v in turn.attributes.items() if k != "turn"})
        recent = [*recent[-2:], (turn.ssml, state, json.dumps(payload), turn.intent)]
        replies = {(ssml_, state_) for ssml_, state_, _, _ in recent}
        asked = {asked_ for _, _, asked_, _ in recent}
        repeated = any(intent == "AMAZON.RepeatIntent" for *_, intent in recent)
        if len(recent) == 3 and len(replies) == 1 and len(asked) > 1 and not repeated:
            raise AssertionError(f"the same reply three times: {turn.speech!r}")
