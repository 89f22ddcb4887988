"""The flask_ask_sdk import shim, each case in a fresh interpreter as on a fresh machine."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import oscrypto
import pytest

from skill.webservice import compat

ROOT = Path(__file__).parents[2]


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_without_the_shim_flask_ask_sdk_fails_to_import_here() -> None:
    """Documents the trap this machine's OpenSSL sets (skips where it does not)."""
    result = _python("import flask_ask_sdk.skill_adapter")
    if result.returncode == 0:
        pytest.skip("this oscrypto/OpenSSL pair imports without help")
    assert "Error detecting the version of libcrypto" in result.stderr


def test_with_the_shim_flask_ask_sdk_imports_and_touches_nothing_else() -> None:
    result = _python(
        "import re, ssl, sys\n"
        "meta_path, search, context = list(sys.meta_path), re.search, ssl.create_default_context\n"
        "from skill.webservice import create_app\n"
        "from flask_ask_sdk.skill_adapter import SkillAdapter\n"
        "from ask_sdk_webservice_support.verifier import RequestVerifier\n"
        "from oscrypto._openssl._libcrypto import libcrypto_version, libcrypto_version_info\n"
        # six adds its own importer when imported; nothing of ours may stay.
        "added = [type(f).__name__ for f in sys.meta_path if f not in meta_path]\n"
        "assert added in ([], ['_SixMetaPathImporter']), added\n"
        "assert re.search is search and ssl.create_default_context is context\n"
        "assert all(isinstance(part, int) for part in libcrypto_version_info)\n"
        "assert '.'.join(map(str, libcrypto_version_info)) == libcrypto_version\n"
        "print(libcrypto_version)\n"
    )
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"\d+\.\d+\.\d+[a-z]*", result.stdout.strip())


def test_the_shim_writes_no_bytecode_into_the_installed_package() -> None:
    cache = Path(oscrypto.__file__).parent / "_openssl" / "__pycache__"
    before = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in cache.iterdir()}
    assert _python("from skill.webservice import create_app").returncode == 0
    after = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in cache.iterdir()}
    assert after == before


def test_the_shim_refuses_source_it_does_not_recognise(tmp_path: Path) -> None:
    module = tmp_path / "detector.py"
    module.write_text("version = 'something else'\n")
    loader = compat._FixedRegexLoader("oscrypto._openssl._libcrypto_cffi", str(module))
    with pytest.raises(ImportError, match="unrecognised oscrypto source"):
        loader.get_code("oscrypto._openssl._libcrypto_cffi")


def test_the_fixed_regex_reads_three_and_two_digit_versions() -> None:
    fixed = re.compile(compat._FIXED.strip("'").replace("\\\\", "\\"))
    assert fixed.search("OpenSSL 3.0.19 27 Jan 2026")[1] == "3.0.19"
    assert fixed.search("OpenSSL 1.1.1w  11 Sep 2023")[1] == "1.1.1w"


def test_the_lambda_path_never_imports_flask_or_the_webservice() -> None:
    result = _python(
        "import sys\n"
        "import skill.lambda_function\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in "
        "{'flask', 'flask_ask_sdk', 'werkzeug', 'oscrypto', 'certvalidator', 'waitress'} "
        "or m.startswith('skill.webservice')]\n"
        "assert not loaded, loaded\n"
    )
    assert result.returncode == 0, result.stderr


def test_importing_the_package_loads_nothing_of_the_web_stack() -> None:
    result = _python("import sys, skill.webservice\n"
                     "print(sorted(m for m in sys.modules if m.startswith(('flask', 'oscrypto'))))")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
