"""Phrases Alexa itself supplies: built-in intents' standard samples and its invocation grammar."""

from __future__ import annotations

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

# Said during a session, "exit" ends it at once with a SessionEndedRequest; no intent is sent.
EXIT_PHRASES: tuple[str, ...] = ("exit", "exit skill", "exit the skill")

# Words Alexa accepts in front of an invocation name to start a skill with no request.
LAUNCH_VERBS: tuple[str, ...] = (
    "open", "open up", "start", "launch", "begin", "load", "run", "play", "use", "talk to",
    "resume", "ask", "tell",
)

# Carrier words that join "ask/tell <invocation>" to the request itself, longest first.
CARRIER_JOINERS: tuple[str, ...] = ("whether", "about", "that", "for", "to", "if", "and")

# Words that put the invocation name after the request: "<request> using <invocation>".
TRAILING_CARRIERS: tuple[str, ...] = ("using", "with", "from")
