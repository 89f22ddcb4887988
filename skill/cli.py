"""The command line: chat | hear | test-voice | test-dialogs | serve | package | protocol.

Each command imports only what it needs, so the Lambda path never loads the local or web parts.
"""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from datetime import UTC, datetime, tzinfo
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"
DIALOGS = (TESTS / "dialogs", TESTS / "triage")  # conversations, and the triage suite


def main(argv: list[str] | None = None) -> int:
    """Run one command; return the exit status."""
    parser = argparse.ArgumentParser(prog="cramp-coach", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    chat = commands.add_parser("chat", help="talk to the skill offline; hear it answer")
    chat.add_argument("--text", action="store_true", help="print the answers, don't speak")
    chat.add_argument("--jsonl", action="store_true", help="one JSON object per turn on stdout")
    chat.add_argument("--save-audio", type=Path, metavar="DIR", help="write one WAV per turn")
    chat.add_argument("--locale", default="en-US")
    chat.add_argument("--device", choices=["echo", "echo-show"], default="echo",
                      help="echo-show: a screen (APL); prints what it shows")
    chat.add_argument("--time-zone", metavar="ZONE",
                      help="the device's time zone, served by a local stand-in for the Alexa API")
    chat.add_argument("--at", metavar="ISO-TIME", type=_moment,
                      help="the device's clock, e.g. 2026-11-27T03:10 (local to --time-zone)")
    chat.add_argument("--listen", action="store_true",
                      help="an empty line records from the microphone until Enter (push to talk)")
    chat.set_defaults(run=_chat)

    hear = commands.add_parser("hear", help="what is heard in WAV files, and what it resolves to")
    hear.add_argument("files", nargs="+", type=Path, metavar="FILE.wav")
    hear.add_argument("--jsonl", action="store_true", help="one JSON object per file")
    hear.add_argument("--no-grammar", action="store_true",
                      help="listen with pocketsphinx's general English model, not ours")
    hear.add_argument("--locale", default="en-US")
    hear.set_defaults(run=_hear)

    voice = commands.add_parser("test-voice", help="say the model's samples with espeak-ng, hear "
                                "them back, and report how often they land right")
    voice.add_argument("--dialogs", nargs="*", type=Path, default=[], metavar="FILE",
                       help="dialog files whose utterances to say as well")
    voice.add_argument("--per-intent", type=int, metavar="N",
                       help="at most N samples of each intent (default: all)")
    voice.add_argument("--voices", default=None, help="espeak-ng voices, comma-separated "
                       "(default: en-us+f5,en-us+f2)")
    voice.add_argument("--rates", default=None, help="words a minute, comma-separated "
                       "(default: 130,170)")
    voice.add_argument("--no-grammar", action="store_true",
                       help="listen with pocketsphinx's general English model, not ours")
    voice.add_argument("--workers", type=int, default=2)
    voice.add_argument("--json", action="store_true", help="the summary as one JSON object")
    voice.add_argument("--min-accuracy", type=float, metavar="SHARE",
                       help="exit 1 if fewer than this share (0 to 1) reach intent and slots")
    voice.add_argument("--locale", default="en-US")
    voice.set_defaults(run=_test_voice)

    dialogs = commands.add_parser("test-dialogs", help="run conversation files, report failures")
    dialogs.add_argument("files", nargs="*", type=Path,
                         help="default: tests/dialogs/*.yaml and tests/triage/*.yaml")
    dialogs.add_argument("--locale", default="en-US")
    dialogs.set_defaults(run=_test_dialogs)

    serve = commands.add_parser("serve", help="serve the skill as an HTTPS-ready web service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5000)
    serve.set_defaults(run=_serve)

    package = commands.add_parser("package", help="write a deployable ask-cli project to OUT")
    package.add_argument("out", type=Path)
    package.add_argument("--no-deps", action="store_true",
                         help="leave the runtime dependencies out of the Lambda zip")
    package.add_argument("--privacy-url", help="the published privacy policy (docs/privacy.md)")
    package.add_argument("--terms-url", help="the published terms of use")
    package.add_argument("--development", action="store_true",
                         help="allow a manifest without those URLs: for testing, never publishing")
    package.set_defaults(run=_package)

    chart = commands.add_parser("protocol", help="write the clinical protocol's review page "
                                "(Mermaid flowcharts) to docs/protocol.md")
    chart.add_argument("--out", type=Path, help="default: docs/protocol.md")
    chart.set_defaults(run=_protocol)

    args = parser.parse_args(argv)
    return args.run(args)


def _chat(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo

    from .local import alexa_api
    from .local.chat import Chat, Options
    from .local.simulator import Simulator

    options = Options(text=args.text, jsonl=args.jsonl, save_audio=args.save_audio,
                      locale=args.locale, screen=args.device == "echo-show",
                      listen=args.listen)
    zone: tzinfo = UTC
    if args.time_zone:
        try:
            zone = ZoneInfo(args.time_zone)
        except (ValueError, LookupError):
            print(f"unknown time zone {args.time_zone!r}", file=sys.stderr)
            return 2
    with ExitStack() as stack:
        device: dict = {"apl": options.screen}
        if args.time_zone:
            api = stack.enter_context(alexa_api.running({}, default=args.time_zone))
            device["api_endpoint"] = api.endpoint
        if args.at:
            moment = args.at if args.at.tzinfo else args.at.replace(tzinfo=zone)
            device["now"] = lambda: moment
        simulator = Simulator(args.locale)
        simulator.device(**device)
        chat = Chat(options, sys.stdout, sys.stderr, simulator=simulator)
        interactive = sys.stdin.isatty() and not args.jsonl
        if interactive:
            print("Cramp Coach, offline. Say what you would say to Alexa; /help for commands.")
        try:
            return chat.run(sys.stdin, prompt=interactive)
        except KeyboardInterrupt:
            return 0


def _hear(args: argparse.Namespace) -> int:
    import json

    from . import model
    from .local import hearing
    from .local.resolver import Resolver

    raw = model.load(args.locale).raw
    try:
        ear = hearing.Ear(None if args.no_grammar else raw)
    except hearing.HearingError as exc:
        print(f"cannot hear: {exc}", file=sys.stderr)
        return 2
    resolver = Resolver(raw)
    status = 0
    with ear:
        for path in args.files:
            try:
                samples, rate = hearing.read_wav(path)
            except hearing.HearingError as exc:
                print(f"{exc}", file=sys.stderr)  # the rest are still heard
                status = 2
                continue
            text, resolution = hearing.listen(ear, resolver, samples, rate)
            intent, slots = resolution.sent()
            if args.jsonl:
                record = {"file": str(path), "heard": text, "intent": intent, "slots": slots}
                print(json.dumps(record, ensure_ascii=False), flush=True)
            else:
                shown = ", ".join(f"{k}={v}" for k, v in slots.items() if v is not None)
                print(f"{path}: {text!r} -> {intent}" + (f" ({shown})" if shown else ""),
                      flush=True)
    return status


def _test_voice(args: argparse.Namespace) -> int:
    import json
    import os

    from . import model
    from .local import hearing, voice_test
    from .local.resolver import Resolver
    from .local.speaker import SpeechError

    if (why := hearing.available()) is not None:
        print(f"cannot hear: {why}", file=sys.stderr)
        return 2
    raw = model.load(args.locale).raw
    resolver = Resolver(raw)
    try:
        cases = voice_test.sample_cases(raw, resolver, per_intent=args.per_intent)
        cases += voice_test.dialog_cases(args.dialogs, resolver)
    except (OSError, ValueError) as exc:
        print(f"cannot read the dialogs: {exc}", file=sys.stderr)
        return 2
    voices = args.voices.split(",") if args.voices else voice_test.VOICES
    try:
        unknown = voice_test.unknown_voices(voices)
    except OSError as exc:  # no espeak-ng
        print(f"cannot say the samples: {exc}", file=sys.stderr)
        return 2
    if unknown:
        print(f"espeak-ng has no voice {', '.join(unknown)}: name a language such as en-us, "
              "optionally with +variant such as +f5 (espeak-ng --voices, --voices=variant)",
              file=sys.stderr)
        return 2
    rates = [int(r) for r in args.rates.split(",")] if args.rates else voice_test.RATES
    print(f"saying {len(cases)} requests in {len(voices)} voices at {len(rates)} rates...",
          file=sys.stderr, flush=True)
    try:
        trials = voice_test.run(cases, raw, voices=voices, rates=rates,
                                grammar=not args.no_grammar,
                                workers=max(1, min(args.workers, os.cpu_count() or 1)))
    except (SpeechError, OSError) as exc:  # espeak-ng missing or failing
        print(f"cannot say the samples: {exc}", file=sys.stderr)
        return 2
    summary = voice_test.summarise(trials)
    print(json.dumps(summary.as_json(), ensure_ascii=False) if args.json
          else voice_test.render(summary))
    if args.min_accuracy is not None and summary.accuracy < args.min_accuracy:
        return 1
    return 0


def _moment(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO date and time: {text!r}") from exc


def _test_dialogs(args: argparse.Namespace) -> int:
    from .local import dialogs
    from .local.simulator import Simulator

    files = args.files or sorted(f for folder in DIALOGS for f in folder.glob("*.yaml"))
    if not files:  # an installed package has no tests/ beside it
        print("no dialog files: name them (the project's own are in its repo, tests/dialogs/)")
        return 2
    try:
        ran, failed = dialogs.run_files(files, Simulator(args.locale))
    except (OSError, ValueError) as exc:
        print(f"cannot run dialogs: {exc}")
        return 2
    print(f"{ran - failed} passed, {failed} failed")
    return 1 if failed else 0


def _protocol(args: argparse.Namespace) -> int:
    from . import content, flowchart, protocol

    out = args.out or flowchart.PAGE
    out.write_text(flowchart.page(protocol.default(), content.catalog()), encoding="utf-8")
    print(f"wrote {out}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from .webservice.server import serve

    serve(host=args.host, port=args.port)
    return 0


def _package(args: argparse.Namespace) -> int:
    from . import package

    try:
        policy = package.Policy(args.privacy_url, args.terms_url, args.development)
        archive = package.build(args.out, policy, vendor=not args.no_deps)
    except (package.PackageError, OSError) as exc:
        print(f"cannot package: {exc}")
        return 1
    print(f"wrote {args.out}/ (ask-cli project) and {archive}")
    print(f"deploy with: cd {args.out} && ask deploy")
    return 0
