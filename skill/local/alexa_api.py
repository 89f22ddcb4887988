"""A stand-in for the Alexa Settings API on loopback: device time zones, for offline runs."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

from skill.local.envelopes import API_ACCESS_TOKEN

_SETTING = re.compile(r"/v2/devices/([^/]+)/settings/System\.timeZone")

# What a device answers: a zone name, an HTTP status to fail with, or ("slow", seconds, zone).
Answer = str | int | tuple[str, float, str]


class AlexaApi:
    """Serves GET /v2/devices/{id}/settings/System.timeZone as Alexa does, from a table."""

    def __init__(self, zones: Mapping[str, Answer], default: Answer = 404) -> None:
        self.zones = dict(zones)
        self.default = default
        self.requests: list[tuple[str, str | None]] = []  # (path, Authorization) as received
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                api.requests.append((self.path, self.headers.get("Authorization")))
                status, body = api.answer(self.path, self.headers.get("Authorization"))
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:  # keep test output quiet
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, path: str, authorization: str | None) -> tuple[int, object]:
        """The status and JSON body for a request."""
        found = _SETTING.fullmatch(path)
        if not found:
            return 404, {"type": "NOT_FOUND", "message": "no such setting"}
        if authorization != f"Bearer {API_ACCESS_TOKEN}":
            return 401, {"type": "UNAUTHORIZED", "message": "bad token"}
        answer = self.zones.get(unquote(found.group(1)), self.default)
        if isinstance(answer, tuple):
            _, seconds, answer = answer
            time.sleep(seconds)
        if isinstance(answer, int):
            return answer, {"type": "ERROR", "message": f"status {answer}"}
        return 200, answer

    def start(self) -> AlexaApi:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def running(zones: Mapping[str, Answer], default: Answer = 404) -> Iterator[AlexaApi]:
    """An AlexaApi serving for the duration of a `with` block."""
    api = AlexaApi(zones, default).start()
    try:
        yield api
    finally:
        api.stop()
