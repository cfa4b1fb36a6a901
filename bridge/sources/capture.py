"""Live capture: one or more input devices as the same 16 kHz blocks a file gives, one channel per device,
on one call time.

Each device is captured at its native rate (16 kHz straight from PulseAudio's ALSA device garbles speech;
see ../shared/NOTES.md) and resampled with PyAV here, never in the PortAudio callback: the callback only
copies the block into a bounded queue and counts overflows and drops. Call time is the samples handed on.
Devices drift apart, so the `Aligner` keeps them together by padding the one behind with a little silence.
A device that stops delivering is reported (a `device_lost` notice, from which the monitor raises its
`audio_lost` alert) and reopened with back-off; while no device delivers, call time goes on as silence
paced by the clock, so the timers still fire; when the device is back, its `Gap` is logged (which clears
the alert).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

import av
import numpy as np

from ..calltime import RATE, clock
from ..errors import CaptureError
from ..events import Event, Gap, Notice, SourceInfo
from .devices import Device, DeviceSpec, input_devices, match_device, portaudio
from .source import BLOCK, Block

__all__ = ["Aligner", "Backoff", "LiveSource", "Overflows"]

log = logging.getLogger(__name__)

CHUNK = 0.05
"""Seconds of audio per PortAudio callback."""
QUEUE_SECONDS = 20.0
"""Captured audio the queue holds before the callback drops blocks (replaced by silence, and reported)."""
SKEW = 0.25
"""Seconds one device may run ahead of another before the one behind is padded with silence."""
LOST_AFTER = 1.5
"""Seconds without a block before a device counts as lost."""
FIRST_WITHIN = 5.0
"""Seconds a device just opened may take to deliver its first block (PulseAudio's idle monitor takes a while)."""
REPORT_EVERY = 10.0
"""Call seconds between two notices about overflows or drops on one device."""


class Aligner:
    """Several streams of 16 kHz mono audio as blocks with one channel per stream, on one call time.

    A block is handed on when every stream has its share. Device clocks drift and deliver in bursts, so
    a stream more than `skew` samples behind the one furthest ahead is padded with silence until it is
    within `skew`: no audio is ever dropped, and call time follows the fastest device."""

    def __init__(self, count: int, *, skew: int = int(SKEW * RATE)) -> None:
        self.skew = skew
        self.consumed = 0
        self.padded = [0] * count
        """Samples of silence inserted per stream to keep it with the others."""
        self._buffers: list[list[np.ndarray]] = [[] for _ in range(count)]
        self._levels = [0] * count

    def push(self, stream: int, audio: np.ndarray) -> None:
        if audio.size:
            self._buffers[stream].append(np.asarray(audio, dtype=np.float32))
            self._levels[stream] += int(audio.size)

    def pull(self) -> list[Block]:
        ahead = max(self._levels)
        for i, level in enumerate(self._levels):
            if ahead - level > self.skew:
                pad = ahead - level - self.skew
                self.push(i, np.zeros(pad, np.float32))
                self.padded[i] += pad
        blocks = []
        while min(self._levels) >= BLOCK:
            channels = np.stack([self._take(i, BLOCK) for i in range(len(self._levels))])
            blocks.append(Block(self.consumed, channels))
            self.consumed += BLOCK
        return blocks

    def _take(self, stream: int, n: int) -> np.ndarray:
        joined = np.concatenate(self._buffers[stream]) if len(self._buffers[stream]) > 1 else self._buffers[stream][0]
        self._buffers[stream] = [joined[n:]] if joined.size > n else []
        self._levels[stream] -= n
        return joined[:n]


@dataclass
class Overflows:
    """Counts a device's input overflows and dropped audio and says so now and then, never once per block."""

    label: str
    every: float = REPORT_EVERY
    overflows: int = 0
    dropped: float = 0.0
    """Seconds of audio dropped because the queue was full."""
    _reported: tuple[int, float] = (0, 0.0)
    _last: float | None = None

    def report(self, t: float) -> Notice | None:
        """A notice for what happened since the last one, if anything did and the last is `every` seconds old."""
        overflows, dropped = self.overflows - self._reported[0], self.dropped - self._reported[1]
        if not (overflows or dropped) or (self._last is not None and t - self._last < self.every):
            return None
        self._reported, self._last = (self.overflows, self.dropped), t
        parts = []
        if overflows:
            parts.append(f"{overflows} input overflow{'s' if overflows > 1 else ''} (audio the device had to discard)")
        if dropped:
            parts.append(
                f"{dropped:.1f} s of audio dropped because transcription fell {QUEUE_SECONDS:.0f} s behind "
                "(heard as silence)"
            )
        return Notice(
            t=round(t, 3),
            level="warning",
            code="capture_overflow",
            message=f"{self.label}: {'; '.join(parts)} (in all: {self.overflows} overflows, "
            f"{self.dropped:.1f} s dropped)",
        )


@dataclass
class Backoff:
    """When to try reopening a lost device: 0.5 s after losing it, then doubling up to `cap` seconds."""

    first: float = 0.5
    cap: float = 10.0
    _delay: float = 0.0

    def next(self) -> float:
        self._delay = self.first if not self._delay else min(self.cap, self._delay * 2)
        return self._delay

    def reset(self) -> None:
        self._delay = 0.0


@dataclass
class _Chunk:
    """What the callback queues: a copy of one callback's audio and the device's drop count before it."""

    stream: int
    audio: np.ndarray
    dropped_before: int
    """Frames this device had dropped (queue full) before this chunk: the silence to insert ahead of it."""


@dataclass
class _Capture:
    """One device being captured: its stream, resampler and health."""

    index: int
    spec: DeviceSpec
    device: Device
    overflows: Overflows
    stream: Any = None
    resampler: Any = None
    last_data: float = 0.0
    """When the last block came (the clock's seconds), or when the device was opened."""
    patience: float = FIRST_WITHIN
    """Seconds after `last_data` without a block at which the device counts as lost."""
    dropped_frames: int = 0
    """Written by the callback only."""
    overflow_count: int = 0
    """Written by the callback only."""
    dropped_seen: int = 0
    lost_at: float | None = None
    """Call seconds at which the device was lost."""
    retry_at: float = 0.0
    backoff: Backoff = field(default_factory=Backoff)

    @property
    def label(self) -> str:
        return self.spec.label or self.device.name


class LiveSource:
    """Input devices as a source for the pipeline: `info`, `warnings`, `blocks()`, plus `events` (notices,
    alerts and gaps for the log, taken by the pipeline), `backlog` (seconds captured but not yet handed
    on) and `labels` (each channel's device label)."""

    def __init__(
        self, specs: Sequence[DeviceSpec], *, clock: Callable[[], float] = time.monotonic, sd: Any = None
    ) -> None:
        """Call time counts from 0 at the first sample (the pipeline moves it on for a resumed incident).
        `clock` and `sd` (the sounddevice module) are the seams for tests."""
        self._sd = sd or portaudio()
        devices = input_devices(self._sd)
        specs = list(specs) or [DeviceSpec(self._default_input(devices))]
        self._captures = []
        for i, spec in enumerate(specs):
            device = match_device(spec.query, devices)
            self._captures.append(_Capture(i, spec, device, Overflows(spec.label or device.name)))
        labels = [c.spec.label for c in self._captures if c.spec.label]
        if len(set(labels)) < len(labels):
            raise CaptureError("two --device options have the same label; give each its own")
        self.labels = [c.spec.label or "" for c in self._captures]
        self.warnings: list[str] = []
        self.events: list[Event] = []
        self.info = SourceInfo(
            uri=", ".join(f"{c.spec.label}={c.device.name}" if c.spec.label else c.device.name for c in self._captures),
            kind="device",
            rate=self._captures[0].device.rate,
            channels=len(self._captures),
        )
        self._clock = clock
        self._queue: queue.Queue[_Chunk] = queue.Queue(maxsize=int(QUEUE_SECONDS / CHUNK) * len(self._captures))
        self._aligner = Aligner(len(self._captures))
        self._silent_since: float | None = None
        self._silence = 0
        self._closed = threading.Event()

    @property
    def backlog(self) -> float:
        """Seconds of captured audio waiting to be handed on: how far the pipeline is behind the devices."""
        return self._queue.qsize() * CHUNK / len(self._captures)

    def blocks(self) -> Iterator[Block]:
        try:
            for capture in self._captures:
                self._open(capture, first=True)
            while not self._closed.is_set():
                # A few chunks at a time, so what waits stays in the queue, where `backlog` sees it.
                with suppress(queue.Empty):
                    self._take(self._queue.get(timeout=CHUNK))
                    for _ in range(4 * len(self._captures)):
                        self._take(self._queue.get_nowait())
                self._watch()
                yield from self._aligner.pull()
        finally:
            self.close()

    def close(self) -> None:
        self._closed.set()
        for capture in self._captures:
            self._stop(capture)

    # The consumer side: everything but copying happens here, on the pipeline's thread.

    def _take(self, chunk: _Chunk) -> None:
        capture = self._captures[chunk.stream]
        if capture.stream is None:  # queued before the device was given up on
            return
        capture.last_data, capture.patience = self._clock(), LOST_AFTER
        dropped = chunk.dropped_before - capture.dropped_seen
        if dropped > 0:  # the queue was full: keep call time true to the call with silence in their place
            capture.dropped_seen = chunk.dropped_before
            capture.overflows.dropped += dropped / capture.device.rate
            self._aligner.push(chunk.stream, np.zeros(round(dropped * RATE / capture.device.rate), np.float32))
        if capture.lost_at is not None:
            self._back(capture)
        mono = chunk.audio.mean(axis=1, dtype=np.float32) if chunk.audio.shape[1] > 1 else chunk.audio[:, 0]
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(mono).reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = capture.device.rate
        for out in capture.resampler.resample(frame):
            self._aligner.push(chunk.stream, out.to_ndarray()[0])

    def _watch(self) -> None:
        now, t = self._clock(), self._call_time()
        for capture in self._captures:
            capture.overflows.overflows = capture.overflow_count
            if (notice := capture.overflows.report(t)) is not None:
                self.events.append(notice)
            if capture.lost_at is None:
                stopped = capture.stream is None or not capture.stream.active
                if stopped or now - capture.last_data > capture.patience:
                    self._lose(capture, now)
            elif capture.stream is not None:
                if not capture.stream.active or now - capture.last_data > capture.patience:  # reopened, yet silent
                    self._stop(capture)
                    capture.retry_at = now + capture.backoff.next()
            elif now >= capture.retry_at:
                self._open(capture, first=False)
        if all(c.lost_at is not None for c in self._captures):
            # Nothing is heard, but the call goes on: silence at the pace of the clock keeps the timers running.
            if self._silent_since is None:
                self._silent_since, self._silence = max(c.last_data for c in self._captures), 0
            due = int((now - self._silent_since) * RATE) - self._silence
            if due > 0:
                for i in range(len(self._captures)):
                    self._aligner.push(i, np.zeros(due, np.float32))
                self._silence += due
        else:
            self._silent_since = None

    def _lose(self, capture: _Capture, now: float) -> None:
        t = self._call_time()
        self._stop(capture)
        capture.lost_at = t
        capture.backoff.reset()
        capture.retry_at = now + capture.backoff.next()
        message = f"no audio from {capture.label} ({capture.device.name}) since {clock(t, tenths=True)}"
        log.warning("%s", message)
        self.events.append(
            Notice(
                t=t,
                level="warning",
                code="device_lost",
                message=f"{message}; retrying, the call and its timers go on",
                device=capture.label,
            )
        )

    def _back(self, capture: _Capture) -> None:
        assert capture.lost_at is not None
        t = self._call_time()
        self.events.append(Gap(t=t, start=capture.lost_at, end=t, reason="device", device=capture.label))
        log.info("%s is back after %.1f s", capture.label, t - capture.lost_at)
        capture.lost_at = None

    def _call_time(self) -> float:
        return round(self._aligner.consumed / RATE, 3)

    def _open(self, capture: _Capture, *, first: bool) -> None:
        now = self._clock()
        try:
            if not first and all(c.stream is None for c in self._captures):
                self._reinitialize()  # a replugged device may come back under another index
            if not first:
                capture.device = match_device(capture.device.name, input_devices(self._sd))
            channels = min(capture.device.channels, 2)
            stream = self._sd.InputStream(
                device=capture.device.index,
                samplerate=capture.device.rate,
                channels=channels,
                dtype="float32",
                blocksize=int(capture.device.rate * CHUNK),
                callback=self._callback(capture),
            )
            stream.start()
        except (CaptureError, self._sd.PortAudioError) as e:
            if first:
                raise CaptureError(
                    f"cannot open input device {capture.device.name!r}: {e}; `bridge devices` lists them"
                ) from None
            capture.retry_at = now + capture.backoff.next()
            log.info("reopening %s failed (%s); next try in %.1f s", capture.label, e, capture.retry_at - now)
            return
        capture.stream = stream
        capture.resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        capture.last_data, capture.patience = now, FIRST_WITHIN

    def _stop(self, capture: _Capture) -> None:
        stream, capture.stream = capture.stream, None
        if stream is None:
            return
        try:
            stream.abort()
            stream.close()
        except self._sd.PortAudioError as e:
            log.info("closing %s: %s", capture.label, e)

    def _callback(self, capture: _Capture) -> Callable[[np.ndarray, int, Any, Any], None]:
        put, index = self._queue.put_nowait, capture.index

        def callback(indata: np.ndarray, frames: int, when: Any, status: Any) -> None:
            # PortAudio's thread: copy and hand off, nothing else.
            if status.input_overflow:
                capture.overflow_count += 1
            try:
                put(_Chunk(index, indata.copy(), capture.dropped_frames))
            except queue.Full:
                capture.dropped_frames += frames

        return callback

    def _reinitialize(self) -> None:
        self._sd._terminate()
        self._sd._initialize()

    def _default_input(self, devices: Sequence[Device]) -> str:
        index = self._sd.default.device[0]
        if index is None or index < 0:
            if not devices:
                raise CaptureError("no input device found; `bridge devices` lists what PortAudio sees")
            return str(devices[0].index)
        return str(index)
