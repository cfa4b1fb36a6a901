"""The call's transcript for other tools: WebVTT, SubRip (SRT) and plain text.

Made from the final transcripts of the log, in call-time order, with the speaker wherever one was
attributed (the commander's renames applied): `<v Name>` in WebVTT, a "Name: " prefix in SRT and text.
Times are call time, so the cues line up with the recording.
"""

from __future__ import annotations

from collections.abc import Iterable

from .. import corrections
from ..calltime import clock
from ..events import LoggedEvent, Transcript

__all__ = ["MIN_CUE", "to_srt", "to_txt", "to_vtt"]

MIN_CUE = 0.001
"""Seconds: a cue must end after it starts; an utterance of no length gets this much."""


def _lines(events: Iterable[LoggedEvent]) -> list[Transcript]:
    said = [e for e in corrections.apply(events).events if isinstance(e, Transcript) and e.text.strip()]
    return sorted(said, key=lambda s: (s.start, s.end, s.seq))


def _stamp(t: float, sep: str) -> str:
    ms = round(max(0.0, t) * 1000)
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    seconds, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{sep}{ms:03d}"


def _span(said: Transcript, sep: str) -> str:
    end = max(said.end, said.start + MIN_CUE)
    return f"{_stamp(said.start, sep)} --> {_stamp(end, sep)}"


def _text(said: Transcript) -> str:
    return " ".join(said.text.split())


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(events: Iterable[LoggedEvent]) -> str:
    cues = ["WEBVTT"]
    for n, said in enumerate(_lines(events), 1):
        voice = f"<v {_vtt_escape(said.speaker)}>" if said.speaker else ""
        cues.append(f"{n}\n{_span(said, '.')}\n{voice}{_vtt_escape(_text(said))}")
    return "\n\n".join(cues) + "\n"


def to_srt(events: Iterable[LoggedEvent]) -> str:
    cues = []
    for n, said in enumerate(_lines(events), 1):
        who = f"{said.speaker}: " if said.speaker else ""
        cues.append(f"{n}\n{_span(said, ',')}\n{who}{_text(said)}")
    return "\n\n".join(cues) + "\n" if cues else ""


def to_txt(events: Iterable[LoggedEvent]) -> str:
    """One line per utterance: "[mm:ss] Name: text"."""
    out = []
    for said in _lines(events):
        who = f"{said.speaker}: " if said.speaker else ""
        out.append(f"[{clock(said.start)}] {who}{_text(said)}")
    return "\n".join(out) + "\n" if out else ""
