"""The typed events of an incident: what every stage appends to the log and the feed carries.

The log, the live feed and every later view share these records. Fields may be added; none are renamed.
Every event has `seq` (1, 2, 3, ... per log), `type`, `t` (call seconds at which it happened or was
raised) and `wall` (Unix time at which it was emitted). `seq` and `wall` are stamped by the log.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

__all__ = [
    "SCHEMA_VERSION",
    "Event",
    "Interim",
    "LiveMessage",
    "LoggedEvent",
    "ModelInfo",
    "Notice",
    "Session",
    "SessionEnd",
    "SourceInfo",
    "Transcript",
    "Word",
    "json_schema",
]

SCHEMA_VERSION = 1


class Event(msgspec.Struct, frozen=True, kw_only=True, tag_field="type"):
    seq: int = 0
    t: float
    wall: float = 0.0


class ModelInfo(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    path: str
    sha256: str | None
    device: str = "cpu"
    compute_type: str = "int8"


class SourceInfo(msgspec.Struct, frozen=True, kw_only=True):
    uri: str
    kind: Literal["file", "stdin", "transcript", "device"]
    rate: int | None = None
    """Sample rate of the original audio, before resampling to 16 kHz."""
    channels: int | None = None
    duration: float | None = None
    """Seconds, when the container says."""


class Session(Event, frozen=True, kw_only=True, tag="session"):
    """The first event of every log: how this incident's events were made."""

    incident: str
    started: float
    """Unix time at call time 0."""
    version: str
    schema_version: int = SCHEMA_VERSION
    model: ModelInfo | None
    source: SourceInfo
    options: dict[str, Any]


class Word(msgspec.Struct, frozen=True, array_like=True):
    start: float
    end: float
    text: str
    probability: float


class Transcript(Event, frozen=True, kw_only=True, tag="transcript"):
    """A final transcript of one utterance."""

    start: float
    end: float
    text: str
    speaker: str | None = None
    channel: int | None = None
    confidence: float | None = None
    """Mean probability of the recognised tokens, 0..1."""
    words: list[Word] | None = None


class Interim(Event, frozen=True, kw_only=True, tag="interim"):
    """Text of an utterance still in progress, for live viewers. Never written to the log."""

    start: float
    end: float
    text: str
    channel: int | None = None


class Notice(Event, frozen=True, kw_only=True, tag="notice"):
    """Something the commander should know about the tool itself (a truncated file, a lost device)."""

    level: Literal["info", "warning", "error"]
    code: str
    message: str


class SessionEnd(Event, frozen=True, kw_only=True, tag="end"):
    reason: Literal["finished", "interrupted", "failed"]
    duration: float
    """Call seconds of audio consumed."""


LoggedEvent = Session | Transcript | Notice | SessionEnd
LiveMessage = LoggedEvent | Interim


def json_schema() -> dict[str, Any]:
    """The JSON Schema of every message the log and the feed carry."""
    schema: dict[str, Any] = msgspec.json.schema(LiveMessage)
    schema["$id"] = f"https://bridge.invalid/schema/events-v{SCHEMA_VERSION}.json"
    schema["title"] = "bridge events"
    return schema
