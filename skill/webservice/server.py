"""Runs the endpoint under waitress, a production WSGI server: `python -m skill serve`."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from waitress import serve as run

from .app import create_app
from .settings import ConfigError
from .verification import MAX_BODY_BYTES

log = logging.getLogger(__name__)


def serve(
    host: str = "127.0.0.1", port: int = 5000, config: Mapping[str, Any] | None = None
) -> None:
    """Serves the skill on host:port until interrupted; exits with a message if misconfigured."""
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s"
        )
    try:
        app = create_app(config)
    except ConfigError as error:
        raise SystemExit(f"cannot serve: {error}") from None
    if not app.config["ALEXA_VERIFY"]:
        log.warning("request verification is OFF: anyone can call this endpoint")
    log.info("skill endpoint on http://%s:%d/ (health check: /healthz)", host, port)
    # Waitress refuses bodies over the cap itself, before the app sees them.
    run(app, host=host, port=port, max_request_body_size=MAX_BODY_BYTES, ident="cramp-coach")
