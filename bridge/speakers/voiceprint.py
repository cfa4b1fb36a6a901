"""Speaker embeddings: Resemblyzer's GE2E voice encoder, run in numpy so that no torch is needed.

The weights (models/voice/pretrained.pt, `bridge models install voice`) are a legacy torch pickle. They are
read by a restricted unpickler that knows the three globals such a file names and rebuilds each tensor as
a numpy array; anything else in the file is refused, so loading it cannot run code. The network is small
(40 mel bands -> 3-layer LSTM of 256 -> linear 256 -> ReLU -> unit length), and the expensive part, the
input side of each LSTM layer, is one matrix product over all time steps of all windows at once.

What comes out matches `resemblyzer.VoiceEncoder().embed_utterance(wav)` on the same 16 kHz audio (cosine
>= 0.999, tests/speakers/test_voiceprint.py): the utterance is cut into 1.6 s windows 1.3 per second, each window
is embedded, and the mean is scaled back to unit length. Like Resemblyzer's preprocessing, quiet audio is
raised to -30 dBFS; unlike it, silences are not trimmed, because the segmenter has already cut the speech.
"""

from __future__ import annotations

import itertools
import pickle
import struct
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

import numpy as np
from faster_whisper.feature_extractor import FeatureExtractor

from ..calltime import RATE
from ..errors import ModelError

__all__ = ["DIMENSIONS", "VoiceEncoder", "load_weights"]

DIMENSIONS = 256
_N_FFT = 400  # 25 ms window
_HOP = 160  # 10 ms step
_N_MELS = 40
_HIDDEN = 256
"""LSTM units per layer (the same number as DIMENSIONS, but a different thing)."""
_PARTIAL = 160
"""Mel frames per window (1.6 s), as the encoder was trained."""
_PARTIALS_PER_SECOND = 1.3
_MIN_COVERAGE = 0.75
"""The last window is kept only if the utterance fills this much of it (unless it is the only one)."""
_TARGET_RMS = 10 ** (-30 / 20)
"""-30 dBFS: Resemblyzer raises quieter audio to this level and leaves louder audio as it is."""

_MAGIC = 0x1950A86A20F9469CFC6C
"""The number a legacy torch.save file starts with."""
_PROTOCOL = 1001


@dataclass(frozen=True)
class _Storage:
    key: str
    size: int


@dataclass(frozen=True)
class _TensorRef:
    """A tensor named in the pickle; its storage's bytes come after the pickle, so it is filled in later."""

    storage: _Storage
    offset: int
    shape: tuple[int, ...]
    stride: tuple[int, ...]


class _FloatStorage:
    """Stands for torch.FloatStorage: the only storage type the weights use."""


def _rebuild_tensor(
    storage: _Storage,
    offset: int,
    shape: tuple[int, ...],
    stride: tuple[int, ...],
    requires_grad: bool,
    hooks: object,
    metadata: object = None,
) -> _TensorRef:
    return _TensorRef(storage, offset, tuple(shape), tuple(stride))


