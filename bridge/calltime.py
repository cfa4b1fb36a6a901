"""Call time: what every stage counts in, and how it is written for people.

Call time is audio samples consumed divided by `RATE`, never the wall clock: every stream is decoded or
resampled to this one rate before anything else sees it.
"""

from __future__ import annotations

import os
from datetime import datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["RATE", "clock", "duration", "local_zone", "wall", "zone"]

RATE = 16000
"""Samples per second of every audio stream inside the pipeline (what Whisper, Silero and the voice encoder take)."""


def clock(t: float, *, tenths: bool = False) -> str:
    """Call seconds as mm:ss (h:mm:ss past an hour), with tenths of a second when asked ("01:23.4")."""
    t = max(0.0, t)
    if tenths:
        t = round(t, 1)
    hours, rest = divmod(int(t), 3600)
    text = f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:02d}:{rest % 60:02d}"
    return f"{text}.{round((t - int(t)) * 10) % 10}" if tenths else text


def duration(s: float) -> str:
    """A duration for people: "23 s", "1 min 51 s". Rounded, where `clock` truncates a moment: a check met
    23.6 s late is "24 s late" wherever it is said."""
    whole = round(s)
    return f"{whole} s" if whole < 60 else f"{whole // 60} min {whole % 60} s" if whole % 60 else f"{whole // 60} min"


def zone(name: str | None) -> tzinfo:
    """The timezone a session records (an IANA name such as "Europe/London"); UTC when it records none, so a
    log replayed anywhere resolves "by 14:30" the same way. ValueError for a name that is not a timezone."""
    if not name:
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {name!r}; give an IANA name such as Europe/London or UTC") from None


def local_zone() -> str:
    """This machine's timezone as an IANA name: $TZ, else what /etc/localtime points at, else UTC."""
    name = os.environ.get("TZ", "").lstrip(":")
    if not name:
        target = Path("/etc/localtime").resolve()
        name = target.as_posix().split("/zoneinfo/", 1)[1] if "/zoneinfo/" in target.as_posix() else "UTC"
    try:
        zone(name)
    except ValueError:
        return "UTC"
    return name


def wall(started: float, t: float, tz: tzinfo) -> datetime:
    """The wall-clock moment of call time `t`, for a call whose time 0 was Unix time `started`, in `tz`."""
    return datetime.fromtimestamp(started + t, tz)
