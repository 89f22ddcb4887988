"""Hear spoken requests offline: pocketsphinx, steered by a language model made from our own model.

A device's recogniser is biased towards the skill's words; this imitates that. The interaction
model's samples (slots filled in turn with every value and synonym), Alexa's built-in phrases and
the invocation grammar become a trigram language model, built when an `Ear` is made, so it always
matches the model on disk. A second copy adds the ten thousand commonest English words as
unigrams: the open fallback. Speech the model's words do not fit (it resolves to the fallback) is
heard again with it, so it comes out as the words said, not forced onto the nearest sample; the
first pass goes without them, because they make short requests ("ta ta") easier to mishear.
Words pocketsphinx's dictionary lacks ("hammy", "spironolactone") get their sounds from espeak-ng.
"""

from __future__ import annotations

import array
import io
import itertools
import math
import re
import shutil
import subprocess
import sys
import tempfile
import wave
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from skill.local.alexa_phrases import BUILT_IN_VALUES, STANDARD_SAMPLES
from skill.local.resolution import RELIEF_OR_SAFETY

RATE = 16_000  # what the acoustic model was trained on; higher rates are decoded as they are
GENERAL_WORDS = 10_000  # commonest words of pocketsphinx's English model kept as the open fallback
INSTALL_HINT = "pip install 'cramp-coach[local]'"
# Tuned on the model's own samples and on development paraphrases said by espeak-ng (never on
# the held-out ones). A small discount keeps most of the language model's weight on word
# sequences the samples contain, but a person seldom says a sample whole. Samples right (intent;
# with slots) and 600 development lines said aloud (intent; slots): at 0.02, 91.7/90.9 and
# 77.2/71.9; at 0.05, 91.4/90.3 and 80.5/76.2; at 0.1, 90.9/89.8 and 81.0/77.5; at 0.25,
# 89.1/87.8 and 81.0/79.0. 0.05 keeps the samples at 90% with most of the gain.
DISCOUNT = 0.05  # the share of each history's probability left for unseen words
# More Gaussians scored per frame (default 4) and wider beams (defaults 1e-48, 7e-29, 1e-48):
# short requests ("aye", "time me") are lost early otherwise. About twice the decoding time.
SEARCH = {"topn": 16, "beam": 1e-70, "wbeam": 1e-50, "pbeam": 1e-70}
_WORD = re.compile(r"[a-z0-9']+")
_DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_INVOKE = ("open {name}", "start {name}", "launch {name}", "alexa open {name}", "talk to {name}")
_CARRY = ("ask {name} {request}", "tell {name} {request}", "alexa tell {name} {request}",
          "ask {name} about {request}", "tell {name} that {request}")
_CARRIED_SHARE = 5  # one sample in this many is also said with the invocation name
# espeak-ng's IPA for English, as the ARPAbet phones of pocketsphinx's dictionary; longest first.
_IPA = {"aɪə": "AY ER", "aɪɚ": "AY ER", "eɪ": "EY", "aɪ": "AY", "aʊ": "AW", "ɔɪ": "OY",
        "oʊ": "OW", "əʊ": "OW", "tʃ": "CH", "dʒ": "JH", "ɜː": "ER", "ɑːɹ": "AA R", "iə": "IY AH",
        "ɑː": "AA", "ɔː": "AO", "iː": "IY", "uː": "UW", "æ": "AE", "ɑ": "AA", "ɒ": "AA",
        "ʌ": "AH", "ə": "AH", "ɐ": "AH", "ɚ": "ER", "ɜ": "ER", "ɛ": "EH", "e": "EH", "ɪ": "IH",
        "ᵻ": "IH", "i": "IY", "ɔ": "AO", "o": "OW", "ʊ": "UH", "u": "UW", "a": "AE", "p": "P",
        "b": "B", "t": "T", "d": "D", "k": "K", "ɡ": "G", "g": "G", "f": "F", "v": "V",
        "θ": "TH", "ð": "DH", "s": "S", "z": "Z", "ʃ": "SH", "ʒ": "ZH", "h": "HH", "m": "M",
        "n": "N", "ŋ": "NG", "l": "L", "ɹ": "R", "r": "R", "w": "W", "j": "Y", "ɾ": "T",
        "x": "HH", "ʔ": "", "ˈ": "", "ˌ": "", "ː": "", "̩": "", "-": ""}


