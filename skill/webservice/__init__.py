"""The skill as a self-hosted HTTPS web service (Flask + flask-ask-sdk), verifying every request."""

from . import compat  # noqa: F401  (must run before anything imports flask_ask_sdk)
from .app import create_app

__all__ = ["create_app"]