class _Unpickler(pickle.Unpickler):
    """Rebuilds tensors as references to storages and refuses every other class, so no code can run."""

    _allowed: ClassVar[dict[tuple[str, str], Any]] = {
        ("collections", "OrderedDict"): OrderedDict,
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
        ("torch", "FloatStorage"): _FloatStorage,
    }

    def find_class(self, module: str, name: str) -> Any:
        try:
            return self._allowed[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a weights file") from None

    def persistent_load(self, pid: Any) -> _Storage:
        if not (isinstance(pid, tuple) and len(pid) == 6 and pid[0] == "storage" and pid[1] is _FloatStorage):
            raise pickle.UnpicklingError(f"unexpected storage {pid!r:.80}")
        _, _, key, _location, size, view = pid
        if view is not None or not isinstance(key, str) or not isinstance(size, int):
            raise pickle.UnpicklingError(f"unexpected storage {pid!r:.80}")
        return _Storage(key, size)


def load_weights(path: Path) -> dict[str, np.ndarray]:
    """The `model_state` of a legacy (pre-1.6, non-zip) torch.save file, as float32 arrays by name."""
    try:
        with open(path, "rb") as f:
            return _read_legacy(f)
    except (OSError, EOFError, ValueError, KeyError, TypeError, pickle.UnpicklingError, struct.error) as e:
        raise ModelError(f"{path}: not a voice encoder weights file ({e}); run `bridge models install voice`") from None


def _read_legacy(f: BinaryIO) -> dict[str, np.ndarray]:
    if _Unpickler(f).load() != _MAGIC:
        raise ValueError("not a legacy torch file")
    if _Unpickler(f).load() != _PROTOCOL:
        raise ValueError("unknown torch file protocol")
    if not _Unpickler(f).load().get("little_endian"):
        raise ValueError("big-endian weights")
    checkpoint = _Unpickler(f).load()
    keys = _Unpickler(f).load()
    storages: dict[str, np.ndarray] = {}
    for key in keys:
        (count,) = struct.unpack("<q", f.read(8))
        data = f.read(4 * count)
        if len(data) != 4 * count:
            raise ValueError("truncated")
        storages[key] = np.frombuffer(data, dtype="<f4")
    return {name: _materialise(ref, storages) for name, ref in checkpoint["model_state"].items()}


def _materialise(ref: _TensorRef, storages: dict[str, np.ndarray]) -> np.ndarray:
    flat = storages[ref.storage.key]
    # as_strided trusts its arguments: check the view stays inside the storage before making it.
    last = ref.offset + sum((n - 1) * s for n, s in zip(ref.shape, ref.stride, strict=True))
    if ref.offset < 0 or min(ref.stride, default=0) < 0 or (min(ref.shape, default=1) > 0 and last >= len(flat)):
        raise ValueError(f"tensor outside its storage {ref.storage.key}")
    view = np.lib.stride_tricks.as_strided(
        flat[ref.offset :], shape=ref.shape, strides=tuple(4 * s for s in ref.stride), writeable=False
    )
    return np.array(view, dtype=np.float32)


class VoiceEncoder:
    """Utterance audio (16 kHz float32 mono) in, a unit vector of DIMENSIONS per utterance out."""

    def __init__(self, path: Path) -> None:
        state = load_weights(path)
        self._layers = []
        try:
            for n in range(3):
                w_ih, w_hh = state[f"lstm.weight_ih_l{n}"], state[f"lstm.weight_hh_l{n}"]
                bias = state[f"lstm.bias_ih_l{n}"] + state[f"lstm.bias_hh_l{n}"]
                # torch orders the gates i, f, g, o; put g last so one sigmoid covers i, f, o together,
                # and halve those three, since the sigmoid is computed from tanh(z / 2).
                order = np.r_[0 : 2 * _HIDDEN, 3 * _HIDDEN : 4 * _HIDDEN, 2 * _HIDDEN : 3 * _HIDDEN]
                scale = np.where(np.arange(4 * _HIDDEN) < 3 * _HIDDEN, 0.5, 1.0).astype(np.float32)
                self._layers.append((_c(w_ih[order].T * scale), _c(w_hh[order].T * scale), _c(bias[order] * scale)))
            self._linear_w, self._linear_b = _c(state["linear.weight"].T), _c(state["linear.bias"])
        except (KeyError, IndexError) as e:
            raise ModelError(f"{path}: the weights lack {e}; run `bridge models install voice`") from None
        self._mel_t = _c(FeatureExtractor.get_mel_filters(RATE, _N_FFT, n_mels=_N_MELS).T)
        self._window = np.hanning(_N_FFT + 1)[:-1].astype(np.float32)

    def embed(self, audio: np.ndarray) -> np.ndarray:
        """The voice of one utterance."""
        return np.asarray(self.embed_many([audio])[0])

    def embed_many(self, utterances: Sequence[np.ndarray]) -> np.ndarray:
        """One unit vector per utterance, shape (len(utterances), DIMENSIONS); their windows run as one batch."""
        windows = [self._windows(np.asarray(a, dtype=np.float32)) for a in utterances]
        if not windows:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        partial = self._forward(np.concatenate(windows))
        bounds = np.cumsum([0, *(len(w) for w in windows)])
        means = np.stack([partial[a:b].mean(axis=0) for a, b in itertools.pairwise(bounds)])
        return _unit(means)

    def _windows(self, audio: np.ndarray) -> np.ndarray:
        """Mel frames (windows, _PARTIAL, _N_MELS) cut as Resemblyzer's compute_partial_slices does."""
        rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64)))) if len(audio) else 0.0
        if 0 < rms < _TARGET_RMS:
            audio = audio * np.float32(_TARGET_RMS / rms)
        n_frames = int(np.ceil((len(audio) + 1) / _HOP))
        step = round(RATE / _PARTIALS_PER_SECOND / _HOP)
        starts = list(range(0, max(1, n_frames - _PARTIAL + step + 1), step))
        coverage = (len(audio) - starts[-1] * _HOP) / (_PARTIAL * _HOP)
        if coverage < _MIN_COVERAGE and len(starts) > 1:
            starts.pop()
        audio = np.pad(audio, (0, max(0, (starts[-1] + _PARTIAL) * _HOP - len(audio))))
        mel = self._mel_frames(audio)
        return np.stack([mel[s : s + _PARTIAL] for s in starts])

    def _mel_frames(self, audio: np.ndarray) -> np.ndarray:
        """librosa.feature.melspectrogram's defaults (power 2, Slaney mel, zero-padded centred frames).

        faster-whisper's filter bank is librosa's Slaney mel with its top fixed at 8 kHz, which is librosa's
        default (half the rate) for 16 kHz audio; its STFT with mode="constant" pads as librosa >= 0.10 does."""
        spectrum = FeatureExtractor.stft(audio, _N_FFT, _HOP, window=self._window, mode="constant", return_complex=True)
        power = np.square(np.abs(spectrum), dtype=np.float32)
        return np.asarray(_rows(np.ascontiguousarray(power.T), self._mel_t), dtype=np.float32)

    def _forward(self, mels: np.ndarray) -> np.ndarray:
        """Unit embeddings of a batch of windows (batch, time, mels)."""
        # Time-major, with a unit axis per window (time, batch, 1, features), so that every product is
        # a stack of single rows (see _rows).
        x = np.ascontiguousarray(mels.transpose(1, 0, 2)[:, :, None, :])
        steps, batch = x.shape[:2]
        for w_ih, w_hh, bias in self._layers:
            inputs = x @ w_ih + bias  # the input side of every step at once (x is a stack of rows)
            out = np.empty((steps, batch, 1, _HIDDEN), dtype=np.float32)
            hidden = np.zeros((batch, 1, _HIDDEN), dtype=np.float32)
            cell = np.zeros((batch, 1, _HIDDEN), dtype=np.float32)
            for t in range(steps):
                gates = inputs[t] + hidden @ w_hh  # a stack of rows too
                # sigmoid(z) = (1 + tanh(z / 2)) / 2, the halving already in the weights: no overflow
                sig = gates[..., : 3 * _HIDDEN]
                np.tanh(sig, out=sig)
                np.multiply(sig, 0.5, out=sig)
                np.add(sig, 0.5, out=sig)
                cand = np.tanh(gates[..., 3 * _HIDDEN :])
                cell *= sig[..., _HIDDEN : 2 * _HIDDEN]
                cell += sig[..., :_HIDDEN] * cand
                hidden = out[t] = sig[..., 2 * _HIDDEN :] * np.tanh(cell)
            x = out
        return _unit(np.maximum(_rows(hidden, self._linear_w) + self._linear_b, 0).reshape(batch, -1))


def _rows(a: np.ndarray, w: np.ndarray) -> np.ndarray:
    """a @ w as a stack of (1 x n) products, which OpenBLAS keeps each on one thread. As one matrix product it
    spreads over every core: that buys nothing at these sizes, and with Whisper or anything else busy on
    those cores it made embedding 2-10x slower here."""
    return np.asarray(np.matmul(a if a.ndim > 2 else a[:, None, :], w)).reshape(*a.shape[:-1], w.shape[1])


def _c(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float32)


def _unit(v: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(v, axis=-1, keepdims=True)
    return np.asarray(v / np.maximum(norm, 1e-12), dtype=np.float32)
