"""A stand-in for the Alexa Settings API on loopback: device time zones, for offline runs, and
(with `Raw` answers) the ways a real one can misbehave, for the tests."""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

from skill.local.envelopes import API_ACCESS_TOKEN

_SETTING = re.compile(r"/v2/devices/([^/]+)/settings/System\.timeZone")
DRIP_SECONDS = 0.1  # between bytes of a dripped answer


@dataclass(frozen=True, slots=True)
class Raw:
    """An answer given as it goes on the wire: any status, body and headers; `drip` sends the
    whole response a byte at a time (each byte inside a socket timeout, the whole far outside)."""

    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    drip: bool = False


# What a device answers: a zone name, an HTTP status to fail with, ("slow", seconds, zone), or Raw.
Answer = str | int | tuple[str, float, str] | Raw


class AlexaApi:
    """Serves GET /v2/devices/{id}/settings/System.timeZone as Alexa does, from a table."""

    def __init__(self, zones: Mapping[str, Answer], default: Answer = 404,
                 token: str = API_ACCESS_TOKEN) -> None:
        self.zones = dict(zones)
        self.default = default
        self.token = token
        self.requests: list[tuple[str, dict[str, str]]] = []  # (path, headers) as received
        self.lock = threading.Lock()
        self.release = threading.Event()  # set on stop, so slow answers stop waiting
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                with api.lock:
                    api.requests.append((self.path, dict(self.headers.items())))
                answer = api.answer(self.path, self.headers.get("Authorization"))
                # the client may stop reading (a timeout): fine
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._send(answer)

            def _send(self, answer: Raw) -> None:
                if answer.drip:
                    head = f"HTTP/1.1 {answer.status} OK\r\nContent-Length: {len(answer.body)}"
                    for byte in f"{head}\r\n\r\n".encode() + answer.body:
                        if api.release.wait(DRIP_SECONDS):
                            return
                        self.wfile.write(bytes([byte]))
                    return
                self.send_response(answer.status)
                headers = {"Content-Type": "application/json", **answer.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def log_message(self, *args: object) -> None:  # keep test output quiet
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True  # a handler still waiting never holds up the stop
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread: threading.Thread | None = None

    def answer(self, path: str, authorization: str | None) -> Raw:
        """What to send for a request."""
        found = _SETTING.fullmatch(path)
        if not found:
            return _json(404, {"type": "NOT_FOUND", "message": "no such setting"})
        if authorization != f"Bearer {self.token}":
            return _json(401, {"type": "UNAUTHORIZED", "message": "bad token"})
        answer = self.zones.get(unquote(found.group(1)), self.default)
        if isinstance(answer, tuple):
            _, seconds, answer = answer
            self.release.wait(seconds)
        if isinstance(answer, Raw):
            return answer
        if isinstance(answer, int):
            return _json(answer, {"type": "ERROR", "message": f"status {answer}"})
        return _json(200, answer)

    def paths(self) -> list[str]:
        """The paths asked so far."""
        with self.lock:
            return [path for path, _ in self.requests]

    def wait_for(self, n: int, within: float = 2.0) -> None:
        """Until `n` requests have arrived (or `within` seconds have passed)."""
        deadline = time.monotonic() + within
        while len(self.paths()) < n and time.monotonic() < deadline:
            time.sleep(0.01)

    def start(self) -> AlexaApi:
        self._thread = threading.Thread(target=self.server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        if self._thread is not None:
            self._thread.join(5)


def _json(status: int, body: object) -> Raw:
    return Raw(status, json.dumps(body).encode())


@contextmanager
def running(zones: Mapping[str, Answer], default: Answer = 404,
            token: str = API_ACCESS_TOKEN) -> Iterator[AlexaApi]:
    """An AlexaApi serving for the duration of a `with` block."""
    api = AlexaApi(zones, default, token).start()
    try:
        yield api
    finally:
        api.stop()
