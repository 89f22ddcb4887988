"""The device time zone lookup, against a real HTTP server on loopback standing in for Alexa.

The server answers per device id: a zone, slowly, with an error status, with Alexa's error
JSON, with garbage. Nothing here mocks urllib: every lookup is a real request over a socket.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from skill import timezone as tz
from skill.local.alexa_api import AlexaApi, Answer, Raw

BERLIN = ZoneInfo("Europe/Berlin")
BERLIN_NAME = "Europe/Berlin"
TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.test-token"
DEVICE = "amzn1.ask.device.AE/Zx+q=="  # real ids are long and URL-unsafe characters do occur
SLOW_SECONDS = 3.0
FORBIDDEN = {"type": "FORBIDDEN", "message": "Request is not authorized."}


# How the stand-in answers a device, by name; a device not named answers Berlin.
def _answers(endpoint: str) -> dict[str, Answer]:
    return {
        "berlin": BERLIN_NAME,
        "slow": ("slow", SLOW_SECONDS, BERLIN_NAME),
        # every byte inside a socket timeout, the whole far outside it
        "drip": Raw(200, b'"Europe/Berlin"', drip=True),
        "error": Raw(500, b'{"type":"INTERNAL_ERROR","message":"Internal Server Error"}'),
        "forbidden": Raw(403, json.dumps(FORBIDDEN).encode()),  # the token does not allow it
        "unauthorized": Raw(401, b'{"type":"UNAUTHORIZED","message":"The token is not valid."}'),
        "no_content": Raw(204),  # the customer has not set a time zone
        "garbage": Raw(200, b'{"Europe/Ber'),
        "object": Raw(200, b'{"timeZone": "Europe/Berlin"}'),
        "mars": "Mars/Olympus",
        "traversal": "../../../etc/passwd",
        "huge": Raw(200, b'"Europe/Berlin"' + b" " * (1 << 20)),  # valid JSON, a megabyte
        # following it would hand the token to another URL
        "redirect": Raw(302, headers={"Location": f"{endpoint}/elsewhere"}),
    }


class FakeAlexa(AlexaApi):
    """The one stand-in Alexa API (skill.local.alexa_api), and a way to set each device."""

    def behave(self, device: str, how: str) -> None:
        self.zones[device] = _answers(self.endpoint)[how]

    def count(self) -> int:
        return len(self.paths())


@pytest.fixture
def alexa(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAlexa]:
    for name in ("http_proxy", "https_proxy", "all_proxy"):  # loopback must not go via a proxy
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    fake = FakeAlexa({}, default=BERLIN_NAME, token=TOKEN).start()
    try:
        yield fake
    finally:
        fake.stop()
        assert fake._thread is not None and not fake._thread.is_alive()


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the lookup ----------------------------------------------------------------------------


def test_finds_the_zone_asking_the_right_path_with_the_token(alexa: FakeAlexa) -> None:
    zones = tz.DeviceTimeZones(timeout=2)
    assert zones.zone(alexa.endpoint, DEVICE, TOKEN) == BERLIN
    [(path, headers)] = alexa.requests
    assert path == "/v2/devices/amzn1.ask.device.AE%2FZx%2Bq%3D%3D/settings/System.timeZone"
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["Accept"] == "application/json"


def test_a_trailing_slash_on_the_endpoint_is_fine(alexa: FakeAlexa) -> None:
    assert tz.DeviceTimeZones(timeout=2).zone(alexa.endpoint + "/", "d1", TOKEN) == BERLIN
    assert alexa.paths() == ["/v2/devices/d1/settings/System.timeZone"]


def test_a_found_zone_is_cached_until_the_ttl_runs_out(alexa: FakeAlexa) -> None:
    clock = Clock()
    zones = tz.DeviceTimeZones(timeout=2, ttl=600, monotonic=clock)
    assert zones.zone(alexa.endpoint, DEVICE, TOKEN) == BERLIN
    assert zones.zone(alexa.endpoint, DEVICE, "a-newer-token") == BERLIN
    clock.advance(599)
    assert zones.zone(alexa.endpoint, DEVICE, TOKEN) == BERLIN
    assert alexa.count() == 1
    clock.advance(2)
    assert zones.zone(alexa.endpoint, DEVICE, TOKEN) == BERLIN
    assert alexa.count() == 2


def test_the_cache_is_per_device_and_per_endpoint(alexa: FakeAlexa) -> None:
    zones = tz.DeviceTimeZones(timeout=2)
    for _ in range(2):
        zones.zone(alexa.endpoint, "d1", TOKEN)
        zones.zone(alexa.endpoint, "d2", TOKEN)
        zones.zone(alexa.endpoint + "/", "d1", TOKEN)
    assert alexa.count() == 3


def test_the_cache_is_bounded_and_forgets_the_oldest_device_first(alexa: FakeAlexa) -> None:
    zones = tz.DeviceTimeZones(timeout=2, max_devices=2)
    for device in ("d1", "d2", "d3"):
        assert zones.zone(alexa.endpoint, device, TOKEN) == BERLIN
    assert alexa.count() == 3
    zones.zone(alexa.endpoint, "d3", TOKEN)  # still cached
    assert alexa.count() == 3
    zones.zone(alexa.endpoint, "d1", TOKEN)  # was evicted
    assert alexa.count() == 4


FAILURES = [
    "error", "forbidden", "unauthorized", "no_content", "garbage", "object", "mars",
    "traversal", "huge", "redirect",
]


@pytest.mark.parametrize("how", FAILURES)
def test_a_failed_lookup_gives_none_and_is_cached_for_the_failure_ttl(
    alexa: FakeAlexa, how: str
) -> None:
    alexa.behave(DEVICE, how)
    clock = Clock()
    zones = tz.DeviceTimeZones(timeout=2, failure_ttl=300, monotonic=clock)
    assert zones.zone(alexa.endpoint, DEVICE, TOKEN) is None
    assert zones.zone(alexa.endpoint, DEVICE, TOKEN) is None
    assert alexa.count() == 1, "a failure is remembered: no second request"
    clock.advance(301)
    alexa.behave(DEVICE, "berlin")  # the API has recovered
    assert zones.zone(alexa.endpoint, DEVICE, TOKEN) == BERLIN
    assert alexa.count() == 2


def test_a_redirect_is_not_followed(alexa: FakeAlexa) -> None:
    alexa.behave(DEVICE, "redirect")
    assert tz.DeviceTimeZones(timeout=2).zone(alexa.endpoint, DEVICE, TOKEN) is None
    assert "/elsewhere" not in alexa.paths()


def test_a_slow_api_is_abandoned_within_the_timeout_and_not_asked_again(
    alexa: FakeAlexa,
) -> None:
    alexa.behave(DEVICE, "slow")
    zones = tz.DeviceTimeZones(timeout=0.2)
    started = time.monotonic()
    assert zones.zone(alexa.endpoint, DEVICE, TOKEN) is None
    assert time.monotonic() - started < 2.0  # the server would take 3 s; generous bound
    alexa.wait_for(1)
    assert alexa.count() == 1
    assert zones.zone(alexa.endpoint, DEVICE, TOKEN) is None
    assert alexa.count() == 1, "the timeout is cached like any failure"


def test_the_timeout_bounds_the_whole_lookup_not_each_read(alexa: FakeAlexa) -> None:
    alexa.behave(DEVICE, "drip")  # a byte every 0.1 s: about 5 s for the whole answer
    started = time.monotonic()
    assert tz.DeviceTimeZones(timeout=0.2).zone(alexa.endpoint, DEVICE, TOKEN) is None
    assert time.monotonic() - started < 2.0  # generous bound, as above


def test_a_refused_connection_gives_none() -> None:
    zones = tz.DeviceTimeZones(timeout=2)
    assert zones.zone(f"http://127.0.0.1:{_free_port()}", DEVICE, TOKEN) is None


@pytest.mark.parametrize(
    ("endpoint", "device", "token"),
    [(None, DEVICE, TOKEN), ("", DEVICE, TOKEN), ("ENDPOINT", None, TOKEN),
     ("ENDPOINT", "", TOKEN), ("ENDPOINT", DEVICE, None), ("ENDPOINT", DEVICE, "")],
    ids=["no-endpoint", "empty-endpoint", "no-device", "empty-device", "no-token", "empty-token"],
)
def test_missing_input_gives_none_without_a_request(
    alexa: FakeAlexa, endpoint: str | None, device: str | None, token: str | None
) -> None:
    endpoint = alexa.endpoint if endpoint == "ENDPOINT" else endpoint
    assert tz.DeviceTimeZones(timeout=2).zone(endpoint, device, token) is None
    assert alexa.count() == 0


@pytest.mark.parametrize(
    "endpoint",
    ["ftp://{host}", "file:///etc/passwd", "{host}", "http://{host}/?x=1", "http://{host}#f",
     "http://user:pw@{host}", "http://{host}/\r\nX-Injected: 1", "javascript:alert(1)"],
)
def test_only_plain_http_endpoints_are_asked(alexa: FakeAlexa, endpoint: str) -> None:
    host = alexa.endpoint.removeprefix("http://")
    zones = tz.DeviceTimeZones(timeout=2)
    assert zones.zone(endpoint.format(host=host), DEVICE, TOKEN) is None
    assert alexa.count() == 0


def test_a_token_that_would_inject_a_header_gives_none(alexa: FakeAlexa) -> None:
    zones = tz.DeviceTimeZones(timeout=2)
    assert zones.zone(alexa.endpoint, DEVICE, "tok\r\nX-Injected: 1") is None
    assert alexa.count() == 0


def test_logs_never_carry_the_device_id_or_the_token(
    alexa: FakeAlexa, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="skill.timezone")
    zones = tz.DeviceTimeZones(timeout=2)
    for i, how in enumerate(FAILURES):
        alexa.behave(f"{DEVICE}-{i}", how)
        assert zones.zone(alexa.endpoint, f"{DEVICE}-{i}", TOKEN) is None
    assert "HTTP 403" in caplog.text and "not a known time zone" in caplog.text
    assert "amzn1" not in caplog.text and DEVICE not in caplog.text
    assert TOKEN not in caplog.text and "test-token" not in caplog.text


def test_concurrent_lookups_all_get_the_zone(alexa: FakeAlexa) -> None:
    zones = tz.DeviceTimeZones(timeout=2, max_devices=4)
    results: list[ZoneInfo | None] = []
    lock = threading.Lock()

    def ask(i: int) -> None:
        found = zones.zone(alexa.endpoint, f"d{i % 6}", TOKEN)
        with lock:
            results.append(found)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results == [BERLIN] * 24


def test_an_opener_can_be_injected() -> None:
    seen = []

    def opener(request: object, timeout: float) -> object:
        seen.append((request.full_url, timeout))  # type: ignore[attr-defined]
        raise OSError("no network")

    zones = tz.DeviceTimeZones(timeout=0.5, opener=opener)
    assert zones.zone("https://api.amazonalexa.com", "d1", TOKEN) is None
    assert seen == [("https://api.amazonalexa.com/v2/devices/d1/settings/System.timeZone", 0.5)]


def test_the_default_instance_is_made_once_on_first_use() -> None:
    assert isinstance(tz.default(), tz.DeviceTimeZones)
    assert tz.default() is tz.default()


# --- local time and night ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hour", "minute", "night"),
    [(23, 30, True), (22, 0, True), (21, 59, False), (0, 0, True), (6, 59, True),
     (7, 0, False), (12, 0, False)],
)
def test_night_is_from_ten_at_night_to_seven_in_the_morning(
    hour: int, minute: int, night: bool
) -> None:
    assert tz.is_night(datetime(2026, 1, 15, hour, minute, tzinfo=BERLIN)) is night


def test_a_window_that_does_not_cross_midnight() -> None:
    assert tz.is_night(datetime(2026, 1, 15, 2, 0), start=1, end=5)
    assert not tz.is_night(datetime(2026, 1, 15, 5, 0), start=1, end=5)
    assert not tz.is_night(datetime(2026, 1, 15, 5, 0), start=5, end=5)


def test_no_local_time_is_never_night() -> None:
    assert tz.is_night(None) is False
    assert tz.is_night(tz.local_time("2026-11-27T23:30:00Z", None)) is False


def test_an_alexa_utc_timestamp_is_converted_to_the_device_zone() -> None:
    local = tz.local_time("2026-11-27T21:30:00Z", BERLIN)  # winter: UTC+1
    assert local is not None
    assert (local.hour, local.minute, local.utcoffset()) == (22, 30, BERLIN.utcoffset(local))
    assert local.tzinfo is BERLIN
    assert tz.is_night(local)
    assert not tz.is_night(tz.local_time("2026-11-27T20:30:00Z", BERLIN))  # 21:30


def test_summer_time_moves_the_night_an_hour() -> None:
    assert tz.is_night(tz.local_time("2026-07-15T20:30:00Z", BERLIN))  # 22:30 CEST
    assert not tz.is_night(tz.local_time("2026-01-15T20:30:00Z", BERLIN))  # 21:30 CET
    # The morning the clocks go forward (2026-03-29 01:00Z): 04:59Z is 06:59 CEST, 05:00Z is 07:00.
    assert tz.is_night(tz.local_time("2026-03-29T04:59:00Z", BERLIN))
    assert not tz.is_night(tz.local_time("2026-03-29T05:00:00Z", BERLIN))


def test_other_zones_and_timestamp_shapes() -> None:
    la = ZoneInfo("America/Los_Angeles")
    assert tz.local_time("2026-11-27T03:12:45Z", la) == datetime(2026, 11, 26, 19, 12, 45,
                                                                 tzinfo=la)
    assert tz.local_time("2026-11-27T03:12:45.123Z", la) is not None
    assert tz.local_time("2026-11-27T03:12:45+00:00", la) == tz.local_time(
        "2026-11-27T03:12:45Z", la)
    naive = datetime(2026, 11, 27, 21, 30)  # taken as UTC, as Alexa's timestamps are
    assert tz.local_time(naive, BERLIN) == datetime(2026, 11, 27, 22, 30, tzinfo=BERLIN)
    aware = datetime(2026, 11, 27, 21, 30, tzinfo=UTC)
    assert tz.local_time(aware, BERLIN) == tz.local_time(naive, BERLIN)


@pytest.mark.parametrize("timestamp", ["", "yesterday", "2026-13-01T00:00:00Z", None, 1764213165])
def test_an_unparseable_timestamp_gives_none(timestamp: object) -> None:
    assert tz.local_time(timestamp, BERLIN) is None  # type: ignore[arg-type]
    assert tz.is_night(tz.local_time(timestamp, BERLIN)) is False  # type: ignore[arg-type]


def test_the_extremes_of_datetime_give_none_rather_than_overflow() -> None:
    assert tz.local_time(datetime.min.replace(tzinfo=UTC), ZoneInfo("America/New_York")) is None


def test_end_to_end_from_the_api_to_night(alexa: FakeAlexa) -> None:
    zone = tz.DeviceTimeZones(timeout=2).zone(alexa.endpoint, DEVICE, TOKEN)
    assert tz.is_night(tz.local_time("2026-11-27T21:30:00Z", zone))
    alexa.behave("broken", "error")
    zone = tz.DeviceTimeZones(timeout=2).zone(alexa.endpoint, "broken", TOKEN)
    assert zone is None
    assert not tz.is_night(tz.local_time("2026-11-27T21:30:00Z", zone))