class HearingError(Exception):
    """Speech could not be heard: no engine, or audio it cannot read. The message says which."""


def available() -> str | None:
    """None when hearing can work here, else why not (for a notice)."""
    try:
        import pocketsphinx  # noqa: F401
    except ImportError:
        return f"pocketsphinx is not installed ({INSTALL_HINT})"
    return None


class Ear:
    """A pocketsphinx recogniser for one interaction model; `grammar=False` listens openly."""

    def __init__(self, model: Mapping[str, Any] | None, *, grammar: bool = True) -> None:
        if (why := available()) is not None:
            raise HearingError(why)
        from pocketsphinx import get_model_path

        self._models = Path(get_model_path())
        self._dictionary = self._models / "en-us" / "cmudict-en-us.dict"
        self._decoders: dict[tuple[int, bool], Any] = {}
        self._files = tempfile.TemporaryDirectory(prefix="cramp-coach-ear-")
        self.grammar = grammar and model is not None
        self.phrases: list[str] = []
        if self.grammar and model is not None:
            self.phrases = corpus(model)
            self._write_language_model(Path(self._files.name))

    def close(self) -> None:
        """Remove the generated files."""
        self._files.cleanup()

    def __enter__(self) -> Ear:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def hear(self, samples: bytes, rate: int, *, openly: bool = False) -> str:
        """Decode 16-bit mono little-endian PCM at `rate` into lower-case words ('' if none).

        `openly` adds the general English words to the model's: for speech the model does not
        cover, which the model's words alone would force onto its nearest sample.
        """
        if rate < RATE:
            samples, rate = upsample(samples, rate, RATE), RATE
        decoder = self._decoder(rate, openly and self.grammar)
        decoder.start_utt()
        decoder.process_raw(samples, full_utt=True)
        decoder.end_utt()
        hypothesis = decoder.hyp()
        return hypothesis.hypstr.strip() if hypothesis is not None else ""

    def _decoder(self, rate: int, openly: bool) -> Any:
        # The front end computes its features at the audio's own rate over the same frequency
        # band, so 22,050 Hz from espeak-ng or 44,100 Hz from a microphone need no resampling.
        if (rate, openly) not in self._decoders:
            from pocketsphinx import Decoder

            files = Path(self._files.name)
            lm = files / ("open.arpa" if openly else "model.arpa")
            extra = {"lm": str(lm), "dict": str(files / "words.dict")} if self.grammar else {}
            self._decoders[rate, openly] = Decoder(samprate=rate, loglevel="FATAL",
                                                   **SEARCH, **extra)
        return self._decoders[rate, openly]

    def _write_language_model(self, folder: Path) -> None:
        from pocketsphinx.lm import ArpaBoLM

        vocabulary: set[str] = set()
        for name, general in (("model", []), ("open", self._general_words())):
            lm = ArpaBoLM(text="\n".join(self.phrases), add_start=True,
                          discount_mass=DISCOUNT)
            for word in general:
                lm.grams_1.setdefault(word, 1)  # seen once: there, but far below the model's
            lm.compute()
            out = io.StringIO()
            lm.write(out)
            (folder / f"{name}.arpa").write_text(out.getvalue(), encoding="utf-8")
            vocabulary |= {w for w in lm.grams_1 if not w.startswith("<")}
        known = pronunciations(self._dictionary, vocabulary)
        missing = sorted(vocabulary - {word.split("(", 1)[0] for word, _ in known})
        lines = [f"{word} {phones}" for word, phones in known]
        lines += [f"{word} {phones}" for word, phones in spoken_phones(missing).items()]
        (folder / "words.dict").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def _general_words(self) -> list[str]:
        """The commonest words of pocketsphinx's general English model, most likely first."""
        from pocketsphinx import NGramModel

        general = NGramModel.readfile(str(self._models / "en-us" / "en-us.lm.bin"))
        scored = []
        for word in _dictionary_words(self._dictionary):
            if word.isalpha():
                scored.append((general.prob([word]), word))
        return [w for _, w in sorted(scored, reverse=True)[:GENERAL_WORDS]]


