"""The floor: ask-sdk-core's hello world, built once, driven exactly as the SDK's Lambda wrapper.

Kept free of any project import, so a fresh process importing it pays only for the SDK.
"""

from __future__ import annotations

import json
from typing import Any

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_model import RequestEnvelope, Response

SPEECH = "Hello! Tell me what is cramping."
REPROMPT = "What is cramping?"


class Hello(AbstractRequestHandler):
    """Answers any request with speech and a question, as the SDK's hello-world sample does."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        return handler_input.response_builder.speak(SPEECH).ask(REPROMPT).response


def builder() -> SkillBuilder:
    """A skill builder holding the one hello-world handler."""
    sb = SkillBuilder()
    sb.add_request_handler(Hello())
    return sb


SKILL = builder().create()


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """`SkillBuilder.lambda_handler()`'s wrapper, but on a skill built once, not on every call."""
    envelope = SKILL.serializer.deserialize(payload=json.dumps(event), obj_type=RequestEnvelope)
    response = SKILL.invoke(request_envelope=envelope, context=context)
    return SKILL.serializer.serialize(response)


# The SDK's own wrapper rebuilds a CustomSkill on every call: measured only to show its cost.
stock_lambda_handler = builder().lambda_handler()


def bare_json(payload: str) -> str:
    """The floor below any skill: read the envelope's JSON and write JSON back."""
    return json.dumps(json.loads(payload))
