"""Audio sources: any file PyAV decodes, or raw PCM on stdin, as fixed blocks of 16 kHz float32.

Call time is counted here and nowhere else: a block's `start` is the number of 16 kHz samples consumed
before it. Blocks are the same whatever the replay speed, so every stage downstream sees the same input.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Literal

import av
import numpy as np

from ..calltime import RATE
from ..errors import InputError
from ..events import Event, SourceInfo
from .source import BLOCK, Block

__all__ = ["FileSource", "RawSource", "open_source"]


@dataclass
class _Blocker:
    """Cuts resampled audio of any length into blocks of exactly BLOCK samples (the last may be short)."""

    channels: int
    consumed: int = 0
    pending: list[np.ndarray] = field(default_factory=list)
    size: int = 0

    def push(self, audio: np.ndarray) -> Iterator[Block]:
        self.pending.append(audio)
        self.size += audio.shape[1]
        while self.size >= BLOCK:
            yield self._take(BLOCK)

    def flush(self) -> Iterator[Block]:
        if self.size:
            yield self._take(self.size)

    def _take(self, n: int) -> Block:
        joined = np.concatenate(self.pending, axis=1)
        block, rest = joined[:, :n], joined[:, n:]
        self.pending, self.size = ([rest] if rest.shape[1] else []), rest.shape[1]
        out = Block(self.consumed, np.ascontiguousarray(block, dtype=np.float32))
        self.consumed += n
        return out


def _created(*metadata: dict[str, str]) -> float | None:
    """The creation_time tag ("2026-03-04T14:02:00.000000Z") of the container, else of its stream, as Unix time;
    None when there is none, it does not parse, or it is the zero some muxers write ("1970-01-01")."""
    tag = next((m["creation_time"] for m in metadata if m.get("creation_time")), None)
    if not tag:
        return None
    try:
        when = datetime.fromisoformat(tag.strip())
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # muxers write UTC (ffmpeg's tag)
    return when.timestamp() if when.year >= 1980 else None


class FileSource:
    """Decodes an audio file with PyAV and resamples it to 16 kHz with libswresample."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.warnings: list[str] = []
        self.events: list[Event] = []
        self.backlog = 0.0
        if not path.exists():
            raise InputError(f"{path}: no such file")
        if path.is_dir():
            raise InputError(f"{path} is a folder; give an audio file")
        if path.stat().st_size == 0:
            raise InputError(f"{path} is empty")
        try:
            self._container = av.open(str(path))
        except av.error.FFmpegError as e:
            raise InputError(f"{path} is not audio PyAV can read ({_reason(e)})") from None
        if not self._container.streams.audio:
            self._container.close()
            raise InputError(f"{path} is not audio: PyAV finds no audio stream in it")
        self._stream = self._container.streams.audio[0]
        self.channels = self._stream.channels or 1
        duration = None
        if self._stream.duration is not None and self._stream.time_base is not None:
            duration = float(self._stream.duration * self._stream.time_base)
        elif self._container.duration is not None:
            duration = self._container.duration / av.time_base
        self.info = SourceInfo(
            uri=str(path),
            kind="file",
            rate=self._stream.rate,
            channels=self.channels,
            duration=duration,
            created=_created(self._container.metadata, self._stream.metadata),
        )

    def blocks(self) -> Iterator[Block]:
        resampler = av.AudioResampler(format="fltp", layout=self._stream.layout, rate=RATE)
        blocker = _Blocker(self.channels)
        try:
            for frame in self._decode():
                for out in resampler.resample(frame):
                    yield from blocker.push(out.to_ndarray())
            for out in resampler.resample(None):
                yield from blocker.push(out.to_ndarray())
        finally:
            self._container.close()
        yield from blocker.flush()
        if blocker.consumed == 0 and not self.warnings:
            raise InputError(f"{self.path} holds no audio samples")

    def _decode(self) -> Iterator[av.AudioFrame]:
        decoded = 0.0
        try:
            for packet in self._container.demux(self._stream):
                for frame in packet.decode():
                    decoded += frame.samples / (frame.sample_rate or 1)
                    yield frame
        except av.error.FFmpegError as e:
            if decoded == 0:
                raise InputError(f"{self.path} is not audio PyAV can decode ({_reason(e)})") from None
            self.warnings.append(f"{self.path} ended early at {decoded:.1f} s ({_reason(e)}); transcribed what decoded")
            return
        declared = _declared_wav_seconds(self.path)
        if declared is not None and declared - decoded > 0.1:
            self.warnings.append(
                f"{self.path} ended early at {decoded:.1f} s of the {declared:.1f} s its header declares "
                "(the recording was cut short); transcribed what decoded"
            )


