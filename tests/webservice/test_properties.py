"""Property tests: random and mutated requests never get a 500, nor reach the skill unverified."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import hypothesis.strategies as st
from hypothesis import HealthCheck, given, settings

from skill.builder import build_skill

from .conftest import CERT_URL, NOW, SKILL_ID, FakeCA, Post, make_envelope, signed

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=10,
)
header_values = st.text(max_size=80) | st.sampled_from(
    [CERT_URL, "https://s3.amazonaws.com/echo.api/../x", "http://s3.amazonaws.com/echo.api/x"]
)


def _paths(value: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = []
    if isinstance(value, dict):
        for key, child in value.items():
            paths.append((*prefix, key))
            paths.extend(_paths(child, (*prefix, key)))
    return paths


BASE = make_envelope("IntentRequest", intent="CrampReliefIntent", slots={"muscle": "calf"})
PATHS = _paths(BASE)


def _spied_app(app_factory: Any) -> tuple[Any, list[Any]]:
    skill = build_skill()
    runs: list[Any] = []
    invoke = skill.invoke

    def spy(request_envelope: Any, context: Any) -> Any:
        runs.append(request_envelope)
        return invoke(request_envelope=request_envelope, context=context)

    skill.invoke = spy  # type: ignore[method-assign]
    return app_factory(skill=skill).test_client(), runs


def test_random_requests(app_factory: Any) -> None:
    client, runs = _spied_app(app_factory)

    @SETTINGS
    @given(
        body=st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode()),
        headers=st.lists(
            st.tuples(
                st.sampled_from(["SignatureCertChainUrl", "Signature-256", "signature-256", "X"]),
                header_values,
            ),
            max_size=4,
        ),
        method=st.sampled_from(["POST", "POST", "POST", "GET", "PUT"]),
    )
    def check(body: bytes, headers: list[tuple[str, str]], method: str) -> None:
        # Header values must be sendable; the server would refuse others before us.
        headers = [(n, v) for n, v in headers if v.isprintable() and v.isascii()]
        response = Post(body, headers, method).send(client)
        assert response.status_code in {400, 405, 413}
        assert runs == []

    check()


def _oracle(envelope: Any) -> bool:
    """Whether a correctly signed `envelope` should pass every check after the signature."""

    def dig(*keys: str) -> Any:
        node = envelope
        for key in keys:
            node = node.get(key) if isinstance(node, dict) else None
        return node

    stamp = dig("request", "timestamp")
    try:
        sent = datetime.fromisoformat(stamp) if isinstance(stamp, str) else None
    except ValueError:
        sent = None
    if sent is not None and sent.tzinfo is None:
        sent = sent.replace(tzinfo=UTC)
    session_id = dig("session", "application", "applicationId")
    return (
        sent is not None
        and abs(NOW - sent) <= timedelta(seconds=150)
        and dig("context", "System", "application", "applicationId") == SKILL_ID
        and (session_id is None or session_id == SKILL_ID)
    )


def test_mutated_envelopes(app_factory: Any, ca: FakeCA) -> None:
    client, runs = _spied_app(app_factory)

    @SETTINGS
    @given(
        mutations=st.lists(
            st.tuples(st.sampled_from(PATHS), st.just(...) | json_values), max_size=3
        ),
        skew=st.integers(-300, 300),
        signing=st.sampled_from(["correct", "correct", "other body", "one byte", "none"]),
    )
    def check(mutations: list[tuple[tuple[str, ...], Any]], skew: int, signing: str) -> None:
        envelope = json.loads(json.dumps(BASE))
        envelope["request"]["timestamp"] = (NOW + timedelta(seconds=skew)).isoformat()
        for path, value in mutations:
            node = envelope
            for key in path[:-1]:
                node = node.get(key) if isinstance(node, dict) else None
            if isinstance(node, dict):
                if value is ...:
                    node.pop(path[-1], None)
                else:
                    node[path[-1]] = value
        post = signed(envelope, ca)
        if signing == "other body":
            post = signed(envelope, ca, changes={"Signature-256": ca.sign(post.body + b" ")})
        elif signing == "one byte":
            post = Post(post.body[:-1] + b"]", post.headers)
        elif signing == "none":
            post = Post(post.body, [])
        before = len(runs)
        response = post.send(client)
        ran = len(runs) > before
        verified = signing == "correct" and _oracle(envelope)
        assert response.status_code != 500
        assert not ran or verified
        if verified:
            assert response.status_code == 200 or (
                response.status_code == 400
                and response.get_json()["error"] == "request envelope not understood"
            )
        else:
            assert response.status_code == 400

    check()
    assert runs  # the search did reach the skill with verified envelopes
