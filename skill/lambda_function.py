"""AWS Lambda entry point: `skill.lambda_function.lambda_handler`."""

from __future__ import annotations

import logging
from typing import Any

from ask_sdk_model import RequestEnvelope

from .builder import build_skill
from .handlers import apology_response

log = logging.getLogger(__name__)

# Built once per container; state rides in session attributes, so containers scale out freely.
SKILL = build_skill()


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Answer one Alexa request envelope with a response envelope."""
    try:
        envelope = SKILL.serializer.read(event, RequestEnvelope)
        return SKILL.serializer.serialize(SKILL.invoke(request_envelope=envelope, context=context))
    except Exception as exc:  # not an envelope the SDK can read: still answer, never raise
        log.error("could not answer the event: %s", type(exc).__name__)
        return apology_response()

