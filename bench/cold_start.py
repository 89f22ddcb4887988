"""Cold start: a fresh interpreter importing the Lambda module and answering one launch."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import skill
from bench import mix
from bench.report import TIMES, Row
from bench.stats import median, ratio

SECTION = "2 cold start"
TITLE = "2. Cold start (ms; a fresh process importing the handler and answering one launch)"
TARGET = 1.15
# What the Lambda path must never load: the web service, the voice, the local resolver.
FORBIDDEN = ("flask", "werkzeug", "waitress", "pyttsx3", "rapidfuzz", "numpy", "skill.local",
             "skill.webservice")
TIMINGS = ("wall_ms", "total_ms", "import_ms", "answer_ms", "modules")

# The child times itself from before its first import to the answer, then reports what it loaded.
CHILD = """\
import time
started = time.perf_counter()
import json, sys
event = json.loads(sys.stdin.read())
from {module} import {handler} as handler
imported = time.perf_counter()
answer = handler(event, None)
answered = time.perf_counter()
assert answer["response"]["outputSpeech"]
forbidden = {forbidden!r}
print(json.dumps({{
    "import_ms": (imported - started) * 1e3,
    "answer_ms": (answered - imported) * 1e3,
    "total_ms": (answered - started) * 1e3,
    "modules": len(sys.modules),
    "forbidden": sorted(m for m in sys.modules
                        if any(m == f or m.startswith(f + ".") for f in forbidden)),
}}))
"""
CONTESTANTS = {
    "ours": ("skill.lambda_function", "lambda_handler"),
    "sdk": ("bench.hello", "lambda_handler"),
    # Ours again, on a request naming no Alexa API: what any call to that API costs at start.
    "ours, no API": ("skill.lambda_function", "lambda_handler"),
}


def child_code(contestant: str) -> str:
    """The `python -c` program that cold-starts `contestant`."""
    module, handler = CONTESTANTS[contestant]
    return CHILD.format(module=module, handler=handler, forbidden=FORBIDDEN)


def project_root() -> Path:
    """The directory holding the `skill` package this process measures (and `bench` beside it)."""
    return Path(skill.__file__).parent.parent


def start_once(contestant: str, event: dict[str, Any],
               env: dict[str, str] | None = None) -> dict[str, Any]:
    """One fresh process: its own timings, and the wall time the parent saw from spawn to exit."""
    begun = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", child_code(contestant)], cwd=project_root(),
                          input=json.dumps(event), capture_output=True, text=True,
                          timeout=120, check=False, env=env)
    wall = (time.perf_counter() - begun) * 1e3
    if done.returncode != 0:
        raise RuntimeError(f"cold start of {contestant} failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]) | {"wall_ms": wall}


def bytecode_env(cache: Path) -> dict[str, str]:
    """A child environment with every module's .pyc cached under `cache`.

    A private cache treats both contestants alike whatever this machine has cached (here the
    venv has .pyc files and the project, under PYTHONDONTWRITEBYTECODE, has none).
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(cache / "all")
    return env


def lambda_packages(root: Path) -> dict[str, Path]:
    """Ours as `python -m skill package` builds it, and the hello world packaged the same way:
    vendored dependencies and shipped bytecode, no site-packages."""
    from skill import package

    package.build(root / "ours", package.Policy(development=True))
    floor = root / "sdk"
    floor.mkdir()
    shutil.copyfile(Path(__file__).with_name("hello.py"), floor / "lambda_function.py")
    package.vendor_into(floor, ("ask-sdk-core",))
    package.compile_bytecode(floor)
    return {"ours": root / "ours" / "lambda", "sdk": floor}


