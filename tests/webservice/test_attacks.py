"""The attack corpus: what Alexa certification (and worse) sends a web endpoint, over HTTP."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from flask.testing import FlaskClient

from skill.builder import build_skill
from skill.webservice.verification import MAX_BODY_BYTES

from .conftest import (
    CERT_URL,
    NOW,
    SKILL_ID,
    Clock,
    FakeCA,
    FakeS3,
    Post,
    encode,
    make_ca,
    make_envelope,
    rsa_key,
    sign,
    signed,
)


def test_a_valid_request_gets_the_skills_real_answer(
    client: FlaskClient, ca: FakeCA, s3: FakeS3
) -> None:
    response = signed(make_envelope(), ca).send(client)
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["version"] == "1.0"
    speech = answer["response"]["outputSpeech"]
    assert speech["type"] == "SSML"
    assert "Cramp Coach" in speech["ssml"]
    assert answer["response"]["shouldEndSession"] is False
    assert s3.fetched == [CERT_URL]


def test_the_answer_is_the_lambda_answer(client: FlaskClient, ca: FakeCA) -> None:
    from skill.lambda_function import lambda_handler

    envelope = make_envelope("IntentRequest", intent="CrampReliefIntent")
    web = signed(envelope, ca).send(client).get_json()
    direct = lambda_handler(json.loads(encode(envelope)), None)
    assert web["response"] == direct["response"]
    assert web["sessionAttributes"] == direct["sessionAttributes"]


def test_the_chain_is_fetched_once_and_checked_at_every_request(
    client: FlaskClient, ca: FakeCA, s3: FakeS3, clock: Clock
) -> None:
    for _ in range(3):
        assert signed(make_envelope(), ca).send(client).status_code == 200
    assert s3.fetched == [CERT_URL]
    clock.now = ca.leaf.cert.not_valid_after_utc + timedelta(seconds=1)
    late = signed(make_envelope(timestamp=clock.now), ca).send(client)
    assert late.status_code == 400
    assert late.get_json() == {"error": "certificate chain not trusted"}
    clock.now = NOW
    assert signed(make_envelope(), ca).send(client).status_code == 200
    assert s3.fetched == [CERT_URL]


@pytest.mark.parametrize(
    "url",
    [
        CERT_URL,
        "https://s3.amazonaws.com:443/echo.api/echo-api-cert-test.pem",
        "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert-test.pem",
        "https://s3.amazonaws.com/echo.api/./echo-api-cert-test.pem",
        "HTTPS://S3.AmazonAWS.com/echo.api/echo-api-cert-test.pem",
    ],
)
def test_certificate_urls_amazon_allows(
    url: str, client: FlaskClient, ca: FakeCA, s3: FakeS3
) -> None:
    assert signed(make_envelope(), ca, url=url).send(client).status_code == 200
    assert s3.fetched == [CERT_URL]  # normalised before fetching and caching


@pytest.mark.parametrize(
    "url",
    [
        "http://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "ftp://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "https://notamazon.com/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com.evil.example/echo.api/echo-api-cert.pem",
        "https://evil.example/s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com./echo.api/echo-api-cert.pem",
        "https://s3-external-1.amazonaws.com/echo.api/echo-api-cert.pem",
        "https://user@s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "https://evil.example\\@s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem",
        "https://s3.amazonaws.com/ECHO.API/echo-api-cert.pem",
        "https://s3.amazonaws.com/invalid.path/echo-api-cert.pem",
        "https://s3.amazonaws.com/echo.api",
        "https://s3.amazonaws.com/echo.api.evil/echo-api-cert.pem",
        "https://s3.amazonaws.com/echo.apiX/echo-api-cert.pem",
        "https://s3.amazonaws.com/x/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/../evil/echo-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/../../echo.api.evil/cert.pem",
        "https://s3.amazonaws.com/echo.api/..",
        "https://s3.amazonaws.com/echo.api/%2e%2e/evil/echo-api-cert.pem",
        "https://s3.amazonaws.com/echo%2Eapi/echo-api-cert.pem",
        "https://s3.amazonaws.com:444/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com:80/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com:abc/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com:/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com:443:443/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/echo-api-cert.pem?versionId=1",
        "https://s3.amazonaws.com/echo.api/echo-api-cert.pem#x",
        "https://s3.amazonaws.com/echo.api/echo api cert.pem",
        "https://s3.amazonaws.com/echo.api/é.pem",
        "//s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "https:/s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "https:///echo.api/echo-api-cert.pem",
        "s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "/echo.api/echo-api-cert.pem",
        "",
        " https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/echo-api-cert.pem, https://evil.example/x.pem",
        "https://s3.amazonaws.com/echo.api/" + "a" * 3000,
    ],
)
def test_certificate_urls_amazon_forbids(
    url: str, client: FlaskClient, ca: FakeCA, s3: FakeS3
) -> None:
    response = signed(make_envelope(), ca, url=url).send(client)
    assert response.status_code == 400
    assert response.is_json and response.get_json()["error"]
    assert s3.fetched == []  # rejected before anything is downloaded


@dataclass
class Kit:
    """What a corpus case needs: the trusted CA, the fake S3 and the clock."""

    ca: FakeCA
    s3: FakeS3
    clock: Clock


@dataclass(frozen=True)
class Attack:
    """One hostile request and how the endpoint must answer it."""

    name: str
    build: Callable[[Kit], Post]
    reason: str
    status: int = 400


def _with(envelope: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """`envelope` with the value at `path` replaced, or deleted when `value` is `...`."""
    node = envelope
    for key in path[:-1]:
        node = node[key]
    if value is ...:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return envelope


def _envelope(path: tuple[str, ...], value: Any) -> Callable[[Kit], Post]:
    return lambda kit: signed(_with(make_envelope(), path, value), kit.ca)


def _raw(body: bytes) -> Callable[[Kit], Post]:
    return lambda kit: signed(body, kit.ca)


def _headers(changes: dict[str, str | None]) -> Callable[[Kit], Post]:
    return lambda kit: signed(make_envelope(), kit.ca, changes=changes)


def _duplicate(name: str) -> Callable[[Kit], Post]:
    def build(kit: Kit) -> Post:
        post = signed(make_envelope(), kit.ca)
        return Post(post.body, [*post.headers, (name, dict(post.headers)[name])])

    return build


def _signature(make: Callable[[Kit, bytes], str]) -> Callable[[Kit], Post]:
    def build(kit: Kit) -> Post:
        body = encode(make_envelope())
        return signed(body, kit.ca, changes={"Signature-256": make(kit, body)})

    return build


def _flip_one_byte(kit: Kit) -> Post:
    post = signed(make_envelope(), kit.ca)
    at = post.body.index(b"LaunchRequest")
    body = post.body[:at] + b"M" + post.body[at + 1 :]
    return Post(body, post.headers)


def _served(
    chain: Callable[[Kit], bytes | Exception], signer: str = "leaf"
) -> Callable[[Kit], Post]:
    """A request whose chain URL serves `chain`, signed by the test CA's leaf key or another."""

    def build(kit: Kit) -> Post:
        kit.s3.chains[CERT_URL] = chain(kit)
        body = encode(make_envelope())
        key = kit.ca.leaf.key if signer == "leaf" else rsa_key(signer)
        return signed(body, kit.ca, changes={"Signature-256": sign(key, body)})

    return build


