"""Continuing an incident after the tool was killed (`--resume DIR`): where its log stopped, and the deciding
stages rebuilt from what it holds.

The log is the one truth, so nothing else is needed: reading it back gives the call time it reached and
the wall time it was written at; the time the tool was down is the wall time since, and call time goes on
from there, so that call time keeps pace with the call. The extractor and the monitor are shown every
logged event as they were when it was logged, without logging anything again: open action items,
requests awaiting acceptance, status checks and their deadlines, alerts already raised (never raised twice)
are as they were. What was said while the tool was down was not heard; a `Gap` says so, and the monitor
counts its silence and quiet timers from the gap's end.

A log that ended with an `end` event is finished (Ctrl-C, SIGTERM, the end of a replay) and is not
continued: an incident has one end, which the post-mortem and the views read as the end of the call.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..calltime import clock
from ..errors import LogError, UsageError
from ..events import Alert, AlertKind, Gap, LoggedEvent, Notice, Session, SessionEnd, Transcript
from .eventlog import LogContents, read_log
from .incident_folder import LOG_NAME

if TYPE_CHECKING:
    from ..incident import Incident

__all__ = ["RESUMED_CODE", "Resumption", "plan", "read", "restore", "resume"]

RESUMED_CODE = "resumed"

_MONITOR_ALERTS: frozenset[AlertKind] = frozenset(
    {"status_overdue", "long_silence", "responder_quiet", "no_mitigation"}
)
"""The alerts the monitor raises (others, such as a lost device, come from the source)."""


@dataclass(frozen=True)
class Resumption:
    """Where an incident goes on: from call time `heard` (as far as its log and archive reached), after
    `down` wall seconds."""

    contents: LogContents
    heard: float
    down: float

    @property
    def session(self) -> Session:
        return self.contents.session

    @property
    def start(self) -> float:
        """The call time at which the resumed session's audio begins."""
        return round(self.heard + self.down, 3)

    def notice(self) -> Notice:
        torn = "; the last line of the log was cut short and is left out" if self.contents.torn else ""
        return Notice(
            t=self.start,
            level="warning",
            code=RESUMED_CODE,
            message=f"resumed: the incident was kept up to {clock(self.heard)}, {self.down:.0f} s ago; what was "
            f"said from {clock(self.heard)} to {clock(self.start)} was not heard{torn}",
        )

    def gap(self) -> Gap:
        return Gap(t=self.start, start=self.heard, end=self.start, reason="resume")


def read(folder: Path) -> LogContents:
    """The log of the incident in `folder`, to be continued; one clear line if it cannot be."""
    path = folder / LOG_NAME
    if not folder.is_dir() or not path.is_file():
        raise UsageError(f"--resume {folder}: no {LOG_NAME} there; give the folder of the incident to continue")
    try:
        whole = b"\n" in path.read_bytes()
    except OSError as e:
        raise LogError(f"cannot read {path}: {e.strerror}") from None
    if not whole:
        raise LogError(f"{path} holds no whole event: the session stopped before its first; start a new incident")
    return read_log(path)


def plan(contents: LogContents, *, now: float, archived: float = 0.0) -> Resumption:
    """Where to go on: after the later of the last logged call time and the end of the audio `archived`
    (seconds), plus the wall time since the last event was written (`now` is the wall clock)."""
    events = contents.events
    end = next((e for e in events if isinstance(e, SessionEnd)), None)
    if end is not None:
        raise UsageError(
            f"the incident ended at {clock(end.t)} ({end.reason}) and is not continued; start a new incident "
            "(--resume is for a session that was killed)"
        )
    heard = max(max(e.t for e in events), archived)
    down = max(0.0, now - max(e.wall for e in events))
    return Resumption(contents, round(heard, 3), round(down, 3))


def restore(events: list[LoggedEvent], incident: Incident) -> None:
    """Show the incident's extractor and monitor the logged `events` in log order, as they were shown when
    each was logged, and throw away what that causes: it is in the log already."""
    extractor, monitor = incident.extractor, incident.monitor
    for event in events:
        if isinstance(event, Transcript) and extractor is not None:
            extractor.attribute(event)
            extractor.extract(event)
            if event.voice:
                extractor.speakers.reserve_voice(event.voice)
        incident.learn(event)
        if monitor is not None:
            if isinstance(event, Alert) and event.kind in _MONITOR_ALERTS:
                monitor.advance(event.t)  # raised again, so that seeing it logged marks it raised, not new
            monitor.observe(event)


def resume(incident: Incident, resumption: Resumption) -> None:
    """Continue `incident` (its log reopened) from `resumption`: rebuild, then log that it resumed and the gap."""
    events = resumption.contents.events
    restore(events, incident)
    with incident.lock:
        incident.history.extend(events)
        incident.transcripts = sum(isinstance(e, Transcript) for e in events)
        incident.call_time = resumption.start
    incident.emit(resumption.notice())
    incident.emit(resumption.gap())
