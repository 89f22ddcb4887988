"""Fold what a person typed or said into the plain word form the resolver compares."""

from __future__ import annotations

import re
import unicodedata

MAX_CHARS = 400  # Alexa utterances are far shorter; longer input is cut before any matching.
MAX_WORDS = 40

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u02bc": "'"})
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_SPECIAL = {
    "can't": "can not", "cannot": "can not", "won't": "will not", "shan't": "shall not",
    "ain't": "is not", "let's": "let us", "y'all": "you all", "o'clock": "oclock",
}
# Only endings that are contractions in English; both sample and utterance pass through here,
# so "it's" and "it is" (or "I've" and "I have") come out the same on either side.
_SUFFIXES = (("n't", " not"), ("'re", " are"), ("'ve", " have"), ("'ll", " will"),
             ("'m", " am"), ("'d", " would"), ("'s", " is"))
_FILLER = frozenset({"please", "um", "umm", "uh", "uhh", "er", "erm", "hmm"})


def words(text: str) -> list[str]:
    """Lower-case words of `text` with punctuation dropped and contractions spelled out."""
    text = unicodedata.normalize("NFKC", text[:MAX_CHARS]).translate(_APOSTROPHES).casefold()
    out: list[str] = []
    for token in _WORD.findall(text.replace("&", " and ")):
        out.extend(_expand(token).split())
        if len(out) >= MAX_WORDS:
            break
    return [w for w in out[:MAX_WORDS] if w not in _FILLER]


def normalise(text: str) -> str:
    """The words of `text` joined by single spaces."""
    return " ".join(words(text))


def _expand(token: str) -> str:
    if "'" not in token:
        return _SPECIAL.get(token, token)
    if token in _SPECIAL:
        return _SPECIAL[token]
    for suffix, full in _SUFFIXES:
        if token.endswith(suffix) and len(token) > len(suffix):
            return token[: -len(suffix)].replace("'", "") + full
    return token.replace("'", "")