def _leaf(**changes: Any) -> Callable[[Kit], bytes]:
    return lambda kit: kit.ca.with_leaf(**changes).chain_pem()


def _nested(depth: int) -> bytes:
    envelope = encode(make_envelope())
    return envelope.replace(b'"attributes": {}', b'"attributes": ' + b"[" * depth + b"]" * depth)


DAY = timedelta(days=1)
ATTACKS = [
    # Headers.
    Attack(
        "no cert url", _headers({"SignatureCertChainUrl": None}), "missing SignatureCertChainUrl"
    ),
    Attack("no signature", _headers({"Signature-256": None}), "missing Signature-256"),
    Attack(
        "no headers", _headers({"SignatureCertChainUrl": None, "Signature-256": None}), "missing"
    ),
    Attack(
        "only the legacy SHA-1 Signature header",
        lambda kit: signed(
            make_envelope(), kit.ca, changes={"Signature": kit.ca.sign(b"x"), "Signature-256": None}
        ),
        "missing Signature-256",
    ),
    Attack("cert url twice", _duplicate("SignatureCertChainUrl"), "certificate URL malformed"),
    Attack("signature twice", _duplicate("Signature-256"), "not base64"),
    Attack("signature not base64", _headers({"Signature-256": "!!not*base64!!"}), "not base64"),
    Attack("signature bad padding", _headers({"Signature-256": "abc"}), "not base64"),
    Attack("signature empty", _headers({"Signature-256": ""}), "Signature-256"),
    Attack("signature with spaces", _headers({"Signature-256": "YWJj ZGVm"}), "not base64"),
    Attack("signature huge", _headers({"Signature-256": "A" * 4096}), "too long"),
    # Signatures.
    Attack(
        "signature over another body",
        _signature(lambda kit, body: kit.ca.sign(body + b" ")),
        "signature does not match",
    ),
    Attack("body changed by one byte", _flip_one_byte, "signature does not match"),
    Attack(
        "signed by another key",
        _signature(lambda kit, body: sign(rsa_key("intruder"), body)),
        "signature does not match",
    ),
    Attack(
        "SHA-1 signature in Signature-256",
        _signature(
            lambda kit, body: base64.b64encode(
                kit.ca.leaf.key.sign(body, padding.PKCS1v15(), hashes.SHA1())
            ).decode()
        ),
        "signature does not match",
    ),
    Attack(
        "PSS signature",
        _signature(
            lambda kit, body: base64.b64encode(
                kit.ca.leaf.key.sign(
                    body,
                    padding.PSS(padding.MGF1(hashes.SHA256()), padding.PSS.MAX_LENGTH),
                    hashes.SHA256(),
                )
            ).decode()
        ),
        "signature does not match",
    ),
    Attack(
        "truncated signature",
        _signature(lambda kit, body: kit.ca.sign(body)[:100]),
        "signature does not match",
    ),
    # Certificate chains.
    Attack(
        "expired leaf",
        _served(_leaf(start=NOW - 30 * DAY, end=NOW - timedelta(seconds=1))),
        "certificate chain not trusted",
    ),
    Attack(
        "leaf not yet valid",
        _served(_leaf(start=NOW + timedelta(seconds=1), end=NOW + DAY)),
        "certificate chain not trusted",
    ),
    Attack(
        "leaf for another host", _served(_leaf(san="evil.example")), "certificate chain not trusted"
    ),
    Attack(
        "leaf for a look-alike host",
        _served(_leaf(san="echo-api.amazon.com.evil.example")),
        "certificate chain not trusted",
    ),
    Attack("wildcard leaf", _served(_leaf(san="*.amazon.com")), "leaf is not for"),
    Attack(
        "untrusted root",
        _served(lambda kit: make_ca(prefix="Rogue").chain_pem(), "Rogue-leaf"),
        "certificate chain not trusted",
    ),
    Attack(
        "chain missing the intermediate",
        _served(lambda kit: kit.ca.chain_pem(intermediate=False)),
        "certificate chain not trusted",
    ),
    Attack(
        "self-signed leaf",
        _served(lambda kit: make_ca(prefix="Self").root.pem, "Self-root"),
        "certificate chain not trusted",
    ),
    Attack(
        "trusted root served as the leaf",
        _served(lambda kit: kit.ca.root.pem, "Test-root"),
        "certificate chain not trusted",
    ),
    Attack("chain is not PEM", _served(lambda kit: b"<html>Access Denied</html>"), "not PEM"),
    Attack("chain is huge", _served(lambda kit: b"-" * (64 * 1024 + 1)), "too large"),
    Attack("chain download fails", _served(lambda kit: OSError("HTTP 403")), "download failed"),
    # JSON.
    Attack("malformed JSON", _raw(b'{"version": "1.0",'), "not valid JSON"),
    Attack("empty body", _raw(b""), "not valid JSON"),
    Attack("invalid UTF-8", _raw(b'{"version": "\xff\xfe"}'), "not UTF-8"),
    Attack("UTF-16 JSON", _raw(json.dumps(make_envelope()).encode("utf-16")), "not UTF-8"),
    Attack("JSON array", _raw(b"[1, 2, 3]"), "not a JSON object"),
    Attack("JSON NaN", _raw(b'{"version": NaN}'), "not valid JSON"),
    Attack("JSON huge integer", _raw(b'{"version": ' + b"9" * 5000 + b"}"), "not valid JSON"),
    Attack("deeply nested JSON", _raw(_nested(200)), "nested too deeply"),
    Attack("very deeply nested JSON", _raw(b"[" * 50_000 + b"]" * 50_000), "not valid JSON"),
    Attack("oversized body", _raw(b" " * (MAX_BODY_BYTES + 1)), "too large", 413),
    # Timestamps.
    Attack(
        "stale timestamp",
        _envelope(("request", "timestamp"), "2025-01-15T11:57:29Z"),
        "timestamp out of range",
    ),
    Attack(
        "future timestamp",
        _envelope(("request", "timestamp"), "2025-01-15T12:02:31Z"),
        "timestamp out of range",
    ),
    Attack(
        "ancient timestamp",
        _envelope(("request", "timestamp"), "0001-01-01T00:00:00Z"),
        "timestamp out of range",
    ),
    Attack(
        "far future timestamp",
        _envelope(("request", "timestamp"), "9999-12-31T23:59:59Z"),
        "timestamp out of range",
    ),
    Attack("no timestamp", _envelope(("request", "timestamp"), ...), "timestamp missing"),
    Attack(
        "numeric timestamp", _envelope(("request", "timestamp"), 1736942400), "timestamp missing"
    ),
    Attack("unparseable timestamp", _envelope(("request", "timestamp"), "yesterday"), "malformed"),
    Attack("no request", _envelope(("request",), ...), "timestamp missing"),
    Attack("request not an object", _envelope(("request",), "LaunchRequest"), "timestamp missing"),
    # Application ids.
    Attack(
        "another skill's id",
        _envelope(("context", "System", "application", "applicationId"), "amzn1.ask.skill.other"),
        "application id does not match",
    ),
    Attack(
        "no application id",
        _envelope(("context", "System", "application"), ...),
        "application id missing",
    ),
    Attack("no context", _envelope(("context",), ...), "application id missing"),
    Attack(
        "session for another skill",
        _envelope(("session", "application", "applicationId"), "amzn1.ask.skill.other"),
        "application id does not match",
    ),
    Attack(
        "application id not a string",
        _envelope(("context", "System", "application", "applicationId"), ["x"]),
        "application id does not match",
    ),
    # Verified, but not an envelope the SDK can read: still a clean 400.
    Attack(
        "unknown request type",
        _envelope(("request", "type"), "Bogus.Request"),
        "envelope not understood",
    ),
    Attack("session not an object", _envelope(("session",), 5), "envelope not understood"),
]


