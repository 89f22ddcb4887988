"""`python -m skill package OUT`: a deployable ask-cli project and a self-contained Lambda zip."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from skill import model, package
from skill.local import envelopes

PRIVACY = "https://cramp-coach.example/privacy"
TERMS = "https://cramp-coach.example/terms"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("package")
    done = subprocess.run([sys.executable, "-m", "skill", "package", str(out),
                           "--privacy-url", PRIVACY, "--terms-url", TERMS],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def _package(out: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "skill", "package", str(out), "--no-deps",
                           *flags], capture_output=True, text=True, timeout=300)


def test_a_manifest_without_privacy_and_terms_urls_is_refused(tmp_path: Path) -> None:
    done = _package(tmp_path / "out")
    assert done.returncode == 1 and "--privacy-url" in done.stdout
    assert not (tmp_path / "out" / "skill-package").exists()
    assert _package(tmp_path / "out", "--privacy-url", "http://x.example/p", "--terms-url",
                    TERMS).returncode == 1  # not https


def test_a_development_build_may_leave_the_urls_out(tmp_path: Path) -> None:
    assert _package(tmp_path / "out", "--development").returncode == 0
    manifest = json.loads((tmp_path / "out" / "skill-package" / "skill.json").read_text())
    en_us = manifest["manifest"]["privacyAndCompliance"]["locales"]["en-US"]
    assert en_us["privacyPolicyUrl"] == ""


def test_the_skill_package_has_the_manifest_and_every_model(project: Path) -> None:
    manifest = json.loads((project / "skill-package" / "skill.json").read_text())["manifest"]
    info = manifest["publishingInformation"]
    assert info["category"] == "HEALTH_AND_FITNESS"
    en = info["locales"]["en-US"]
    assert "not a substitute for a clinician" in en["description"]
    assert all(p.lower().startswith("alexa, ") and "cramp coach" in p for p in en["examplePhrases"])
    for locale in model.locales():
        shipped = project / "skill-package" / "interactionModels" / "custom" / f"{locale}.json"
        assert json.loads(shipped.read_text()) == model.load(locale).raw
    # Alexa asks before routing a request said without the skill's name (skill/name_free.py).
    assert {"type": "CAN_FULFILL_INTENT_REQUEST"} in manifest["apis"]["custom"]["interfaces"]
    for locale in manifest["privacyAndCompliance"]["locales"].values():
        assert (locale["privacyPolicyUrl"], locale["termsOfUseUrl"]) == (PRIVACY, TERMS)
    resources = json.loads((project / "ask-resources.json").read_text())
    infra = resources["profiles"]["default"]["skillInfrastructure"]
    assert infra["userConfig"]["handler"] == "skill.lambda_function.lambda_handler"


def test_the_lambda_zip_answers_alexa_with_nothing_but_itself(project: Path, tmp_path) -> None:
    archive = project / "cramp-coach-lambda.zip"
    names = zipfile.ZipFile(archive).namelist()
    assert "responses/en-US.yaml" in names
    # The skill's code in the zip: what the Lambda runs, no tools, no webservice, no local mode.
    shipped = {n.removeprefix("skill/").removesuffix(".py") for n in names
               if n.startswith("skill/") and n.endswith(".py")}
    assert shipped == set(package.RUNTIME_MODULES)
    tag = sys.implementation.cache_tag  # bytecode ships, compiled for this Python
    assert f"skill/__pycache__/lambda_function.{tag}.pyc" in names
    assert "responses/en-US.compiled.json" in names
    zipfile.ZipFile(archive).extractall(tmp_path)
    # -I -S: no site-packages, no environment; only the zip's contents and the standard library.
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]);"
        "from skill.lambda_function import lambda_handler;"
        "answer = lambda_handler(json.loads(sys.argv[2]), None);"
        "loaded = sorted(m.removeprefix('skill.') for m in sys.modules if m.startswith('skill.'));"
        "print(json.dumps({'answer': answer, 'yaml': 'yaml' in sys.modules, 'loaded': loaded}))"
    )
    event = envelopes.intent("CausesIntent")
    command = [sys.executable, "-I", "-S", "-c", code, str(tmp_path), json.dumps(event)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert "overworked muscle" in out["answer"]["response"]["outputSpeech"]["ssml"]
    assert out["yaml"] is False  # started from the compiled catalog
    # Every module shipped is one the Lambda loads (yamlfile only without compiled content).
    assert set(out["loaded"]) | {"__init__", "yamlfile"} == set(package.RUNTIME_MODULES)
