"""The command line: what each command does (bridge/cli/arguments.py says what each takes).

The only module that prints. Every error the project raises ends here as one line on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import msgspec

from ..calltime import RATE, clock, local_zone, zone
from ..errors import BridgeError, UsageError
from ..events import Session, SessionOptions
from ..log.lock import FolderLock
from ..monitor import MonitorOptions
from ..speech.segmenter import SegmenterOptions
from ..speech.transcriber import TranscriberOptions, language_code
from .arguments import parser as _parser
from .terminal import Terminal, colour_for, printable

if TYPE_CHECKING:
    from ..language.extraction import Use
    from ..pipeline import Pipeline
    from ..sources.source import Source

__all__ = ["main"]

log = logging.getLogger("bridge")


def _views(history: Sequence[Any]) -> dict[str, Any]:
    """The documents the overlay server draws from the log as it stands."""

    def view(command: str, fmt: str, content_type: str) -> Any:
        return lambda: (content_type, render_view(list(history), command, fmt).encode())

    return {
        "/timeline.md": view("timeline", "md", "text/markdown; charset=utf-8"),
        "/timeline.html": view("timeline", "html", "text/html; charset=utf-8"),
        "/update.txt": view("update", "txt", "text/plain; charset=utf-8"),
        "/transcript.vtt": view("transcript", "vtt", "text/vtt; charset=utf-8"),
    }


def _feed(target: Any, args: argparse.Namespace) -> Any:
    from ..feed.server import Feed

    share = args.share is not None
    live = hasattr(target, "emit")
    poster = None
    if getattr(args, "webhook", None) is not None:  # the overlay's Post update; a served log has no commander
        from .post import deliver, webhook

        hook, folder = webhook(args.webhook), target.log.path.parent

        def poster(events: Sequence[Any]) -> str:
            return deliver(folder, events, url=hook, what="update", fmt=None, timeout=10.0)

    feed = Feed(
        target,
        host=args.share if share else args.host,
        port=args.port,
        share=share,
        allow_control=getattr(args, "allow_control", False),
        read_only=not live,
        views=_views(target.history if live else target.events),
        poster=poster,
    )
    url = feed.start()
    print(f"overlay: {feed.local_url}" + (f"  (shared: {url})" if share else ""), flush=True)
    return feed


def _serve_until_interrupted(feed: Any) -> None:
    print("serving until Ctrl-C", file=sys.stderr, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        feed.stop()


def _warn(message: str) -> None:
    print(f"bridge: warning: {printable(message)}", file=sys.stderr, flush=True)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` ends a session as Ctrl-C does: cleanly
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    for noisy in ("faster_whisper", "httpx", "huggingface_hub"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        if args.command == "replay":
            return _replay(args)
        if args.command == "models":
            return _models(args, parser)
        if args.command == "listen":
            return _listen(args)
        if args.command == "devices":
            return _devices()
        if args.command == "retranscribe":
            return _retranscribe(args)
        if args.command in ("timeline", "transcript", "update", "actions"):
            return _view(args)
        if args.command == "post":
            from .post import post

            return post(args.dir, url=args.webhook, what=args.what, fmt=args.format, timeout=args.timeout)
        if args.command == "serve":
            from ..log.eventlog import LogContents
            from ..log.incident_folder import load

            events = load(args.dir)
            _serve_until_interrupted(_feed(LogContents(events, torn=False), args))
            return 0
        if args.command == "schema":
            from ..events import json_schema

            print(json.dumps(json_schema(), indent=2))
            return 0
        parser.print_help()
        return 2
    except BridgeError as e:
        print(f"bridge: error: {printable(str(e))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bridge: interrupted", file=sys.stderr)
        return 130


def _models(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .. import weights as models

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
            found = models.installed(spec, verify=True)
            status, size = ("installed", f"{found.size / 1e6:.0f} MB") if found else ("missing", "-")
            digest = (found.sha256[:12] + "…") if found else "-"
            print(f"{name:16} {spec.kind:8} {status:10} {size:>8}  {digest:14} {spec.summary}")
        print(f"\nfolder: {models.models_dir()}; install with `bridge models install NAME`")
        return 0
    parser.parse_args(["models", "--help"])
    return 2


class _Session:
    """What a transcribing command sets up from its options: the incident, its views and its transcriber."""

    def __init__(self, args: argparse.Namespace, *, out: Path | None, audio: bool, live: bool = False) -> None:
        self._created: Path | None = None
        """The incident folder, when this process created it: removed again if the start fails."""
        # An outage's call is sensitive: everything this session creates (the folder, its log, the archive, the
        # drafts, kept audio, whatever library writes it) is for its owner alone, whatever the caller's umask.
        os.umask(0o077)
        try:
            self._start(args, out=out, audio=audio, live=live)
        except BaseException:
            self.abandon()
            raise

    def __enter__(self) -> _Session:
        return self

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        if kind is not None:
            self.abandon()

    def abandon(self) -> None:
        """The start failed: leave no empty log (nor a folder this process made for it) behind."""
        lock: FolderLock | None = getattr(self, "folder_lock", None)
        if lock is None:
            return
        incident = getattr(self, "incident", None)
        emptied = incident is None or incident.log.discard()
        lock.release(remove=True)
        if emptied and self._created is not None:
            with contextlib.suppress(OSError):  # only if empty: anything else in it is not ours to remove
                self._created.rmdir()

    def _start(self, args: argparse.Namespace, *, out: Path | None, audio: bool, live: bool) -> None:
        from ..incident import Incident
        from ..log import resume
        from ..log.eventlog import EventLog
        from ..monitor import Monitor
        from ..report.draft import DraftWriter
        from ..sources.archive import end_of
        from ..speech.transcriber import Transcriber
        from ..weights import resolve_spacy, resolve_whisper

        self.resumption: resume.Resumption | None = None
        self.running: Pipeline | None = None
        contents = None
        resuming = getattr(args, "resume", None) is not None
        if resuming:
            if out is not None and out.resolve() != args.resume.resolve():
                raise UsageError("--resume continues the incident in its own folder; leave out --out")
            out = args.resume
        out = out or Path("incidents") / datetime.now(UTC).strftime("%Y-%m-%dT%H-%M-%SZ")
        self._created = None if out.exists() else out
        # Before anything is read or written: one writer per incident, or two tear each other's log.
        self.folder_lock = FolderLock(out)
        if resuming:
            contents = resume.read(out)
            resume.plan(contents, now=time.time())  # a finished incident is refused before anything loads
            _logged_options(args, contents.session)
        if not args.serve:  # an option that would do nothing is a mistake, said before any model loads
            given = [o for o, v in [("--share", args.share), ("--allow-control", args.allow_control)] if v]
            if args.webhook is not None:
                given.append("--webhook")
            if given:
                raise UsageError(f"{given[0]} is for the overlay: give --serve too")
        if args.webhook is not None:  # a call is no time to find the URL unusable
            from .post import webhook

            webhook(args.webhook)
        for name in ("silence_after", "quiet_after", "mitigation_after"):
            if getattr(args, name) <= 0:
                raise UsageError(f"--{name.replace('_', '-')} must be a positive number of seconds")
        if audio:
            args.language = language_code(args.language)
        self.tz = args.tz or local_zone()
        try:
            zone(self.tz)
        except ValueError as e:
            raise UsageError(f"--tz: {e}") from None
        self.args = args
        logged_roster: list[str] | None = getattr(args, "roster", None)
        self.roster = logged_roster if logged_roster is not None else _read_vocab(args.vocab) if args.vocab else []
        self.model = resolve_whisper(args.model) if audio else None
        if contents is None and (out / "events.jsonl").exists():
            raise UsageError(f"{out / 'events.jsonl'} already exists; choose another --out folder")
        self.extractor = _extractor(resolve_spacy(), self.roster, args.patterns, args.understanding)
        self.transcriber = None
        if self.model is not None:
            options = TranscriberOptions(
                language=args.language,
                beam_size=args.beam_size,
                hotwords=", ".join(self.roster) or None,
                cpu_threads=args.threads,
            )
            watched = live or getattr(args, "speed", None) is not None
            interim = _interim_model(args.interim_model, self.model.path) if args.interim and watched else None
            self.transcriber = Transcriber(self.model.path, options, interim_path=interim)
        self.monitor_options = MonitorOptions(
            silence_after=args.silence_after, quiet_after=args.quiet_after, mitigation_after=args.mitigation_after
        )
        self.show = Terminal(
            live=sys.stderr.isatty() and getattr(args, "speed", None) != 1 and not live,
            colour=colour_for(sys.stdout, os.environ),
        )
        self.incident = Incident(
            EventLog(out / "events.jsonl", after=contents, warn=_warn),
            sinks=[self.show, DraftWriter(out, history=contents.events if contents is not None else (), warn=_warn)],
            extractor=self.extractor,
            monitor=Monitor(self.monitor_options),
        )
        self.options = SessionOptions(
            out=str(out),
            tz=self.tz,
            vocab=str(args.vocab) if args.vocab else None,
            roster=self.roster,
            patterns=str(args.patterns) if args.patterns else None,
            understanding=args.understanding,
            monitor=asdict(self.monitor_options),
        )
        if self.transcriber is not None:
            self.options = msgspec.structs.replace(
                self.options,
                model=args.model,
                language=args.language,
                beam_size=args.beam_size,
                threads=args.threads,
                interim=args.interim,
                interim_model=args.interim_model,
                hotwords=self.transcriber.options.hotwords,
                channels=args.channel,
            )
        self.feed = _feed(self.incident, args) if args.serve else None
        if self.feed is not None:
            self.incident.add_sink(self.feed)
        self.started = time.time()
        """Wall time at call time 0, logged in the session event (which is where the extractor learns it)."""
        if contents is not None:
            self.resumption = resume.plan(contents, now=self.started, archived=end_of(out / "audio") / RATE)
            self.started = contents.session.started  # one call, one call time 0
        if self.resumption is not None:
            resume.resume(self.incident, self.resumption)

    def pipeline(
        self, source: Source, *, speed: float | None, live: bool = False, labels: Sequence[str] = ()
    ) -> Pipeline:
        """The audio pipeline for `source`; `labels` name its channels (device labels) for --channel."""
        from ..events import ModelInfo, RecordFormat
        from ..pipeline import Pipeline, PipelineOptions
        from ..speakers.voiceprint import VoiceEncoder
        from ..speech.vad import SileroVad
        from ..weights import resolve_voice

        assert self.model is not None and self.transcriber is not None
        args = self.args
        self.show.duration = source.info.duration
        encoder = VoiceEncoder(resolve_voice()) if args.voices else None
        self.options = msgspec.structs.replace(self.options, voices=args.voices)
        sinks = []
        if args.record:
            from ..sources.archive import CHUNK_SECONDS, Recorder

            sinks.append(Recorder(self.incident.log.path.parent / "audio", warn=self._not_recorded))
            record = RecordFormat(folder="audio", format="wav f32le", chunk_seconds=CHUNK_SECONDS)
            self.options = msgspec.structs.replace(self.options, record=record)
        start = round(self.resumption.start * RATE) if self.resumption is not None else 0
        self.running = Pipeline(
            source=source,
            recogniser=self.transcriber,
            vad=SileroVad,
            incident=self.incident,
            model=ModelInfo(name=self.model.name, path=str(self.model.path), sha256=self.model.sha256),
            options=PipelineOptions(
                speed=speed,
                interim=args.interim,
                live=live,
                start=start,
                untranscribed=self.incident.log.path.parent / "untranscribed",
                segmenter=SegmenterOptions(min_silence=args.min_silence),
                channels=_channels(args.channel, source.info.channels or 1, labels)
                or (dict.fromkeys(range(len(labels))) if len(labels) > 1 else None),
            ),
            session=self.options,
            progress=self.show.progress,
            started=self.started,
            encoder=encoder,
            block_sinks=sinks,
        )
        return self.running

    def _not_recorded(self, message: str) -> None:
        from ..events import Notice

        self.incident.emit(Notice(t=round(self.incident.call_time, 3), level="error", code="record", message=message))

    def finish(self, end: Any) -> int:
        """The call is over: serve the views until Ctrl-C if asked, close the log, say where it all is."""
        self.show.clear()
        log_path = self.incident.log.path
        what = "interrupted" if end.reason == "interrupted" else "done"
        print(  # before the overlay is served on: the commander reads it when the call ends, not at Ctrl-C
            f"{what}: {self.incident.transcripts} transcripts over {clock(end.duration, tenths=True)}; "
            f"{self.show.summary()}; "
            f"log: {log_path}; post-mortem draft: {log_path.parent / 'postmortem.md'}",
            flush=True,
        )
        if self.feed is not None:
            if end.reason == "interrupted":  # one Ctrl-C or SIGTERM stops everything, not just the replay
                self.feed.stop()
            else:
                _serve_until_interrupted(self.feed)
        self.incident.close()
        self.folder_lock.release()
        if lost := self.incident.log.unwritten:
            print(
                f"bridge: error: the last {lost} events of this call could not be written to {log_path} (the disk "
                "is still full or failing) and are lost; the log holds everything before them",
                file=sys.stderr,
            )
            return 1
        failed = self.running.failed if self.running is not None else 0
        if failed and not self.incident.transcripts:
            print(
                f"bridge: error: the transcriber failed on all {failed} utterances heard, so nothing was "
                f"transcribed; the notices in {log_path} say why, and {log_path.parent / 'untranscribed'} "
                "keeps their audio",
                file=sys.stderr,
            )
            return 1
        return 130 if end.reason == "interrupted" else 0


def _channels(specs: Sequence[str], count: int, labels: Sequence[str] = ()) -> dict[int, str | None] | None:
    """--channel CHANNEL=NAME options as the pipeline's channel plan: None (mix everything into one) when
    there are none; otherwise every channel on its own, named where a NAME was given."""
    if not specs:
        return None
    plan: dict[int, str | None] = dict.fromkeys(range(count))
    for spec in specs:
        channel, sep, name = spec.partition("=")
        channel = channel.strip()
        if channel in labels:
            index = list(labels).index(channel)
        elif channel.isdigit():
            index = int(channel)
        else:
            known = f"a device label ({', '.join(labels)}) or " if labels else ""
            raise UsageError(f"--channel {spec}: CHANNEL must be {known}a channel index from 0")
        if not sep or not name.strip():
            raise UsageError(f"--channel {spec}: give the speaker's name, e.g. --channel {channel}=Omar")
        plan[index] = name.strip()
    return plan


def _replay(args: argparse.Namespace) -> int:
    from ..events import RawFormat, SourceInfo
    from ..pipeline import replay_transcript
    from ..sources.files import open_source
    from ..sources.transcript_input import is_transcript, read_transcript

    if args.file != "-" and (args.rate is not None or args.channels != 1):
        raise UsageError("--rate and --channels are for raw PCM on stdin (FILE is -)")
    text_input = args.file != "-" and is_transcript(Path(args.file))
    if text_input and args.channel:
        raise UsageError("--channel is for audio; a transcript already names its speakers")
    if text_input and (args.record or args.resume):
        raise UsageError("--record and --resume are for audio; a transcript has none to keep or go on with")
    if args.started is not None and args.resume:
        raise UsageError("--resume goes on with the incident's own call time 0; leave out --started")
    utterances = read_transcript(Path(args.file)) if text_input else None
    source = (
        None if text_input else open_source(args.file, rate=args.rate, channels=args.channels, fmt=args.sample_format)
    )
    with _Session(args, out=args.out, audio=not text_input) as session:
        session.options = msgspec.structs.replace(session.options, file=args.file, speed=args.speed or "max")
        if not args.resume:
            _call_start(session, args.started, source.info.created if source is not None else None)
        if utterances is not None:
            info = SourceInfo(uri=args.file, kind="transcript", duration=utterances[-1].end if utterances else 0.0)
            end = replay_transcript(
                utterances,
                session.incident,
                source=info,
                options=session.options,
                speed=args.speed,
                started=session.started,
            )
        else:
            assert source is not None
            if args.file == "-":
                raw = RawFormat(rate=args.rate, channels=args.channels, format=args.sample_format)
                session.options = msgspec.structs.replace(session.options, raw=raw)
            end = session.pipeline(source, speed=args.speed).run()
        return session.finish(end)


def _call_start(session: _Session, given: datetime | None, created: float | None) -> None:
    """Call time 0 of a recording: --started (read in the call's timezone when it has no offset), else the
    file's creation time, else now, as a live call would have it; the log says which."""
    if given is not None:
        moment = given if given.tzinfo is not None else given.replace(tzinfo=zone(session.tz))
        session.started, by = moment.timestamp(), "option"
    elif created is not None:
        session.started, by = created, "file"
    else:
        return
    session.options = msgspec.structs.replace(session.options, started_by=by)


def _listen(args: argparse.Namespace) -> int:
    from ..sources.capture import LiveSource
    from ..sources.devices import parse_device

    # With --resume the pipeline moves the source's blocks and events to the incident's call time
    # (PipelineOptions.start), so the source itself counts from 0.
    source = LiveSource([parse_device(spec) for spec in args.device])  # a wrong device fails before models load
    try:
        with _Session(args, out=args.out, audio=True, live=True) as session:
            session.options = msgspec.structs.replace(session.options, devices=args.device)
            end = session.pipeline(source, speed=None, live=True, labels=source.labels).run()
            return session.finish(end)
    finally:
        source.close()


def _retranscribe(args: argparse.Namespace) -> int:
    from ..events import Gap
    from ..log.incident_folder import load
    from ..sources.archive import ArchiveSource
    from ..sources.devices import parse_device

    events = load(args.dir)
    original = events[0]
    assert isinstance(original, Session)
    source = ArchiveSource(args.dir / "audio", gaps=[e for e in events if isinstance(e, Gap)])
    out = args.out or args.dir / f"retranscribed-{Path(args.model).name}"
    if out.resolve() == args.dir.resolve():
        raise UsageError(f"--out {out} is the original incident's folder, whose log is never touched; choose another")
    session_args = _parser().parse_args(["replay", str(source.folder)])  # every session option at its default
    session_args.model, session_args.threads, session_args.interim = args.model, args.threads, False
    _logged_options(session_args, original)
    labels = [parse_device(spec).label or "" for spec in original.options.devices or []]
    with _Session(session_args, out=out, audio=True) as session:
        session.started = original.started  # the call's clock, for times said in it
        session.options = msgspec.structs.replace(
            session.options,
            retranscribed=str(args.dir),
            file=str(source.folder),
            speed="max",
            vocab=original.options.vocab,
            started_by=original.options.started_by,
        )
        return session.finish(session.pipeline(source, speed=None, labels=labels).run())


def _logged_options(args: argparse.Namespace, session: Session) -> None:
    """Set the options that shape an incident's events (roster, patterns, alert timers, channels, segmenting) to
    those its session event records: a resumed or retranscribed incident is made as the original was."""
    options = session.options
    args.roster = list(options.roster)
    args.vocab = None
    args.tz = options.tz or "UTC"
    args.patterns = Path(options.patterns) if options.patterns else None
    args.understanding = options.understanding or "rules"  # a log from before the classifier was understood by rules
    for name, value in options.monitor.items():
        if name in ("silence_after", "quiet_after", "mitigation_after"):
            setattr(args, name, float(value))
    args.channel = list(options.channels)
    if "min_silence" in options.segmenter:
        args.min_silence = float(options.segmenter["min_silence"])
    if options.language is not None:
        args.language = options.language
    if options.voices is not None:
        args.voices = options.voices


def _devices() -> int:
    from ..sources.devices import devices_table, input_devices, pulse_monitors

    devices = input_devices()
    monitors = pulse_monitors() if any(d.name == "pulse" for d in devices) else []
    sys.stdout.write(devices_table(devices, monitors))
    return 0


def render_view(events: list[Any], command: str, fmt: str, template: str = "bridge") -> str:
    """One of the documents drawn from the log: the post-mortem draft, a transcript export, an update, the
    action items."""
    from ..report import action_items, postmortem, timeline
    from ..report import stakeholder_update as update
    from ..report import transcript_output as exports

    if command == "actions":
        export = {"md": action_items.to_markdown, "csv": action_items.to_csv, "json": action_items.to_json}[fmt]
        return export(timeline.build(events))
    if command == "update":
        return update.stakeholder_update(events)
    if command == "transcript":
        return {"vtt": exports.to_vtt, "srt": exports.to_srt, "txt": exports.to_txt}[fmt](events)
    drafted = timeline.build(events)
    if fmt == "json":
        return timeline.to_json(drafted)
    shape = cast("postmortem.Template", template)
    return postmortem.to_markdown(drafted, shape) if fmt == "md" else postmortem.to_html(drafted, shape)


def _view(args: argparse.Namespace) -> int:
    from ..log.incident_folder import load

    template = getattr(args, "template", "bridge")
    if template != "bridge" and args.format == "json":
        raise UsageError("--template shapes the written draft (md or html); the json is the timeline's data")
    text = render_view(load(args.dir), args.command, getattr(args, "format", "md"), template)
    if args.output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return 0
    try:
        args.output.write_text(text)
    except OSError as e:
        raise UsageError(f"cannot write {args.output}: {e.strerror}") from None
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


def _interim_model(name: str, main: Path) -> Path:
    from ..errors import ModelError
    from ..weights import resolve_whisper

    try:
        return resolve_whisper(name).path
    except ModelError:
        if name != "tiny.en":
            raise
        return main  # the default is a speed-up, not a requirement


def _extractor(spacy_path: Path, roster: list[str], patterns: Path | None, understanding: Use) -> Any:
    from ..language.acts import Acts
    from ..language.analysis import Analyzer, load_patterns
    from ..language.extraction import Extractor, ExtractorOptions
    from ..speakers.attribution import Speakers

    people = [term for term in roster if len(term.split()) <= 2 and term[:1].isupper()]
    analyzer = Analyzer(spacy_path, load_patterns(patterns))
    speakers = Speakers(people, commander_roles=analyzer.patterns.words("commander_roles"))
    acts = Acts() if understanding != "rules" else None
    return Extractor(analyzer, speakers, acts=acts, options=ExtractorOptions(use=understanding))


def _read_vocab(path: Path) -> list[str]:
    try:
        terms = [line.strip() for line in path.read_text().splitlines()]
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"cannot read --vocab {path}: {getattr(e, 'strerror', None) or e}") from None
    terms = [t for t in terms if t and not t.startswith("#")]
    if not terms:
        raise UsageError(f"--vocab {path} lists no names or terms (one per line)")
    return terms


def run() -> Any:  # pragma: no cover - console entry point
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    os._exit(main())
