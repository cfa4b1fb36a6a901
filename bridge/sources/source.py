"""What every source gives the pipeline: fixed blocks of 16 kHz float32 audio on call time, and what it noticed.

Call time is counted by the sources and nowhere else: a block's `start` is the number of 16 kHz samples
consumed before it. Blocks are the same whatever the replay speed, so every stage downstream sees the same
input.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..events import Event, SourceInfo

__all__ = ["BLOCK", "Block", "Source"]

BLOCK = 1600
"""Samples per block: 0.1 s."""


@dataclass(frozen=True)
class Block:
    start: int
    """Index of the block's first sample, in 16 kHz samples since call time 0."""
    channels: np.ndarray
    """float32, shape (channels, samples)."""

    @property
    def mono(self) -> np.ndarray:
        if self.channels.shape[0] == 1:
            return np.asarray(self.channels[0])
        return np.asarray(self.channels.mean(axis=0, dtype=np.float32))

    @property
    def end(self) -> int:
        return self.start + int(self.channels.shape[1])


class Source(Protocol):
    """An audio source: a file, stdin, live devices, an incident's archive."""

    info: SourceInfo
    warnings: list[str]
    """Problems with the input itself (a truncated file), as they are found; logged as warning notices."""
    events: list[Event]
    """Events the source raises on its own call time (a live capture's notices and gaps), for the pipeline
    to take and log."""

    @property
    def backlog(self) -> float:
        """Seconds of audio captured but not yet handed out as blocks (0 for a file)."""
        ...

    def blocks(self) -> Iterator[Block]: ...
