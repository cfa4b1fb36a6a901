"""What each client of the feed is owed, without I/O: its place in the stream (catch-up from a seq, then
live events, each once and in order, in a bounded outbox) and how often it may speak (a token bucket)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from ..errors import ClientError
from ..events import Event, Heard, Interim

__all__ = ["RateLimit", "Subscriber"]


class Subscriber:
    """One client's place in the stream, and its outbox of encoded messages, without I/O.

    A client gets nothing but replies until it asks to catch up; from then on, every logged event after
    the `seq` it gave, each once and in order, with interim text among them. `history` is the incident's
    (`history[seq - 1]`, appended to by another thread); an event is offered after it is in `history`,
    so what the catch-up copied is not offered again, and what it missed comes live. Catch-up and replies
    are not counted against `limit`: only live messages the client has not taken yet are.
    """

    def __init__(self, history: Sequence[Event], encode: Callable[[Event], bytes], limit: int = 1000) -> None:
        self.limit = limit
        self.last_seq: int | None = None
        """`seq` of the last logged event put in the outbox; None until the client catches up."""
        self._history = history
        self._encode = encode
        self._outbox: deque[tuple[bytes, bool]] = deque()
        self._live = 0

    @property
    def caught_up(self) -> bool:
        return self.last_seq is not None

    def catch_up(self, after: int) -> int:
        """Queue every logged event after `after`; how many. Once per connection."""
        if self.last_seq is not None:
            raise ClientError("already caught up; a reconnecting client catches up on its new connection")
        start = min(max(after, 0), len(self._history))
        backlog = self._history[start:]
        self._outbox.extend((self._encode(event), False) for event in backlog)
        self.last_seq = start + len(backlog)
        return len(backlog)

    def offer(self, event: Event, frame: bytes) -> bool:
        """A live event, encoded as `frame`; False when the client has fallen more than `limit` behind."""
        if self.last_seq is None:
            return True
        if isinstance(event, Interim | Heard):  # live only, never logged: no seq to keep
            self._push(frame)
        elif event.seq > self.last_seq:
            for missed in self._history[self.last_seq : event.seq - 1]:
                self._push(self._encode(missed))
            self._push(frame)
            self.last_seq = event.seq
        return self._live <= self.limit

    def reply(self, frame: bytes) -> None:
        self._outbox.append((frame, False))

    def pop(self) -> bytes | None:
        if not self._outbox:
            return None
        frame, live = self._outbox.popleft()
        self._live -= live
        return frame

    def clear(self) -> None:
        self._outbox.clear()
        self._live = 0

    def __len__(self) -> int:
        return len(self._outbox)

    def _push(self, frame: bytes) -> None:
        self._outbox.append((frame, True))
        self._live += 1


@dataclass
class RateLimit:
    """A token bucket: `rate` messages a second, bursts of `burst`; after `strikes` refusals in a row, "close"."""

    rate: float = 10.0
    burst: float = 20.0
    strikes: int = 20
    _tokens: float = field(init=False)
    _at: float | None = field(default=None, init=False)
    _refused: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self._tokens = self.burst

    def take(self, now: float) -> Literal["ok", "refuse", "close"]:
        if self._at is not None:
            self._tokens = min(self.burst, self._tokens + max(0.0, now - self._at) * self.rate)
        self._at = now
        if self._tokens >= 1:
            self._tokens -= 1
            self._refused = 0
            return "ok"
        self._refused += 1
        return "close" if self._refused > self.strikes else "refuse"
