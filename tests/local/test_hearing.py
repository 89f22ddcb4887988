"""Hearing: espeak-ng says requests, pocketsphinx hears them, the resolver reads what was heard.

Every test here makes real audio and decodes it: nothing stands in for the recogniser.
"""

from __future__ import annotations

import array
import copy
import io
import json
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from skill import model
from skill.local import dialogs, hearing, voice_test
from skill.local.chat import Chat, Options
from skill.local.microphone import Microphone
from skill.local.resolver import Resolver
from skill.local.speaker import Pyttsx3Synthesiser, probe

ROOT = Path(__file__).resolve().parents[2]
VOICE = "en-us+f5"  # one of test-voice's voices; the default male voice is mostly misheard
pytestmark = [
    pytest.mark.skipif(not probe().can_synthesise, reason="espeak-ng is not installed here"),
    pytest.mark.skipif(hearing.available() is not None, reason="pocketsphinx is not installed"),
]

SAID = {  # what is said -> the intent and slots it must reach, through speech
    "calf": ("my calf is cramping", "CrampReliefIntent", {"muscle": "calf"}),
    "chest": ("i have chest pain", "EmergencyIntent", {}),
    "swollen": ("my leg is swollen", "SymptomReportIntent", {"symptom": "swelling"}),
    "causes": ("what causes leg cramps", "CausesIntent", {}),
    "step": ("go to step three", "GoToStepIntent", {"number": "3"}),
    "invoked": ("ask cramp coach how do i prevent leg cramps", "PreventionIntent", {}),
    "launch": ("open cramp coach", "LaunchRequest", {}),
}


@pytest.fixture(scope="module")
def voices(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("said")
    jobs = [(text, folder / f"{key}.wav") for key, (text, _, _) in SAID.items()]
    Pyttsx3Synthesiser(voice=VOICE, rate=160).synthesise(jobs)
    return {path.stem: path for _, path in jobs}


@pytest.fixture(scope="module")
def ear() -> hearing.Ear:
    with hearing.Ear(model.load("en-US").raw) as built:
        yield built


def _hear(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "skill", "hear", *args], capture_output=True,
                          text=True, timeout=300, check=False)


def test_hear_resolves_spoken_requests_and_reports_bad_files(voices: dict[str, Path],
                                                            tmp_path: Path) -> None:
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF not really")
    files = [str(voices[key]) for key in SAID] + [str(broken)]
    done = _hear("--jsonl", *files)
    assert done.returncode == 2  # one file could not be read ...
    assert "broken.wav" in done.stderr and "not a PCM WAV" in done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["file"] for r in records] == [f for f in files if f != str(broken)]  # ... the rest
    for record, (_, intent, slots) in zip(records, SAID.values(), strict=False):
        assert set(record) == {"file", "heard", "intent", "slots"}
        assert record["intent"] == intent, record
        assert {k: v for k, v in record["slots"].items() if v is not None} == slots, record


ELSEWHERE = ("what is the weather in paris tomorrow", "play some jazz music",
             "set an alarm for seven", "turn off the kitchen lights", "tell me a joke",
             "what time is it in tokyo", "how tall is the eiffel tower",
             "add milk to my shopping list")


def test_out_of_domain_speech_is_heard_openly_and_mostly_stays_out(tmp_path: Path) -> None:
    jobs = [(text, tmp_path / f"{n}.wav") for n, text in enumerate(ELSEWHERE)]
    Pyttsx3Synthesiser(voice=VOICE, rate=160).synthesise(jobs)
    done = _hear("--jsonl", *(str(path) for _, path in jobs))
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    kept = [r["heard"] for r in records if r["intent"] == "AMAZON.FallbackIntent"]
    # Speech is forced towards the model's words, so some is misheard as a request (62% of the
    # development half's out-of-domain speech stays out); most of these plain requests must.
    assert len(kept) >= 5, records


# Requests in words the model never uses (many everyday words are in its out-of-domain samples).
UNKNOWN_WORDS = ("play the latest album by taylor swift", "spell the word necessary",
                 "convert ten miles to kilometres")


def test_the_open_hearing_hears_words_the_model_never_uses(tmp_path: Path) -> None:
    jobs = [(text, tmp_path / f"{n}.wav") for n, text in enumerate(UNKNOWN_WORDS)]
    Pyttsx3Synthesiser(voice=VOICE, rate=160).synthesise(jobs)
    raw = model.load("en-US").raw
    known = {w for phrase in hearing.corpus(raw) for w in phrase.split()}
    with hearing.Ear(raw) as ear:
        heard = []
        for _, path in jobs:
            with wave.open(str(path), "rb") as wav:
                samples, rate = wav.readframes(wav.getnframes()), wav.getframerate()
            heard.append(ear.hear(samples, rate, openly=True))
    assert any(set(text.split()) - known for text in heard), heard


def test_hear_without_the_grammar_listens_openly(voices: dict[str, Path]) -> None:
    done = _hear("--no-grammar", str(voices["causes"]))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{voices['causes']}: ")


