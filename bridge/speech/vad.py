"""Streaming voice activity: the Silero model that faster-whisper ships, fed 32 ms at a time.

faster-whisper runs Silero over a whole file at once; here the recurrent state and the 64-sample context
are carried from call to call, so a stream cut into blocks of any size gets the probabilities the whole
file would.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["WINDOW", "SileroVad", "Vad"]

WINDOW = 512
"""Samples per probability at 16 kHz (32 ms)."""
_CONTEXT = 64

Vad = Callable[[np.ndarray], np.ndarray]
"""Voice activity: audio (a multiple of WINDOW samples) in, a speech probability per window out, with
whatever state it needs carried from call to call."""


class SileroVad:
    """Speech probability per 512-sample window; keeps its state between calls."""

    def __init__(self) -> None:
        from faster_whisper.vad import get_vad_model

        self._session = get_vad_model().session
        self.reset()

    def reset(self) -> None:
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(_CONTEXT, dtype=np.float32)

    def __call__(self, audio: np.ndarray) -> np.ndarray:
        """Probabilities for `audio`, whose length must be a multiple of WINDOW."""
        windows = audio.reshape(-1, WINDOW)
        if not len(windows):
            return np.zeros(0, dtype=np.float32)
        contexts = np.concatenate([self._context[None], windows[:-1, -_CONTEXT:]])
        batch = np.ascontiguousarray(np.concatenate([contexts, windows], axis=1), dtype=np.float32)
        out, self._h, self._c = self._session.run(None, {"input": batch, "h": self._h, "c": self._c})
        self._context = windows[-1, -_CONTEXT:].copy()
        return np.asarray(out, dtype=np.float32).reshape(-1)
