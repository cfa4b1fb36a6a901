"""An incident folder read back for the views (post-mortem draft, transcript, stakeholder update).

Every way a folder can be unusable is one `LogError` line saying what to do. A log whose last line was
torn (the writer was killed mid-line) is still read, as `read_log` allows, and a `Notice` saying so is
added at its end, so every view made from it shows that something may be missing.
"""

from __future__ import annotations

from pathlib import Path

import msgspec

from ..errors import LogError
from ..events import SCHEMA_VERSION, LoggedEvent, Notice
from .eventlog import read_log

__all__ = ["LOG_NAME", "TORN_CODE", "load"]

LOG_NAME = "events.jsonl"
TORN_CODE = "torn_log"


def load(folder: Path) -> list[LoggedEvent]:
    """The events of the incident in `folder`, in log order."""
    if not folder.exists():
        raise LogError(f"no incident folder at {folder}; give the --out folder of a `bridge replay`")
    if not folder.is_dir():
        raise LogError(f"{folder} is a file, not an incident folder; give the folder that holds {LOG_NAME}")
    path = folder / LOG_NAME
    if not path.is_file():
        raise LogError(f"{folder} holds no {LOG_NAME}; is it an incident folder?")
    try:
        with path.open("rb") as f:
            first = f.readline()
    except OSError as e:
        raise LogError(f"cannot read {path}: {e.strerror}") from None
    if not first.strip():
        raise LogError(f"{path} is empty: the session wrote nothing before it stopped")
    if not first.endswith(b"\n"):
        raise LogError(f"{path} holds only a torn first line: the session stopped before its first event was written")
    _check_version(path, first)
    contents = read_log(path)
    events = list(contents.events)
    if contents.torn:
        last = events[-1]
        events.append(
            Notice(
                t=last.t,
                wall=last.wall,
                level="warning",
                code=TORN_CODE,
                message=f"the last line of {LOG_NAME} was cut short (the session was stopped mid-write) "
                "and is left out: what was said or raised last may be missing.",
            )
        )
    return events


def _check_version(path: Path, first: bytes) -> None:
    """Refuse a log from a newer bridge before reading it: its events may mean what this one cannot know."""
    try:
        head = msgspec.json.decode(first)
    except msgspec.DecodeError:
        return  # read_log says what is wrong with it
    version = head.get("schema_version") if isinstance(head, dict) else None
    if isinstance(version, int) and version > SCHEMA_VERSION:
        raise LogError(
            f"{path} was written by a newer bridge (schema {version}, this one reads {SCHEMA_VERSION}); "
            "upgrade bridge to read it"
        )
