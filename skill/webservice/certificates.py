"""Trust roots, fetchers and the validated-chain cache for Alexa request signatures."""

from __future__ import annotations

import logging
import re
import ssl
import threading
import urllib.request
import warnings
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.x509.verification import PolicyBuilder, Store

log = logging.getLogger(__name__)

Fetcher = Callable[[str], bytes]

SIGNING_HOST = "echo-api.amazon.com"
MAX_CHAIN_BYTES = 64 * 1024
FETCH_TIMEOUT_SECONDS = 5.0
_PEM_BLOCK = re.compile(rb"-----BEGIN CERTIFICATE-----\r?\n.+?-----END CERTIFICATE-----", re.DOTALL)
_LATEST = datetime.max.replace(tzinfo=UTC)
_EARLIEST = datetime.min.replace(tzinfo=UTC)
_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


class ChainError(Exception):
    """The signing chain could not be fetched, parsed or validated."""


def load_trust_roots(source: bytes | str | Path | None = None) -> list[x509.Certificate]:
    """Parses PEM roots (bytes, PEM text, a path, or certifi's bundle), skipping any that fail."""
    if source is None:
        import certifi

        source = Path(certifi.where())
    if isinstance(source, str) and "-----BEGIN" not in source:
        source = Path(source)
    if isinstance(source, Path):
        source = source.read_bytes()
    if isinstance(source, str):
        source = source.encode("ascii")
    roots: list[x509.Certificate] = []
    skipped = 0
    for block in _PEM_BLOCK.findall(source):
        # Parse each root on its own so one that this or a future `cryptography` refuses
        # (certifi has roots with serial 0, which now only warn) cannot stop start-up.
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            try:
                roots.append(x509.load_pem_x509_certificate(block))
            except ValueError:
                skipped += 1
    if skipped:
        log.info("skipped %d trust root(s) that could not be parsed", skipped)
    if not roots:
        raise ValueError("no usable trust roots")
    return roots


def https_fetcher(
    timeout: float = FETCH_TIMEOUT_SECONDS, max_bytes: int = MAX_CHAIN_BYTES
) -> Fetcher:
    """Returns a fetcher that downloads a chain over HTTPS, verified against certifi's roots."""
    import certifi

    context = ssl.create_default_context(cafile=certifi.where())

    def fetch(url: str) -> bytes:
        with urllib.request.urlopen(url, timeout=timeout, context=context) as response:
            return response.read(max_bytes + 1)

    return fetch


def directory_fetcher(directory: str | Path) -> Fetcher:
    """Returns an offline fetcher serving each URL's file name from `directory` (testing hook)."""
    root = Path(directory)

    def fetch(url: str) -> bytes:
        name = urlsplit(url).path.rsplit("/", 1)[-1]
        if not _FILE_NAME.fullmatch(name):
            raise FileNotFoundError(name)
        return (root / name).read_bytes()[: MAX_CHAIN_BYTES + 1]

    return fetch


@dataclass(frozen=True, slots=True)
class _Chain:
    """A parsed chain and the period in which its last validation still holds."""

    leaf: x509.Certificate
    intermediates: tuple[x509.Certificate, ...]
    key: RSAPublicKey
    valid_from: datetime
    valid_until: datetime


class ChainCache:
    """Fetches, validates and caches signing chains by URL; re-checks validity at every call."""

    def __init__(
        self, roots: list[x509.Certificate], fetch: Fetcher, max_entries: int = 16
    ) -> None:
        self._store = Store(roots)
        self._fetch = fetch
        self._max_entries = max_entries
        self._entries: OrderedDict[str, _Chain] = OrderedDict()
        self._lock = threading.Lock()
        self._fetch_lock = threading.Lock()

    def signing_key(self, url: str, now: datetime) -> RSAPublicKey:
        """Returns the leaf key of the chain at `url` if that chain is valid at `now`."""
        chain = self._cached(url)
        if chain is None:
            with self._fetch_lock:
                chain = self._cached(url) or self._download(url)
        # Path validation depends on the time only through validity periods, so a chain
        # validated earlier is still valid while `now` is inside all of them; outside,
        # validate again in full (another path may hold then, or none).
        if not chain.valid_from <= now <= chain.valid_until:
            chain = self._validate(chain.leaf, chain.intermediates, now)
            self._remember(url, chain)
        return chain.key

    def _cached(self, url: str) -> _Chain | None:
        with self._lock:
            chain = self._entries.get(url)
            if chain is not None:
                self._entries.move_to_end(url)
            return chain

    def _remember(self, url: str, chain: _Chain) -> None:
        with self._lock:
            self._entries[url] = chain
            self._entries.move_to_end(url)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def _download(self, url: str) -> _Chain:
        try:
            pem = self._fetch(url)
        except Exception as error:
            raise ChainError(f"chain download failed ({type(error).__name__})") from error
        if len(pem) > MAX_CHAIN_BYTES:
            raise ChainError("chain too large")
        try:
            leaf, *intermediates = x509.load_pem_x509_certificates(pem)
        except (TypeError, ValueError) as error:
            raise ChainError("chain is not PEM certificates") from error
        # Cached with an empty validity period, so it is validated before first use and a
        # chain that is invalid now is not downloaded again on every request.
        chain = _Chain(leaf, tuple(intermediates), _rsa_key(leaf), _LATEST, _EARLIEST)
        self._remember(url, chain)
        return chain

    def _validate(
        self, leaf: x509.Certificate, intermediates: tuple[x509.Certificate, ...], now: datetime
    ) -> _Chain:
        verifier = (
            PolicyBuilder()
            .store(self._store)
            .time(now)
            .build_server_verifier(x509.DNSName(SIGNING_HOST))
        )
        try:
            path = verifier.verify(leaf, list(intermediates))
        except Exception as error:
            raise ChainError("certificate chain not trusted") from error
        if SIGNING_HOST not in _dns_names(leaf):
            raise ChainError("leaf is not for " + SIGNING_HOST)
        return _Chain(
            leaf,
            intermediates,
            _rsa_key(leaf),
            max(cert.not_valid_before_utc for cert in path),
            min(cert.not_valid_after_utc for cert in path),
        )


def _rsa_key(leaf: x509.Certificate) -> RSAPublicKey:
    key = leaf.public_key()
    if not isinstance(key, RSAPublicKey):
        raise ChainError("leaf key is not RSA")
    return key


def _dns_names(leaf: x509.Certificate) -> list[str]:
    try:
        names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return [name.lower() for name in names.get_values_for_type(x509.DNSName)]
