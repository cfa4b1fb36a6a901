"""The audio archive beside the log (`--record`): what the pipeline consumed, in crash-safe chunks, and
read back as a source on the same call time (`bridge retranscribe`).

Each chunk is a complete file, `audio/NNNNNNNNNN.wav`, named by its first sample in 16 kHz call time and
holding about ten seconds of every channel. It is written whole to a hidden temporary file, fsynced and
renamed into place, so a chunk is either all there or not there: `kill -9` loses only the chunk still being
gathered. A gap in what was consumed (the tool was down and resumed) simply makes a later chunk start
later; read back, missing call time is silence, so every call time stays where it was.

The chunks are 32-bit float WAV, the very samples the pipeline consumed. FLAC holds integers: at 16 bits,
6 of the sample call's 38 lines came out of Whisper differently, and at 24 bits (a difference of -144 dB)
still 3, so a retranscription with the same model would not give the same text. Float WAV costs about
230 MB per channel and hour (WavPack's lossless float saved only a fifth of that) and plays everywhere.
"""

from __future__ import annotations

import io
import logging
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import av
import msgspec
import numpy as np

from ..calltime import RATE
from ..errors import InputError
from ..events import Event, Gap, SourceInfo
from .source import BLOCK, Block

__all__ = ["CHUNK_SECONDS", "ArchiveSource", "Chunk", "Recorder", "chunks", "end_of", "write_chunk"]

log = logging.getLogger(__name__)

CHUNK_SECONDS = 10.0
"""Call seconds per chunk: what a kill -9 may lose of the archive."""
_NAME = re.compile(r"^(\d{10})\.wav$")
_LAYOUTS = {1: "mono", 2: "stereo"}


def _layout(channels: int) -> str:
    return _LAYOUTS.get(channels, f"{channels}c")


@dataclass(frozen=True)
class Chunk:
    path: Path
    start: int
    """Its first sample, in 16 kHz call time."""


def chunks(folder: Path) -> list[Chunk]:
    """The archive's chunks in call-time order (temporary files of a chunk being written are not chunks)."""
    try:
        names = [(m, p) for p in folder.iterdir() if (m := _NAME.match(p.name))]
    except FileNotFoundError:
        return []
    return sorted((Chunk(p, int(m.group(1))) for m, p in names), key=lambda c: c.start)


def _decode(path: Path) -> np.ndarray:
    """A chunk's samples, float32 of shape (channels, samples); InputError if it is not a 16 kHz chunk or
    holds less than its header declares (damaged on disk: a chunk is only ever renamed into place whole)."""
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise InputError(f"{path} holds no audio")
            stream = container.streams.audio[0]
            if stream.rate != RATE:
                raise InputError(f"{path} is at {stream.rate} Hz, not {RATE}")
            channels = stream.channels or 1
            declared = int(stream.duration * stream.time_base * RATE) if stream.duration and stream.time_base else 0
            frames = [
                frame.to_ndarray() if frame.format.is_planar else frame.to_ndarray().reshape(-1, channels).T
                for frame in container.decode(stream)
            ]
    except av.error.FFmpegError as e:
        raise InputError(f"{path} is damaged ({str(getattr(e, 'strerror', None) or e).rstrip('.').lower()})") from None
    decoded = sum(f.shape[1] for f in frames)
    if not decoded:
        raise InputError(f"{path} holds no samples")
    if decoded < declared:
        raise InputError(f"{path} is damaged (cut short at {decoded / RATE:.1f} s of {declared / RATE:.1f} s)")
    return np.ascontiguousarray(np.concatenate(frames, axis=1), dtype=np.float32)


def end_of(folder: Path) -> int:
    """The call-time sample after the archive's last chunk (0 when there is none or it is unreadable)."""
    found = chunks(folder)
    for chunk in reversed(found):
        try:
            return chunk.start + int(_decode(chunk.path).shape[1])
        except InputError:
            continue
    return 0


class Recorder:
    """A block sink for the pipeline: gathers the blocks it consumes and writes each ~10 s as a chunk.

    A write that fails (a full disk) is reported through `warn` once and recording stops; the call goes on."""

    def __init__(
        self, folder: Path, *, chunk_seconds: float = CHUNK_SECONDS, warn: Callable[[str], None] = log.warning
    ) -> None:
        self.folder = folder
        self._size = max(BLOCK, int(chunk_seconds * RATE))
        self._warn = warn
        self._blocks: list[np.ndarray] = []
        self._start = 0
        self._next: int | None = None
        self._gathered = 0
        self._failed = False
        self.written = 0
        """Chunks written so far."""
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise InputError(f"cannot create the audio archive {folder}: {e.strerror}") from None
        for stale in folder.glob(".*.wav.part"):  # a chunk a killed session was writing: never complete
            stale.unlink()

    def __call__(self, block: Block) -> None:
        if self._failed:
            return
        if self._blocks and (block.start != self._next or block.channels.shape[0] != self._blocks[0].shape[0]):
            self._write()  # call time jumped: the next chunk starts where the audio does
        if not self._blocks:
            self._start = block.start
        self._blocks.append(block.channels)
        self._gathered += block.channels.shape[1]
        self._next = block.end
        if self._gathered >= self._size:
            self._write()

    def close(self) -> None:
        """Write what is gathered: the end of the call."""
        if self._blocks and not self._failed:
            self._write()

    def _write(self) -> None:
        audio = np.concatenate(self._blocks, axis=1)
        self._blocks, self._gathered = [], 0
        final = self.folder / f"{self._start:010d}.wav"
        if final.exists():
            self._warn(f"{final} already exists; its audio was not archived again")
            return
        try:
            write_chunk(self.folder, self._start, audio)
        except (OSError, av.error.FFmpegError) as e:
            self._failed = True
            why = getattr(e, "strerror", None) or e
            self._warn(f"cannot archive audio in {self.folder} ({why}); recording stopped, the call goes on")
            return
        self.written += 1