class _TwoHearings:
    """An ear that hears one thing with the model's words and another openly."""

    grammar = True

    def __init__(self, first: str, openly: str) -> None:
        self.said = {False: first, True: openly}
        self.passes: list[bool] = []

    def hear(self, samples: bytes, rate: int, *, openly: bool = False) -> str:
        self.passes.append(openly)
        return self.said[openly]


@pytest.mark.parametrize(("first", "openly", "heard", "intent"), [
    # Out-of-domain speech forced into the model's words, read as a request but not certainly:
    # the open hearing says what it was, and it stays out of the domain.
    ("what is a leg the chemist tomorrow", "what is the weather in paris tomorrow",
     "what is the weather in paris tomorrow", "AMAZON.FallbackIntent"),
    # A cramp or an emergency, even read uncertainly, is never dropped on the open hearing's word.
    ("ow my calf is doing that thing again", "how my cat is doing that thing again",
     "ow my calf is doing that thing again", "CrampReliefIntent"),
    ("my chest is doing something weird", "my chess is doing something weird",
     "my chest is doing something weird", "EmergencyIntent"),
    # The open hearing finding some other request does not overrule the model's words.
    ("so how about those causes then", "so how about those cause is then",
     "so how about those causes then", "CausesIntent"),
])
def test_an_uncertain_reading_is_checked_against_an_open_hearing(
        first: str, openly: str, heard: str, intent: str, real: Resolver) -> None:
    assert real.resolve(first).score < 1.0  # else no second hearing is needed
    text, resolution = hearing.listen(_TwoHearings(first, openly), real, b"", 16_000)
    assert (text, resolution.sent()[0]) == (heard, intent)


def test_a_certain_reading_is_not_heard_twice(real: Resolver) -> None:
    ear = _TwoHearings("my calf is cramping", "my calf is cramping")
    hearing.listen(ear, real, b"", 16_000)
    assert ear.passes == [False]


def _write(path: Path, samples: array.array | bytes, rate: int, channels: int,
           width: int) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(width)
        out.setframerate(rate)
        out.writeframes(samples.tobytes() if isinstance(samples, array.array) else samples)
    return path


def _pcm(path: Path) -> tuple[array.array, int]:
    with wave.open(str(path), "rb") as src:
        assert (src.getsampwidth(), src.getnchannels()) == (2, 1)
        return array.array("h", src.readframes(src.getnframes())), src.getframerate()