@pytest.mark.parametrize("attack", ATTACKS, ids=[attack.name for attack in ATTACKS])
def test_attack_is_rejected(
    attack: Attack, client: FlaskClient, ca: FakeCA, s3: FakeS3, clock: Clock
) -> None:
    response = attack.build(Kit(ca, s3, clock)).send(client)
    assert response.status_code == attack.status
    assert response.is_json
    assert attack.reason in response.get_json()["error"]


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_other_methods_are_not_allowed(method: str, client: FlaskClient, ca: FakeCA) -> None:
    post = signed(make_envelope(), ca)
    response = Post(post.body, post.headers, method).send(client)
    assert response.status_code == 405
    assert response.get_json() == {"error": "method not allowed"}


@pytest.mark.parametrize("seconds", [-150, 150])
def test_timestamps_within_150_seconds_are_fresh(
    seconds: int, client: FlaskClient, ca: FakeCA
) -> None:
    envelope = make_envelope(timestamp=NOW + timedelta(seconds=seconds))
    assert signed(envelope, ca).send(client).status_code == 200


def test_header_names_are_case_insensitive(client: FlaskClient, ca: FakeCA) -> None:
    post = signed(make_envelope(), ca)
    headers = [(name.lower(), value) for name, value in post.headers]
    assert Post(post.body, headers).send(client).status_code == 200


