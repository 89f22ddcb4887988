"""What the local resolver makes of one utterance: launch, an intent with slots, or session end."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["launch", "intent", "end"]
Status = Literal["ER_SUCCESS_MATCH", "ER_SUCCESS_NO_MATCH"]
FALLBACK = "AMAZON.FallbackIntent"
LAUNCH = "LaunchRequest"
ENDED = "SessionEndedRequest"
# Where saying a cramp is happening may land: relief ("still cramping" starts it when none is under
# way), or safety, a warning sign or an emergency. Hearing never drops these; the bench counts a
# cramp sent anywhere else.
RELIEF_OR_SAFETY = frozenset({"CrampReliefIntent", "PregnancyIntent", "StillCrampingIntent",
                              "SymptomReportIntent", "EmergencyIntent"})


@dataclass(frozen=True, slots=True)
class SlotValue:
    """One filled slot: what was heard, and its entity resolution against the slot's type.

    `status` is None for Alexa's own slot types (AMAZON.NUMBER and the like), which Alexa sends
    without entity resolutions.
    """

    raw: str
    value: str | None
    id: str | None
    status: Status | None
    type: str

    @property
    def matched(self) -> bool:
        """Whether the heard words resolved to one of the type's values."""
        return self.status == "ER_SUCCESS_MATCH"


@dataclass(frozen=True, slots=True)
class Resolution:
    """The resolver's reading of an utterance, with a confidence `score` from 0 to 1."""

    kind: Kind
    intent: str | None = None
    slots: dict[str, SlotValue] = field(default_factory=dict)
    score: float = 1.0
    unfilled: tuple[str, ...] = ()  # the intent's declared slots that got no value
    sample: str | None = None  # the model sample (normalised) that matched, for debugging

    @property
    def is_fallback(self) -> bool:
        """Whether nothing in the model fitted the utterance."""
        return self.intent == FALLBACK

    def sent(self) -> tuple[str, dict[str, str | None]]:
        """What Alexa sends the skill: the request type or intent, and each slot's value."""
        if self.kind == "launch":
            return LAUNCH, {}
        if self.kind == "end":
            return ENDED, {}
        # Alexa's own types (AMAZON.NUMBER) carry no resolution: their value is what is sent.
        return str(self.intent), {name: value.raw if value.status is None else value.value
                                  for name, value in self.slots.items()}
