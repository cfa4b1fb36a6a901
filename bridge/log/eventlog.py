"""The incident's event log: append-only JSON lines, the one record every view is made from.

Each event is one line, written and flushed as it is appended, so a killed process loses nothing the
operating system has seen; the file is fsynced at least once a second, so a crash of the machine loses at
most the last second. Readers tolerate a torn last line.

A disk that fills up (or fails: EIO) does not end the call. A line that could not be written whole is cut
off again, so the file keeps only whole events; what could not be written is kept in memory, in order,
and written when a retry finds room (1 s, doubling to 30 s, on the next append or sync). The trouble is
said once through `warn`; its end, in `outage` (how long it lasted, what was held), is for the incident to
log, as a notice every view shows: the log is the one place that could not say it while it happened.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import msgspec

from ..errors import LogError
from ..events import SCHEMA_VERSION, Event, LoggedEvent, Session

__all__ = ["EventLog", "LogContents", "Outage", "read_log"]

log = logging.getLogger(__name__)

E = TypeVar("E", bound=Event)

_encoder = msgspec.json.Encoder()
_DISK_TROUBLE = frozenset({errno.ENOSPC, errno.EIO, errno.EDQUOT, errno.EFBIG})
RETRY_FIRST, RETRY_MAX = 1.0, 30.0
"""Seconds before the first retry of a log the disk refused, and the most the wait doubles to."""
_decoder = msgspec.json.Decoder(LoggedEvent)


@dataclass(frozen=True)
class Outage:
    """A stretch in which the disk refused the log: wall times, why, and the most events held in memory."""

    since: float
    until: float
    reason: str
    held: int


class EventLog:
    """Appends events to `path`, stamping each with its `seq` and `wall` time.

    A new log is created; with `after` (what `read_log` read from `path`), the log a killed session left is
    continued instead: a torn last line is cut off (it never was a whole event) and `seq` goes on."""

    def __init__(
        self,
        path: Path,
        *,
        clock: Callable[[], float] = time.time,
        sync_interval: float = 1.0,
        after: LogContents | None = None,
        warn: Callable[[str], None] = log.warning,
    ) -> None:
        self.path = path
        self._clock = clock
        self._sync_interval = sync_interval
        self._warn = warn
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(path, "xb" if after is None else "r+b", buffering=0)  # noqa: SIM115 - held open for the life of the log
        except FileExistsError:
            raise LogError(f"{path} already exists; choose another --out folder") from None
        except OSError as e:
            verb = "create" if after is None else "continue"
            raise LogError(f"cannot {verb} the event log {path}: {e.strerror}") from None
        self._seq = 0
        self._new = after is None
        self._whole = 0
        """Bytes of the file that are whole lines: where the next line goes, and what a failed write is cut to."""
        self._unwritten: list[bytes] = []
        """Lines stamped but not yet in the file (the disk refused them), in order."""
        self._retry_at = 0.0
        self._retry_after = RETRY_FIRST
        self._trouble: str | None = None
        self._trouble_since = 0.0
        self.outage: Outage | None = None
        """The last stretch the disk refused the log, once it is over, until the owner takes it (sets None)."""
        if after is not None:
            self._whole = self._file.read().rfind(b"\n") + 1
            self._file.truncate(self._whole)
            self._file.seek(self._whole)
            os.fsync(self._file.fileno())
            self._seq = after.events[-1].seq
        self._dirty = False
        self._synced_at = clock()

    @property
    def last_seq(self) -> int:
        return self._seq

    @property
    def unwritten(self) -> int:
        """Events logged (in memory, in order) that the disk has not taken yet."""
        return len(self._unwritten)

    def append(self, event: E) -> E:
        event = msgspec.structs.replace(event, seq=self._seq + 1, wall=round(self._clock(), 3))
        line = _encoder.encode(event) + b"\n"
        self._seq += 1
        self._unwritten.append(line)
        if len(self._unwritten) == 1 or self._clock() >= self._retry_at:
            self._write()
        self.sync_if_due()
        return event

    def _write(self) -> bool:
        """Write the lines waiting, in order; whether all went in. A line the disk refused is cut off again."""
        fd = self._file.fileno()
        held = len(self._unwritten)  # while the disk refuses the log these only grow: the most it ever held
        while self._unwritten:
            line = self._unwritten[0]
            try:
                done = 0
                while done < len(line):
                    done += os.pwrite(fd, line[done:], self._whole + done)
            except OSError as e:
                if e.errno not in _DISK_TROUBLE:
                    raise
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, self._whole)  # only whole events stay in the file
                self._troubled(e)
                return False
            self._whole += len(line)
            self._unwritten.pop(0)
            self._dirty = True
        if self._trouble is not None:  # its end is the owner's to say, in the log itself (`outage`)
            self.outage = Outage(self._trouble_since, self._clock(), self._trouble, held)
            self._trouble, self._retry_after = None, RETRY_FIRST
        return True

    def _troubled(self, error: OSError) -> None:
        self._retry_at = self._clock() + self._retry_after
        self._retry_after = min(RETRY_MAX, self._retry_after * 2)
        if self._trouble is None:
            self._trouble, self._trouble_since = error.strerror or str(error), self._clock()
            self._warn(
                f"cannot write the event log {self.path} ({self._trouble}); the call goes on and its events are "
                "kept in memory and written when there is room: free space on that disk (old incidents, recordings)"
            )

    def sync_if_due(self) -> None:
        """fsync when there is unsynced data older than the interval, and retry lines the disk refused when
        their wait is over; call this often."""
        if self._unwritten and self._clock() >= self._retry_at:
            self._write()
        if self._dirty and self._clock() - self._synced_at >= self._sync_interval:
            self.sync()

    def sync(self) -> None:
        try:
            os.fsync(self._file.fileno())
        except OSError as e:
            if e.errno not in _DISK_TROUBLE:
                raise
            self._troubled(e)
            return
        self._dirty = False
        self._synced_at = self._clock()

    @property
    def closed(self) -> bool:
        return self._file.closed

    def close(self) -> None:
        """Write what is waiting (one last try if the disk refused it: `unwritten` says what was lost), sync,
        close."""
        if not self._file.closed:
            if self._unwritten:
                self._write()
            self.sync()
            self._file.close()

    def discard(self) -> bool:
        """Close and remove a log this process created and wrote nothing to (a start that failed), so that it
        does not block the same --out folder next time. Whether it was removed."""
        if not self._new or self._seq:
            return False
        self._file.close()
        self.path.unlink(missing_ok=True)
        return True

    def __enter__(self) -> EventLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class LogContents:
    events: list[LoggedEvent]
    torn: bool
    """The last line was cut short (the writer was killed mid-line) and was left out."""

    @property
    def session(self) -> Session:
        first = self.events[0]
        assert isinstance(first, Session)
        return first


def read_log(path: Path) -> LogContents:
    """Read a whole log. A torn last line is left out; anything else unreadable is an error."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise LogError(f"no event log at {path}") from None
    except OSError as e:
        raise LogError(f"cannot read {path}: {e.strerror}") from None
    lines = data.split(b"\n")
    torn = lines[-1] != b""
    if torn:
        log.warning("%s: the last line is incomplete (the writer stopped mid-line); leaving it out", path)
    events: list[LoggedEvent] = []
    for number, line in enumerate(lines[:-1], 1):
        if not line.strip():
            continue
        try:
            events.append(_decoder.decode(line))
        except msgspec.ValidationError as e:
            raise LogError(_explain(path, number, line, e)) from None
        except msgspec.DecodeError:
            raise LogError(f"{path}:{number}: not a JSON event; the log is damaged") from None
    if not events or not isinstance(events[0], Session):
        raise LogError(f"{path} does not start with a session event; is it a bridge event log?")
    return LogContents(events, torn)


def _explain(path: Path, number: int, line: bytes, error: msgspec.ValidationError) -> str:
    try:
        version = msgspec.json.decode(line).get("schema_version") if number == 1 else None
    except (msgspec.DecodeError, AttributeError):
        version = None
    if isinstance(version, int) and version > SCHEMA_VERSION:
        return (
            f"{path} was written by a newer bridge (schema {version}, this one reads {SCHEMA_VERSION}); "
            "upgrade bridge to read it"
        )
    return f"{path}:{number}: {error}"
