"""Web service throughput over loopback: our verifying endpoint against a bare Flask JSON echo."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from bench import mix, signing
from bench.cold_start import project_root
from bench.report import TIMES, Row
from bench.stats import median, percentile, ratio

SECTION = "3 webservice"
TITLE = "3. Web service over loopback (requests/s; ours verifying signatures vs a Flask echo)"
TARGET = 0.6
RSS_FLAT_KIB = 2048  # growth over the measured windows still counted as flat
THREADS = 4  # waitress threads in each server, and client connections
KINDS = ("ours", "echo")
HOST = "127.0.0.1"


@dataclass
class Server:
    """A server process on a loopback port, with its stderr kept in a file."""

    kind: str
    process: subprocess.Popen[str]
    port: int
    log: IO[str]

    def rss_kib(self) -> int:
        """The process's resident set size, from /proc."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS in /proc status")

    def cpu_s(self) -> float:
        """User plus system CPU seconds the process has used, from /proc."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        """Terminate the process (it is ours) and wait for it."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.log.close()


def start(kind: str, ca_dir: Path, log_dir: Path) -> Server:
    """Start one server process and wait until it answers its health check."""
    log = (log_dir / f"{kind}.log").open("w+", encoding="utf-8")
    command = [sys.executable, "-m", "bench.servers", kind, "--threads", str(THREADS),
               "--ca-dir", str(ca_dir)]
    process = subprocess.Popen(command, cwd=project_root(), stdout=subprocess.PIPE, stderr=log,
                               text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.strip().isdigit():
        process.kill()
        process.wait()
        log.seek(0)
        raise RuntimeError(f"the {kind} server did not start: {log.read()[-2000:]}")
    server = Server(kind, process, int(line), log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            status, _ = _roundtrip(server.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        except OSError:
            time.sleep(0.05)
            continue
        if status == 200:
            return server
    server.stop()
    raise RuntimeError(f"the {kind} server never answered its health check")


def signed_requests(events: Sequence[dict[str, Any]], ca: signing.FakeCA) -> list[bytes]:
    """Each event stamped now and signed, as complete HTTP/1.1 keep-alive requests."""
    now = datetime.now(UTC)
    out = []
    for event in events:
        body = json.dumps(mix.restamped(event, now)).encode("utf-8")
        head = (f"POST / HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nSignatureCertChainUrl: {signing.CERT_URL}\r\n"
                f"Signature-256: {ca.sign(body)}\r\n\r\n")
        out.append(head.encode("ascii") + body)
    return out


@dataclass
class Window:
    """What one timed window of load produced."""

    seconds: float
    statuses: Counter[int] = field(default_factory=Counter)
    latencies_us: list[float] = field(default_factory=list)
    failures: int = 0  # connection errors and unreadable responses
    cpu_s: float = 0.0

    @property
    def done(self) -> int:
        return sum(self.statuses.values())

    @property
    def errors(self) -> int:
        return self.failures + sum(n for status, n in self.statuses.items() if status != 200)


def load(port: int, requests: Sequence[bytes], seconds: float, connections: int) -> Window:
    """Send `requests` round-robin over keep-alive connections for `seconds`, bounded."""
    window = Window(seconds)
    lock = threading.Lock()
    began = time.perf_counter()
    deadline = began + seconds

    def worker(offset: int) -> None:
        statuses: Counter[int] = Counter()
        latencies: list[float] = []
        failures = 0
        sock = socket.create_connection((HOST, port), timeout=10)
        buffer = bytearray()
        i = offset
        clock = time.perf_counter
        try:
            while (begun := clock()) < deadline:
                try:
                    sock.sendall(requests[i % len(requests)])
                    status = _read_response(sock, buffer)
                except (OSError, ValueError):
                    failures += 1
                    sock.close()
                    buffer.clear()
                    try:
                        sock = socket.create_connection((HOST, port), timeout=10)
                    except OSError:
                        break
                    continue
                latencies.append((clock() - begun) * 1e6)
                statuses[status] += 1
                i += 1
        finally:
            sock.close()
            with lock:
                window.statuses.update(statuses)
                window.latencies_us.extend(latencies)
                window.failures += failures

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    window.seconds = time.perf_counter() - began  # the last requests end after the deadline
    return window


def run(*, quick: bool, say: Callable[[str], None] = print) -> tuple[dict[str, Any], list[Row]]:
    """Alternate timed windows of the same signed requests against ours and the echo."""
    with mix.alexa_api() as endpoint:
        return _run(quick, say, endpoint)


def _run(quick: bool, say: Callable[[str], None],
         endpoint: str | None) -> tuple[dict[str, Any], list[Row]]:
    from skill.lambda_function import lambda_handler

    rounds, seconds, warmup = (1, 1.0, 0.3) if quick else (4, 6.0, 1.0)
    events = list(mix.build(lambda_handler, api_endpoint=endpoint).values())
    ca = signing.make_ca()
    windows: dict[str, list[Window]] = {k: [] for k in KINDS}
    rss: dict[str, list[int]] = {k: [] for k in KINDS}
    with tempfile.TemporaryDirectory(prefix="cramp-bench-") as tmp:
        ca_dir = Path(tmp)
        (ca_dir / "root.pem").write_bytes(ca.root.pem)
        (ca_dir / "chain.pem").write_bytes(ca.chain_pem())
        servers: dict[str, Server] = {}
        try:
            for kind in KINDS:
                servers[kind] = start(kind, ca_dir, ca_dir)
            for kind in KINDS:
                warm = load(servers[kind].port, signed_requests(events, ca), warmup, THREADS)
                if warm.errors:
                    raise RuntimeError(f"{kind} answered {dict(warm.statuses)} while warming up"
                                       f"{_log_tail(servers[kind])}")
                rss[kind].append(servers[kind].rss_kib())
            night = _spoken_at_night(servers["ours"].port, signed_requests(events, ca))
            for r in range(rounds):
                # Freshly signed for each round: the server accepts timestamps within 150 s.
                requests = signed_requests(events, ca)
                for kind in KINDS if r % 2 == 0 else KINDS[::-1]:
                    cpu = servers[kind].cpu_s()
                    w = load(servers[kind].port, requests, seconds, THREADS)
                    w.cpu_s = servers[kind].cpu_s() - cpu
                    windows[kind].append(w)
                    rss[kind].append(servers[kind].rss_kib())
        finally:
            for server in servers.values():
                server.stop()

    result: dict[str, Any] = {"threads": THREADS, "connections": THREADS, "rounds": rounds,
                              "window_s": seconds, "requests_in_mix": len(events),
                              "alexa_api": endpoint is not None, "night_delivery": night}
    for kind in KINDS:
        ws = windows[kind]
        done = sum(w.done for w in ws)
        latencies = [x for w in ws for x in w.latencies_us]
        result[kind] = {
            "requests": done,
            "rps": done / sum(w.seconds for w in ws),
            "rps_by_window": [w.done / w.seconds for w in ws],
            "errors": sum(w.errors for w in ws),
            "statuses": dict(sum((w.statuses for w in ws), Counter())),
            "latency_us": {"median": median(latencies), "p99": percentile(latencies, 99)},
            "server_cpu_us_per_request": sum(w.cpu_s for w in ws) / max(done, 1) * 1e6,
            "rss_kib": rss[kind],
        }
    ours, echo = result["ours"], result["echo"]
    growth = ours["rss_kib"][-1] - ours["rss_kib"][0]  # from warmed up to the last window
    result["ratio_rps"] = ratio(ours["rps"], echo["rps"])
    result["ratio_cpu_per_request"] = ratio(ours["server_cpu_us_per_request"],
                                            echo["server_cpu_us_per_request"])
    result["ours_rss_growth_kib"] = growth

    say(f"  waitress threads={THREADS}, {THREADS} keep-alive client connections, {rounds} "
        f"alternating {seconds:g} s windows each, {len(events)} signed requests in the mix"
        + ("; ours answered in its night voice" if night else ""))
    say("  " + "".ljust(6) + "".join(h.rjust(12) for h in
                                     ("req/s", "p50 ms", "p99 ms", "cpu µs/req", "errors",
                                      "RSS MiB")))
    for kind in KINDS:
        k = result[kind]
        say("  " + kind.ljust(6) + f"{k['rps']:12.0f}{k['latency_us']['median'] / 1e3:12.2f}"
            f"{k['latency_us']['p99'] / 1e3:12.2f}{k['server_cpu_us_per_request']:12.0f}"
            f"{k['errors']:12d}{k['rss_kib'][-1] / 1024:12.1f}")
    say(f"  ours RSS by window (MiB): {', '.join(f'{x / 1024:.1f}' for x in ours['rss_kib'])}")
    rows = [
        Row(SECTION, "requests/s vs Flask echo", ours["rps"], echo["rps"], "req/s",
            result["ratio_rps"], f"≥ {TARGET}{TIMES}", result["ratio_rps"] >= TARGET),
        Row(SECTION, "server CPU per request", ours["server_cpu_us_per_request"],
            echo["server_cpu_us_per_request"], "µs", result["ratio_cpu_per_request"]),
        Row(SECTION, "errors (non-200 or failed)", ours["errors"], echo["errors"],
            target="0", met=ours["errors"] == 0),
        Row(SECTION, "RSS growth under load", growth / 1024, None, "MiB",
            target=f"flat (≤ {RSS_FLAT_KIB // 1024} MiB)", met=growth <= RSS_FLAT_KIB),
    ]
    return result, rows


def _spoken_at_night(port: int, requests: Sequence[bytes]) -> bool:
    """Check that our server answers every request in the mix with speech; True if softly."""
    night = False
    for raw in requests:
        status, body = _roundtrip(port, raw)
        speech = json.loads(body).get("response", {}).get("outputSpeech") if status == 200 else 0
        if not speech:
            raise RuntimeError(f"our server answered {status} without speech: {body[:300]!r}")
        night |= "<prosody" in speech.get("ssml", "")
    return night


def _roundtrip(port: int, raw: bytes) -> tuple[int, bytes]:
    with socket.create_connection((HOST, port), timeout=5) as sock:
        sock.sendall(raw)
        buffer = bytearray()
        status = _read_response(sock, buffer, keep=True)
        return status, bytes(buffer)


def _read_response(sock: socket.socket, buffer: bytearray, keep: bool = False) -> int:
    """Read one HTTP/1.1 response with a Content-Length from `sock`; return its status."""
    while (end := buffer.find(b"\r\n\r\n")) < 0:
        chunk = sock.recv(65536)
        if not chunk:
            raise ValueError("connection closed mid-response")
        buffer += chunk
    head = bytes(buffer[:end]).decode("latin-1").split("\r\n")
    status = int(head[0].split(" ", 2)[1])
    length = next((int(h.split(":", 1)[1]) for h in head[1:]
                   if h.lower().startswith("content-length:")), None)
    if length is None:
        raise ValueError("response without Content-Length")
    total = end + 4 + length
    while len(buffer) < total:
        chunk = sock.recv(65536)
        if not chunk:
            raise ValueError("connection closed mid-body")
        buffer += chunk
    body = bytes(buffer[end + 4 : total])
    del buffer[:total]
    if keep:
        buffer[:] = body
    return status


def _log_tail(server: Server) -> str:
    server.log.flush()
    server.log.seek(0)
    return "; server log: " + server.log.read()[-1500:]