def test_a_declared_oversized_body_is_refused_unread(client: FlaskClient) -> None:
    declared = {"CONTENT_LENGTH": str(10 * MAX_BODY_BYTES)}
    response = client.post("/", data=b"{}", environ_overrides=declared)
    assert response.status_code == 413
    assert response.get_json() == {"error": "request body too large"}


def test_unknown_paths_are_json_404s(client: FlaskClient) -> None:
    response = client.get("/admin")
    assert response.status_code == 404
    assert response.get_json() == {"error": "not found"}


def test_healthz(client: FlaskClient, s3: FakeS3) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert s3.fetched == []


def test_skill_id_must_match_the_configured_one(app_factory: Any, ca: FakeCA) -> None:
    client = app_factory(ALEXA_SKILL_ID="amzn1.ask.skill.someone-else").test_client()
    response = signed(make_envelope(), ca).send(client)
    assert response.status_code == 400
    assert response.get_json() == {"error": "application id does not match"}
    assert SKILL_ID not in response.get_data(as_text=True)


def test_a_verified_request_outside_a_session_is_answered(
    client: FlaskClient, ca: FakeCA
) -> None:
    envelope = make_envelope("IntentRequest", intent="CrampReliefIntent")
    del envelope["session"]  # e.g. requests outside a session, which the skill must still answer
    response = signed(envelope, ca).send(client)
    assert response.status_code == 200
    answer = response.get_json()["response"]
    assert answer["outputSpeech"]["ssml"].startswith("<speak>Straighten your leg")


def test_a_crashing_skill_is_logged_by_type_only(
    app_factory: Any, ca: FakeCA, caplog: pytest.LogCaptureFixture
) -> None:
    skill = build_skill()

    def crash(request_envelope: Any, context: Any) -> Any:
        raise RuntimeError("the person said something private")

    skill.invoke = crash  # type: ignore[method-assign]
    response = signed(make_envelope(), ca).send(app_factory(skill=skill).test_client())
    assert response.status_code == 200
    assert "RuntimeError" in caplog.text
    assert "private" not in caplog.text
