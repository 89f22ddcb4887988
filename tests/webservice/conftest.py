"""Webservice fixtures: a test CA, a request signer, envelopes, a fake S3 and the app client."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from flask import Flask
from flask.testing import FlaskClient

from skill.local import envelopes
from skill.webservice import create_app

NOW = datetime(2025, 1, 15, 12, 0, 0, tzinfo=UTC)
SKILL_ID = "amzn1.ask.skill.11111111-2222-3333-4444-555555555555"
CERT_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-test.pem"
SIGNING_HOST = "echo-api.amazon.com"
# Markers for what a person said and who they are: none may ever reach the logs.
SECRETS = {
    "utterance": "my-secret-calf-words",
    "user": "amzn1.ask.account.SECRETUSER",
    "person": "amzn1.ask.person.SECRETPERSON",
    "device": "amzn1.ask.device.SECRETDEVICE",
    "token": "secret-api-access-token",
    "session_value": "secret-session-value",
}


@cache
def rsa_key(name: str) -> rsa.RSAPrivateKey:
    """One 2048-bit key per name, generated once per test run."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


@dataclass(frozen=True)
class Issued:
    """A certificate and its private key."""

    cert: x509.Certificate
    key: rsa.RSAPrivateKey

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


def issue_ca(
    common_name: str, key: rsa.RSAPrivateKey, parent: Issued | None, start: datetime, end: datetime
) -> Issued:
    """A root (no parent) or intermediate CA certificate."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(parent.cert.subject if parent else _name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if parent is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(parent.key.public_key()),
            critical=False,
        )
    return Issued(builder.sign(parent.key if parent else key, hashes.SHA256()), key)


def issue_leaf(
    parent: Issued, key: rsa.RSAPrivateKey, start: datetime, end: datetime, san: str = SIGNING_HOST
) -> Issued:
    """An end-entity certificate shaped like Amazon's signing certificate."""
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(san))
        .issuer_name(parent.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(san)]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(parent.key.public_key()),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(parent.key, hashes.SHA256())
    )
    return Issued(cert, key)


@dataclass(frozen=True)
class FakeCA:
    """A root, an intermediate and a signing leaf, as in Amazon's chain."""

    root: Issued
    intermediate: Issued
    leaf: Issued

    def chain_pem(self, *, intermediate: bool = True) -> bytes:
        """The PEM Amazon would serve: leaf first, then the intermediate."""
        return self.leaf.pem + (self.intermediate.pem if intermediate else b"")

    def sign(self, body: bytes) -> str:
        """The Signature-256 header value for `body`."""
        return sign(self.leaf.key, body)

    def with_leaf(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        key: rsa.RSAPrivateKey | None = None,
        san: str = SIGNING_HOST,
    ) -> FakeCA:
        """The same CA with another leaf (other dates, key or SAN)."""
        leaf = issue_leaf(
            self.intermediate,
            key or self.leaf.key,
            start or self.leaf.cert.not_valid_before_utc,
            end or self.leaf.cert.not_valid_after_utc,
            san,
        )
        return FakeCA(self.root, self.intermediate, leaf)


def make_ca(now: datetime = NOW, prefix: str = "Test") -> FakeCA:
    """A fresh test CA whose leaf is valid for a day either side of `now`."""
    root = issue_ca(
        f"{prefix} Root CA",
        rsa_key(f"{prefix}-root"),
        None,
        now - timedelta(days=365),
        now + timedelta(days=3650),
    )
    intermediate = issue_ca(
        f"{prefix} Intermediate CA",
        rsa_key(f"{prefix}-intermediate"),
        root,
        now - timedelta(days=30),
        now + timedelta(days=365),
    )
    leaf = issue_leaf(
        intermediate, rsa_key(f"{prefix}-leaf"), now - timedelta(days=1), now + timedelta(days=1)
    )
    return FakeCA(root, intermediate, leaf)


def sign(key: rsa.RSAPrivateKey, body: bytes) -> str:
    """Base64 RSA PKCS#1 v1.5 SHA-256 signature, as Alexa sends in Signature-256."""
    return base64.b64encode(key.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode("ascii")


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
