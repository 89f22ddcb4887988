"""Checks that a raw HTTP request really comes from Alexa, for this skill, and is fresh."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.hashes import SHA256

from .certificates import ChainCache, ChainError

MAX_BODY_BYTES = 128 * 1024
MAX_JSON_DEPTH = 64
TIMESTAMP_TOLERANCE = timedelta(seconds=150)
CERT_URL_HEADER = "SignatureCertChainUrl"
SIGNATURE_HEADER = "Signature-256"
_MAX_HEADER_CHARS = 2048
# RFC 3986 unreserved characters plus "/" and ":"; Amazon's URLs need nothing else, and
# this rules out %-escapes, queries, fragments, user info, whitespace and lists.
_URL_CHARS = re.compile(r"[A-Za-z0-9._~/:-]+")
_URL_PARTS = re.compile(r"(?P<scheme>[^:/]+)://(?P<host>[^/:]*)(?::(?P<port>[^/]*))?(?P<path>/.*)?")

Headers = Mapping[str, str] | Iterable[tuple[str, str]]


class Rejected(Exception):
    """A request that failed verification, with the HTTP status and a short reason to send."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class RequestVerifier:
    """Verifies raw Alexa requests: size, signature chain and signature, JSON, time, skill id."""

    def __init__(
        self,
        chains: ChainCache | None,
        skill_id: str | None,
        *,
        max_body: int = MAX_BODY_BYTES,
        tolerance: timedelta = TIMESTAMP_TOLERANCE,
    ) -> None:
        self._chains = chains
        self._skill_id = skill_id
        self._max_body = max_body
        self._tolerance = tolerance

    def verify(self, body: bytes, headers: Headers, now: datetime) -> dict[str, Any]:
        """Returns the parsed request envelope, or raises `Rejected` at the first failed check."""
        if len(body) > self._max_body:
            raise Rejected("request body too large", 413)
        if self._chains is not None:
            cert_url, signature = _signature_headers(headers)
            url = canonical_cert_url(cert_url)
            try:
                key = self._chains.signing_key(url, now)
            except ChainError as error:
                raise Rejected(str(error)) from None
            try:
                key.verify(signature, body, PKCS1v15(), SHA256())
            except InvalidSignature:
                raise Rejected("signature does not match body") from None
        envelope = parse_envelope(body)
        if self._chains is not None:
            check_timestamp(envelope, now, self._tolerance)
        if self._skill_id is not None:
            check_application_id(envelope, self._skill_id)
        return envelope


def _signature_headers(headers: Headers) -> tuple[str, bytes]:
    """Returns the single cert URL and the decoded signature, case-insensitively."""
    if hasattr(headers, "getlist"):  # werkzeug's Headers: case-insensitive, every value
        url_values = headers.getlist(CERT_URL_HEADER)
        signature_values = headers.getlist(SIGNATURE_HEADER)
    else:
        pairs = headers.items() if hasattr(headers, "items") else headers
        found: dict[str, list[str]] = {CERT_URL_HEADER.lower(): [], SIGNATURE_HEADER.lower(): []}
        for name, value in pairs:
            values = found.get(name.lower())
            if values is not None:
                values.append(value)
        url_values, signature_values = found.values()
    for name, values in ((CERT_URL_HEADER, url_values), (SIGNATURE_HEADER, signature_values)):
        if not values:
            raise Rejected(f"missing {name} header")
        if len(values) > 1:
            raise Rejected(f"duplicated {name} header")
        if len(values[0]) > _MAX_HEADER_CHARS:
            raise Rejected(f"{name} header too long")
    try:
        signature = base64.b64decode(signature_values[0], validate=True)
    except (binascii.Error, ValueError):
        raise Rejected(f"{SIGNATURE_HEADER} is not base64") from None
    if not signature:
        raise Rejected(f"{SIGNATURE_HEADER} is empty")
    return url_values[0], signature


def canonical_cert_url(url: str) -> str:
    """Returns the normalised signing-chain URL if Amazon's rules allow it, else rejects it."""
    parts = _URL_PARTS.fullmatch(url) if _URL_CHARS.fullmatch(url) else None
    if parts is None:
        raise Rejected("certificate URL malformed")
    if parts["scheme"].lower() != "https":
        raise Rejected("certificate URL not https")
    if parts["host"].lower() != "s3.amazonaws.com":
        raise Rejected("certificate URL host not allowed")
    if parts["port"] is not None and parts["port"] != "443":
        raise Rejected("certificate URL port not allowed")
    path = remove_dot_segments(parts["path"] or "/")
    if not path.startswith("/echo.api/"):
        raise Rejected("certificate URL path not allowed")
    return "https://s3.amazonaws.com" + path


def remove_dot_segments(path: str) -> str:
    """Resolves "." and ".." in an absolute URL path as RFC 3986 section 5.2.4 does."""
    segments = path.split("/")[1:]
    output: list[str] = []
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment in (".", ".."):
            if segment == ".." and output:
                output.pop()
            if last:
                output.append("")
        else:
            output.append(segment)
    return "/" + "/".join(output)


def parse_envelope(body: bytes) -> dict[str, Any]:
    """Parses a strict UTF-8 JSON object of bounded nesting depth."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Rejected("body is not UTF-8") from None
    try:
        envelope = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise Rejected("body is not valid JSON") from None
    if not isinstance(envelope, dict):
        raise Rejected("body is not a JSON object")
    # Counting brackets (strings included) bounds the depth cheaply for ordinary envelopes.
    if text.count("{") + text.count("[") > MAX_JSON_DEPTH and _depth(envelope) > MAX_JSON_DEPTH:
        raise Rejected("JSON nested too deeply")
    return envelope


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _depth(value: Any) -> int:
    deepest = 0
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values() if _is_container(child))
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node if _is_container(child))
    return deepest


def _is_container(value: Any) -> bool:
    return isinstance(value, dict | list)


def check_timestamp(envelope: dict[str, Any], now: datetime, tolerance: timedelta) -> None:
    """Rejects a request whose timestamp is missing or further than `tolerance` from `now`."""
    request = envelope.get("request")
    stamp = request.get("timestamp") if isinstance(request, dict) else None
    if not isinstance(stamp, str) or len(stamp) > 64:
        raise Rejected("request timestamp missing")
    try:
        sent = datetime.fromisoformat(stamp)
    except ValueError:
        raise Rejected("request timestamp malformed") from None
    if sent.tzinfo is None:
        sent = sent.replace(tzinfo=UTC)
    try:
        skew = abs(now - sent)
    except OverflowError:
        raise Rejected("request timestamp out of range") from None
    if skew > tolerance:
        raise Rejected("request timestamp out of range")


def check_application_id(envelope: dict[str, Any], skill_id: str) -> None:
    """Rejects a request unless every application id it carries is `skill_id` (one must exist)."""
    context_id = _dig(envelope, "context", "System", "application", "applicationId")
    if context_id is None:
        raise Rejected("application id missing")
    session_id = _dig(envelope, "session", "application", "applicationId")
    if context_id != skill_id or (session_id is not None and session_id != skill_id):
        raise Rejected("application id does not match")


def _dig(value: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value
