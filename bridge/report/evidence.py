"""The words an entry of a view came from: every fact in a draft is traceable to what was said.

`Evidence` is a quote with its call time, wall clock, speaker and the `seq` of the transcript holding it.
`Quoter` makes them from one incident's transcripts, and quotes a speaker's whole turn when they went on
after a pause ("Sorry, I was deep in the node logs." / "The resize left each node with too little memory"),
because the segmenter cuts utterances at pauses and the first line alone rarely says the point.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import msgspec

from ..events import ActionItem, Decision, StatusCheck, Transcript
from ..language import replies
from ..people import same

__all__ = ["Evidence", "Quoter"]


class Evidence(msgspec.Struct, frozen=True, kw_only=True):
    """Words said on the call."""

    at: float
    """Call seconds at which the words began."""
    wall: float
    """Unix time: the session's start plus `at`."""
    by: str | None
    quote: str
    seq: int
    """`seq` of the transcript event (the first, for a quoted turn)."""


class Quoter:
    def __init__(self, started: float, said: Sequence[Transcript]) -> None:
        self.started = started
        self.said = list(said)
        self._index = {s.seq: i for i, s in enumerate(self.said)}
        self._replies: dict[int, replies.Reply] = {}
        self._turns: dict[int, list[int]] = {}

    def wall(self, t: float) -> float:
        """Wall clock of call time `t`: the session's start plus `t`, never when the event was processed."""
        return round(self.started + t, 3)

    def transcript(self, seq: int) -> Transcript | None:
        i = self._index.get(seq)
        return None if i is None else self.said[i]

    def reply(self, said: Transcript) -> replies.Reply:
        """What kind of reply `said` is, as the monitor judges it (computed once per transcript)."""
        if said.seq not in self._replies:
            self._replies[said.seq] = replies.classify(said.text)
        return self._replies[said.seq]

    def of(self, said: Transcript, quote: str | None = None) -> Evidence:
        """`said` (or the given part of it) as evidence."""
        return Evidence(
            at=said.start, wall=self.wall(said.start), by=said.speaker, quote=quote or said.text, seq=said.seq
        )

    def of_item(self, item: Decision | ActionItem | StatusCheck) -> Evidence:
        """The words an extracted item came from."""
        return Evidence(at=item.start, wall=self.wall(item.start), by=item.by, quote=item.quote, seq=item.source)

    def turn(self, said: Transcript) -> list[Transcript]:
        """`said` and the updates its speaker went straight on with, before anyone else spoke."""
        lines = [said]
        for after in self.said[self._index[said.seq] + 1 :]:
            if not same(after.speaker, said.speaker) or self.reply(after) != "update":
                break
            lines.append(after)
        return lines

    def of_turn(self, said: Transcript) -> Evidence:
        lines = self.turn(said)
        self._turns[said.seq] = [line.seq for line in lines]
        return self.of(said, _join(line.text for line in lines))

    def covers(self, ev: Evidence) -> list[int]:
        """`seq` of every transcript `ev` quotes."""
        return self._turns.get(ev.seq, [ev.seq])


def _join(texts: Iterable[str]) -> str:
    """Lines of one turn as one quote, each ending as a sentence (Whisper often leaves the full stop off)."""
    parts = [" ".join(t.split()) for t in texts]
    parts = [p for p in parts if p]
    ended = [p if p.endswith((".", "!", "?", "…")) else p + "." for p in parts[:-1]]
    return " ".join([*ended, *parts[-1:]])
