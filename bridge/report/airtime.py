"""Who spoke on the call and for how long, and when nobody did.

Speaking time is the length of each attributed utterance; what nobody was attributed is counted apart, so
the shares add up to the whole of the speech. A silence is a stretch of at least the session's
`--silence-after` with no speech, measured from the end of the last words to the start of the next (or to
the end of the call).
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from ..events import Gap, Transcript
from ..people import same

__all__ = ["Participant", "Silence", "participants", "silences"]


class Participant(msgspec.Struct, frozen=True, kw_only=True):
    name: str | None
    """None: the speech nobody was attributed."""
    spoke: float
    """Seconds of speech."""
    share: float
    """Of all speech on the call, 0..1."""
    lines: int
    first: float
    """Call seconds of their first words."""


class Silence(msgspec.Struct, frozen=True, kw_only=True):
    start: float
    end: float
    wall: float
    """Unix time at `start`."""
    length: float
    until_end: bool
    """The call ended, or the draft was made, during it."""


def participants(said: Sequence[Transcript]) -> list[Participant]:
    """Everyone who spoke, the most first; the unattributed last."""
    lines: dict[str | None, list[Transcript]] = {}
    for s in said:
        key = next((k for k in lines if k is not None and same(k, s.speaker)), s.speaker)
        lines.setdefault(key, []).append(s)
    total = sum(_length(s) for s in said) or 1.0
    out = [
        Participant(
            name=name,
            spoke=round(seconds, 1),
            share=round(seconds / total, 3),
            lines=len(theirs),
            first=min(s.start for s in theirs),
        )
        for name, theirs in lines.items()
        for seconds in [sum(_length(s) for s in theirs)]
    ]
    return sorted(out, key=lambda p: (p.name is None, -p.spoke, p.first))


def silences(
    said: Sequence[Transcript], *, now: float, after: float, started: float, gaps: Sequence[Gap] = ()
) -> list[Silence]:
    """Stretches of `after` seconds or more without speech, up to call time `now`. A gap (the tool was down,
    a device was lost) is not silence but nothing heard: a stretch ends where a gap starts, and the next
    starts where it ends."""
    out = []
    heard: float | None = None
    for start, end in sorted([(s.start, s.end) for s in said] + [(g.start, g.end) for g in gaps]):
        if heard is not None and start - heard >= after:
            out.append(_silence(heard, start, started, until_end=False))
        heard = end if heard is None else max(heard, end)
    if heard is not None and now - heard >= after:
        out.append(_silence(heard, now, started, until_end=True))
    return out


def _silence(start: float, end: float, started: float, *, until_end: bool) -> Silence:
    return Silence(
        start=start, end=end, wall=round(started + start, 3), length=round(end - start, 1), until_end=until_end
    )


def _length(s: Transcript) -> float:
    return max(0.0, s.end - s.start)
