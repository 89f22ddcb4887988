"""AWS Lambda entry point: `skill.lambda_function.lambda_handler`."""

from __future__ import annotations

import json
import logging
from typing import Any

from ask_sdk_model import RequestEnvelope

from . import content, conversation, ssml
from .builder import build_skill

log = logging.getLogger(__name__)

# Built once per container; state rides in session attributes, so containers scale out freely.
SKILL = build_skill()


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Answer one Alexa request envelope with a response envelope."""
    try:
        envelope = SKILL.serializer.deserialize(json.dumps(event), RequestEnvelope)
        return SKILL.serializer.serialize(SKILL.invoke(request_envelope=envelope, context=context))
    except Exception as exc:  # not an envelope the SDK can read: still answer, never raise
        log.error("could not answer the event: %s", type(exc).__name__)
        return apology()


def apology() -> dict[str, Any]:
    """A complete response envelope with the spoken apology, for when the SDK cannot run."""
    speech = content.catalog().render(conversation.error(conversation.State()).speech)
    return {
        "version": "1.0",
        "response": {
            "outputSpeech": {"type": "SSML", "ssml": ssml.wrap(speech)},
            "shouldEndSession": True,
        },
    }
