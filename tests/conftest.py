"""Shared fixtures: real Alexa request envelopes, and a device that carries a session like Alexa."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest

from skill import ssml
from skill.lambda_function import lambda_handler

SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"
TIMESTAMP = "2026-11-27T03:12:45Z"
_SESSIONS = itertools.count(1)  # session ids pick phrasing variants: keep runs reproducible


def envelope(
    request: dict[str, Any],
    attributes: dict[str, Any] | None = None,
    new: bool = False,
    session_id: str = "amzn1.echo-api.session.test",
    locale: str = "en-US",
) -> dict[str, Any]:
    """A request envelope shaped exactly as Alexa sends it to a custom skill."""
    application = {"applicationId": SKILL_ID}
    user = {"userId": "amzn1.ask.account.TESTUSER"}
    request = {
        "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
        "timestamp": TIMESTAMP,
        "locale": locale,
        **request,
    }
    return {
        "version": "1.0",
        "session": {
            "new": new,
            "sessionId": session_id,
            "application": application,
            "attributes": attributes or {},
            "user": user,
        },
        "context": {
            "System": {
                "application": application,
                "user": user,
                "device": {"deviceId": "amzn1.ask.device.TESTDEVICE", "supportedInterfaces": {}},
                "apiEndpoint": "https://api.amazonalexa.com",
                "apiAccessToken": "test-token",
            }
        },
        "request": request,
    }


def intent_request(name: str, slots: dict[str, Any] | None = None) -> dict[str, Any]:
    """An IntentRequest. A slot value is canonical, as entity resolution matched it, or
    {"heard": words} for words outside the slot type (Alexa passes those as ER_SUCCESS_NO_MATCH)."""
    alexa_slots = {}
    for slot, value in (slots or {}).items():
        alexa_slots[slot] = {"name": slot, "confirmationStatus": "NONE"}
        if value is None:
            continue
        matched = not isinstance(value, dict)
        words = value if matched else value["heard"]
        authority = {
            "authority": f"amzn1.er-authority.echo-sdk.{SKILL_ID}.{slot.title()}Type",
            "status": {"code": "ER_SUCCESS_MATCH" if matched else "ER_SUCCESS_NO_MATCH"},
        }
        if matched:
            authority["values"] = [{"value": {"name": words, "id": words.upper()}}]
        alexa_slots[slot]["value"] = words
        alexa_slots[slot]["resolutions"] = {"resolutionsPerAuthority": [authority]}
    return {
        "type": "IntentRequest",
        "dialogState": "COMPLETED",
        "intent": {"name": name, "confirmationStatus": "NONE", "slots": alexa_slots},
    }


@dataclass
class Turn:
    """What a person hears from one response envelope."""

    raw: dict[str, Any]
    speech: str = ""
    ssml: str = ""
    reprompt: str | None = None
    end: bool = False
    attributes: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, raw: dict[str, Any]) -> Turn:
        response = raw.get("response", {})
        speech_ssml = (response.get("outputSpeech") or {}).get("ssml", "")
        reprompt = ((response.get("reprompt") or {}).get("outputSpeech") or {}).get("ssml")
        return cls(
            raw=raw,
            speech=ssml.to_text(speech_ssml),
            ssml=speech_ssml,
            reprompt=ssml.to_text(reprompt) if reprompt else None,
            end=response.get("shouldEndSession") is True,
            attributes=raw.get("sessionAttributes") or {},
        )


class Device:
    """An Echo in a test: sends envelopes to lambda_handler, carrying attributes as Alexa does."""

    def __init__(self) -> None:
        self.attributes: dict[str, Any] = {}
        self.new = True
        self.session_id = f"amzn1.echo-api.session.{next(_SESSIONS)}"

    def send(self, request: dict[str, Any]) -> Turn:
        event = envelope(request, self.attributes, self.new, self.session_id)
        turn = Turn.of(lambda_handler(event, None))
        self.new = False
        if turn.end:
            self.__init__()
        else:
            self.attributes = turn.attributes
        return turn

    def launch(self) -> Turn:
        return self.send({"type": "LaunchRequest"})

    def intent(self, name: str, **slots: Any) -> Turn:
        return self.send(intent_request(name, slots))


@pytest.fixture
def device() -> Device:
    return Device()
