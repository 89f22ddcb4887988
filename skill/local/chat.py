"""The local chat: type (or pipe) what a person says, hear the real skill answer."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from skill.local.simulator import Simulator, Turn
from skill.local.speaker import Speaker

COMMANDS = {
    "/launch": "open the skill (a LaunchRequest)",
    "/nameless": "/nameless <words>: would the skill claim them, said without its name?",
    "/new": "start a new session",
    "/help": "list these commands",
    "/quit": "leave",
}


@dataclass
class Options:
    """How the chat shows and voices the skill's answers."""

    text: bool = False  # print only, never speak
    jsonl: bool = False  # one JSON object per request turn on stdout; notices on stderr
    save_audio: Path | None = None  # one WAV per turn here
    locale: str = "en-US"
    screen: bool = False  # an Echo Show: send APL, print what the screen shows
    listen: bool = False  # an empty line records from the microphone until the next Enter


class Chat:
    """Reads utterances line by line and answers each through the simulator."""

    def __init__(self, options: Options, out: TextIO, notices: TextIO, *,
                 simulator: Simulator | None = None,
                 speaker_factory: Callable[[], Speaker] = Speaker,
                 microphone: Any = None, ear_factory: Callable[[], Any] | None = None) -> None:
        self.options = options
        self.out = out
        self.notices = notices
        self.simulator = simulator or Simulator(options.locale)
        wants_voice = not (options.text or options.jsonl) or options.save_audio is not None
        self.speaker = speaker_factory() if wants_voice else None
        self.turns = 0
        self._microphone = microphone
        self._ear_factory = ear_factory
        self._ear: Any = None
        self._lines: TextIO | None = None

    def run(self, lines: TextIO, prompt: bool = False) -> int:
        """Answer every line until /quit or end of input; the exit status."""
        if self.options.save_audio:
            self.options.save_audio.mkdir(parents=True, exist_ok=True)
        if self.speaker is not None and (message := self.speaker.notice()):
            self.notice(message)
        self._lines = lines
        if self.options.listen:
            self.start_listening()
        while True:
            if prompt:
                self.out.write("you> ")
                self.out.flush()
            line = lines.readline()
            if not line:
                return 0
            if self.handle(line.strip()) == "quit":
                return 0

    def handle(self, line: str) -> str | None:
        """Act on one line; "quit" when the chat should end."""
        if not line and self._ear is not None:
            line = self.hear()
        if not line:
            self.notice("(nothing heard: say something, or /quit to leave)")
            return None
        if line.startswith("/"):
            name, _, rest = line.partition(" ")
            if name.lower() == "/nameless":
                self.claim(rest.strip())
                return None
            return self.command(name.lower())
        self.answer(self.simulator.say(line))
        return None

    def start_listening(self) -> None:
        """Get the microphone and recogniser ready, or say once why not and carry on in text."""
        from skill.local import hearing
        from skill.local.microphone import Microphone

        self._microphone = self._microphone or Microphone()
        problem = hearing.available() or self._microphone.problem()
        if problem is not None:
            self.notice(f"Listening is off: {problem}. Carrying on in text.")
            return
        from skill import model

        self._ear = (self._ear_factory
                     or (lambda: hearing.Ear(model.load(self.options.locale).raw)))()
        self.notice("(press Enter, speak, press Enter again; or type)")

    def hear(self) -> str:
        """Record one request and return what was heard ('' for nothing)."""
        from skill.local import hearing

        assert self._lines is not None
        self.notice("(listening... press Enter when done)")
        with tempfile.TemporaryDirectory(prefix="cramp-coach-mic-") as tmp:
            path = self._microphone.record(Path(tmp) / "said.wav", self._lines)
            try:
                samples, rate = hearing.read_wav(path)
            except hearing.HearingError as exc:
                self.notice(f"(could not hear that: {exc})")
                return ""
        text, _ = hearing.listen(self._ear, self.simulator.resolver, samples, rate)
        self.notice(f"(heard: {text!r})" if text else "(heard nothing)")
        return text

    def command(self, name: str) -> str | None:
        if name == "/quit":
            return "quit"
        if name == "/launch":
            self.answer(self.simulator.launch())
        elif name == "/new":
            self.simulator.new_session()
        elif name == "/help":
            self.notice("  ".join(f"{k}: {v}" for k, v in COMMANDS.items()))
        else:
            self.notice(f"(unknown command {name}; try /help)")
        return None

    def claim(self, words: str) -> None:
        """Show whether the skill would take `words` said without its name, slot by slot."""
        found = self.simulator.nameless(words) if words else None
        if found is None:
            self.notice("(no intent to ask about: try /nameless i've got a leg cramp)")
            return
        if self.options.jsonl:
            self.out.write(json.dumps(found.as_json(), ensure_ascii=False) + "\n")
        else:
            slots = ", ".join(f"{k}={v!r}: {found.understood.get(k, 'not asked')}"
                              for k, v in found.slots.items())
            self.out.write(f"name-free {found.intent}: {found.answer}"
                           + (f" ({slots})" if slots else "") + "\n")
        self.out.flush()

    def answer(self, turn: Turn) -> None:
        """Show, then voice, one turn."""
        self.turns += 1
        shown = turn.screen if self.options.screen else None
        if self.options.jsonl:
            record = turn.as_json() | ({"screen": shown} if self.options.screen else {})
            self.out.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            self.out.write(f"Cramp Coach: {turn.speech or '(silence)'}\n")
            if shown is not None:
                self.out.write(f"  [screen] {json.dumps(shown, ensure_ascii=False)}\n")
            if turn.end_session:
                self.out.write("(the session has ended; say something to start a new one)\n")
        self.out.flush()
        if self.speaker is None or not turn.ssml:
            return
        if self.options.save_audio:
            self.speaker.save(turn.ssml, self.options.save_audio / f"turn-{self.turns:03d}.wav")
        if not (self.options.text or self.options.jsonl):
            self.speaker.say(turn.ssml)
        if message := self.speaker.notice():
            self.notice(message)

    def notice(self, message: str) -> None:
        self.notices.write(message + "\n")
        self.notices.flush()

