"""Phrases Alexa itself supplies: built-in intents' standard samples and its invocation grammar."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rapidfuzz.distance import Levenshtein

# Alexa trains these phrases into built-in intents for every skill that declares them, so a local
# resolver has to know them too; a skill's own samples for a built-in are added on top.
STANDARD_SAMPLES: dict[str, tuple[str, ...]] = {
    "AMAZON.YesIntent": (
        "yes", "yeah", "yep", "yup", "sure", "ok", "okay", "alright", "all right", "correct",
        "of course", "yes please", "sure thing", "that's right", "go ahead", "absolutely",
        "I do", "yes I do", "please do", "affirmative",
    ),
    "AMAZON.NoIntent": (
        "no", "nope", "nah", "no thanks", "no thank you", "not really", "no I don't",
        "no way", "negative", "not now",
    ),
    "AMAZON.StopIntent": (
        "stop", "off", "shut up", "quiet", "be quiet", "quit", "that's enough", "enough",
        "stop it", "stop talking", "goodbye", "bye", "turn off", "end",
    ),
    "AMAZON.CancelIntent": (
        "cancel", "never mind", "nevermind", "forget it", "cancel that", "cancel it",
    ),
    "AMAZON.HelpIntent": (
        "help", "help me", "what can I say", "what can you do", "what do I say",
        "how does this work", "I need help", "can you help me", "what are my options",
    ),
    "AMAZON.RepeatIntent": (
        "repeat", "repeat that", "say that again", "say it again", "come again", "pardon",
        "what did you say", "can you repeat that", "once more",
    ),
    "AMAZON.StartOverIntent": (
        "start over", "start again", "restart", "begin again", "from the top",
        "start from the beginning",
    ),
    "AMAZON.PauseIntent": ("pause", "hold on", "hang on", "wait", "wait a moment", "pause that"),
    "AMAZON.ResumeIntent": ("resume", "continue", "keep going", "carry on", "go on", "unpause"),
    "AMAZON.NextIntent": ("next", "skip", "next one", "skip this", "skip ahead", "go forward"),
    "AMAZON.PreviousIntent": ("previous", "go back", "back", "previous one", "last one"),
    "AMAZON.NavigateHomeIntent": ("home", "go home", "main menu", "go to the main menu"),
    "AMAZON.MoreIntent": ("more", "tell me more", "more please", "show more"),
    "AMAZON.FallbackIntent": (),
}

# What Alexa's own slot types are said with in this skill (steps are few), for expanding samples.
BUILT_IN_VALUES: dict[str, tuple[str, ...]] = {
    "AMAZON.NUMBER": ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                      "ten"),
    "AMAZON.Ordinal": ("first", "second", "third", "fourth", "fifth", "sixth", "seventh",
                       "eighth"),
}

# Alexa's own number types as a model's slot types would list them: said as words, sent as
# digits ("three" and "third" are both "3").
BUILT_IN_TYPES: tuple[dict[str, Any], ...] = tuple(
    {"name": name, "values": [{"name": {"value": str(n), "synonyms": [w]}}
                              for n, w in enumerate(spoken.split())]}
    for name, spoken in (
        ("AMAZON.NUMBER", "zero one two three four five six seven eight nine ten eleven twelve"),
        ("AMAZON.Ordinal", "zeroth first second third fourth fifth sixth seventh eighth ninth "
                           "tenth eleventh twelfth")))

# Said during a session, "exit" ends it at once with a SessionEndedRequest; no intent is sent.
EXIT_PHRASES: tuple[str, ...] = ("exit", "exit skill", "exit the skill")

# Words Alexa accepts in front of an invocation name to start a skill with no request. People
# add words around them ("could you open ... please"); Alexa's docs allow for that.
LAUNCH_VERBS: tuple[str, ...] = (
    "open", "open up", "start", "start up", "launch", "begin", "load", "load up", "run", "play",
    "use", "talk to", "resume", "ask", "tell",
)
# Of those, the ones that carry a request ("ask cramp coach what causes cramps"); after the
# others, words that make no request just open the skill ("open cramp coach please").
REQUEST_VERBS: tuple[str, ...] = ("ask", "tell", "use")
WAKE_WORDS: tuple[tuple[str, ...], ...] = (("hey", "alexa"), ("ok", "alexa"), ("okay", "alexa"),
                                           ("alexa",))


def without_wake_word(tokens: list[str]) -> list[str]:
    """`tokens` without the wake word in front: the device hears it, the skill never does."""
    wake = next((w for w in WAKE_WORDS if tuple(tokens[: len(w)]) == w), ())
    return tokens[len(wake) :]


def sounds_like_name(said: Sequence[str], name: Sequence[str], edits: int) -> bool:
    """`said` is the invocation `name` with a sound or so slipped in some word ("cram coach",
    "camp coach": `edits` letters, never the first), and one word right: Alexa listens for the
    name after "open"."""
    if len(said) != len(name):
        return False
    pairs = list(zip(said, name, strict=True))
    return any(a == b for a, b in pairs) and all(
        a == b or (a[0] == b[0] and Levenshtein.distance(a, b) <= edits) for a, b in pairs)


def launch_verb(before: Sequence[str]) -> str | None:
    """The launch verb `before` ends with ("could you open"), if any."""
    return next((" ".join(before[i:]) for i in range(len(before))
                 if " ".join(before[i:]) in LAUNCH_VERBS), None)

# Carrier words that join "ask/tell <invocation>" to the request itself, longest first.
CARRIER_JOINERS: tuple[str, ...] = ("whether", "about", "that", "for", "to", "if", "and")

# Words that put the invocation name after the request: "<request> using <invocation>".
TRAILING_CARRIERS: tuple[str, ...] = ("using", "with", "from")
