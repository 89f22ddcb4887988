"""One throwaway certificate authority shaped like Alexa's (a root, an intermediate and a signing
leaf for echo-api.amazon.com) and the request signer, shared by the webservice tests and the
bench's loopback runs."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SIGNING_HOST = "echo-api.amazon.com"
CERT_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-test.pem"


@cache
def rsa_key(name: str) -> rsa.RSAPrivateKey:
    """One 2048-bit key per name, generated once per test run."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


@dataclass(frozen=True)
class Issued:
    """A certificate and its private key."""

    cert: x509.Certificate
    key: rsa.RSAPrivateKey

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


def _certificate(subject: str, key: rsa.RSAPrivateKey, parent: Issued | None, start: datetime,
                 end: datetime, *, ca: bool) -> x509.CertificateBuilder:
    """What every certificate in the chain has: names, key, dates, constraints, key usage."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(parent.cert.subject if parent else _name(subject))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=not ca,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if parent is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(parent.key.public_key()),
            critical=False,
        )
    return builder


def issue_ca(
    common_name: str, key: rsa.RSAPrivateKey, parent: Issued | None, start: datetime, end: datetime
) -> Issued:
    """A root (no parent) or intermediate CA certificate."""
    builder = _certificate(common_name, key, parent, start, end, ca=True)
    return Issued(builder.sign(parent.key if parent else key, hashes.SHA256()), key)


def issue_leaf(
    parent: Issued, key: rsa.RSAPrivateKey, start: datetime, end: datetime, san: str = SIGNING_HOST
) -> Issued:
    """An end-entity certificate shaped like Amazon's signing certificate."""
    cert = (
        _certificate(san, key, parent, start, end, ca=False)
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(san)]), critical=False)
        .sign(parent.key, hashes.SHA256())
    )
    return Issued(cert, key)


@dataclass(frozen=True)
class FakeCA:
    """A root, an intermediate and a signing leaf, as in Amazon's chain."""

    root: Issued
    intermediate: Issued
    leaf: Issued

    def chain_pem(self, *, intermediate: bool = True) -> bytes:
        """The PEM Amazon would serve: leaf first, then the intermediate."""
        return self.leaf.pem + (self.intermediate.pem if intermediate else b"")

    def sign(self, body: bytes) -> str:
        """The Signature-256 header value for `body`."""
        return sign(self.leaf.key, body)

    def with_leaf(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        key: rsa.RSAPrivateKey | None = None,
        san: str = SIGNING_HOST,
    ) -> FakeCA:
        """The same CA with another leaf (other dates, key or SAN)."""
        leaf = issue_leaf(
            self.intermediate,
            key or self.leaf.key,
            start or self.leaf.cert.not_valid_before_utc,
            end or self.leaf.cert.not_valid_after_utc,
            san,
        )
        return FakeCA(self.root, self.intermediate, leaf)


def make_ca(now: datetime | None = None, prefix: str = "Test") -> FakeCA:
    """A fresh test CA whose leaf is valid for a day either side of `now` (default: now)."""
    now = now or datetime.now(UTC)
    root = issue_ca(
        f"{prefix} Root CA",
        rsa_key(f"{prefix}-root"),
        None,
        now - timedelta(days=365),
        now + timedelta(days=3650),
    )
    intermediate = issue_ca(
        f"{prefix} Intermediate CA",
        rsa_key(f"{prefix}-intermediate"),
        root,
        now - timedelta(days=30),
        now + timedelta(days=365),
    )
    leaf = issue_leaf(
        intermediate, rsa_key(f"{prefix}-leaf"), now - timedelta(days=1), now + timedelta(days=1)
    )
    return FakeCA(root, intermediate, leaf)


def sign(key: rsa.RSAPrivateKey, body: bytes) -> str:
    """Base64 RSA PKCS#1 v1.5 SHA-256 signature, as Alexa sends in Signature-256."""
    return base64.b64encode(key.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode("ascii")
