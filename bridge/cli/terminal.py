"""What the terminal shows during a replay: the transcript as it is finalised, what was extracted, the
alerts as they come due, and a progress bar on stderr when faster than real time.

Alerts are in colour (red; cleared green, a late update yellow) on a terminal, never in a pipe or a file,
and never when `NO_COLOR` is set to anything (https://no-color.org) or `TERM` is `dumb`."""

from __future__ import annotations

import re
import shutil
import sys
import time
from collections.abc import Mapping
from datetime import tzinfo
from typing import Any, TextIO

from ..calltime import clock, duration, wall, zone

__all__ = ["Terminal", "colour_for", "printable"]

_RED, _GREEN, _YELLOW, _RESET = "\033[1;31m", "\033[32m", "\033[33m", "\033[0m"


def colour_for(stream: TextIO, environ: Mapping[str, str]) -> bool:
    """Whether lines written to `stream` may be in colour."""
    if environ.get("NO_COLOR", "") != "" or environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except ValueError:  # a closed stream
        return False


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` with every control character written out (`\\x1b`): words from a transcript, a speaker's name
    or a file must not move the cursor, recolour or retitle the terminal, or break a one-line message."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _say(line: str, *, err: bool = False, end: str = "\n") -> None:
    print(printable(line), end=end, file=sys.stderr if err else sys.stdout, flush=True)


_LABELS = {
    "done": "DONE   ",
    "reopen": "REOPEN ",
    "restore": "RESTORE",
    "dismiss": "DISMISS",
    "acknowledge": "ACK    ",
    "received": "RECEIVED",
    "snooze": "SNOOZE ",
    "confirm": "CONFIRM",
    "edit": "EDIT   ",
    "rename": "RENAME ",
}
"""How each commander's action is headed, a line of its own as it is logged."""


class Terminal:
    """What the terminal shows: the transcript as it is finalised, what was extracted, the alerts, and a
    progress bar on stderr for replays faster than real time."""

    def __init__(self, *, live: bool, colour: bool = False) -> None:
        self.live = live
        self.colour = colour
        self.duration: float | None = None
        self._shown = 0.0
        self.counts: dict[str, int] = {}
        self._tasks: dict[int, str] = {}
        """Each action item's task by `seq` (as last edited), for the lines that say it is done."""
        self._starts: dict[int, float] = {}
        """Each transcript's start by `seq`, for the lines attributed after the call."""
        self._checks: dict[int, str] = {}
        """Who owes each status check's update, by `seq`."""
        self._what: dict[int, str] = {}
        """Each decision's text and alert's message, by `seq`: what an action on it was about."""
        self._wall: tuple[float, tzinfo] | None = None
        """The session's wall clock at call time 0 and its timezone, for due times people act on."""

    def __call__(self, event: Any) -> None:
        from ..events import (
            ActionItem,
            Alert,
            AlertCleared,
            CheckMet,
            Correction,
            Decision,
            Interim,
            ItemDone,
            Notice,
            Session,
            StatusCheck,
            Transcript,
        )

        self.clear()
        kind = type(event).__name__
        self.counts[kind] = self.counts.get(kind, 0) + 1
        if isinstance(event, Session):
            self._wall = (event.started, zone(event.options.tz))
        elif isinstance(event, Transcript):
            who = f"{event.speaker}: " if event.speaker else ""
            self._starts[event.seq] = event.start
            _say(f"[{clock(event.start, tenths=True)}] {who}{event.text}")
        elif isinstance(event, Decision):
            self._what[event.seq] = f"decision “{event.text}”"
            _say(f"          DECISION  {event.text}")
        elif isinstance(event, ActionItem):
            self._tasks[event.seq] = f"{event.owner or 'someone'}: {event.task}"
            due = f" (due {self.due(event.due)})" if event.due is not None else ""
            _say(f"          ACTION    {event.owner or 'someone'}: {event.task}{due}")
        elif isinstance(event, StatusCheck):
            self._checks[event.seq] = event.owner or "the bridge"
            _say(f"          CHECK     {event.owner or 'the bridge'} owes an update by {self.due(event.due)}")
        elif isinstance(event, Alert):
            self._what[event.seq] = f"alert “{event.message}”"
            print(self.paint(_RED, printable(f"[{clock(event.t, tenths=True)}] ALERT   {event.message}")), flush=True)
        elif isinstance(event, AlertCleared):
            cleared = f"[{clock(event.t, tenths=True)}] cleared: {event.message}"
            print(self.paint(_GREEN, printable(cleared)), flush=True)
        elif isinstance(event, CheckMet):
            owed, by = self._checks.get(event.ref), event.by
            whose = f"from {by or owed or 'the bridge'}" if owed in (None, by) else f"for {owed}, from {by or '?'}"
            how = f"came {duration(event.late)} late" if event.late else "on time"
            line = f"[{clock(event.t, tenths=True)}] UPDATE  {whose}, {how}"
            print(self.paint(_YELLOW if event.late else _GREEN, printable(line)), flush=True)
        elif isinstance(event, ItemDone):
            # The rule of corrections.done, as the overlay and the post-mortem show it.
            task = self._tasks.get(event.ref, f"action item {event.ref}")
            who = event.by or "the bridge"
            _say(f"[{clock(event.t, tenths=True)}] DONE    {task} (reported by {who})")
        elif isinstance(event, Correction) and event.action in _LABELS:
            who = "the commander" if event.by == "commander" else event.by
            _say(f"[{clock(event.t, tenths=True)}] {_LABELS[event.action]} {self.acted_on(event)} (by {who})")
        elif isinstance(event, Correction) and event.action == "attribute":
            start = self._starts.get(event.ref)
            line = f"the line at {clock(start, tenths=True)}" if start is not None else f"transcript {event.ref}"
            _say(f"[{clock(event.t, tenths=True)}] AFTER   {line} was {event.speaker}'s (by the voices, heard at once)")
        elif isinstance(event, Notice):
            _say(f"bridge: {event.level}: {event.message}", err=True)
        elif isinstance(event, Interim) and sys.stdout.isatty():
            line = printable(f"  … {event.text}")[: shutil.get_terminal_size().columns - 1]
            print(line, end="\r", flush=True)

    def acted_on(self, c: Any) -> str:
        """What a commander's action was about, in a few words."""
        if c.action in ("done", "reopen", "restore", "dismiss"):  # what an action item's row is about
            return self._tasks.get(c.ref, f"event {c.ref}")
        if c.action == "rename":
            return f"{c.speaker or 'a speaker'} is {c.name}"
        if c.action == "snooze":
            return f"{self._checks.get(c.ref, 'the check')}'s update now due by {self.due(c.until or 0.0)}"
        if c.action == "received":
            return f"the update from {self._checks.get(c.ref, 'the bridge')}"
        owes = self._checks.get(c.ref)
        target = self._tasks.get(c.ref) or self._what.get(c.ref) or (f"{owes}'s update" if owes else f"event {c.ref}")
        if c.action == "edit":
            changed = [f"{k} {v!r}" for k, v in (("text", c.text), ("owner", c.owner)) if v is not None]
            changed += [f"due {self.due(c.due)}"] if c.due is not None else []
            return f"{target}: {', '.join(changed)}"
        return target

    def due(self, t: float) -> str:
        """A due time as people keep it, the wall clock with the call time beside it: "14:35:10 (02:10.0)"."""
        if self._wall is None:
            return clock(t, tenths=True)
        started, tz = self._wall
        return f"{wall(started, t, tz):%H:%M:%S} ({clock(t, tenths=True)})"

    def paint(self, colour: str, line: str) -> str:
        return f"{colour}{line}{_RESET}" if self.colour else line

    def summary(self) -> str:
        c = self.counts
        return (
            f"{c.get('Decision', 0)} decisions, {c.get('ActionItem', 0)} action items, "
            f"{c.get('StatusCheck', 0)} status checks, {c.get('Alert', 0)} alerts"
        )

    def progress(self, seconds: float) -> None:
        if not self.live:
            return
        now = time.monotonic()
        if now - self._shown < 0.2:
            return
        self._shown = now
        width = max(10, min(40, shutil.get_terminal_size().columns - 30))
        if self.duration:
            done = min(1.0, seconds / self.duration)
            bar = "#" * int(done * width) + "-" * (width - int(done * width))
            line = f"[{bar}] {clock(seconds, tenths=True)} / {clock(self.duration, tenths=True)}"
        else:
            line = f"{clock(seconds, tenths=True)} of audio"
        sys.stderr.write("\r" + line)
        sys.stderr.flush()

    def clear(self) -> None:
        if self.live:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
