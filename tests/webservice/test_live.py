"""The real server: start it on a free loopback port, post signed requests over HTTP, stop it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from skill.webservice.verification import MAX_BODY_BYTES

from .conftest import CERT_URL, SECRETS, SKILL_ID, FakeCA, make_ca, make_envelope, signed

ROOT = Path(__file__).parents[2]
HOST = "127.0.0.1"


def _cli(port: int) -> list[str]:
    return [sys.executable, "-m", "skill", "serve", "--host", HOST, "--port", str(port)]


def _function(port: int) -> list[str]:
    code = f"from skill.webservice.server import serve; serve({HOST!r}, {port})"
    return [sys.executable, "-c", code]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def live_ca() -> FakeCA:
    return make_ca(datetime.now(UTC), prefix="Live")


@pytest.fixture
def environment(live_ca: FakeCA, tmp_path: Path) -> dict[str, str]:
    """The server's environment: the test CA as the only root, chains from a directory."""
    (tmp_path / "roots.pem").write_bytes(live_ca.root.pem)
    chains = tmp_path / "chains"
    chains.mkdir()
    (chains / CERT_URL.rsplit("/", 1)[1]).write_bytes(live_ca.chain_pem())
    return {
        **os.environ,
        "ALEXA_SKILL_ID": SKILL_ID,
        "ALEXA_TRUST_ROOTS": str(tmp_path / "roots.pem"),
        "ALEXA_CERT_FETCHER": f"file:{chains}",
        "PYTHONUNBUFFERED": "1",
    }


@pytest.fixture(params=[_cli, _function], ids=["python -m skill serve", "server.serve()"])
def server(
    request: pytest.FixtureRequest, environment: dict[str, str], tmp_path: Path
) -> Iterator[tuple[str, Path]]:
    launch: Callable[[int], list[str]] = request.param
    if launch is _cli:
        probe = subprocess.run(
            [*_cli(0), "--help"], cwd=ROOT, capture_output=True, timeout=30, env=environment
        )
        if probe.returncode != 0:
            pytest.skip("`python -m skill serve` is not wired in skill/cli.py yet")
    port = _free_port()
    log = tmp_path / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            launch(port), cwd=ROOT, env=environment, stdout=sink, stderr=subprocess.STDOUT
        )
    base = f"http://{HOST}:{port}"
    try:
        _wait_until_healthy(base, process, log)
        yield base, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_until_healthy(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited with {process.returncode}:\n{log.read_text()}")
        try:
            if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    pytest.fail(f"server not healthy after 30 s:\n{log.read_text()}")


def test_live_server(server: tuple[str, Path], live_ca: FakeCA) -> None:
    base, log = server
    envelope = make_envelope(
        "IntentRequest",
        intent="SymptomReportIntent",
        slots={"symptom": SECRETS["utterance"]},
        timestamp=datetime.now(UTC),
    )
    post = signed(envelope, live_ca)
    with requests.Session() as http:
        answer = http.post(f"{base}/", data=post.body, headers=dict(post.headers), timeout=10)
        assert answer.status_code == 200
        assert answer.json()["response"]["outputSpeech"]["type"] == "SSML"

        launch = signed(make_envelope(timestamp=datetime.now(UTC)), live_ca)
        welcome = http.post(f"{base}/", data=launch.body, headers=dict(launch.headers), timeout=10)
        assert "Cramp Coach" in welcome.json()["response"]["outputSpeech"]["ssml"]

        forged = http.post(
            f"{base}/",
            data=post.body.replace(b"IntentRequest", b"LaunchRequest"),
            headers=dict(post.headers),
            timeout=10,
        )
        assert forged.status_code == 400
        assert forged.json() == {"error": "signature does not match body"}

        huge = http.post(f"{base}/", data=b" " * (MAX_BODY_BYTES + 1), timeout=10)
        assert huge.status_code == 413

    text = log.read_text()
    assert '"type":"IntentRequest","intent":"SymptomReportIntent"' in text
    assert '"status":400' in text
    for name, secret in SECRETS.items():
        assert secret not in text, name


def test_serve_without_a_skill_id_exits_with_a_message(environment: dict[str, str]) -> None:
    del environment["ALEXA_SKILL_ID"]
    result = subprocess.run(
        _function(_free_port()),
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "ALEXA_SKILL_ID is not set" in result.stderr
