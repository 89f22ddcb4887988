"""Fold what a person typed or said into the plain word form the resolver compares."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

MAX_CHARS = 400  # Alexa utterances are far shorter; longer input is cut before any matching.
MAX_WORDS = 40

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u02bc": "'"})
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_SPECIAL = {
    "can't": "can not", "cannot": "can not", "won't": "will not", "shan't": "shall not",
    "ain't": "is not", "let's": "let us", "y'all": "you all", "o'clock": "oclock",
    # Spoken run-togethers, spelled the way a sample would spell them.
    "gonna": "going to", "wanna": "want to", "gotta": "got to", "kinda": "kind of",
    "sorta": "sort of", "dunno": "do not know", "lemme": "let me", "gimme": "give me",
    "goodnight": "good night",
    # Typed without the apostrophe, as people type in a hurry; a recogniser writes "can't". Only
    # forms that are no other everyday word ("ill", "were", "well", "wed" stay as they are; "its"
    # too, but where an utterance opens: see `words`).
    "cant": "can not", "dont": "do not", "doesnt": "does not", "didnt": "did not",
    "isnt": "is not", "wasnt": "was not", "arent": "are not", "werent": "were not",
    "wont": "will not", "wouldnt": "would not", "couldnt": "could not", "shouldnt": "should not",
    "hasnt": "has not", "havent": "have not", "hadnt": "had not", "aint": "is not",
    "im": "i am", "ive": "i have", "youre": "you are", "theyre": "they are", "thats": "that is",
    "whats": "what is", "theres": "there is", "wheres": "where is", "whos": "who is",
}
# Only endings that are contractions in English; both sample and utterance pass through here,
# so "it's" and "it is" (or "I've" and "I have") come out the same on either side.
_SUFFIXES = (("n't", " not"), ("'re", " are"), ("'ve", " have"), ("'ll", " will"),
             ("'m", " am"), ("'d", " would"), ("'s", " is"))
_FILLER = frozenset({"please", "um", "umm", "uh", "uhh", "er", "erm", "hmm", "hm", "uhm", "ugh",
                     "argh", "ah", "ahh", "aah", "oh", "ooh", "mm", "mmm"})
# A sound drawn out in writing ("owww", "sooo", "noooo") is the word a recogniser hears: no
# English word has a letter three times running.
_DRAWN_OUT = re.compile(r"([^\W\d_])\1{2,}")
# Samples can't hold digits: an emergency number is spelled the way it is said, digit by digit.
# (Other numbers stay digits, as Alexa sends them in AMAZON.NUMBER slots.)
_SPOKEN_DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_DIGIT_BY_DIGIT = frozenset({"911", "999", "112"})
NUMBER_WORDS = frozenset((
    *_SPOKEN_DIGITS, "ten", "eleven", "twelve", "fifteen", "twenty", "thirty", "forty", "fifty",
    "sixty", "hundred", "once", "twice",
))


def words(text: str) -> list[str]:
    """Lower-case words of `text` with punctuation dropped and contractions spelled out."""
    text = unicodedata.normalize("NFKC", text[:MAX_CHARS]).translate(_APOSTROPHES).casefold()
    out: list[str] = []
    for token in _WORD.findall(text.replace("&", " and ")):
        if token == "its" and all(w in _FILLER for w in out):
            token = "it's"  # no sentence opens with "its": there it is "it's" typed in a hurry
        out.extend(_expand(_DRAWN_OUT.sub(r"\1", token)).split())
        if len(out) >= MAX_WORDS:
            break
    return [w for w in out[:MAX_WORDS] if w not in _FILLER]


def normalise(text: str) -> str:
    """The words of `text` joined by single spaces."""
    return " ".join(words(text))


def _expand(token: str) -> str:
    if token in _DIGIT_BY_DIGIT:
        return " ".join(_SPOKEN_DIGITS[int(d)] for d in token)
    if "'" not in token:
        return _SPECIAL.get(token, token)
    if token in _SPECIAL:
        return _SPECIAL[token]
    for suffix, full in _SUFFIXES:
        if token.endswith(suffix) and len(token) > len(suffix):
            return token[: -len(suffix)].replace("'", "") + full
    return token.replace("'", "")


# ---- light morphology -------------------------------------------------------------------------

# Forms no suffix rule reaches, folded onto the stem of their family.
_IRREGULAR = {
    "calves": "calf", "feet": "foot", "swollen": "swell", "breathe": "breath",
    "breathing": "breath", "breaths": "breath", "breathed": "breath", "breathless": "breath",
    "was": "be", "were": "be", "been": "be", "being": "be", "am": "be", "are": "be", "is": "be",
    "did": "do", "does": "do", "done": "done", "doing": "do",
    "has": "have", "had": "have", "having": "have",
    "got": "get", "gotten": "get", "getting": "get",
    "went": "go", "goes": "go", "going": "go", "gone": "gone",
    "felt": "feel", "woke": "wake", "woken": "wake", "took": "take", "taken": "take",
    "came": "come", "coming": "come", "lost": "lose", "losing": "lose",
    "medicines": "medicin", "medicine": "medicin", "meds": "medicat", "med": "medicat",
    "this": "this", "its": "it", "us": "us", "yes": "yes", "news": "news", "worse": "worse",
    "better": "better", "always": "always", "sometimes": "sometimes", "anymore": "anymore",
    "quite": "quite",  # not "quit": "it's quite red" is no request to stop
    "shiny": "shiny",  # not "shin": tight, shiny skin is swelling, not a shin cramp
}


_KEEP_EN = frozenset({"children", "kitchen", "chicken", "eleven", "between", "heaven", "women"})


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    """A light stem of one normalised word: plurals, -ing, -ed, -ness, -ion and the like folded.

    Deliberately crude and symmetric (samples and utterances pass through the same rules), so
    "cramp", "cramps", "cramping" and "cramped" meet, as do "prevent" and "prevention".
    """
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    w = word
    if len(w) <= 3 or not w.isalpha():
        return w
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("es") and len(w) > 4 and w[-3] in "shxz":
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    if w.endswith("ied") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("ness") and len(w) > 6:
        w = w[:-4]
    elif w.endswith(("ful", "ion")) and len(w) > 6:
        w = w[:-3]
    elif w.endswith("ing") and len(w) > 5:
        w = _undouble(w[:-3])
    elif w.endswith("ed") and len(w) > 4:
        w = _undouble(w[:-2])
    if len(w) > 5 and w.endswith("en") and w not in _KEEP_EN:
        w = w[:-2]  # "tighten" and "tight", "loosen" and "loose"
    if len(w) > 4 and w.endswith("y"):
        w = w[:-1]
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]
    return w


def _undouble(w: str) -> str:
    """The stem before a doubled final consonant: "run" from "runn"; "swell" keeps its l."""
    if len(w) > 2 and w[-1] == w[-2] and w[-1] not in "lsz":
        return w[:-1]
    return w
