"""Lets `import flask_ask_sdk` work on OpenSSL >= 3.0.10 despite oscrypto 1.3.0's version check."""

# flask_ask_sdk -> ask_sdk_webservice_support -> certvalidator -> oscrypto. oscrypto 1.3.0,
# the latest release, reads the libcrypto version with the regex \b(\d\.\d\.\d[a-z]*)\b,
# which cannot match "OpenSSL 3.0.19", so importing it raises LibraryNotFoundError("Error
# detecting the version of libcrypto") (wbond/oscrypto#75, #78: fixed upstream in d5f3437,
# never released). We verify requests with `cryptography` and never call oscrypto; it only
# has to import. So, only when that import fails for that reason, we load oscrypto's two
# version-detection modules again from their own source with that one regex replaced by
# upstream's fix. The import hook lives only for that import and writes no bytecode; `ssl`,
# `re`, `sys.meta_path` and the installed files are left as they were.

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import CodeType, ModuleType

_TARGET = "oscrypto._openssl._libcrypto"
_DETECTORS = frozenset({f"{_TARGET}_cffi", f"{_TARGET}_ctypes"})
# The exact source text of oscrypto 1.3.0's regex literal, and upstream's fixed one.
_BROKEN = r"'\\b(\\d\\.\\d\\.\\d[a-z]*)\\b'"
_FIXED = r"'\\b(\\d\\.\\d\\.\\d+[a-z]*)\\b'"
_FAILURE = "Error detecting the version of libcrypto"


class _FixedRegexLoader(importlib.machinery.SourceFileLoader):
    """Compiles a detector module from its source with the version regex fixed."""

    def get_code(self, fullname: str) -> CodeType:
        # Always from source, never from or into __pycache__: the installed package stays as is.
        source = self.get_data(self.path).decode("utf-8")
        if _BROKEN not in source:
            raise ImportError(f"{fullname}: unrecognised oscrypto source, not patching")
        return compile(source.replace(_BROKEN, _FIXED), self.path, "exec", dont_inherit=True)


class _DetectorFinder(importlib.abc.MetaPathFinder):
    """Hands oscrypto's two version-detection modules to `_FixedRegexLoader`."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in _DETECTORS:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or not isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            return None
        spec.loader = _FixedRegexLoader(fullname, spec.loader.path)
        return spec


def ensure_oscrypto_importable() -> bool:
    """Imports oscrypto's libcrypto binding, fixing its version regex if needed; True if fixed."""
    if _TARGET in sys.modules:
        return False
    try:
        import oscrypto
        from oscrypto.errors import LibraryNotFoundError
    except ImportError:  # flask-ask-sdk not installed: nothing to fix
        return False
    if oscrypto.backend() != "openssl":  # macOS and Windows use their own crypto APIs
        return False
    try:
        importlib.import_module(_TARGET)
        return False
    except LibraryNotFoundError as error:
        if _FAILURE not in str(error):
            raise
    finder = _DetectorFinder()
    sys.meta_path.insert(0, finder)
    try:
        importlib.import_module(_TARGET)
    finally:
        sys.meta_path.remove(finder)
    return True
