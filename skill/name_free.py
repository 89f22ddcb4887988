"""Name-free requests: before routing "Alexa, I've got a leg cramp" (said without the skill's
name), Alexa asks the skills that could take it whether they can understand and fulfil the intent
with its slots (CanFulfillIntentRequest). The answer is read from the protocol, as the
conversation reads it; it speaks nothing, keeps no state and asks no API.

Yes: leg and foot cramps, and the questions people start with (causes, prevention, medicines,
pregnancy, "should I see a doctor"). Maybe: a slot value Alexa could not resolve. No: emergencies
(Alexa's own emergency answer must meet "I have chest pain", not a cramp coach), cramps outside
the leg and foot, and what only makes sense inside a conversation ("next", "yes", "it's eased").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from . import protocol

Answer = Literal["YES", "NO", "MAYBE"]

# The intents a person can open with, name or no name. The rest answer the skill mid-conversation.
OPENERS = frozenset({"CrampReliefIntent", "PregnancyIntent", "CausesIntent", "PreventionIntent",
                     "RedFlagCheckIntent", "MedicineIntent"})
MUSCLE_SLOT = "muscle"


@dataclass(frozen=True, slots=True)
class Heard:
    """One slot as Alexa sent it: the canonical value it resolved to (None if none), the words."""

    value: str | None
    words: str | None


@dataclass(frozen=True, slots=True)
class SlotClaim:
    understand: Answer
    fulfil: Literal["YES", "NO"]


@dataclass(frozen=True, slots=True)
class Claim:
    """What the skill answers: for the intent, and for each slot Alexa sent a value for."""

    intent: Answer
    slots: Mapping[str, SlotClaim]


def claim(intent: str, slots: Mapping[str, Heard]) -> Claim:
    """Whether the skill takes `intent` said without its name, slot by slot."""
    if intent not in OPENERS:
        return Claim("NO", {})
    clinical = protocol.default()
    answers: dict[str, SlotClaim] = {}
    for name, heard in slots.items():
        if heard.value is None and not heard.words:
            continue  # the slot was not filled
        screened = clinical.screen(heard.words or "") if heard.value is None else None
        if screened and clinical.signs[screened].disposition == clinical.dispositions[0]:
            return Claim("NO", {name: SlotClaim("YES", "NO")})  # "my chest": an emergency
        if name == MUSCLE_SLOT and heard.value is not None:
            muscle = clinical.muscles.get(heard.value)
            if muscle is not None and muscle.outside:  # a cramp outside the leg and foot
                return Claim("NO", {name: SlotClaim("YES", "NO")})
        answers[name] = (SlotClaim("YES", "YES") if heard.value is not None
                         else SlotClaim("MAYBE", "YES"))
    unsure = any(a.understand == "MAYBE" for a in answers.values())
    return Claim("MAYBE" if unsure else "YES", answers)
