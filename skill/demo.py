"""A scripted night-time conversation, played through the real lambda_handler."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from . import ssml
from .lambda_function import lambda_handler

# What the person does, as Alexa would deliver it: (request type or intent, slots).
SCRIPT: list[tuple[str, dict[str, str]]] = [
    ("CrampReliefIntent", {"muscle": "calf"}),
    ("AMAZON.YesIntent", {}),
    ("AMAZON.PauseIntent", {}),
    ("AMAZON.ResumeIntent", {}),
    ("AMAZON.NextIntent", {}),
    ("CrampGoneIntent", {}),
    ("AMAZON.NoIntent", {}),
    ("RedFlagCheckIntent", {}),
    ("AMAZON.NoIntent", {}),
    ("AMAZON.NoIntent", {}),
    ("AMAZON.NoIntent", {}),
    ("AMAZON.NoIntent", {}),
    ("AMAZON.NoIntent", {}),
    ("AMAZON.NoIntent", {}),
    ("AMAZON.NoIntent", {}),
]


def _request(name: str, slots: dict[str, str]) -> dict[str, Any]:
    return {
        "type": "IntentRequest",
        "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
        "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "locale": "en-US",
        "intent": {"name": name, "confirmationStatus": "NONE",
                   "slots": {k: {"name": k, "value": v} for k, v in slots.items()}},
    }


def play() -> None:
    """Print each turn: what the person asked for, and what Cramp Coach says."""
    attributes: dict[str, Any] = {}
    app = {"applicationId": "amzn1.ask.skill.cramp-coach-demo"}
    user = {"userId": "amzn1.ask.account.demo"}
    for number, (name, slots) in enumerate(SCRIPT):
        event = {
            "version": "1.0",
            "session": {"new": number == 0, "sessionId": "amzn1.echo-api.session.demo",
                        "application": app, "attributes": attributes, "user": user},
            "context": {"System": {"application": app, "user": user,
                                   "device": {"deviceId": "demo", "supportedInterfaces": {}}}},
            "request": _request(name, slots),
        }
        response = lambda_handler(event, None)
        said = ssml.to_text(response["response"]["outputSpeech"]["ssml"])
        print(f"  [{name}{' ' + str(slots) if slots else ''}]\n  Cramp Coach: {said}\n")
        if response["response"].get("shouldEndSession"):
            break
        attributes = response.get("sessionAttributes", {})
