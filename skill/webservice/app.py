"""The Flask app factory for the self-hosted skill endpoint."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from typing import Any

from ask_sdk_core.skill import CustomSkill
from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from .adapter import VerifyingSkillAdapter
from .certificates import ChainCache, load_trust_roots
from .settings import load_settings
from .verification import MAX_BODY_BYTES, Rejected, RequestVerifier

log = logging.getLogger("skill.webservice.requests")

SKILL_ROUTE = "/"
HEALTH_ROUTE = "/healthz"


def create_app(
    config: Mapping[str, Any] | None = None, *, skill: CustomSkill | None = None
) -> Flask:
    """Builds the endpoint app; `config` keys override environment variables of the same names."""
    settings = load_settings(config)
    if skill is None:
        from skill.builder import build_skill

        skill = build_skill()
    chains = None
    if settings.verify:
        chains = ChainCache(load_trust_roots(settings.trust_roots), settings.fetch)
    verifier = RequestVerifier(chains, settings.skill_id)

    app = Flask(__name__)
    # Werkzeug then refuses a larger declared or streamed body before it is read.
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.config.update(ALEXA_SKILL_ID=settings.skill_id, ALEXA_VERIFY=settings.verify)
    adapter = VerifyingSkillAdapter(skill, settings.skill_id, verifier, settings.clock, app)
    adapter.register(app=app, route=SKILL_ROUTE, endpoint="skill")
    app.add_url_rule(HEALTH_ROUTE, "healthz", _healthz, methods=["GET"])
    app.register_error_handler(Rejected, _rejected)
    app.register_error_handler(Exception, _failed)
    app.before_request(_start_clock)
    app.after_request(_log_request)
    return app


def _healthz() -> Response:
    return jsonify(status="ok")


def _rejected(error: Rejected) -> tuple[Response, int]:
    g.reason = error.reason
    return jsonify(error=error.reason), error.status


def _failed(error: Exception) -> tuple[Response, int]:
    if isinstance(error, HTTPException):
        reason = (error.name or "error").lower()
        status = error.code or 500
    else:
        # Logged by type only: exception messages may quote what the person said.
        log.error("unhandled %s", type(error).__name__)
        log.debug("unhandled exception", exc_info=error)
        reason, status = "internal error", 500
    g.reason = reason
    return jsonify(error=reason), status


def _start_clock() -> None:
    g.started = time.perf_counter()


def _log_request(response: Response) -> Response:
    summary = g.get("alexa_request") or {}
    line = {
        "method": request.method,
        "path": request.path[:100],
        "status": response.status_code,
        "latency_ms": round((time.perf_counter() - g.get("started", time.perf_counter())) * 1e3, 2),
        "request_id": summary.get("request_id"),
        "type": summary.get("type"),
        "intent": summary.get("intent"),
        "reason": g.get("reason"),
    }
    level = logging.DEBUG if request.path == HEALTH_ROUTE else logging.INFO
    log.log(level, json.dumps(line, separators=(",", ":")))
    return response
