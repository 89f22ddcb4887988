"""SSML built from content is always valid, and reads back to what a listener hears."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skill import ssml


def test_pause_marks_become_breaks_and_text_is_escaped() -> None:
    body = ssml.marked_to_ssml("Rest & <breathe> [pause 2s] then \"go\" [pause 500ms]")
    assert body == ('Rest &amp; &lt;breathe&gt; <break time="2000ms"/> then &quot;go&quot; '
                    '<break time="500ms"/>')
    ssml.check(ssml.wrap(body))


def test_segments_give_text_and_pauses_in_speaking_order() -> None:
    doc = ssml.wrap(ssml.marked_to_ssml("Hold it. [pause 3s] Now let go & rest."))
    assert ssml.segments(doc) == ["Hold it.", ssml.Pause(3000), "Now let go & rest."]
    assert ssml.to_text(doc) == "Hold it. Now let go & rest."


@given(st.text())
def test_any_text_makes_valid_ssml_that_reads_back_the_same(text: str) -> None:
    cleaned = "".join(c for c in text if c.isprintable() and c not in "[]")
    doc = ssml.wrap(ssml.marked_to_ssml(cleaned))
    ssml.check(doc)
    assert ssml.to_text(doc) == " ".join(cleaned.split())


@pytest.mark.parametrize(
    ("doc", "problem"),
    [
        ("<speak>a<break time=\"11s\"/></speak>", "not between"),
        ("<speak>a<break time=\"10001ms\"/></speak>", "not between"),
        ("<speak>a<break time=\"soon\"/></speak>", "not between"),
        ("<speak>a & b</speak>", "not well-formed"),
        ("<voice>a</voice>", "not <speak>"),
    ],
)
def test_invalid_ssml_is_refused(doc: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        ssml.check(doc)


def test_a_break_of_ten_seconds_is_allowed() -> None:
    ssml.check('<speak>a<break time="10s"/><break time="10000ms"/></speak>')
