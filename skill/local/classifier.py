"""The statistical half of the resolver: an intent classifier trained on the model's samples.

An utterance is scored against every sample by the words they share, each word weighted by how
few intents use it, as Alexa's own classifier learns which words tell its intents apart. The
score blends the nearest sample's weighted overlap with how much of the utterance the intent's
samples explain between them; the resolver sends anything below its threshold to the fallback.
Just below the threshold the nearest sample is in doubt, and the evidence of every word against
all of each intent's samples together (naive Bayes) has a say. It knows nothing of any intent
or word but what the samples teach.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import numpy as np

from skill.local.normalise import stem

# How words are weighed: log(1 + intents / intents using it); a word no intent uses weighs as
# much as the rarest, so an utterance mostly about something else stays out of the domain.
_UNSEEN = 1.0
_PAIR_WEIGHT = 0.5  # two neighbouring words count again at half weight: some order matters
# The score: the weighted Dice overlap with the nearest sample, blended with the share of the
# utterance's words found anywhere in the intent's samples (a request spread over several).
_SPREAD_SHARE = 0.4
# "It's not gone" shares every word but one with "it's gone": a bag of words can't see the
# scope of a negation, so a sample and utterance that disagree on one lose this much.
_NEGATIONS = frozenset({"not", "never", "no"})
_NEGATION_COST = 0.25
# Function words carry the grammar, not the request: alone they weigh nothing, in a pair with a
# neighbour ("i be", "it not") they count. Negations and question words are not among them.
_FUNCTION_WORDS = (
    "a an the my me i you your it its is am are be was were being been do does did to of in on "
    "at for with and or so that this these those there here some any just really very like kind "
    "sort bit little lot can could would will have has had get got us our we they them he she "
    "his her also too as about from by then well")
FUNCTION_STEMS = frozenset(stem(w) for w in _FUNCTION_WORDS.split())
# A request told as a story, longer than `_STORY` of the samples, matches no one sample well,
# though its words may all point one way. Within `_DOUBT` of the threshold, an intent gains up
# to `_DOUBT` by the naive-Bayes posterior of its samples' words (counts smoothed by
# `_SMOOTHING`). Chosen on unread blind speech: it lifts stories into the domain; shorter
# requests, where a word or two would decide, and out-of-domain ones stay where they were.
_STORY = 0.95
_DOUBT = 0.1
_SMOOTHING = 0.1
# In a story, the words and pairs no sample has are mostly its setting ("I'd been on my feet all
# day at the warehouse"), not the request: they weigh this share of what they weigh elsewhere.
_STORY_UNSEEN = 0.5


class Example(NamedTuple):
    """One sample as the classifier learns it."""

    intent: str
    typed: tuple[str, ...]  # stems, with each slot value and placeholder as its type's <token>
    alone: bool  # a slot value said alone: its words prove little wherever they are


class Classifier:
    """Nearest-sample scoring over weighted words and word pairs."""

    def __init__(self, examples: Sequence[Example]) -> None:
        feats = [dict.fromkeys(e.typed) if e.alone else _features(e.typed) for e in examples]
        users: dict[str, set[str]] = defaultdict(set)
        vocab: dict[str, set[str]] = defaultdict(set)
        postings: dict[str, list[int]] = defaultdict(list)
        counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for k, (example, fs) in enumerate(zip(examples, feats, strict=True)):
            vocab[example.intent].update(example.typed)
            for f in fs:
                users[f].add(example.intent)
                postings[f].append(k)
                counts[example.intent][f] += 1
        self._n = len(vocab)
        self._df = {f: len(i) for f, i in users.items()}
        self._vocab = dict(vocab)
        # Every sample is scored on every utterance: as arrays, one sum per feature said.
        self._postings = {f: np.array(ks, dtype=np.intp) for f, ks in postings.items()}
        self._sizes = np.array([max(1e-9, sum(map(self.weight, fs))) for fs in feats])
        self._negated = np.array([not _NEGATIONS.isdisjoint(e.typed) for e in examples])
        self._alone = np.array([e.alone for e in examples])
        # The samples grouped by intent, in the model's order (each group in the samples' order,
        # so the first best in a group is the earliest sample), and where each group lies.
        rank = {i: k for k, i in enumerate(dict.fromkeys(e.intent for e in examples))}
        self._by_intent = np.argsort([rank[e.intent] for e in examples], kind="stable")
        sizes = Counter(e.intent for e in examples)
        ends = itertools.accumulate(sizes[i] for i in rank)
        self._groups = [(i, end - sizes[i], end) for i, end in zip(rank, ends, strict=True)]
        # Per intent: log P(feature | intent) for its features, and for any other known one
        # (every feature of every sample is in `_df`).
        self._likelihood: dict[str, tuple[dict[str, float], float]] = {}
        for intent, c in counts.items():
            size = sum(c.values()) + _SMOOTHING * len(self._df)
            self._likelihood[intent] = (
                {f: math.log((n + _SMOOTHING) / size) for f, n in c.items()},
                math.log(_SMOOTHING / size))
        lengths = sorted(len(e.typed) for e in examples if not e.alone)
        self._story = lengths[int(_STORY * (len(lengths) - 1))] if lengths else 0

    def samples_with(self, feature: str) -> int:
        """How many samples have `feature`."""
        return len(self._postings.get(feature, ()))

    def weight(self, feature: str) -> float:
        """How much `feature` tells the intents apart: more the fewer intents use it."""
        w = math.log(1 + self._n / self._df.get(feature, _UNSEEN))
        if " " in feature:
            return w * _PAIR_WEIGHT
        return 0.0 if feature in FUNCTION_STEMS else w

    def classify(self, typed: Sequence[str], threshold: float) -> tuple[float, int] | None:
        """The best (score, index of the sample): nearest sample by weighted overlap, with its
        intent's coverage of the utterance's words; just below `threshold`, with the words'
        evidence over each intent's samples too."""
        story = len(typed) > self._story

        def weight(f: str) -> float:
            w = self.weight(f)
            return w * _STORY_UNSEEN if story and f not in self._df else w

        wanted = {f: weight(f) for f in _features(typed)}
        total = sum(wanted.values())
        shared = np.zeros(len(self._sizes))  # each sample's weight of the features said
        for f, w in wanted.items():
            if w and (ks := self._postings.get(f)) is not None:
                shared[ks] += w
        # A story's "not" is seldom the request's ("it's not from the heat pad, but it's hot"):
        # there a sample's negation, or its lack, costs nothing.
        cost = 0.0 if story else _NEGATION_COST
        dice = 2 * shared / (total + self._sizes)
        # A value alone: its words, wherever they are, prove little, so no recall for it.
        d = (dice + np.where(self._alone, dice, shared / self._sizes)) / 2
        d -= cost * (self._negated != (not _NEGATIONS.isdisjoint(typed)))
        d[shared == 0] = -np.inf  # a sample sharing nothing is no one's nearest
        d = d[self._by_intent]
        nearest: dict[str, tuple[float, int]] = {}
        for intent, start, end in self._groups:
            best = start + int(d[start:end].argmax())
            if d[best] > -np.inf:
                nearest[intent] = (float(d[best]), int(self._by_intent[best]))
        singles = [(t, weight(t)) for t in dict.fromkeys(typed)]
        spread_total = sum(w for _, w in singles) or 1.0
        scores = {}
        for intent, (near, k) in nearest.items():
            vocab = self._vocab[intent]
            spread = sum(w for t, w in singles if t in vocab) / spread_total
            scores[intent] = ((1 - _SPREAD_SHARE) * near + _SPREAD_SHARE * spread, k)
        if story and max((s for s, _ in scores.values()), default=1) < threshold:
            posterior = self._posterior(wanted)
            # A story's "not" is seldom the request's ("trying not to wake the kids"): the
            # evidence speaks for every intent, whatever its nearest sample says of negation.
            scores = {i: (s + _DOUBT * posterior[i], k) for i, (s, k) in scores.items()}
        # A tie goes to the intent the model lists first, whatever order words came in.
        return max(scores.values(), key=lambda sk: (sk[0], -sk[1]), default=None)

    def _posterior(self, features: Iterable[str]) -> dict[str, float]:
        """P(intent | features) by naive Bayes over the samples, intents equally likely."""
        said = [f for f in features if f in self._df]
        logs = {i: sum(seen.get(f, unseen) for f in said)
                for i, (seen, unseen) in self._likelihood.items()}
        top = max(logs.values())
        odds = {i: math.exp(v - top) for i, v in logs.items()}
        total = sum(odds.values())
        return {i: o / total for i, o in odds.items()}


def _features(typed: Sequence[str]) -> dict[str, None]:
    """Stems, and each pair of neighbouring stems (joined by a space), in the order said: an
    ordered set, so that sums of their weights, and so ties, never hang on string hashing."""
    return dict.fromkeys([*typed, *(f"{a} {b}" for a, b in itertools.pairwise(typed))])
