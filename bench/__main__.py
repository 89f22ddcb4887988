"""`python -m bench [--quick]`: every benchmark against its floor, a table, and results.json."""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import (
    answers,
    cold_start,
    per_request,
    report,
    throughput,
    time_to_help,
    understanding,
    voice,
)
from bench.report import Row

SECTIONS = {
    "per_request": per_request,
    "cold_start": cold_start,
    "webservice": throughput,
    "understanding": understanding,
    "time_to_help": time_to_help,
    "voice": voice,
    "answers": answers,
}
DEFAULT_OUT = Path(__file__).with_name("results.json")


def main(argv: list[str] | None = None) -> int:
    """Run the chosen sections in order; exit 1 if any of them could not run at all."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="small samples: keeps the benchmarks from rotting, measures little")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"where to write the JSON results (default {DEFAULT_OUT})")
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"comma-separated sections to run, of {', '.join(SECTIONS)}")
    args = parser.parse_args(argv)
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s) {unknown}; choose from {list(SECTIONS)}")

    meta = _meta(args.quick)
    print(f"Cramp Coach benchmarks{' (quick: too small to judge by)' if args.quick else ''}, "
          f"{meta['cpus']} CPUs, load {meta['load_before']}, Python {meta['python']}\n",
          flush=True)
    rows: list[Row] = []
    results: dict[str, Any] = {}
    failed = []
    began = time.perf_counter()
    for name in chosen:
        module = SECTIONS[name]
        print(module.TITLE, flush=True)
        started = time.perf_counter()
        try:
            results[name], found = module.run(quick=args.quick, say=_say)
        except Exception as exc:
            failed.append(name)
            traceback.print_exc()
            results[name] = {"error": f"{type(exc).__name__}: {exc}"}
            found = [Row(module.SECTION, "could not run", f"{type(exc).__name__}", met=False)]
        results[name]["elapsed_s"] = time.perf_counter() - started
        rows.extend(found)
        print(f"  ({results[name]['elapsed_s']:.1f} s)\n", flush=True)

    meta |= {"seconds": time.perf_counter() - began, "load_after": _load()}
    print(report.table(rows))
    judged = [r for r in rows if r.met is not None]
    print(f"\n{sum(bool(r.met) for r in judged)} of {len(judged)} targets met; ratios are "
          f"ours / floor, measured interleaved in this run ({meta['seconds']:.0f} s).")
    report.write_json(args.out, rows, results, meta)
    print(f"results written to {args.out}")
    if failed:
        print(f"could not run: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _say(line: str) -> None:
    print(line, flush=True)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _meta(quick: bool) -> dict[str, Any]:
    try:
        revision = subprocess.run(["git", "describe", "--always", "--dirty"],
                                  cwd=cold_start.project_root(), capture_output=True,
                                  text=True, timeout=10, check=False).stdout.strip() or None
    except OSError:
        revision = None
    return {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": quick,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_before": _load(),
        "revision": revision,
        "argv": sys.argv[1:],
    }


if __name__ == "__main__":
    raise SystemExit(main())
