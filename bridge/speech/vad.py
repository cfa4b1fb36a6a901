"""Streaming voice activity: the Silero model that faster-whisper ships, fed 32 ms at a time, with an energy
detector beside it for band-limited audio.

faster-whisper runs Silero over a whole file at once; here the recurrent state and the 64-sample context
are carried from call to call, so a stream cut into blocks of any size gets the probabilities the whole
file would.

Silero is deaf to much radio and narrow-band phone speech: on the Apollo 11 air-ground recording it gave
"Go ahead" a speech probability of 0.2 and "Okay, no problem" 0.00 while hiss between transmissions
reached 0.7, and the segmenter passed 6 of its 15 transmissions. Such audio has next to no energy above
4 kHz, so once a call proves band-limited, a window whose level rises well above the call's noise floor
counts as speech too; what is only noise is then the transcriber's to refuse (its no-speech guards).
Wideband audio is left to Silero alone.
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from collections.abc import Callable

import numpy as np

__all__ = ["WINDOW", "EnergyRise", "SileroVad", "Vad"]

WINDOW = 512
"""Samples per probability at 16 kHz (32 ms)."""
_CONTEXT = 64
_HANN = np.hanning(WINDOW)

Vad = Callable[[np.ndarray], np.ndarray]
"""Voice activity: audio (a multiple of WINDOW samples) in, a speech probability per window out, with
whatever state it needs carried from call to call."""


class EnergyRise:
    """Speech probability from loudness above the noise floor, and whether the audio is band-limited.

    Pure and sequential: each window is judged on the windows before it, so any cut of a stream into blocks
    gets the same answer."""

    def __init__(
        self, *, rise: float = 15.0, width: float = 3.0, floor_seconds: float = 30.0, band_share: float = 1e-6
    ) -> None:
        """`rise`: dB above the floor (the 5th percentile of the last `floor_seconds`) at which a window is
        even odds speech, `width` dB the slope; `band_share`: the share of energy above 4 kHz below which
        the audio is band-limited, judged once a second of loud windows has been heard. Measured on loud
        windows (Hann-windowed): Apollo radio 2e-11, phone renders 1e-8; wideband speech 4e-5 (JFK, 1961)
        to 0.1, an 8-kHz telephony corpus (OSR, which Silero hears) 8e-4."""
        self._rise, self._width, self._share = rise, width, band_share
        self._levels = _RunningQuantile(round(floor_seconds * 16000 / WINDOW), 0.05)
        self._high = self._total = 0.0
        self._loud = 0
        self.band_limited = False

    def __call__(self, windows: np.ndarray) -> np.ndarray:
        """`windows`: (n, WINDOW) float audio. The speech probability of each, from its level alone."""
        levels = 10 * np.log10(np.mean(np.square(windows, dtype=np.float64), axis=1) + 1e-12)
        floors = np.empty_like(levels)
        for i, level in enumerate(levels.tolist()):
            floors[i] = self._levels.value() if self._levels else level
            self._levels.add(level)
        above = levels - floors - self._rise
        loud = above > 0
        self._loud += int(loud.sum())
        high, total = _energy_above_4khz(windows[loud])
        self._high += high
        self._total += total
        if self._loud >= 16000 // WINDOW:
            self.band_limited = self._high < self._share * self._total
        speech: np.ndarray = (1 / (1 + np.exp(-above / self._width))).astype(np.float32)
        return speech


def _energy_above_4khz(windows: np.ndarray) -> tuple[float, float]:
    """The energy of `windows` (Hann-windowed) above 4 kHz, and in all."""
    power = np.abs(np.fft.rfft(windows * _HANN, axis=1)) ** 2
    return float(power[:, WINDOW * 4000 // 16000 :].sum()), float(power.sum())


class _RunningQuantile:
    """A quantile of the last `size` values added, as numpy's default (linear) `quantile` gives it, kept in a
    sorted list: a window's noise floor costs two bisections instead of sorting 30 s of levels again."""

    def __init__(self, size: int, q: float) -> None:
        self._recent: deque[float] = deque()
        self._sorted: list[float] = []
        self._size, self._q = size, q

    def __bool__(self) -> bool:
        return bool(self._recent)

    def add(self, value: float) -> None:
        if len(self._recent) == self._size:
            del self._sorted[bisect.bisect_left(self._sorted, self._recent.popleft())]
        self._recent.append(value)
        bisect.insort(self._sorted, value)

    def value(self) -> float:
        index = (len(self._sorted) - 1) * self._q
        below = math.floor(index)
        a, t = self._sorted[below], index - below
        if t == 0:
            return a
        b = self._sorted[below + 1]
        return a + (b - a) * t if t < 0.5 else b - (b - a) * (1 - t)


class SileroVad:
    """Speech probability per 512-sample window; keeps its state between calls."""

    def __init__(self, *, band_limited_fallback: bool = True) -> None:
        from faster_whisper.vad import get_vad_model

        self._session = get_vad_model().session
        self._fallback = band_limited_fallback
        self.reset()

    def reset(self) -> None:
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(_CONTEXT, dtype=np.float32)
        self._energy = EnergyRise() if self._fallback else None

    def __call__(self, audio: np.ndarray) -> np.ndarray:
        """Probabilities for `audio`, whose length must be a multiple of WINDOW."""
        windows = audio.reshape(-1, WINDOW)
        if not len(windows):
            return np.zeros(0, dtype=np.float32)
        contexts = np.concatenate([self._context[None], windows[:-1, -_CONTEXT:]])
        batch = np.ascontiguousarray(np.concatenate([contexts, windows], axis=1), dtype=np.float32)
        out, self._h, self._c = self._session.run(None, {"input": batch, "h": self._h, "c": self._c})
        self._context = windows[-1, -_CONTEXT:].copy()
        speech = np.asarray(out, dtype=np.float32).reshape(-1)
        if self._energy is not None:
            energy = self._energy(windows)
            if self._energy.band_limited:
                speech = np.maximum(speech, energy)
        return speech
