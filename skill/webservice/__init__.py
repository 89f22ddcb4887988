"""The skill as a self-hosted HTTPS web service (Flask + flask-ask-sdk), verifying every request.

Importing this package does nothing: `create_app` loads the web stack (and, in `adapter`, the
oscrypto fix flask-ask-sdk needs) when it is first asked for."""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
