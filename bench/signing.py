"""A throwaway certificate authority and request signer shaped like Alexa's, for loopback runs."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SIGNING_HOST = "echo-api.amazon.com"
CERT_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-bench.pem"


@dataclass(frozen=True, slots=True)
class TestCA:
    """A root, an intermediate and a signing leaf, as in Amazon's chain, all as PEM."""

    root_pem: bytes
    chain_pem: bytes  # leaf first, then the intermediate, as Amazon serves it
    leaf_key: rsa.RSAPrivateKey

    def sign(self, body: bytes) -> str:
        """The Signature-256 header value for `body`."""
        signature = self.leaf_key.sign(body, padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(signature).decode("ascii")


def make_ca(now: datetime | None = None) -> TestCA:
    """A fresh chain whose leaf is valid for a day either side of `now`."""
    now = now or datetime.now(UTC)
    keys = [rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(3)]
    root = _certificate("Bench Root CA", keys[0], None, None, now - timedelta(days=365),
                        now + timedelta(days=3650), ca=True)
    middle = _certificate("Bench Intermediate CA", keys[1], root, keys[0],
                          now - timedelta(days=30), now + timedelta(days=365), ca=True)
    leaf = _certificate(SIGNING_HOST, keys[2], middle, keys[1], now - timedelta(days=1),
                        now + timedelta(days=1), ca=False)
    return TestCA(_pem(root), _pem(leaf) + _pem(middle), keys[2])


def _certificate(name: str, key: rsa.RSAPrivateKey, parent: x509.Certificate | None,
                 parent_key: rsa.RSAPrivateKey | None, start: datetime, end: datetime, *,
                 ca: bool) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    signer = parent_key or key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(parent.subject if parent else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=not ca,
            data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
    )
    if parent is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()),
            critical=False)
    if not ca:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                   ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False,
        ).add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
    return builder.sign(signer, hashes.SHA256())


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)