SampleFormat = Literal["s16le", "f32le"]


class RawSource:
    """Raw interleaved PCM from a byte stream (stdin), resampled to 16 kHz."""

    def __init__(self, stream: BinaryIO, *, rate: int, channels: int, fmt: SampleFormat) -> None:
        if rate <= 0 or channels <= 0:
            raise InputError("raw input needs a positive --rate and --channels")
        self._stream = stream
        self.rate, self.channels, self.fmt = rate, channels, fmt
        self.warnings: list[str] = []
        self.events: list[Event] = []
        self.backlog = 0.0
        self.info = SourceInfo(uri="-", kind="stdin", rate=rate, channels=channels)

    def blocks(self) -> Iterator[Block]:
        dtype, av_format = (np.int16, "s16") if self.fmt == "s16le" else (np.float32, "flt")
        frame_bytes = np.dtype(dtype).itemsize * self.channels
        layout = {1: "mono", 2: "stereo"}.get(self.channels, f"{self.channels}c")
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=RATE)
        blocker = _Blocker(self.channels)
        chunk = max(1, self.rate // 10) * frame_bytes
        leftover = b""
        while data := self._stream.read(chunk):
            data = leftover + data
            usable = len(data) - len(data) % frame_bytes
            data, leftover = data[:usable], data[usable:]
            if not data:
                continue
            pcm = np.frombuffer(data, dtype=np.dtype(dtype).newbyteorder("<")).astype(dtype)
            frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format=av_format, layout=layout)  # type: ignore[arg-type]
            frame.sample_rate = self.rate
            for out in resampler.resample(frame):
                yield from blocker.push(out.to_ndarray())
        for out in resampler.resample(None):
            yield from blocker.push(out.to_ndarray())
        yield from blocker.flush()
        if leftover:
            self.warnings.append(f"stdin ended inside a sample frame; dropped {len(leftover)} bytes")


def open_source(
    uri: str, *, rate: int | None = None, channels: int = 1, fmt: SampleFormat = "s16le"
) -> FileSource | RawSource:
    if uri == "-":
        if rate is None:
            raise InputError("reading raw PCM from stdin needs --rate (and --channels, --format if not 1, s16le)")
        return RawSource(sys.stdin.buffer, rate=rate, channels=channels, fmt=fmt)
    return FileSource(Path(uri))


def _declared_wav_seconds(path: Path) -> float | None:
    """What a WAV header says the data holds; a recorder killed mid-write leaves more than is there."""
    with open(path, "rb") as f:
        head = f.read(4096)
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    fmt, data = head.find(b"fmt "), head.find(b"data")
    if fmt < 0 or data < 0:
        return None
    byte_rate = int.from_bytes(head[fmt + 16 : fmt + 20], "little")
    size = int.from_bytes(head[data + 4 : data + 8], "little")
    if not byte_rate or size in (0, 0xFFFFFFFF):  # streaming writers leave the size unset
        return None
    return size / byte_rate


def _reason(error: av.error.FFmpegError) -> str:
    return str(getattr(error, "strerror", None) or error).rstrip(".").lower()
