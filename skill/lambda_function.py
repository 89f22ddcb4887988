"""AWS Lambda entry point: `skill.lambda_function.lambda_handler`."""

from __future__ import annotations

import logging
from typing import Any

from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import RequestEnvelope

from .builder import build_skill
from .handlers import apology_response

log = logging.getLogger(__name__)


class Handler:
    """Answers each Lambda event with `skill`: given (tests inject one, as `create_app` takes
    one), or built on the first request and kept for the container's life. State rides in
    session attributes, so containers scale out freely."""

    def __init__(self, skill: CustomSkill | None = None) -> None:
        self._skill = skill

    @property
    def skill(self) -> CustomSkill:
        if self._skill is None:
            self._skill = build_skill()
        return self._skill

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        """Answer one Alexa request envelope with a response envelope."""
        try:
            skill = self.skill
            envelope = skill.serializer.read(event, RequestEnvelope)
            return skill.serializer.serialize(skill.invoke(request_envelope=envelope,
                                                           context=context))
        except Exception as exc:  # not an envelope the SDK can read: still answer, never raise
            log.error("could not answer the event: %s", type(exc).__name__)
            return apology_response()


lambda_handler = Handler()
