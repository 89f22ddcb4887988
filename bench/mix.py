"""The realistic request mix: what a night with a cramp sends, with real session attributes."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from skill.local import envelopes
from skill.local.resolution import SlotValue

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
SKILL_ID = "amzn1.ask.skill.11111111-2222-3333-4444-555555555555"
CALF = SlotValue("calf", "calf", "CALF", "ER_SUCCESS_MATCH", "MuscleType")
SWELLING = SlotValue("swollen", "swelling", "SWELLING", "ER_SUCCESS_MATCH", "SymptomType")
NAMES = ("launch", "cramp relief (calf)", "next", "red flag: yes", "red flag: no",
         "symptom (swelling)")


def zone_at_3am(now: datetime | None = None) -> str:
    """An IANA zone whose clock reads 3 a.m. at `now` (UTC), so runs take the night path."""
    hour = (now or datetime.now(UTC)).astimezone(UTC).hour
    behind = hour - 3 if hour - 3 <= 12 else hour - 27  # hours the zone is behind UTC
    # POSIX-style names: "Etc/GMT+5" is five hours *behind* UTC.
    return "Etc/GMT" if behind == 0 else f"Etc/GMT{'+' if behind > 0 else '-'}{abs(behind)}"


@contextmanager
def alexa_api(zone: str | None = None) -> Iterator[str | None]:
    """The endpoint of a loopback Alexa Settings API naming the device's zone, if we have one.

    Real requests always name Alexa's API, and a skill may call it (for the device's time
    zone); offline, requests name this stand-in so that work is measured, never the real API.
    """
    try:
        from skill.local.alexa_api import running
    except ImportError:  # a skill without the stand-in makes no API calls to measure
        yield None
        return
    with running({envelopes.DEVICE_ID: zone or zone_at_3am()}) as api:
        yield api.endpoint


def _ids() -> Callable[[], str]:
    counter = itertools.count(1)
    return lambda: f"00000000-0000-0000-0000-{next(counter):012d}"


def build(handler: Handler, *, skill_id: str = SKILL_ID, api_endpoint: str | None = None,
          now: Callable[[], datetime] | None = None) -> dict[str, dict[str, Any]]:
    """The mix by name; `handler` answers each earlier turn once so attributes are real."""
    options: dict[str, Any] = {"skill_id": skill_id, "new_id": _ids(),
                               "now": now or (lambda: datetime.now(UTC))}
    if api_endpoint is not None:
        options["api_endpoint"] = api_endpoint

    def attributes_after(event: dict[str, Any]) -> dict[str, Any]:
        response = handler(event, None)
        found = response.get("sessionAttributes")
        if not found:
            raise RuntimeError(f"the skill kept no session after {event['request']['type']}")
        return found

    relief = envelopes.intent("CrampReliefIntent", {"muscle": CALF}, new=True, **options)
    checks = envelopes.intent("RedFlagCheckIntent", new=True, **options)
    guiding = attributes_after(relief)
    asking = attributes_after(checks)
    return {
        "launch": envelopes.launch(new=True, **options),
        "cramp relief (calf)": relief,
        "next": envelopes.intent("AMAZON.NextIntent", attributes=guiding, **options),
        "red flag: yes": envelopes.intent("AMAZON.YesIntent", attributes=asking, **options),
        "red flag: no": envelopes.intent("AMAZON.NoIntent", attributes=asking, **options),
        "symptom (swelling)": envelopes.intent("SymptomReportIntent", {"symptom": SWELLING},
                                               attributes=guiding, **options),
    }


def restamped(event: dict[str, Any], moment: datetime) -> dict[str, Any]:
    """`event` with its request timestamp set to `moment` (for requests checked for freshness)."""
    return event | {"request": event["request"] | {"timestamp": envelopes.timestamp(moment)}}