def listen(ear: Ear, resolver: Any, samples: bytes, rate: int) -> tuple[str, Any]:
    """What is heard in `samples` and what it resolves to, heard openly if the model misses it.

    The first hearing knows only the model's words, so out-of-domain speech comes out as some
    request of the model's. When that reading is not certain, the speech is heard openly too,
    and if the open hearing is out of the domain, so is the request; except a cramp, a warning
    sign or an emergency, which is never dropped on a guess (the safer disposition). Said by
    espeak-ng, the development half's out-of-domain requests then stayed out 62% of the time (55%
    before), and no request heard right was lost.
    """
    text = ear.hear(samples, rate)
    resolution = resolver.resolve(text)
    if not ear.grammar or (not resolution.is_fallback and (
            resolution.score >= 1.0 or resolution.sent()[0] in RELIEF_OR_SAFETY)):
        return text, resolution
    heard = ear.hear(samples, rate, openly=True)
    reading = resolver.resolve(heard)
    if resolution.is_fallback or reading.is_fallback:
        return heard, reading
    return text, resolution


def corpus(model: Mapping[str, Any]) -> list[str]:
    """The phrases a device would expect: samples with every slot value, built-ins, invocations."""
    lm = model.get("interactionModel", {}).get("languageModel", model)
    values = {t["name"]: [p for v in t.get("values", ())
                          for p in (v["name"]["value"], *v["name"].get("synonyms", ()))]
              for t in lm.get("types", ())}
    values |= {kind: list(said) for kind, said in BUILT_IN_VALUES.items()}
    name = " ".join(spoken(lm.get("invocationName", "")))
    phrases = [form.format(name=name) for form in _INVOKE] if name else []
    for intent in lm.get("intents", ()):
        slots = {s["name"]: s["type"] for s in intent.get("slots", ())}
        samples = [*intent.get("samples", ()), *STANDARD_SAMPLES.get(intent["name"], ())]
        for n, text in enumerate(_filled(samples, slots, values)):
            phrases.append(" ".join(spoken(text)))
            if name and n % _CARRIED_SHARE == 0:
                carrier = _CARRY[(n // _CARRIED_SHARE) % len(_CARRY)]
                phrases.append(carrier.format(name=name, request=phrases[-1]))
    return [p for p in phrases if p]


def _filled(samples: Sequence[str], slots: Mapping[str, str],
            values: Mapping[str, Sequence[str]]) -> Iterator[str]:
    """Each sample, and its slots filled in turn with every value and synonym of their types."""
    wheels = {slot: itertools.cycle(values.get(kind) or [slot]) for slot, kind in slots.items()}
    uses = {slot: sum(f"{{{slot}}}" in s for s in samples) for slot in slots}
    for sample in samples:
        named = [slot for slot in slots if f"{{{slot}}}" in sample]
        # Enough fillings that the intent's samples, together, say each value at least once.
        times = max([1, *(math.ceil(len(values.get(slots[s], ())) / uses[s]) for s in named)])
        for _ in range(times):
            text = sample
            for slot in named:
                text = text.replace(f"{{{slot}}}", next(wheels[slot]))
            yield text


def spoken(text: str) -> list[str]:
    """Lower-case words as a recogniser writes them: digits said as words, no punctuation."""
    out: list[str] = []
    for word in _WORD.findall(text.lower()):
        if not word.isdigit():
            out.append(word.strip("'"))
        elif int(word) < len(_DIGITS):
            out.append(_DIGITS[int(word)])
        else:  # said digit by digit: rare in this model, and never a step number
            out.extend(_DIGITS[int(d)] for d in word)
    return [w for w in out if w]


def _dictionary_words(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            word = line.split(" ", 1)[0]
            if "(" not in word:
                yield word


def pronunciations(path: Path, words: Iterable[str]) -> list[tuple[str, str]]:
    """Every pronunciation pocketsphinx's dictionary has for `words` (variants included)."""
    wanted = set(words)
    found = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            entry, _, phones = line.rstrip("\n").partition(" ")
            if entry.split("(", 1)[0] in wanted:
                found.append((entry, phones.split("#", 1)[0].strip()))
    return found


def spoken_phones(words: Sequence[str]) -> dict[str, str]:
    """ARPAbet phones for words the dictionary lacks, from espeak-ng's American pronunciation."""
    espeak = shutil.which("espeak-ng")
    if not words or espeak is None:
        return {}
    done = subprocess.run([espeak, "-q", "-v", "en-us", "--ipa"], input="\n".join(words) + "\n",
                          capture_output=True, text=True, timeout=60, check=False)
    lines = [line.strip() for line in done.stdout.splitlines() if line.strip()]
    if done.returncode != 0 or len(lines) != len(words):
        return {}
    return {word: phones for word, ipa in zip(words, lines, strict=True)
            if (phones := arpabet(ipa))}


def arpabet(ipa: str) -> str:
    """espeak-ng's IPA as ARPAbet phones; '' if a symbol is unknown."""
    phones: list[str] = []
    at = 0
    longest = max(map(len, _IPA))
    while at < len(ipa):
        if ipa[at].isspace():
            at += 1
            continue
        for size in range(longest, 0, -1):
            if (piece := ipa[at : at + size]) in _IPA:
                phones.extend(_IPA[piece].split())
                at += size
                break
        else:
            return ""
    return " ".join(phones)


def read_wav(path: str | Path) -> tuple[bytes, int]:
    """A PCM WAV file as 16-bit mono little-endian samples, and its rate."""
    try:
        with wave.open(str(path), "rb") as src:
            width, channels, rate = src.getsampwidth(), src.getnchannels(), src.getframerate()
            data = src.readframes(src.getnframes())
    except (wave.Error, EOFError) as exc:
        why = f" ({exc})" if str(exc) else ""
        raise HearingError(f"{path}: not a PCM WAV file{why}") from exc
    except OSError as exc:
        raise HearingError(f"{path}: {exc.strerror or exc}") from exc
    return mono16(data, width, channels), rate


def mono16(data: bytes, width: int, channels: int) -> bytes:
    """PCM of any width (1 to 4 bytes) and channel count as 16-bit mono, channels averaged."""
    if width == 1:  # 8-bit WAV is unsigned
        samples = array.array("h", ((b - 128) << 8 for b in data))
    elif width in (2, 3, 4):
        top = bytearray(len(data) // width * 2)  # the two most significant bytes of each
        top[0::2], top[1::2] = data[width - 2 :: width], data[width - 1 :: width]
        samples = array.array("h", bytes(top))
        if sys.byteorder == "big":
            samples.byteswap()
    else:
        raise HearingError(f"{width * 8}-bit samples are not supported")
    if channels > 1:
        frames = len(samples) // channels
        samples = array.array("h", (sum(samples[i * channels : (i + 1) * channels]) // channels
                                    for i in range(frames)))
    if sys.byteorder == "big":
        samples.byteswap()
    return samples.tobytes()


def upsample(samples: bytes, rate: int, target: int) -> bytes:
    """16-bit mono PCM raised from `rate` to `target` by linear interpolation (no new content)."""
    src = array.array("h", samples)
    if sys.byteorder == "big":
        src.byteswap()
    if not src:
        return b""
    step = rate / target
    count = int(len(src) / step)
    out = array.array("h", bytes(2 * count))
    last = len(src) - 1
    for i in range(count):
        x = i * step
        j = int(x)
        k = min(j + 1, last)
        out[i] = int(src[j] + (src[k] - src[j]) * (x - j))
    if sys.byteorder == "big":
        out.byteswap()
    return out.tobytes()
