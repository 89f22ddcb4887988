"""Configuration: the config dict, environment variables, and refusing to run misconfigured."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from skill.webservice import create_app
from skill.webservice.server import serve
from skill.webservice.settings import ConfigError, load_settings

from .conftest import CERT_URL, SKILL_ID, Clock, FakeCA, encode, make_envelope, signed


def test_environment_variables_fill_what_config_leaves_out(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ca: FakeCA, clock: Clock
) -> None:
    (tmp_path / "roots.pem").write_bytes(ca.root.pem)
    chains = tmp_path / "chains"
    chains.mkdir()
    (chains / CERT_URL.rsplit("/", 1)[1]).write_bytes(ca.chain_pem())
    monkeypatch.setenv("ALEXA_SKILL_ID", SKILL_ID)
    monkeypatch.setenv("ALEXA_TRUST_ROOTS", str(tmp_path / "roots.pem"))
    monkeypatch.setenv("ALEXA_CERT_FETCHER", f"file:{chains}")
    client = create_app({"ALEXA_CLOCK": clock}).test_client()
    assert signed(make_envelope(), ca).send(client).status_code == 200


def test_config_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALEXA_SKILL_ID", "from-environment")
    monkeypatch.setenv("ALEXA_VERIFY", "false")
    settings = load_settings({"ALEXA_SKILL_ID": "from-config", "ALEXA_VERIFY": True})
    assert (settings.skill_id, settings.verify) == ("from-config", True)


def test_verification_needs_a_skill_id() -> None:
    with pytest.raises(ConfigError, match="ALEXA_SKILL_ID is not set"):
        create_app({})


@pytest.mark.parametrize("off", [False, "false", "0", "no", "OFF"])
def test_without_verification_unsigned_requests_are_answered(off: Any) -> None:
    client = create_app({"ALEXA_VERIFY": off}).test_client()
    assert client.post("/", data=encode(make_envelope())).status_code == 200
    assert client.post("/", data=b"{not json").status_code == 400


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"ALEXA_SKILL_ID": SKILL_ID, "ALEXA_VERIFY": "maybe"}, "true or false"),
        ({"ALEXA_SKILL_ID": SKILL_ID, "ALEXA_CERT_FETCHER": "https://x"}, "ALEXA_CERT_FETCHER"),
        ({"ALEXA_SKILL_ID": SKILL_ID, "ALEXA_CERT_FETCHER": "file:/no/such/dir"}, "directory"),
        ({"ALEXA_SKILL_ID": SKILL_ID, "ALEXA_CLOCK": datetime.now}, "timezone-aware"),
        ({"ALEXA_SKILL_ID": SKILL_ID, "ALEXA_CLOCK": "now"}, "callable"),
        ({"ALEXA_SKILL_ID": 42}, "string"),
    ],
)
def test_bad_settings_are_explained(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(config)


def test_serve_refuses_to_start_without_a_skill_id() -> None:
    with pytest.raises(SystemExit, match="ALEXA_SKILL_ID is not set") as caught:
        serve(port=0)
    assert isinstance(caught.value.code, str)
