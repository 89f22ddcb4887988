"""flask-ask-sdk's `SkillAdapter`, made to dispatch only requests our verifier accepts."""

from __future__ import annotations

import json
import logging
from typing import Any

from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import RequestEnvelope
from flask import Flask, Response, g, request
from werkzeug.exceptions import RequestEntityTooLarge

from ..handlers import apology_response
from .compat import ensure_oscrypto_importable
from .settings import Clock
from .verification import Rejected, RequestVerifier

ensure_oscrypto_importable()  # flask_ask_sdk imports oscrypto, which fails on new OpenSSL

from flask_ask_sdk.skill_adapter import (  # noqa: E402
    VERIFY_SIGNATURE_APP_CONFIG,
    VERIFY_TIMESTAMP_APP_CONFIG,
    SkillAdapter,
)

log = logging.getLogger(__name__)


class VerifyingSkillAdapter(SkillAdapter):
    """Runs `verifier` on the raw request bytes before the SDK parses or dispatches anything."""

    def __init__(
        self,
        skill: CustomSkill,
        skill_id: str | None,
        verifier: RequestVerifier,
        clock: Clock,
        app: Flask,
    ) -> None:
        self._verifier = verifier
        self._clock = clock
        # The SDK's own verifiers need oscrypto and answer 500 to bad input; ours replace them.
        app.config[VERIFY_SIGNATURE_APP_CONFIG] = False
        app.config[VERIFY_TIMESTAMP_APP_CONFIG] = False
        user_agent = skill.custom_user_agent
        super().__init__(skill=skill, skill_id=skill_id or "", verifiers=[], app=app)
        # The SDK appends to this on every adapter; keep the shared skill as it was given.
        skill.custom_user_agent = user_agent

    def dispatch_request(self) -> Response:
        """Verifies the request, then lets the SDK deserialise, dispatch and serialise it."""
        try:
            body = request.get_data(cache=False)
        except RequestEntityTooLarge:
            raise Rejected("request body too large", 413) from None
        envelope = self._verifier.verify(body, request.headers, self._clock())
        g.alexa_request = summarise(envelope)
        try:
            response = self._dispatch(envelope)
        except SerializationException:
            raise Rejected("request envelope not understood") from None
        except Exception as error:
            # As on Lambda, a skill that fails still answers, with its spoken apology. The
            # message may quote the request, so only the type goes to the log.
            log.error("skill dispatch failed: %s", type(error).__name__)
            response = apology_response()
        return Response(json.dumps(response), mimetype="application/json")

    def _dispatch(self, envelope: dict[str, Any]) -> Any:
        """The skill's answer to an envelope the verifier has already parsed (and checked)."""
        # What the SDK's handler does, minus parsing the JSON a second time (our serializer
        # reads the dict the verifier already parsed).
        serializer = self._skill.serializer
        request_envelope = serializer.read(envelope, RequestEnvelope)
        return serializer.serialize(self._skill.invoke(request_envelope=request_envelope,
                                                       context=None))


def summarise(envelope: dict[str, Any]) -> dict[str, str | None]:
    """Picks the request id, type and intent name: never slots, user, device or tokens."""
    request_part = envelope.get("request")
    if not isinstance(request_part, dict):
        request_part = {}
    intent = request_part.get("intent")
    return {
        "request_id": _short(request_part.get("requestId")),
        "type": _short(request_part.get("type")),
        "intent": _short(intent.get("name")) if isinstance(intent, dict) else None,
    }


def _short(value: Any) -> str | None:
    return value[:100] if isinstance(value, str) else None
