"""Request logs: one structured line per request, and nothing a person said or who they are."""

from __future__ import annotations

import json
import logging

import pytest
from flask.testing import FlaskClient

from .conftest import SECRETS, FakeCA, Post, encode, make_envelope, signed

REQUEST_LOG = "skill.webservice.requests"


def _requests(caplog: pytest.LogCaptureFixture) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == REQUEST_LOG]


def test_nothing_personal_reaches_the_logs(
    client: FlaskClient, ca: FakeCA, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    said = make_envelope(
        "IntentRequest",
        intent="SymptomReportIntent",
        slots={"symptom": SECRETS["utterance"]},
        attributes={"note": SECRETS["session_value"]},
    )
    posts = [
        signed(make_envelope(attributes={"note": SECRETS["session_value"]}), ca),
        signed(said, ca),
        signed(
            make_envelope("IntentRequest", intent="Unknown", slots={"x": SECRETS["utterance"]}), ca
        ),
        # Rejected: the bodies still carry everything, and none of it may be logged.
        signed(said, ca, changes={"Signature-256": ca.sign(b"other")}),
        signed(encode(said) + b"{", ca),
        signed(encode(said).replace(b"IntentRequest", b"Bogus.Request"), ca),
        signed(make_envelope(application_id=SECRETS["user"]), ca),
        Post(encode(said), []),
    ]
    statuses = [post.send(client).status_code for post in posts]
    assert statuses == [200, 200, 200, 400, 400, 400, 400, 400]

    logged = caplog.text + "".join(repr(record.args) for record in caplog.records)
    for name, secret in SECRETS.items():
        assert secret not in logged, name
    lines = _requests(caplog)
    assert [line["status"] for line in lines] == statuses
    assert lines[1]["type"] == "IntentRequest"
    assert lines[1]["intent"] == "SymptomReportIntent"
    assert lines[1]["request_id"] == said["request"]["requestId"]
    assert lines[3]["request_id"] is None and lines[3]["reason"] == "signature does not match body"
    assert all(isinstance(line["latency_ms"], float) for line in lines)


def test_health_checks_log_only_at_debug(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    client.get("/healthz")
    assert _requests(caplog) == []
