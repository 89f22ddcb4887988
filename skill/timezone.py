"""The device's local time, for the gentler night-time delivery (22:00 to 07:00).

The time zone comes from the Alexa Settings API, `GET {apiEndpoint}/v2/devices/{deviceId}/
settings/System.timeZone` with the request's `apiAccessToken`; the body is a JSON string such as
`"America/Los_Angeles"`. The lookup is an optional nicety: every failure (timeout, refused
connection, any non-200 status, a body that is not a known IANA zone) gives None, so the skill
uses its normal voice, and the failure is cached for a few minutes so a broken API costs at most
one short wait per device. Successes are cached for hours, per device.

This runs in the Lambda: standard library only, and nothing happens at import time.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import urllib.parse
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache, lru_cache
from typing import Any
from zoneinfo import ZoneInfo

log = logging.getLogger(__name__)

SETTING_PATH = "/v2/devices/{device}/settings/System.timeZone"
MAX_BODY = 1024  # a zone name is a few dozen bytes; anything larger is not an answer
NIGHT_START, NIGHT_END = 22, 7
# An IANA key: "UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT+5".
_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+){0,3}")
_ZONE_NAME_MAX = 64

Opener = Callable[..., Any]  # like urllib's OpenerDirector.open(request, timeout=...)


def _default_opener() -> Opener:
    # urllib.request is imported on first use: it is most of a Lambda cold start's extra cost.
    import urllib.request

    class NoRedirects(urllib.request.HTTPRedirectHandler):
        """A redirect is a failure: following it would send the bearer token to another URL."""

        def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[override]
            return None  # urllib then raises HTTPError for the 3xx

    return urllib.request.build_opener(NoRedirects).open


class DeviceTimeZones:
    """Time zones per device from the Alexa Settings API, cached; None whenever unavailable.

    `timeout` bounds the whole lookup (connect, DNS, headers and body), not each socket call:
    a lookup still running when it runs out is abandoned to a daemon thread that ends by its
    own socket timeout. Thread-safe; the lock guards the cache only, never the HTTP call.
    """

    def __init__(
        self,
        *,
        timeout: float = 0.4,
        ttl: float = 6 * 3600,
        failure_ttl: float = 300,
        max_devices: int = 2048,
        opener: Opener | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if timeout <= 0 or max_devices < 1:
            raise ValueError("timeout must be positive and max_devices at least 1")
        self._timeout = timeout
        self._ttl = ttl
        self._failure_ttl = failure_ttl
        self._max = max_devices
        self._opener = opener  # made on first lookup: most requests are answered from the cache
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, str], tuple[float, ZoneInfo | None]] = OrderedDict()

    def zone(
        self, api_endpoint: str | None, device_id: str | None, token: str | None
    ) -> ZoneInfo | None:
        """The device's time zone, or None (missing input, API unavailable, unknown zone)."""
        if not (api_endpoint and device_id and token):
            return None
        if not all(isinstance(v, str) for v in (api_endpoint, device_id, token)):
            return None
        base = _base_url(api_endpoint)
        if base is None:
            log.info("time zone lookup skipped: apiEndpoint is not an http(s) URL")
            return None
        key = (api_endpoint, device_id)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None and self._monotonic() < hit[0]:
                return hit[1]
        url = base + SETTING_PATH.format(device=urllib.parse.quote(device_id, safe=""))
        found = self._lookup(url, token)
        expires = self._monotonic() + (self._ttl if found is not None else self._failure_ttl)
        with self._lock:
            self._cache[key] = (expires, found)
            self._cache.move_to_end(key)
            while len(self._cache) > self._max:
                self._cache.popitem(last=False)
        return found

    def _lookup(self, url: str, token: str) -> ZoneInfo | None:
        """Run the request on a daemon thread and wait at most `timeout` for it."""
        result: list[ZoneInfo | None] = []

        def work() -> None:
            try:
                result.append(self._fetch(url, token))
            except Exception as error:  # any failure means "no zone", never a failed answer
                log.info("time zone lookup failed: %s", type(error).__name__)
                result.append(None)

        worker = threading.Thread(target=work, name="timezone-lookup", daemon=True)
        worker.start()
        worker.join(self._timeout)
        if not result:
            log.info("time zone lookup timed out after %.2fs", self._timeout)
            return None
        return result[0]

    def _fetch(self, url: str, token: str) -> ZoneInfo | None:
        import urllib.error
        import urllib.request

        request = urllib.request.Request(
            url,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            method="GET",
        )
        try:
            if self._opener is None:
                self._opener = _default_opener()
            response = self._opener(request, timeout=self._timeout)
        except urllib.error.HTTPError as error:
            error.close()  # 401/403 (token), 404, 429, 5xx; redirects too
            log.info("time zone lookup failed: HTTP %s", error.code)
            return None
        with response:
            status = getattr(response, "status", None)
            if status != 200:  # 204: the customer has not set a time zone
                log.info("time zone lookup failed: HTTP %s", status)
                return None
            body = response.read(MAX_BODY + 1)
        if len(body) > MAX_BODY:
            log.info("time zone lookup failed: body over %d bytes", MAX_BODY)
            return None
        try:
            name = json.loads(body)
        except ValueError:  # JSONDecodeError and UnicodeDecodeError alike
            log.info("time zone lookup failed: body is not JSON")
            return None
        found = _zone_info(name)
        if found is None:
            log.info("time zone lookup failed: not a known time zone")
        return found


@lru_cache(maxsize=64)  # one or two endpoints in practice; parsing it is per-request work
def _base_url(api_endpoint: str) -> str | None:
    """`api_endpoint` without a trailing slash, if it is a plain http(s) URL; else None."""
    try:
        parts = urllib.parse.urlsplit(api_endpoint)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if parts.query or parts.fragment or parts.username or parts.password:
        return None
    if any(c.isspace() or ord(c) < 32 for c in api_endpoint):
        return None
    return api_endpoint.rstrip("/")


def _zone_info(name: object) -> ZoneInfo | None:
    """The ZoneInfo for an IANA zone name; None for anything else."""
    if not isinstance(name, str) or len(name) > _ZONE_NAME_MAX:
        return None
    if not _ZONE_NAME.fullmatch(name):
        return None
    try:
        return ZoneInfo(name)
    except (ValueError, LookupError, OSError):  # unknown key, a directory, not a TZif file
        return None


def local_time(timestamp: str | datetime | None, zone: ZoneInfo | None) -> datetime | None:
    """The request's timestamp (ISO 8601, e.g. "2026-11-27T03:12:45Z") in `zone`.

    A timestamp without an offset is taken as UTC, as Alexa's are. None when `zone` is None
    or the timestamp is not a date and time.
    """
    if zone is None or timestamp is None:
        return None
    if isinstance(timestamp, datetime):
        moment = timestamp
    elif isinstance(timestamp, str):
        try:
            moment = datetime.fromisoformat(timestamp.strip())
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(zone)
    except (OverflowError, ValueError):  # datetime.min/max pushed out of range
        return None


def is_night(local: datetime | None, start: int = NIGHT_START, end: int = NIGHT_END) -> bool:
    """True from `start` o'clock up to (not including) `end` o'clock; False without a time."""
    if local is None:
        return False
    hour = local.hour
    if start <= end:
        return start <= hour < end
    return hour >= start or hour < end


@cache
def default() -> DeviceTimeZones:
    """The process-wide lookup (made on first use, so the cache lives across warm invocations)."""
    return DeviceTimeZones()
