"""The verifier as plain Python: Amazon's real chain, URL rules, headers, roots and the cache."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import certifi
import pytest
from cryptography.utils import CryptographyDeprecationWarning

from skill.webservice.certificates import (
    MAX_CHAIN_BYTES,
    ChainCache,
    ChainError,
    directory_fetcher,
    load_trust_roots,
)
from skill.webservice.verification import (
    Rejected,
    RequestVerifier,
    canonical_cert_url,
    remove_dot_segments,
)

from .conftest import CERT_URL, NOW, SKILL_ID, FakeCA, FakeS3, encode, make_envelope

AMAZON_CHAIN = Path(__file__).parents[1] / "fixtures" / "amazon-echo-api-cert-12.pem"
AMAZON_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-12.pem"


@pytest.fixture(scope="module")
def certifi_roots() -> list:
    return load_trust_roots()


def test_amazons_real_chain_is_trusted_while_its_leaf_is_valid(certifi_roots: list) -> None:
    chains = ChainCache(certifi_roots, lambda url: AMAZON_CHAIN.read_bytes())
    key = chains.signing_key(AMAZON_URL, datetime(2023, 6, 1, tzinfo=UTC))
    assert key.key_size == 2048


def test_amazons_real_chain_is_refused_after_its_leaf_expired(certifi_roots: list) -> None:
    chains = ChainCache(certifi_roots, lambda url: AMAZON_CHAIN.read_bytes())
    with pytest.raises(ChainError, match="not trusted"):
        chains.signing_key(AMAZON_URL, datetime(2024, 6, 1, tzinfo=UTC))


def test_amazons_real_chain_through_the_verifier(certifi_roots: list) -> None:
    """Valid in 2023 (so only our unsigned body fails), untrusted in 2024."""
    chains = ChainCache(certifi_roots, lambda url: AMAZON_CHAIN.read_bytes())
    verifier = RequestVerifier(chains, SKILL_ID)
    headers = {"SignatureCertChainUrl": AMAZON_URL, "Signature-256": "AAAA"}
    body = encode(make_envelope())
    with pytest.raises(Rejected, match="signature does not match"):
        verifier.verify(body, headers, datetime(2023, 6, 1, tzinfo=UTC))
    with pytest.raises(Rejected, match="not trusted"):
        verifier.verify(body, headers, datetime(2024, 6, 1, tzinfo=UTC))


def test_certifis_bundle_loads_despite_roots_with_serial_zero() -> None:
    # Some certifi roots have serial 0: `cryptography` warns now (an error under pytest's
    # settings here) and will refuse them later; neither may break start-up.
    bundle = Path(certifi.where()).read_bytes()
    roots = load_trust_roots(bundle)
    assert len(roots) == bundle.count(b"-----BEGIN CERTIFICATE-----")
    with pytest.warns(CryptographyDeprecationWarning, match="serial number"):
        assert any(root.serial_number == 0 for root in roots)


def test_one_unparseable_root_is_skipped(ca: FakeCA) -> None:
    broken = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    assert len(load_trust_roots(broken + ca.root.pem)) == 1


def test_trust_roots_from_a_path_or_pem_text(ca: FakeCA, tmp_path: Path) -> None:
    path = tmp_path / "roots.pem"
    path.write_bytes(ca.root.pem)
    assert load_trust_roots(str(path)) == [ca.root.cert]
    assert load_trust_roots(path) == [ca.root.cert]
    assert load_trust_roots(ca.root.pem.decode()) == [ca.root.cert]
    with pytest.raises(ValueError, match="no usable trust roots"):
        load_trust_roots(b"nothing here")


def _verifier(ca: FakeCA, s3: FakeS3) -> RequestVerifier:
    return RequestVerifier(ChainCache([ca.root.cert], s3), SKILL_ID)


def test_verifier_returns_the_parsed_envelope(ca: FakeCA, s3: FakeS3) -> None:
    envelope = make_envelope()
    body = encode(envelope)
    headers = {"signaturecertchainurl": CERT_URL, "SIGNATURE-256": ca.sign(body)}
    assert _verifier(ca, s3).verify(body, headers, NOW) == envelope


@pytest.mark.parametrize("name", ["SignatureCertChainUrl", "Signature-256"])
def test_verifier_refuses_a_header_given_twice(name: str, ca: FakeCA, s3: FakeS3) -> None:
    body = encode(make_envelope())
    headers = [("SignatureCertChainUrl", CERT_URL), ("Signature-256", ca.sign(body))]
    headers.append((name.upper(), dict(headers)[name]))
    with pytest.raises(Rejected, match=f"duplicated {name}") as caught:
        _verifier(ca, s3).verify(body, headers, NOW)
    assert caught.value.status == 400


def test_verifier_checks_size_first(ca: FakeCA, s3: FakeS3) -> None:
    verifier = RequestVerifier(ChainCache([ca.root.cert], s3), SKILL_ID, max_body=10)
    with pytest.raises(Rejected) as caught:
        verifier.verify(b"{" * 11, {}, NOW)
    assert (caught.value.status, caught.value.reason) == (413, "request body too large")


def test_without_signature_checks_only_json_and_skill_id_are_checked() -> None:
    verifier = RequestVerifier(None, SKILL_ID)
    stale = make_envelope(timestamp=NOW - timedelta(days=1))
    assert verifier.verify(encode(stale), {}, NOW)["version"] == "1.0"
    with pytest.raises(Rejected, match="not valid JSON"):
        verifier.verify(b"{", {}, NOW)
    with pytest.raises(Rejected, match="application id"):
        verifier.verify(encode(make_envelope(application_id="other")), {}, NOW)


def test_an_invalid_chain_is_not_downloaded_again(ca: FakeCA, s3: FakeS3) -> None:
    chains = ChainCache([ca.root.cert], s3)
    late = ca.leaf.cert.not_valid_after_utc + timedelta(seconds=1)
    for _ in range(3):
        with pytest.raises(ChainError):
            chains.signing_key(CERT_URL, late)
    assert chains.signing_key(CERT_URL, NOW) == ca.leaf.cert.public_key()
    assert s3.fetched == [CERT_URL]


def test_the_cache_is_bounded(ca: FakeCA, s3: FakeS3) -> None:
    chains = ChainCache([ca.root.cert], s3, max_entries=2)
    urls = [f"https://s3.amazonaws.com/echo.api/{n}.pem" for n in range(3)]
    for url in [*urls, urls[0]]:
        chains.signing_key(url, NOW)
    assert s3.fetched == [*urls, urls[0]]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/echo.api/../echo.api/x.pem", "/echo.api/x.pem"),
        ("/echo.api/./x.pem", "/echo.api/x.pem"),
        ("/echo.api/..", "/"),
        ("/echo.api/.", "/echo.api/"),
        ("/../echo.api/x", "/echo.api/x"),
        ("/a/b/c/./../../g", "/a/g"),
        ("/mid/content=5/../6", "/mid/6"),
        ("/a//../b", "/a/b"),
        ("/", "/"),
    ],
)
def test_remove_dot_segments(path: str, expected: str) -> None:
    assert remove_dot_segments(path) == expected


def test_canonical_cert_url() -> None:
    url = "HTTPS://S3.AMAZONAWS.COM:443/echo.api/../echo.api/cert.pem"
    assert canonical_cert_url(url) == "https://s3.amazonaws.com/echo.api/cert.pem"


def test_directory_fetcher_serves_by_file_name_only(ca: FakeCA, tmp_path: Path) -> None:
    (tmp_path / "echo-api-cert-test.pem").write_bytes(ca.chain_pem())
    fetch = directory_fetcher(tmp_path)
    assert fetch(CERT_URL) == ca.chain_pem()
    for url in ("https://s3.amazonaws.com/echo.api/", "https://s3.amazonaws.com/echo.api/.."):
        with pytest.raises(FileNotFoundError):
            fetch(url)


def test_directory_fetcher_caps_what_it_reads(tmp_path: Path) -> None:
    (tmp_path / "big.pem").write_bytes(b"x" * (2 * MAX_CHAIN_BYTES))
    assert len(directory_fetcher(tmp_path)("https://s3.amazonaws.com/echo.api/big.pem")) == (
        MAX_CHAIN_BYTES + 1
    )
