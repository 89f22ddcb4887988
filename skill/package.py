"""Write a deployable ask-cli project: skill manifest, interaction models, and a Lambda zip."""

from __future__ import annotations

import compileall
import json
import re
import shutil
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from py_compile import PycInvalidationMode
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from . import content, model, protocol
from .builder import routes
from .handlers import Route

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = model.MODELS_DIR / "skill.json"
LAMBDA_HANDLER = "skill.lambda_function.lambda_handler"
# What the Lambda imports, and nothing else: not the webservice, local mode or the tools (the
# command line, this packager, the protocol's review page). tests/test_package.py checks that
# the Lambda loads exactly these.
RUNTIME_MODULES = ("__init__", "apl", "builder", "content", "conversation", "data", "handlers",
                   "lambda_function", "name_free", "protocol", "screen", "serializer",
                   "session", "ssml", "timezone", "yamlfile")
CODE_SKIP = re.compile(r"(^|/)__pycache__/|\.pyc$")
BYTECODE = re.compile(r"(^|/)__pycache__/|\.pyc$")
RUNTIME_DEPENDENCIES = ("ask-sdk-core", "PyYAML", "tzdata")  # tzdata: device time zones
# Lambda's python3.11 runtime, for requirement markers; no extras are installed.
LAMBDA_MARKERS = {"python_version": "3.11", "sys_platform": "linux", "extra": ""}


class PackageError(Exception):
    """The project is not fit to deploy; says why."""


@dataclass(frozen=True, slots=True)
class Policy:
    """The manifest's privacy policy and terms of use URLs. A health skill that asks about
    symptoms needs both to pass certification; `development` builds may leave them out."""

    privacy_url: str | None = None
    terms_url: str | None = None
    development: bool = False

    def manifest(self, manifest: dict[str, Any]) -> dict[str, Any]:
        """`manifest` with the URLs in every locale, or PackageError saying what is missing."""
        urls = {"privacyPolicyUrl": self.privacy_url, "termsOfUseUrl": self.terms_url}
        for key, url in urls.items():
            if url and not url.startswith("https://"):
                raise PackageError(f"the {key} must be an https:// URL, not {url!r}")
        if not all(urls.values()) and not self.development:
            raise PackageError(
                "the manifest needs --privacy-url and --terms-url (publish docs/privacy.md and "
                "your terms); add --development for a build that will never be published")
        compliance = manifest["manifest"]["privacyAndCompliance"]
        for locale in compliance["locales"].values():
            locale.update({k: v for k, v in urls.items() if v})
        return manifest


def build(out: Path, policy: Policy, vendor: bool = True) -> Path:
    """Write the ask-cli project into `out`; return the Lambda zip's path."""
    check()
    manifest = policy.manifest(json.loads(MANIFEST.read_text(encoding="utf-8")))
    skill_package = out / "skill-package"
    models = skill_package / "interactionModels" / "custom"
    models.mkdir(parents=True, exist_ok=True)
    (skill_package / "skill.json").write_text(json.dumps(manifest, indent=2) + "\n",
                                               encoding="utf-8")
    for locale in model.locales():
        shutil.copyfile(model.path_for(locale), models / f"{locale}.json")

    code = out / "lambda"
    if code.exists():
        shutil.rmtree(code)
    (code / "skill").mkdir(parents=True)
    for name in RUNTIME_MODULES:
        shutil.copyfile(ROOT / "skill" / f"{name}.py", code / "skill" / f"{name}.py")
    _copy_tree(content.RESPONSES_DIR, code / "responses")
    for locale in content.locales():  # checked here, so the Lambda starts without parsing YAML
        compiled = code / "responses" / f"{locale}{content.COMPILED}"
        compiled.write_text(content.catalog(locale).compiled(), encoding="utf-8")
    clinical = code / "responses" / f"{protocol.PATH.stem}{protocol.COMPILED}"
    clinical.write_text(protocol.default().compiled(), encoding="utf-8")
    if vendor:
        vendor_into(code)
    compile_bytecode(code)
    (out / "ask-resources.json").write_text(json.dumps(_ask_resources(), indent=2) + "\n")

    archive = out / "cramp-coach-lambda.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(code.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(code).as_posix())
    return archive


def check() -> None:
    """Refuse to package a model or content that the skill would fail on."""
    routed = {r.intent for r in routes() if isinstance(r, Route) and r.intent}
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))["manifest"]
    published = set(manifest["publishingInformation"]["locales"])
    for locale in model.locales():
        found = model.load(locale)
        content.catalog(locale)
        if missing := set(found.intents) - routed:
            raise PackageError(f"{model.path_for(locale)}: no handler for {sorted(missing)}")
        if locale not in published:
            raise PackageError(f"{MANIFEST}: no publishing information for {locale}")
        if locale not in content.locales():
            raise PackageError(f"{content.RESPONSES_DIR}: no responses for {locale}")


def _ask_resources() -> dict:
    return {
        "askcliResourcesVersion": "2020-03-31",
        "profiles": {
            "default": {
                "skillMetadata": {"src": "./skill-package"},
                "code": {"default": {"src": "./lambda"}},
                "skillInfrastructure": {
                    "type": "@ask-cli/lambda-deployer",
                    "userConfig": {"runtime": "python3.11", "handler": LAMBDA_HANDLER},
                },
            }
        },
    }


def _copy_tree(source: Path, target: Path) -> None:
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source).as_posix()
        if path.is_file() and not CODE_SKIP.search(relative):
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target / relative)


def compile_bytecode(code: Path) -> None:
    """Compile everything under `code` for this Python, as the Lambda runtime will load it.

    Lambda's file system is read-only: without shipped bytecode every cold start compiles every
    module again. Unchecked hashes, because the zip's timestamps mean nothing there.
    """
    compileall.compile_dir(code, quiet=1, invalidation_mode=PycInvalidationMode.UNCHECKED_HASH)


def vendor_into(code: Path, names: tuple[str, ...] = RUNTIME_DEPENDENCIES) -> None:
    """Copy installed distributions (and what they require) next to the code, as Lambda needs."""
    for dist in _closure(names):
        for file in dist.files or ():
            relative = file.as_posix()
            if relative.startswith("..") or BYTECODE.search(relative):
                continue  # console scripts and bytecode caches live outside the package
            source = Path(dist.locate_file(file))
            if source.is_file():
                (code / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, code / relative)


def _closure(names: tuple[str, ...]) -> list[metadata.Distribution]:
    """The named distributions and everything they require (extras left out)."""
    seen: dict[str, metadata.Distribution] = {}
    todo = [Requirement(n) for n in names]
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        if name in seen or (req.marker and not req.marker.evaluate(LAMBDA_MARKERS)):
            continue
        seen[name] = metadata.distribution(name)
        todo += [Requirement(r) for r in seen[name].requires or ()]
    return list(seen.values())
