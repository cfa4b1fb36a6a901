"""Cutting a stream into utterances: the pure core between voice activity and the transcriber.

Feed it blocks of 16 kHz audio; it asks an injected voice-activity function for a speech probability per
32 ms window and returns what the transcriber should do, all in samples of call time:

- `interim`: an utterance still in progress, at most once per `interim_every` of new speech;
- `tentative`: the speaker paused long enough to pad the utterance; its audio will not change unless
  speech resumes, so the transcriber may start on it early;
- `final`: the pause reached `min_silence` (or the utterance reached `max_utterance` and was cut at its
  last pause): transcribe it and log it.

Nothing here reads a clock or touches a thread, so a replay at any speed yields the same cuts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..calltime import RATE
from .vad import WINDOW

__all__ = ["Cut", "Segmenter", "SegmenterOptions"]


@dataclass(frozen=True)
class SegmenterOptions:
    threshold: float = 0.5
    """Speech probability at or above which a window is speech."""
    neg_threshold: float = 0.35
    """Below this, a window is silence; between the two, it continues what came before."""
    min_silence: float = 0.5
    """Seconds of silence that end an utterance."""
    pad_before: float = 0.4
    """Seconds of audio kept before the speech: free, since it has already been heard, and it spares
    Whisper a clipped first word."""
    pad: float = 0.2
    """Seconds of audio kept after the speech; the transcriber can start only once they have passed."""
    min_speech: float = 0.1
    """Utterances with less speech than this are dropped as clicks. At 0.15 s the first "Hello?" of a real
    phone call (pyannote's sample) was lost: before the call proves band-limited only Silero judges it, and it
    gave the word 0.13 s. At 0.1 s that is the only utterance gained over every real recording, the sample
    call and three rendered corpus calls, and it reads "Hello?"."""
    max_utterance: float = 15.0
    """Longer speech is cut at its last pause of at least `cut_pause`."""
    cut_pause: float = 0.1
    interim_every: float = 1.0
    """Seconds of new speech between interim cuts."""


@dataclass(frozen=True)
class Cut:
    kind: Literal["interim", "tentative", "final"]
    start: int
    """First sample of speech."""
    end: int
    """Sample after the last of the speech (the audio runs on to `audio_start + len(audio)`)."""
    audio_start: int
    audio: np.ndarray
    at: int
    """The sample count at which the cut was decided: its call time."""
    channel: int | None = None
    """The source channel it was heard on, when channels are segmented apart."""

    @property
    def key(self) -> tuple[int | None, int, int]:
        return (self.channel, self.audio_start, self.audio_start + len(self.audio))


class Segmenter:
    def __init__(
        self, vad: Callable[[np.ndarray], np.ndarray], options: SegmenterOptions | None = None, start: int = 0
    ) -> None:
        """`start`: the call-time sample of the first audio pushed (a resumed incident goes on from there)."""
        self.options = o = options or SegmenterOptions()
        self._vad = vad
        self._pad = int(o.pad * RATE)
        self._pad_before = int(o.pad_before * RATE)
        self._min_silence = int(o.min_silence * RATE)
        self._min_speech = int(o.min_speech * RATE)
        self._max = int(o.max_utterance * RATE)
        self._cut_pause = int(o.cut_pause * RATE)
        self._interim_every = int(o.interim_every * RATE)
        self._audio = np.zeros(0, dtype=np.float32)
        self._audio_from = start  # sample index of self._audio[0]
        self._unprocessed = np.zeros(0, dtype=np.float32)
        self._now = start  # samples covered by VAD windows
        self._speech_start: int | None = None
        self._silence_start: int | None = None
        self._last_pause: int | None = None  # a pause long enough to cut at, inside the current speech
        self._tentative_sent = False
        self._last_interim = start
        self._floor = start  # no utterance's audio starts before this (the end of the previous one)

    @property
    def pausing(self) -> bool:
        """Speech is open but silent: a tentative cut may yet become final."""
        return self._silence_start is not None

    @property
    def speech_start(self) -> int | None:
        """First sample of the speech being heard now, if any."""
        return self._speech_start

    def push(self, audio: np.ndarray) -> list[Cut]:
        self._audio = np.concatenate([self._audio, audio])
        data = np.concatenate([self._unprocessed, audio])
        usable = len(data) - len(data) % WINDOW
        self._unprocessed = data[usable:]
        cuts: list[Cut] = []
        for p in self._vad(data[:usable]):
            self._now += WINDOW
            cuts.extend(self._step(float(p)))
        self._trim()
        return cuts

    def finish(self) -> list[Cut]:
        """End of stream: whatever speech is open becomes final."""
        self._now += len(self._unprocessed)
        self._unprocessed = self._unprocessed[:0]
        if self._speech_start is None:
            return []
        end = self._silence_start if self._silence_start is not None else self._now
        return self._final(end, audio_end=min(end + self._pad, self._now))

    def _step(self, p: float) -> list[Cut]:
        o, window_start = self.options, self._now - WINDOW
        if self._speech_start is None:
            if p >= o.threshold:
                self._speech_start = window_start
                self._silence_start = self._last_pause = None
                self._tentative_sent = False
                self._last_interim = window_start
            return []
        if p >= o.threshold:
            self._silence_start = None
            self._tentative_sent = False
        elif p < o.neg_threshold and self._silence_start is None:
            self._silence_start = window_start
        if self._silence_start is not None:
            silent = self._now - self._silence_start
            if silent >= self._cut_pause:
                self._last_pause = self._silence_start
            if silent >= self._min_silence:
                return self._final(self._silence_start, audio_end=self._silence_start + self._pad)
            if silent >= self._pad and not self._tentative_sent:
                self._tentative_sent = True
                return [
                    self._cut(
                        "tentative", self._speech_start, self._silence_start + self._pad, speech_end=self._silence_start
                    )
                ]
            return []
        if self._now - self._speech_start >= self._max:
            return self._split()
        if self._now - self._last_interim >= self._interim_every:
            self._last_interim = self._now
            return [self._cut("interim", self._speech_start, self._now)]
        return []

    def _split(self) -> list[Cut]:
        """Cut a monologue at its last pause, or here if it had none; the speech goes on."""
        assert self._speech_start is not None
        at = self._last_pause if self._last_pause is not None else self._now
        cuts = self._final(at, audio_end=at, keep_speaking=True)
        self._speech_start = self._floor = at
        self._last_interim = self._now
        return cuts

    def _final(self, end: int, *, audio_end: int, keep_speaking: bool = False) -> list[Cut]:
        start = self._speech_start
        assert start is not None
        cut = self._cut("final", start, audio_end, speech_end=end)
        if not keep_speaking:
            self._speech_start = self._silence_start = self._last_pause = None
        self._last_pause = None
        self._floor = audio_end
        return [cut] if end - start >= self._min_speech else []

    def _cut(
        self, kind: Literal["interim", "tentative", "final"], start: int, audio_end: int, speech_end: int | None = None
    ) -> Cut:
        audio_start = max(self._floor, start - self._pad_before, self._audio_from)
        audio = self._audio[audio_start - self._audio_from : audio_end - self._audio_from].copy()
        end = speech_end if speech_end is not None else min(audio_end, self._now)
        return Cut(kind, start, end, audio_start, audio, self._now)

    def _trim(self) -> None:
        """Keep only the audio an utterance may still need."""
        keep = self._now if self._speech_start is None else self._speech_start
        keep -= self._pad_before
        keep = max(keep, self._audio_from, 0)
        self._audio = self._audio[keep - self._audio_from :]
        self._audio_from = keep
