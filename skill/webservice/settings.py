"""Endpoint settings from a config dict, falling back to environment variables of the same names."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .certificates import Fetcher, directory_fetcher, https_fetcher

Clock = Callable[[], datetime]

SKILL_ID = "ALEXA_SKILL_ID"
VERIFY = "ALEXA_VERIFY"
TRUST_ROOTS = "ALEXA_TRUST_ROOTS"
CERT_FETCHER = "ALEXA_CERT_FETCHER"
CLOCK = "ALEXA_CLOCK"
_DIRECTORY_PREFIX = "file:"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class ConfigError(ValueError):
    """The endpoint is misconfigured; the message says how to fix it."""


@dataclass(frozen=True, slots=True)
class Settings:
    """What `create_app` needs, resolved and checked."""

    skill_id: str | None
    verify: bool
    trust_roots: bytes | str | Path | None
    fetch: Fetcher
    clock: Clock


def utc_now() -> datetime:
    """Returns the current time as an aware UTC datetime."""
    return datetime.now(UTC)


def load_settings(
    config: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Resolves settings from `config`, then `environ` (default os.environ), then defaults."""
    config = config or {}
    environ = os.environ if environ is None else environ

    def get(key: str) -> Any:
        return config[key] if key in config else environ.get(key)

    skill_id = get(SKILL_ID) or None
    verify = _flag(get(VERIFY))
    if skill_id is not None and not isinstance(skill_id, str):
        raise ConfigError(f"{SKILL_ID} must be a string")
    if verify and skill_id is None:
        raise ConfigError(
            f"{SKILL_ID} is not set. Set it to your skill's id (amzn1.ask.skill.…, from the "
            f"Alexa developer console), or set {VERIFY}=false to turn request verification "
            "off for local testing only."
        )
    clock = get(CLOCK) or utc_now
    if not callable(clock):
        raise ConfigError(f"{CLOCK} must be a callable returning an aware UTC datetime")
    sample = clock()
    if not isinstance(sample, datetime) or sample.utcoffset() is None:
        raise ConfigError(f"{CLOCK} must return a timezone-aware datetime")
    return Settings(skill_id, verify, get(TRUST_ROOTS) or None, _fetcher(get(CERT_FETCHER)), clock)


def _flag(value: Any) -> bool:
    if value is None or value == "":
        return True
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise ConfigError(f"{VERIFY} must be true or false, not {value!r}")


def _fetcher(value: Any) -> Fetcher:
    if value is None or value == "":
        return https_fetcher()
    if callable(value):
        return value
    # Offline/testing hook only: serve chains from a directory by URL file name.
    if isinstance(value, str) and value.startswith(_DIRECTORY_PREFIX):
        directory = Path(value.removeprefix(_DIRECTORY_PREFIX))
        if not directory.is_dir():
            raise ConfigError(f"{CERT_FETCHER}: {directory} is not a directory")
        return directory_fetcher(directory)
    raise ConfigError(f"{CERT_FETCHER} must be a callable or 'file:/path/to/directory'")
