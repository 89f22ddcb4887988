"""Webservice fixtures: a test CA, a request signer, envelopes, a fake S3 and the app client."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bench import signing
from bench.signing import CERT_URL, FakeCA, rsa_key, sign
from skill.local import envelopes
from skill.webservice import create_app

__all__ = ["CERT_URL", "FakeCA", "rsa_key", "sign"]  # the one test CA, for this folder's tests

NOW = datetime(2025, 1, 15, 12, 0, 0, tzinfo=UTC)
SKILL_ID = "amzn1.ask.skill.11111111-2222-3333-4444-555555555555"
# Markers for what a person said and who they are: none may ever reach the logs.
SECRETS = {
    "utterance": "my-secret-calf-words",
    "user": "amzn1.ask.account.SECRETUSER",
    "person": "amzn1.ask.person.SECRETPERSON",
    "device": "amzn1.ask.device.SECRETDEVICE",
    "token": "secret-api-access-token",
    "session_value": "secret-session-value",
}


def make_ca(now: datetime = NOW, prefix: str = "Test") -> FakeCA:
    """The test CA, its leaf valid for a day either side of the tests' clock."""
    return signing.make_ca(now, prefix)


def make_envelope(
    request_type: str = "LaunchRequest",
    *,
    timestamp: datetime | str = NOW,
    application_id: str | None = SKILL_ID,
    intent: str | None = None,
    slots: dict[str, str] | None = None,
    attributes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A custom-skill request envelope as Alexa sends it, carrying the `SECRETS` markers."""
    fields: dict[str, Any] = {}
    if intent is not None:
        fields["intent"] = {
            "name": intent,
            "confirmationStatus": "NONE",
            "slots": {
                name: {"name": name, "value": value, "confirmationStatus": "NONE"}
                for name, value in (slots or {}).items()
            },
        }
    envelope = envelopes.request(
        request_type, fields, attributes=attributes, new=request_type == "LaunchRequest",
        session_id="amzn1.echo-api.session.test", skill_id=application_id,
        user_id=SECRETS["user"], device_id=SECRETS["device"],
        api_endpoint="http://127.0.0.1:1",  # closed: the skill's API calls fail fast
    )
    # A timestamp may be deliberately malformed text; the rest are secrets the logs must not show.
    envelope["request"]["timestamp"] = (
        timestamp if isinstance(timestamp, str) else envelopes.timestamp(timestamp))
    system = envelope["context"]["System"]
    system["apiAccessToken"] = SECRETS["token"]
    system["person"] = {"personId": SECRETS["person"]}
    for user in (envelope["session"]["user"], system["user"]):
        user["accessToken"] = SECRETS["token"]
    return envelope


def encode(envelope: dict[str, Any]) -> bytes:
    return json.dumps(envelope).encode("utf-8")


@dataclass
class FakeS3:
    """A chain fetcher: serves `default` for any URL unless `chains` says otherwise."""

    default: bytes
    chains: dict[str, bytes | Exception] = field(default_factory=dict)
    fetched: list[str] = field(default_factory=list)

    def __call__(self, url: str) -> bytes:
        self.fetched.append(url)
        chain = self.chains.get(url, self.default)
        if isinstance(chain, Exception):
            raise chain
        return chain


@dataclass
class Clock:
    """A settable clock."""

    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True)
class Post:
    """One HTTP request to the skill endpoint."""

    body: bytes
    headers: list[tuple[str, str]]
    method: str = "POST"

    def send(self, client: FlaskClient) -> Any:
        return client.open("/", method=self.method, data=self.body, headers=self.headers)


def signed(
    body: bytes | dict[str, Any],
    ca: FakeCA,
    url: str = CERT_URL,
    changes: dict[str, str | None] | None = None,
) -> Post:
    """A request signed by `ca`'s leaf; `changes` replaces headers, or drops those set to None."""
    raw = encode(body) if isinstance(body, dict) else body
    headers: dict[str, str | None] = {
        "SignatureCertChainUrl": url,
        "Signature-256": ca.sign(raw),
        "Content-Type": "application/json",
        **(changes or {}),
    }
    return Post(raw, [(name, value) for name, value in headers.items() if value is not None])


@pytest.fixture(autouse=True)
def _no_alexa_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keeps the runner's ALEXA_* variables out of every test."""
    for name in (
        "ALEXA_SKILL_ID",
        "ALEXA_VERIFY",
        "ALEXA_TRUST_ROOTS",
        "ALEXA_CERT_FETCHER",
        "ALEXA_CLOCK",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def ca() -> FakeCA:
    return make_ca()


@pytest.fixture
def s3(ca: FakeCA) -> FakeS3:
    return FakeS3(default=ca.chain_pem())


@pytest.fixture
def clock() -> Clock:
    return Clock()


AppFactory = Callable[..., Flask]


@pytest.fixture
def app_factory(ca: FakeCA, s3: FakeS3, clock: Clock) -> AppFactory:
    """Builds apps trusting the test CA, fetching from the fake S3 at the test clock's time."""

    def make(**overrides: Any) -> Flask:
        config = {
            "ALEXA_SKILL_ID": SKILL_ID,
            "ALEXA_TRUST_ROOTS": ca.root.pem,
            "ALEXA_CERT_FETCHER": s3,
            "ALEXA_CLOCK": clock,
            **overrides,
        }
        skill = config.pop("skill", None)
        return create_app(config, skill=skill)

    return make


@pytest.fixture
def app(app_factory: AppFactory) -> Flask:
    return app_factory()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
