"""The two web servers under load, each run in its own process: `python -m bench.servers KIND`.

`ours` is the skill's endpoint exactly as `python -m skill serve` builds it, verifying every
request against a test CA; `echo` is a bare Flask app returning the JSON it is sent. Both are
served by waitress with the same settings; each prints its port once it is listening.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

import waitress
from flask import Flask, Response, jsonify, request

MAX_BODY_BYTES = 128 * 1024
SKILL_ID = "amzn1.ask.skill.11111111-2222-3333-4444-555555555555"


def echo_app() -> Flask:
    """The floor: Flask reading a JSON body and writing it back, with a health check."""
    app = Flask("echo")

    @app.post("/")
    def echo() -> Response:
        return jsonify(request.get_json())

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok")

    return app


def our_app(ca_dir: Path) -> Flask:
    """Our endpoint, verifying signatures against the test CA in `ca_dir`, on the real clock."""
    from skill.webservice import create_app

    chain = (ca_dir / "chain.pem").read_bytes()
    config = {
        "ALEXA_SKILL_ID": SKILL_ID,
        "ALEXA_VERIFY": True,
        "ALEXA_TRUST_ROOTS": (ca_dir / "root.pem").read_bytes(),
        "ALEXA_CERT_FETCHER": lambda url: chain,
    }
    # As `skill serve` does: one INFO line per request (to a file the parent keeps).
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    return create_app(config)


def main() -> None:
    """Serve one kind on a free loopback port until killed."""
    parser = argparse.ArgumentParser(prog="python -m bench.servers")
    parser.add_argument("kind", choices=("ours", "echo"))
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--ca-dir", type=Path)
    args = parser.parse_args()
    app = our_app(args.ca_dir) if args.kind == "ours" else echo_app()
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=args.threads,
                                    max_request_body_size=MAX_BODY_BYTES, ident="bench")
    print(server.effective_port, flush=True)
    # The parent reads only that line: nothing else may fill a pipe nobody drains.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    server.run()


if __name__ == "__main__":
    main()