def write_chunk(folder: Path, start: int, audio: np.ndarray) -> Path:
    """`audio` (channels by samples, 16 kHz float32) as the chunk `folder/NNNNNNNNNN.wav` that starts at call-time
    sample `start`: written whole to a hidden file, fsynced and renamed into place. Raises OSError or FFmpegError;
    a part written before the failure is removed."""
    final = folder / f"{start:010d}.wav"
    part = folder / f".{final.name}.part"
    try:
        _write_wav(part, audio)
        os.replace(part, final)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    _fsync_dir(folder)
    return final


def _write_wav(path: Path, audio: np.ndarray) -> None:
    # Encoded in memory, then written: a disk that refuses a write inside PyAV's own I/O callbacks makes it
    # print tracebacks it then drops, where a plain write raises one OSError the caller can say in a line.
    channels = audio.shape[0]
    encoded = io.BytesIO()
    with av.open(encoded, "w", format="wav") as container:
        stream = container.add_stream("pcm_f32le", rate=RATE, layout=_layout(channels))
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(audio.T.reshape(1, -1)), format="flt", layout=_layout(channels)
        )
        frame.sample_rate = RATE
        frame.pts = 0
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    with open(path, "wb") as f:
        f.write(encoded.getbuffer())
        f.flush()
        os.fsync(f.fileno())


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class ArchiveSource:
    """An archive read back as the pipeline's source: its chunks in call-time order, silence where a chunk
    is missing or damaged (each damaged one is a warning), so every call time is what it was.

    `gaps` are the original log's: each is handed on in `events` (as a live capture hands on its own) as call
    time reaches its start, so that the new log knows the silence filling it is nothing heard, and the timers
    treat it as the original's did."""

    def __init__(self, folder: Path, *, gaps: Sequence[Gap] = ()) -> None:
        self.folder = folder
        self.warnings: list[str] = []
        self.events: list[Event] = []
        self.backlog = 0.0
        self._gaps = sorted((msgspec.structs.replace(g, seq=0, wall=0.0) for g in gaps), key=lambda g: g.start)
        self._chunks = chunks(folder)
        if not self._chunks:
            raise InputError(f"{folder.parent} holds no audio archive ({folder.name}/*.wav); record one with --record")
        self.channels: int | None = None
        for chunk in self._chunks:  # the channel count of the first readable chunk is the archive's
            try:
                self.channels = _decode(chunk.path).shape[0]
                break
            except InputError:
                continue
        if self.channels is None:
            raise InputError(f"no chunk of the audio archive {folder} can be read; they are all damaged")
        self.info = SourceInfo(
            uri=str(folder), kind="file", rate=RATE, channels=self.channels, duration=end_of(folder) / RATE
        )

    def blocks(self) -> Iterator[Block]:
        for block in self._blocks():
            while self._gaps and self._gaps[0].start * RATE <= block.end:
                self.events.append(self._gaps.pop(0))
            yield block
        self.events.extend(self._gaps)

    def _blocks(self) -> Iterator[Block]:
        position = 0
        pending = np.zeros((self.channels or 1, 0), dtype=np.float32)
        for chunk in self._chunks:
            try:
                audio = _decode(chunk.path)
            except InputError as e:
                self.warnings.append(f"{e}; skipped, its call time is silence")
                continue
            if audio.shape[0] != self.channels:
                self.warnings.append(
                    f"{chunk.path} has {audio.shape[0]} channels, the archive {self.channels}; "
                    "skipped, its call time is silence"
                )
                continue
            if chunk.start < position:  # overlaps the chunk before: keep what is new
                audio = audio[:, position - chunk.start :]
            while position < chunk.start:  # missing call time, one block of silence at a time
                n = min(BLOCK - pending.shape[1], chunk.start - position)
                pending = np.concatenate([pending, np.zeros((pending.shape[0], n), np.float32)], axis=1)
                position += n
                if pending.shape[1] == BLOCK:
                    yield Block(position - BLOCK, pending)
                    pending = pending[:, :0]
            pending = np.concatenate([pending, audio], axis=1)
            position += audio.shape[1]
            start = position - pending.shape[1]
            whole = pending.shape[1] - pending.shape[1] % BLOCK
            for i in range(0, whole, BLOCK):
                yield Block(start + i, np.ascontiguousarray(pending[:, i : i + BLOCK]))
            pending = pending[:, whole:]
        if pending.shape[1]:
            yield Block(position - pending.shape[1], np.ascontiguousarray(pending))