def start_packaged(contestant: str, code: Path, event: dict[str, Any]) -> dict[str, Any]:
    """One fresh isolated process (-I -S) importing the handler from a package, as Lambda does:
    read-only bytecode, nothing but the package and the standard library on the path."""
    module = "skill.lambda_function" if contestant == "ours" else "lambda_function"
    program = "import sys; sys.path.insert(0, sys.argv[1])\n" + CHILD.format(
        module=module, handler="lambda_handler", forbidden=FORBIDDEN)
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    begun = time.perf_counter()
    done = subprocess.run([sys.executable, "-I", "-S", "-c", program, str(code)], cwd=code,
                          input=json.dumps(event), capture_output=True, text=True, timeout=120,
                          check=False, env=env)
    wall = (time.perf_counter() - begun) * 1e3
    if done.returncode != 0:
        raise RuntimeError(f"packaged start of {contestant} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]) | {"wall_ms": wall}


def run(*, quick: bool, say: Callable[[str], None] = print) -> tuple[dict[str, Any], list[Row]]:
    """Start each contestant `n` times, alternating, after one discarded start of each."""
    from skill.lambda_function import lambda_handler

    n = 2 if quick else 15
    with mix.alexa_api() as endpoint, tempfile.TemporaryDirectory(prefix="cramp-pyc-") as tmp:
        launch = mix.build(lambda_handler, api_endpoint=endpoint)["launch"]
        events = {"ours": launch, "sdk": launch}
        if endpoint is not None:
            events["ours, no API"] = mix.build(lambda_handler)["launch"]
        runs = _alternate(events, n, lambda c: start_once(c, events[c], bytecode_env(Path(tmp))))
        packages = lambda_packages(Path(tmp))
        zipped = _alternate({"ours": launch, "sdk": launch}, n,
                            lambda c: start_packaged(c, packages[c], launch))

    med = {c: {k: median([r[k] for r in rs]) for k in TIMINGS} for c, rs in runs.items()}
    zmed = {c: {k: median([r[k] for r in rs]) for k in TIMINGS} for c, rs in zipped.items()}
    leaked = sorted({m for c, rs in runs.items() if c != "sdk" for r in rs
                     for m in r["forbidden"]})
    result: dict[str, Any] = {
        "starts": n,
        "median_ms": med,
        "ratio_wall": ratio(med["ours"]["wall_ms"], med["sdk"]["wall_ms"]),
        "ratio_in_process": ratio(med["ours"]["total_ms"], med["sdk"]["total_ms"]),
        "lambda_zip_median_ms": zmed,
        "ratio_lambda_zip": ratio(zmed["ours"]["wall_ms"], zmed["sdk"]["wall_ms"]),
        "forbidden_loaded": leaked,
        "runs": runs,
        "lambda_zip_runs": zipped,
    }
    say(f"  {n} alternating fresh starts each (after one discarded), on a launch request"
        + (" naming a loopback Alexa API" if endpoint else "") + "; medians in ms:")
    say("  " + "".ljust(28) + "".join(k.rjust(12) for k in
                                       ("process", "import", "1st answer", "modules")))
    table = [(c, med[c]) for c in runs] + [(f"{c}, as packaged for Lambda", zmed[c])
                                           for c in zipped]
    for name, m in table:
        say("  " + name.ljust(28) + "".join(f"{m[k]:12.1f}" for k in
                                            ("wall_ms", "import_ms", "answer_ms"))
            + f"{m['modules']:12.0f}")
    say(f"  modules the Lambda path must not load, loaded: {', '.join(leaked) or 'none'}")
    rows = [
        Row(SECTION, "process start to exit", med["ours"]["wall_ms"], med["sdk"]["wall_ms"],
            "ms", result["ratio_wall"], f"≤ {TARGET}{TIMES}", result["ratio_wall"] <= TARGET),
        Row(SECTION, "import + first answer (in child)", med["ours"]["total_ms"],
            med["sdk"]["total_ms"], "ms", result["ratio_in_process"], f"≤ {TARGET}{TIMES}",
            result["ratio_in_process"] <= TARGET),
    ]
    if "ours, no API" in med:
        rows.append(Row(SECTION, "process, request naming no Alexa API",
                        med["ours, no API"]["wall_ms"], med["sdk"]["wall_ms"], "ms",
                        ratio(med["ours, no API"]["wall_ms"], med["sdk"]["wall_ms"])))
    rows += [
        Row(SECTION, "packaged for Lambda, both alike (what users wait for)",
            zmed["ours"]["wall_ms"], zmed["sdk"]["wall_ms"], "ms", result["ratio_lambda_zip"],
            f"≤ {TARGET}{TIMES}", result["ratio_lambda_zip"] <= TARGET),
        Row(SECTION, "Lambda path loads flask/pyttsx3/local", ", ".join(leaked) or "none",
            target="none", met=not leaked),
    ]
    return result, rows


def _alternate(events: dict[str, dict[str, Any]], n: int,
               start: Callable[[str], dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """`n` measured starts of each contestant, alternating order, after a discarded one each."""
    runs: dict[str, list[dict[str, Any]]] = {c: [] for c in events}
    for i in range(n + 1):
        for contestant in list(events) if i % 2 == 0 else list(events)[::-1]:
            timing = start(contestant)
            if i > 0:  # the first start of each fills the page cache (and the .pyc cache)
                runs[contestant].append(timing)
    return runs
