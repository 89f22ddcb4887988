"""The command line: demo | package (each command imports only what it needs)."""

from __future__ import annotations

import argparse
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Run one command; return the exit status."""
    parser = argparse.ArgumentParser(prog="cramp-coach", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="play a scripted night-time conversation")
    demo.set_defaults(run=_demo)

    package = commands.add_parser("package", help="write a deployable ask-cli project to OUT")
    package.add_argument("out", type=Path)
    package.add_argument("--no-deps", action="store_true",
                         help="leave the runtime dependencies out of the Lambda zip")
    package.set_defaults(run=_package)

    args = parser.parse_args(argv)
    return args.run(args)


def _demo(args: argparse.Namespace) -> int:
    from . import demo

    demo.play()
    return 0


def _package(args: argparse.Namespace) -> int:
    from . import package

    try:
        archive = package.build(args.out, vendor=not args.no_deps)
    except (package.PackageError, OSError) as exc:
        print(f"cannot package: {exc}")
        return 1
    print(f"wrote {args.out}/ (ask-cli project) and {archive}")
    print(f"deploy with: cd {args.out} && ask deploy")
    return 0
