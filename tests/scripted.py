"""Scripted stand-ins for the pipeline's three seams (Source, Vad, Recogniser), so that what the pipeline
itself decides (hold-back, ordering, reuse of early work, lag, a resumed call time) is tested in
milliseconds. Real audio through the real models is tested beside them (test_pipeline's slow tests)."""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Iterator, Sequence
from typing import Literal

import numpy as np

from bridge.calltime import RATE
from bridge.events import Event, SourceInfo
from bridge.sources.source import BLOCK, Block
from bridge.speech.transcriber import Recognition
from bridge.speech.vad import WINDOW

__all__ = ["LevelVad", "ScriptedRecogniser", "ScriptedSource"]

LOUD = 0.1


class ScriptedSource:
    """Blocks of silence, loud where `speech` says (call-second spans), with events and a backlog scripted
    per block number."""

    def __init__(
        self,
        blocks: int,
        script: dict[int, list[Event]] | None = None,
        backlog: dict[int, float] | None = None,
        *,
        speech: Sequence[tuple[float, float]] = (),
        kind: Literal["file", "device"] = "device",
    ) -> None:
        self.info = SourceInfo(uri="scripted", kind=kind, channels=1)
        self.warnings: list[str] = []
        self.events: list[Event] = []
        self.backlog = 0.0
        self._blocks, self._script, self._backlogs = blocks, script or {}, backlog or {}
        self._speech = list(speech)

    def blocks(self) -> Iterator[Block]:
        for i in range(self._blocks):
            self.events += self._script.get(i, [])
            self.backlog = self._backlogs.get(i, self.backlog)
            audio = np.zeros((1, BLOCK), np.float32)
            for start, end in self._speech:
                a, b = max(int(start * RATE) - i * BLOCK, 0), min(int(end * RATE) - i * BLOCK, BLOCK)
                if a < b:
                    audio[0, a:b] = LOUD
            yield Block(i * BLOCK, audio)


class LevelVad:
    """Speech wherever a 32 ms window is loud: the scripted source's speech, exactly."""

    def __call__(self, audio: np.ndarray) -> np.ndarray:
        windows = audio.reshape(-1, WINDOW)
        return np.asarray(np.abs(windows).max(axis=1, initial=0.0) >= LOUD / 2, np.float32)


class ScriptedRecogniser:
    """The text said at each call second: an utterance gets the text whose time falls inside its audio.
    `delay` seconds per call stand in for Whisper's work; `gate`, when set, holds every final until it is
    opened; a final holding a time in `broken` raises, as a model failing on that audio does. Every call is recorded
    as (kind, audio start in seconds)."""

    def __init__(
        self,
        said: dict[float, str],
        *,
        delay: float = 0.0,
        gate: threading.Event | None = None,
        broken: Collection[float] = (),
    ) -> None:
        self.said = said
        self.broken = broken
        self.delay = delay
        self.gate = gate
        self.calls: list[tuple[str, float]] = []

    def transcribe(self, audio: np.ndarray, offset: float = 0.0, *, interim: bool = False) -> Recognition:
        self.calls.append(("interim" if interim else "final", round(offset, 3)))
        if self.gate is not None and not interim:
            self.gate.wait()
        if self.delay:
            time.sleep(self.delay)
        end = offset + len(audio) / RATE
        if not interim and any(offset <= at < end for at in self.broken):
            raise ValueError("the model cannot take this audio")
        words = [text for at, text in sorted(self.said.items()) if offset <= at < end]
        return Recognition(" ".join(words), 0.9 if words else None)
