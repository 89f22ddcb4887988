"""The package as a user installs it: a wheel built from the repo, installed in a fresh venv
outside the checkout, runs a conversation, `chat --jsonl` and the webservice from its own files."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from skill.local import envelopes
from skill.local.dialogs import spoken_keys
from skill.webservice.app import SKILL_ROUTE

ROOT = Path(__file__).resolve().parent.parent
CONVERSATION = """
import json
from skill.lambda_function import lambda_handler
from skill.local import envelopes
reply = lambda_handler(envelopes.intent("CrampReliefIntent", {}), None)
print(json.dumps(reply))
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding only the wheel and its declared dependencies; its python."""
    where = tmp_path_factory.mktemp("wheel")
    # Built from a copy: pip builds in the source tree, and the checkout stays as it was.
    source = shutil.copytree(ROOT, where / "source", ignore=shutil.ignore_patterns(
        ".venv", ".git", "build", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis", "out"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w",
                    str(where / "dist"), str(source)], check=True, cwd=where)
    wheel = next((where / "dist").glob("cramp_coach-*.whl"))
    subprocess.run([sys.executable, "-m", "venv", str(where / "venv")], check=True)
    python = where / "venv" / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", f"{wheel}[web,local]"],
                   check=True, cwd=where)
    return python


def _run(python: Path, *args: str, stdin: str = "") -> str:
    # Run from the venv's folder, never the checkout, so nothing is found by accident.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([str(python), *args], input=stdin, capture_output=True, text=True,
                          cwd=python.parent.parent, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_wheel_carries_the_content_and_reads_it(installed: Path) -> None:
    where = _run(installed, "-c", "import skill.data as d; print(d.directory('responses'))")
    assert "site-packages" in where and str(ROOT) not in where


def test_a_conversation_runs_from_the_wheel(installed: Path) -> None:
    reply = json.loads(_run(installed, "-c", CONVERSATION))
    keys = spoken_keys(reply["response"]["outputSpeech"]["ssml"])
    assert keys[0].startswith("step.stretch"), keys  # the first thing to do, at once
    assert reply["response"]["shouldEndSession"] is False


def test_chat_jsonl_runs_from_the_wheel(installed: Path) -> None:
    out = _run(installed, "-m", "skill", "chat", "--jsonl", stdin="my calf is cramping\n")
    turn = json.loads(out.splitlines()[0])
    assert (turn["intent"], turn["slots"]) == ("CrampReliefIntent", {"muscle": "calf"})


def test_the_webservice_runs_from_the_wheel(installed: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "ALEXA_VERIFY": "false"}
    env.pop("PYTHONPATH", None)
    server = subprocess.Popen([str(installed), "-m", "skill", "serve", "--host", "127.0.0.1",
                               "--port", str(port)], cwd=installed.parent.parent, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        body = json.dumps(envelopes.launch()).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{port}{SKILL_ROUTE}", data=body,
                                         headers={"Content-Type": "application/json"})
        for _ in range(100):  # waits for the server to listen, not for an answer's speed
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    answer = json.loads(response.read())
                break
            except (urllib.error.URLError, ConnectionError):
                if server.poll() is not None:
                    pytest.fail(server.stderr.read().decode() if server.stderr else "exited")
                time.sleep(0.1)
        else:
            pytest.fail("the webservice never answered")
        assert "welcome" in spoken_keys(answer["response"]["outputSpeech"]["ssml"])
    finally:
        server.terminate()
        server.communicate(timeout=10)  # reaps it and closes its pipe


def test_test_dialogs_from_the_wheel_asks_for_files_instead_of_guessing(installed: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([str(installed), "-m", "skill", "test-dialogs"], capture_output=True,
                          text=True, cwd=installed.parent.parent, env=env, timeout=120)
    assert done.returncode == 2 and "no dialog files" in done.stdout