@pytest.mark.skipif(sys.byteorder != "little", reason="builds little-endian test files by hand")
def test_any_rate_width_and_channel_count_is_heard(voices: dict[str, Path], tmp_path: Path,
                                                   ear: hearing.Ear, real: Resolver) -> None:
    mono, rate = _pcm(voices["calf"])
    stereo = array.array("h", (s for x in mono for s in (x, x // 2)))
    halved = array.array("h", ((mono[i] + mono[i + 1]) // 2 for i in range(0, len(mono) - 1, 2)))
    wide = bytes(b for x in mono for b in (0, *(x & 0xFFFF).to_bytes(2, "little")))  # 24-bit
    files = {
        "stereo": _write(tmp_path / "stereo.wav", stereo, rate, 2, 2),
        "11 kHz": _write(tmp_path / "low.wav", halved, rate // 2, 1, 2),  # upsampled to 16 kHz
        "24-bit": _write(tmp_path / "wide.wav", wide, rate, 1, 3),
        "8-bit": _write(tmp_path / "narrow.wav", bytes((x >> 8) + 128 for x in mono), rate, 1, 1),
    }
    for kind, path in files.items():
        samples, got_rate = hearing.read_wav(path)
        text, resolution = hearing.listen(ear, real, samples, got_rate)
        assert resolution.intent == "CrampReliefIntent", (kind, text)
        assert resolution.slots["muscle"].value == "calf", (kind, text)


def test_samples_become_sixteen_bit_mono_exactly() -> None:
    stereo = array.array("h", [1000, -1000, 300, 501]).tobytes()
    assert array.array("h", hearing.mono16(stereo, 2, 2)).tolist() == [0, 400]
    assert array.array("h", hearing.mono16(bytes([0x56, 0x34, 0x12]), 3, 1)).tolist() == [0x1234]
    assert array.array("h", hearing.mono16(bytes([0, 255]), 1, 1)).tolist() == [-32768, 127 << 8]
    assert array.array("h", hearing.upsample(array.array("h", [0, 100]).tobytes(), 8000,
                                             16000)).tolist() == [0, 50, 100, 100]
    with pytest.raises(hearing.HearingError, match="40-bit"):
        hearing.mono16(bytes(10), 5, 1)


def test_the_language_model_follows_the_interaction_model(tmp_path: Path) -> None:
    said = tmp_path / "new.wav"
    Pyttsx3Synthesiser(voice=VOICE, rate=150).synthesise([("my calf went kaput", said)])
    samples, rate = hearing.read_wav(said)
    raw = copy.deepcopy(model.load("en-US").raw)
    intents = raw["interactionModel"]["languageModel"]["intents"]
    relief = next(i for i in intents if i["name"] == "CrampReliefIntent")
    before = hearing.Ear(raw)
    relief["samples"].append("my {muscle} went kaput")  # a word the model never used
    after = hearing.Ear(raw)
    try:
        assert "kaput" not in before.hear(samples, rate).split()
        assert after.hear(samples, rate) == "my calf went kaput"
    finally:
        before.close()
        after.close()


def test_words_missing_from_the_dictionary_get_sounds_from_espeak() -> None:
    phones = hearing.spoken_phones(["hammy", "spironolactone"])
    assert phones["hammy"] == "HH AE M IY"
    assert phones["spironolactone"].startswith("S P AY")
    assert hearing.arpabet("kɹˈæmps") == "K R AE M P S"  # noqa: RUF001 (IPA stress mark)
    assert hearing.arpabet("☃") == ""  # unknown symbols give no guess rather than a wrong one


class _Recorded:
    """A microphone that 'records' a prepared WAV, consuming the Enter that ends recording."""

    def __init__(self, *paths: Path) -> None:
        self.paths = list(paths)

    def problem(self) -> None:
        return None

    def record(self, path: Path, lines: io.TextIOBase) -> Path:
        lines.readline()
        path.write_bytes(self.paths.pop(0).read_bytes())
        return path


def test_chat_listens_push_to_talk(voices: dict[str, Path], ear: hearing.Ear) -> None:
    out, notices = io.StringIO(), io.StringIO()
    chat = Chat(Options(jsonl=True, listen=True), out, notices,
                microphone=_Recorded(voices["calf"]), ear_factory=lambda: ear)
    # Enter starts recording, Enter stops it; then a typed line still works.
    assert chat.run(io.StringIO("\n\nit's better now\n")) == 0
    turns = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [t["intent"] for t in turns] == ["CrampReliefIntent", "CrampGoneIntent"]
    assert dialogs.spoken_keys(turns[0]["ssml"])[0] == "step.stretch.calf"
    assert "(heard: 'my calf is cramping')" in notices.getvalue()


def test_chat_without_a_microphone_says_so_once_and_carries_on_in_text() -> None:
    out, notices = io.StringIO(), io.StringIO()
    missing = Microphone(which=lambda name: None)
    chat = Chat(Options(jsonl=True, listen=True), out, notices, microphone=missing)
    assert chat.run(io.StringIO("my calf is cramping\n\nnext\n")) == 0
    assert notices.getvalue().count("Listening is off: arecord is not installed") == 1
    assert [json.loads(line)["intent"] for line in out.getvalue().splitlines()] == [
        "CrampReliefIntent", "AMAZON.NextIntent"]


def test_a_machine_with_no_capture_device_has_no_microphone() -> None:
    def run(command: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        listing = "**** List of CAPTURE Hardware Devices ****\n" if command[-1] == "-l" else (
            "null\n    Discard all samples\ndefault\n")
        return subprocess.CompletedProcess(command, 0, listing, "")

    assert Microphone(which=lambda name: "/usr/bin/arecord", run=run).problem() == (
        "no microphone was found")


def test_test_voice_speaks_every_intent_and_the_dialog_utterances() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "skill", "test-voice", "--per-intent", "1", "--rates", "170",
         "--dialogs", str(ROOT / "tests/dialogs/spoken.yaml"), "--json", "--min-accuracy",
         "0.8"], capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    summary = json.loads(done.stdout)
    intents = {i["name"] for i in model.load("en-US").raw["interactionModel"]["languageModel"][
        "intents"]}
    assert set(summary["by_intent"]) >= intents | {"LaunchRequest"}
    spoken = {" ".join(hearing.spoken(str(t["say"])))
              for d in dialogs.load(ROOT / "tests/dialogs/spoken.yaml") for t in d.turns
              if "say" in t}
    # One sample of each intent, the launch, and each distinct dialog line; two voices, one rate.
    assert summary["trials"] == 2 * (len(intents) + 1 + len(spoken))
    assert summary["accuracy"] >= 0.8


def test_test_voice_refuses_a_voice_espeak_does_not_have() -> None:
    # espeak-ng would quietly speak these in its default voice, which the figures do not describe.
    for voice, unknown in (("en-us+f5,typo", "typo"), ("en-us+F5", "en-us+F5"),
                           ("en-us+nosuchvariant", "en-us+nosuchvariant")):
        done = subprocess.run([sys.executable, "-m", "skill", "test-voice", "--per-intent", "1",
                               "--voices", voice], capture_output=True, text=True, timeout=120,
                              check=False)
        assert done.returncode == 2 and not done.stdout
        assert f"espeak-ng has no voice {unknown}:" in done.stderr
    assert voice_test.unknown_voices(["en-us+f5", "en-gb", "en-us+Alicia"]) == []
