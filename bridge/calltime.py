"""Call time: what every stage counts in, and how it is written for people.

Call time is audio samples consumed divided by `RATE`, never the wall clock: every stream is decoded or
resampled to this one rate before anything else sees it.
"""

from __future__ import annotations

__all__ = ["RATE", "clock"]

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
