"""The clinical protocol as data: checked at load, walked by the conversation, drawn for review."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from skill import content, flowchart, protocol
from skill.local.simulator import Simulator

REAL = protocol.PATH.read_text(encoding="utf-8")


def _load(tmp_path: Path, text: str) -> protocol.Protocol:
    path = tmp_path / "protocol.yaml"
    path.write_text(text, encoding="utf-8")
    return protocol.load(path)


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("    ruled_out_by: [injury, cannot_move]", "    ruled_out_by: [injury, cramp]",
         "'cramp' is not a sign"),
        ("  swelling: {disposition: urgent,", "  swelling: {disposition: soon,",
         "disposition 'soon' is not one of"),
        ("  swelling: {disposition: urgent, source: article}",
         "  swelling: {disposition: urgent, source: blog}", "source must be one of"),
        ("    icon: massage", "    icon: rocket", "icon must be one the screen draws"),
        ("    hold: 60", "    hold: sixty", "hold must be whole seconds"),
        ("    covers: [nerves]", "    covers: []", "must be a non-empty list"),
        ("  stomach: {outside: true, in_pregnancy: pregnancy_belly}",
         "  stomach: {outside: true, stretch: calf}", "needs exactly one of"),
        ("  daily life: daily_life\n", "", "no slot value, question, muscle or situation"),
        ("  same size: leg bigger", "  same size: leg smaller",
         "'leg smaller' is not a value in symptoms"),
        ("steps:\n", "stepz:\n", "unknown section"),
        ("  frequent cramps: frequent_cramps", "  frequent cramps: [oops", "not valid YAML"),
        ('lack_words: ["can\'t",', "lack_words: [no, ", "must be a list of words"),
        ("easing_words: [better,", "easing_words: [{better: 1},", "must be a list of words"),
        ("elsewhere_words: [a cold,", "elsewhere_words: [7,", "must be a list of words"),
        ('statement_words: ["it\'s",', "statement_words: [[], ", "must be a list of words"),
    ],
)
def test_a_broken_protocol_names_the_file_line_and_key(tmp_path: Path, old: str, new: str,
                                                       problem: str) -> None:
    assert old in REAL
    with pytest.raises(protocol.ProtocolError) as err:
        _load(tmp_path, REAL.replace(old, new))
    assert re.match(rf"{re.escape(str(tmp_path / 'protocol.yaml'))}:\d+: ", str(err.value))
    assert problem in str(err.value)


def test_a_count_that_does_not_last_its_hold_fails_naming_the_key(tmp_path: Path) -> None:
    clinical = _load(tmp_path, REAL.replace("    hold: 30", "    hold: 45"))
    with pytest.raises(content.ContentError, match=r"en-US.yaml:\d+: count.stretch lasts about"):
        clinical.check_content(content.catalog())


def test_the_compiled_protocol_is_the_same_protocol(tmp_path: Path) -> None:
    shutil.copy(protocol.PATH, tmp_path / "protocol.yaml")
    (tmp_path / f"protocol{protocol.COMPILED}").write_text(protocol.default().compiled())
    (tmp_path / "protocol.yaml").write_text("not: [valid")  # the compiled copy is what is read
    assert protocol.load(tmp_path / "protocol.yaml").data == protocol.default().data


def test_the_review_page_is_up_to_date() -> None:
    page = flowchart.page(protocol.default(), content.catalog())
    assert flowchart.PAGE.read_text(encoding="utf-8") == page, \
        "docs/protocol.md is stale: run `python -m skill protocol`"


def test_every_safety_net_sign_is_listed_in_the_readme_for_review() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    for sign in protocol.default().signs.values():
        if sign.source == "safety-net":
            assert f"`{sign.id}`" in readme, sign.id


# ---- a new question and a new step, added in YAML only --------------------------------------

EXTRA_PROTOCOL = {
    "  - id: walk\n": "  - id: rest\n    hold: 20\n    icon: walk\n    ruled_out_by: []\n"
                      "  - id: walk\n",
    "  - id: new_medication\n    covers: [new_medication]\n":
        "  - id: new_medication\n    covers: [new_medication]\n"
        "  - id: bruise\n    covers: [bruise]\n",
    "signs:\n": "signs:\n  bruise: {disposition: urgent, source: safety-net}\n",
}
EXTRA_RESPONSES = {
    "count:\n": 'count:\n  rest: "[pause 4s] Five. [pause 4s] Ten. [pause 4s] Fifteen. '
                '[pause 4s] Twenty."\n',
    "done:\n": 'done:\n  rest: "That\'s twenty seconds."\n',
    "step:\n": 'step:\n  rest: "Sit down and rest the leg for twenty seconds."\n',
    "question:\n": 'question:\n  bruise: "Is there a bruise you cannot explain?"\n',
    "sign:\n": 'sign:\n  bruise: "A bruise you cannot explain is a warning sign."\n',
    "screen:\n  title:\n": 'screen:\n  rest: "Sit and rest the leg."\n  title:\n'
                           '    rest: "Rest"\n',
}


@pytest.fixture
def extended(tmp_path: Path, monkeypatch) -> Iterator[Simulator]:
    """The real skill on a protocol with a seventh question and a fifth step, YAML only."""
    shutil.copytree(content.RESPONSES_DIR, tmp_path, dirs_exist_ok=True)
    for name, edits in (("protocol.yaml", EXTRA_PROTOCOL), ("en-US.yaml", EXTRA_RESPONSES)):
        text = (tmp_path / name).read_text(encoding="utf-8")
        for old, new in edits.items():
            assert old in text, old
            text = text.replace(old, new, 1)
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.setattr(protocol, "PATH", tmp_path / "protocol.yaml")
    monkeypatch.setattr(content, "RESPONSES_DIR", tmp_path)
    caches = (protocol.default, content._load, content.locales)
    for cached in caches:
        cached.cache_clear()
    try:
        protocol.default().check_content(content.catalog())
        yield Simulator(apl=True)
    finally:
        for cached in caches:
            cached.cache_clear()


def test_a_seventh_question_and_a_fifth_step_need_only_yaml(extended: Simulator) -> None:
    turn = extended.intent("RedFlagCheckIntent")
    assert "7 quick questions" in turn.speech
    for _ in range(6):
        turn = extended.intent("AMAZON.NoIntent")
    assert turn.attributes["question"] == 6
    assert "bruise you cannot explain?" in turn.speech
    turn = extended.intent("AMAZON.YesIntent")
    assert "bruise" in turn.attributes["signs"]

    extended.new_session()
    turn = extended.intent("CrampReliefIntent", {"muscle": "calf"})
    assert turn.screen["step"]["total"] == 5
    for _ in range(2):
        turn = extended.intent("AMAZON.NextIntent")
    assert turn.end_session  # the heat can't be timed: the session ends with a way back
    assert "step 4" in turn.speech  # ... and says which step to ask for
    turn = extended.intent("GoToStepIntent", {"number": "4"})
    assert turn.screen["step"] == {**turn.screen["step"], "number": 4, "title": "Rest",
                                   "instruction": "Sit and rest the leg.", "holdSeconds": 20}
    assert "of 5" in extended.intent("AMAZON.HelpIntent").speech
    assert "Twenty." in extended.intent("CountIntent").speech
    turn = extended.intent("AMAZON.NextIntent")
    assert turn.screen["step"]["number"] == 5 and turn.attributes["pending"] == "easing"
    assert extended.intent("AMAZON.YesIntent").attributes["pending"] == "better_now"
