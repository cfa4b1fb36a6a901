"""The one place the stages are wired: source → segmenter → transcriber → incident (extraction, monitor,
event log) → views.

The deciding stages are pure; this module is the shell around them. It paces the source (real time, N
times real time, or as fast as the CPU allows), runs the transcriber in one worker thread, and hands
final transcripts to the incident in call-time order. Call time for the monitor is held back while speech
is still being heard or transcribed, so what reaches the log depends only on the audio, never on how fast
the worker was: every speed gives the same log apart from wall times.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import msgspec
import numpy as np

from . import __version__
from .calltime import RATE, clock
from .errors import BridgeError, UsageError
from .events import (
    Event,
    Interim,
    ModelInfo,
    Notice,
    Session,
    SessionEnd,
    SessionOptions,
    SourceInfo,
    Transcript,
)
from .incident import Incident
from .sources.source import Block, Source
from .sources.transcript_input import Utterance
from .speech.segmenter import Cut, Segmenter, SegmenterOptions
from .speech.transcriber import Recogniser, Recognition
from .speech.vad import Vad

if TYPE_CHECKING:
    from .speakers.voiceprint import VoiceEncoder

__all__ = [
    "BlockSink",
    "Pipeline",
    "PipelineOptions",
    "TranscriptionWorker",
    "paced",
    "replay_transcript",
    "session_event",
]

log = logging.getLogger(__name__)

MAX_PENDING = 8
"""Final utterances waiting for the transcriber before the source is made to wait."""
BEHIND, CAUGHT_UP = 5.0, 1.0
"""Seconds a live call's transcription may lag before interim and early work stop, and the lag at which
they resume: the worker then spends itself on finals only, so a backlog shrinks instead of growing."""


@dataclass(frozen=True)
class PipelineOptions:
    speed: float | None = None
    """None: as fast as possible; 1: real time; N: N times real time."""
    interim: bool = True
    """Transcribe utterances in progress for live viewers (only when paced)."""
    segmenter: SegmenterOptions = field(default_factory=SegmenterOptions)
    live: bool = False
    """The source is a live capture: it paces itself, and someone is watching (interim text helps)."""
    channels: dict[int, str | None] | None = None
    """None: all channels mixed into one. Otherwise each channel of the source is segmented and transcribed
    on its own, and the speaker named here for a channel (index → name, or None when several people share
    it) is who said everything heard on it."""
    start: int = 0
    """The call-time sample at which the source's first block is heard: 0, or where a resumed incident goes on
    (the source counts from 0 all the same; its blocks, cuts and events are moved to call time here)."""
    untranscribed: Path | None = None
    """Where the audio of an utterance the transcriber failed on is kept (a chunk named by its first call-time
    sample, as in the archive), so that nothing said is lost; None: nowhere (the notice still says so)."""


class BlockSink(Protocol):
    """Is given every block the pipeline consumes, on call time, before anything else sees it (the archive)."""

    def __call__(self, block: Block) -> None: ...

    def close(self) -> None:
        """The call is over: keep what was given."""


def session_event(
    incident: Incident, *, started: float, model: ModelInfo | None, source: SourceInfo, options: SessionOptions
) -> Session:
    return incident.emit(
        Session(
            t=0.0,
            incident=incident.log.path.parent.name,
            started=round(started, 3),
            version=__version__,
            model=model,
            source=source,
            options=options,
        )
    )


def paced(
    blocks: Iterable[Block],
    speed: float | None,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[Block]:
    """Yield each block no earlier than its end in call time, divided by `speed`."""
    start = clock()
    for block in blocks:
        if speed is not None:
            delay = start + block.end / RATE / speed - clock()
            if delay > 0:
                sleep(delay)
        yield block


class TranscriptionWorker:
    """The transcriber on its own thread. Finals are done in order; an early (tentative) or interim
    request is done only when no final waits, and only the latest of each is kept. With an encoder, each
    final's speech is also embedded, so attribution can tell voices apart."""

    def __init__(self, recogniser: Recogniser, encoder: VoiceEncoder | None = None) -> None:
        self._transcriber = recogniser
        self._encoder = encoder
        self._finals: deque[Cut] = deque()
        self._tentative: dict[int | None, Cut] = {}  # the latest per channel
        self._interim: Cut | None = None
        self._cache: dict[tuple[int | None, int, int], Recognition] = {}
        self._cond = threading.Condition()
        self._closed = False
        self.results: queue.Queue[tuple[Cut, Recognition, np.ndarray | None]] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="transcriber", daemon=True)
        self._thread.start()

    def submit(self, cut: Cut) -> None:
        with self._cond:
            if cut.kind == "final":
                self._finals.append(cut)
                self._tentative.pop(cut.channel, None)
            elif cut.kind == "tentative":
                self._tentative[cut.channel] = cut
            else:
                self._interim = cut
            self._cond.notify()

    def withdraw_tentative(self, channel: int | None = None) -> None:
        """The speaker went on: a tentative request not yet started would be wasted work."""
        with self._cond:
            self._tentative.pop(channel, None)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._thread.join()

    def _next(self) -> Cut | None:
        with self._cond:
            while not (self._finals or self._tentative or self._interim or self._closed):
                self._cond.wait()
            if self._finals:
                return self._finals.popleft()
            if self._tentative:
                return self._tentative.pop(next(iter(self._tentative)))
            if self._interim is not None:
                cut, self._interim = self._interim, None
                return cut
            return None

    def _run(self) -> None:
        while (cut := self._next()) is not None:
            result = self._cache.pop(cut.key, None) if cut.kind == "final" else None
            if result is None:
                try:
                    interim = cut.kind == "interim"
                    result = self._transcriber.transcribe(cut.audio, cut.audio_start / RATE, interim=interim)
                except Exception as e:  # the outermost loop of the thread: keep the call alive
                    log.debug("transcription failed for the utterance at %.1f s", cut.start / RATE, exc_info=True)
                    why = " ".join(str(e).split())
                    result = Recognition("", None, error=f"{type(e).__name__}: {why[:200]}")
            if cut.kind == "final":
                self._cache = {k: v for k, v in self._cache.items() if k[0] != cut.channel}
                self.results.put((cut, result, self._embed(cut) if result.text else None))
            elif cut.kind == "tentative":
                self._cache[cut.key] = result
            else:
                self.results.put((cut, result, None))

    def _embed(self, cut: Cut) -> np.ndarray | None:
        if self._encoder is None:
            return None
        speech = cut.audio[max(0, cut.start - cut.audio_start) : cut.end - cut.audio_start]
        try:
            return self._encoder.embed(speech)
        except Exception:  # the outermost loop of the thread: a voice is a hint, the words still count
            log.exception("embedding failed for the utterance at %.1f s", cut.start / RATE)
            return None


@dataclass(frozen=True)
class _Lane:
    """One stream of speech: the mixed-down source, or one of its channels."""

    channel: int | None
    speaker: str | None
    segmenter: Segmenter


class Pipeline:
    """Runs one incident from an audio source."""

    def __init__(
        self,
        *,
        source: Source,
        recogniser: Recogniser,
        vad: Callable[[], Vad],
        model: ModelInfo,
        incident: Incident,
        options: PipelineOptions,
        session: SessionOptions,
        progress: Callable[[float], None] | None = None,
        started: float | None = None,
        encoder: VoiceEncoder | None = None,
        block_sinks: Iterable[BlockSink] = (),
    ) -> None:
        """`vad` makes one voice-activity detector for each stream segmented (each keeps its own state);
        `session` is every option in force, logged in the session event."""
        self._started = started
        self.source = source
        self.options = options
        self.incident = incident
        self._session = session
        self._model = model
        self._progress = progress
        self._block_sinks = list(block_sinks)
        if options.channels is None:
            self._lanes = [_Lane(None, None, Segmenter(vad(), options.segmenter, options.start))]
        else:
            count = source.info.channels or 1
            if any(not 0 <= i < count for i in options.channels):
                raise UsageError(f"the source has {count} channel{'s' if count > 1 else ''}, numbered 0 to {count - 1}")
            self._lanes = [
                _Lane(i, name, Segmenter(vad(), options.segmenter, options.start))
                for i, name in sorted(options.channels.items())
            ]
        self._worker = TranscriptionWorker(recogniser, encoder)
        self._speakers = {lane.channel: lane.speaker for lane in self._lanes}
        self._pending: deque[Cut] = deque()
        self._done: dict[tuple[int | None, int, int], tuple[Recognition, np.ndarray | None]] = {}
        self._warned = 0
        self._behind = False
        self.failed = 0
        """Utterances the transcriber failed on (each a notice in the log, its audio kept)."""

    def run(self) -> SessionEnd:
        started = self._started if self._started is not None else time.time()
        if not self.incident.history:  # a resumed incident has its session already
            session_event(
                self.incident,
                started=started,
                model=self._model,
                source=self.source.info,
                options=msgspec.structs.replace(self._session, segmenter=asdict(self.options.segmenter)),
            )
        watched = self.options.speed is not None or self.options.live
        interim = self.options.interim and watched
        origin = self.options.start
        consumed, reason, error = origin, "finished", None
        try:
            for block in paced(self.source.blocks(), self.options.speed):
                if origin:
                    block = Block(block.start + origin, block.channels)
                for sink in self._block_sinks:
                    sink(block)
                consumed = block.end
                self.incident.call_time = consumed / RATE
                for lane in self._lanes:
                    audio = block.mono if lane.channel is None else block.channels[lane.channel]
                    for cut in lane.segmenter.push(audio):
                        # Early and interim text only help someone watching; at full speed they are wasted work.
                        if (
                            cut.kind == "final"
                            or (cut.kind == "tentative" and watched and not self._behind)
                            or (cut.kind == "interim" and interim and not self._behind)
                        ):
                            self._submit(replace(cut, channel=lane.channel))
                    if not lane.segmenter.pausing:
                        self._worker.withdraw_tentative(lane.channel)
                self._collect(wait=False)
                self._notices(consumed)
                self.incident.advance(self._settled(consumed) / RATE)
                self.incident.sync_if_due()
                if self._progress:
                    self._progress(consumed / RATE)
        except KeyboardInterrupt:
            reason = "interrupted"
        except BridgeError as e:
            reason, error = "failed", e
            self.incident.emit(Notice(t=round(consumed / RATE, 3), level="error", code="source", message=str(e)))
        finally:
            for lane in self._lanes:
                for cut in lane.segmenter.finish():
                    self._submit(replace(cut, channel=lane.channel))
            while self._pending:
                self._collect(wait=True)
            self._worker.close()
            for sink in self._block_sinks:
                sink.close()
            self._notices(consumed)
        end = self.incident.end(consumed / RATE, reason)
        if error is not None:
            raise error
        return end

    def _settled(self, consumed: int) -> int:
        """Call time up to which nothing more can be heard: speech still open or being transcribed
        may yet turn out to be the update a deadline is waiting for."""
        starts = [c.start for c in self._pending]
        starts += [lane.segmenter.speech_start for lane in self._lanes if lane.segmenter.speech_start is not None]
        return min([consumed, *starts])

    def _submit(self, cut: Cut) -> None:
        if cut.kind == "final":
            self._pending.append(cut)
        self._worker.submit(cut)
        while len(self._pending) > MAX_PENDING:
            self._collect(wait=True)

    def _collect(self, *, wait: bool) -> None:
        """Take what the worker finished; pass finals on in the order they were cut."""
        while True:
            try:
                cut, result, voiceprint = self._worker.results.get(block=wait and bool(self._pending))
            except queue.Empty:
                return
            wait = False
            if cut.kind == "interim":
                if result.text and (not self._pending or cut.start > self._pending[-1].start):
                    self.incident.broadcast(
                        Interim(
                            t=cut.at / RATE,
                            start=cut.start / RATE,
                            end=cut.end / RATE,
                            text=result.text,
                            channel=cut.channel,
                        )
                    )
                continue
            self._done[cut.key] = (result, voiceprint)
            while self._pending and self._pending[0].key in self._done:
                done = self._pending.popleft()
                self._final(done, *self._done.pop(done.key))

    def _final(self, cut: Cut, result: Recognition, voiceprint: np.ndarray | None) -> None:
        if result.error is not None:
            self._failed(cut, result.error)
        if not result.text:
            return
        speaker = self._speakers.get(cut.channel)
        self.incident.advance(cut.start / RATE)
        self.incident.transcript(
            Transcript(
                t=round(cut.at / RATE, 3),
                start=round(cut.start / RATE, 3),
                end=round(cut.end / RATE, 3),
                text=result.text,
                confidence=result.confidence,
                words=result.words,
                channel=cut.channel,
                speaker=speaker,
                speaker_source="channel" if speaker else None,
                speaker_confidence=1.0 if speaker else None,
            ),
            voiceprint=voiceprint,
            seconds=(cut.end - cut.start) / RATE,
        )

    def _failed(self, cut: Cut, error: str) -> None:
        """The transcriber failed on `cut`: say so in the log, and keep its audio to be transcribed again."""
        import av

        from .sources.archive import write_chunk

        self.failed += 1
        at = f"the utterance at {clock(cut.start / RATE, tenths=True)} ({(cut.end - cut.start) / RATE:.1f} s)"
        kept = "its audio is not kept"
        folder = self.options.untranscribed
        if folder is not None:
            try:
                folder.mkdir(parents=True, exist_ok=True)
                path = write_chunk(folder, cut.audio_start, cut.audio[np.newaxis, :])  # what the model was given
                kept = f"its audio is kept in {path}; `bridge replay {path}` transcribes it again"
            except (OSError, av.error.FFmpegError) as e:
                kept = f"its audio could not be kept either ({getattr(e, 'strerror', None) or e})"
        self.incident.emit(
            Notice(
                t=round(cut.at / RATE, 3),
                level="error",
                code="transcription",
                message=f"{at} could not be transcribed ({error}); {kept}",
            )
        )

    def _notices(self, consumed: int) -> None:
        warnings = self.source.warnings
        for message in warnings[self._warned :]:
            self.incident.emit(Notice(t=round(consumed / RATE, 3), level="warning", code="source", message=message))
        self._warned = len(warnings)
        events = self.source.events
        while events:
            event = events.pop(0)
            if self.options.start:  # the source counts from 0; a resumed incident's call time goes on
                event = _later(event, self.options.start / RATE)
            self.incident.emit(event)
        if self.options.live:
            self._watch_lag(consumed)

    def _watch_lag(self, consumed: int) -> None:
        """Lag: audio captured but not taken from the devices yet, plus how long the oldest final has waited."""
        waited = (consumed - self._pending[0].at) / RATE if self._pending else 0.0
        lag = self.source.backlog + waited
        behind = lag > (CAUGHT_UP if self._behind else BEHIND)
        if behind == self._behind:
            return
        self._behind = behind
        message = (
            f"transcription is {lag:.0f} s behind the call; interim text paused until it catches up"
            if self._behind
            else "transcription has caught up with the call"
        )
        self.incident.emit(
            Notice(
                t=round(consumed / RATE, 3), level="warning" if self._behind else "info", code="lag", message=message
            )
        )


def _later(event: Event, seconds: float) -> Event:
    """`event` moved `seconds` later in call time (every call-time field it has)."""
    moved = {
        name: round(value + seconds, 3)
        for name in ("t", "start", "end", "since")
        if isinstance(value := getattr(event, name, None), float | int)
    }
    return msgspec.structs.replace(event, **moved)


def replay_transcript(
    utterances: list[Utterance],
    incident: Incident,
    *,
    source: SourceInfo,
    options: SessionOptions,
    speed: float | None = None,
    started: float | None = None,
) -> SessionEnd:
    """A transcript instead of audio: the same events, timers and log, on the transcript's call times.

    Paced, call time runs with the clock (times `speed`); stopped (Ctrl-C, SIGTERM), the call ends at the
    call time reached, never at the transcript's end: what it holds beyond was not heard, and the timers
    must not count silence through it."""
    started = started if started is not None else time.time()
    session_event(incident, started=started, model=None, source=source, options=options)
    begun = time.monotonic()
    reason, reached = "finished", utterances[-1].end if utterances else 0.0
    heard = upto = 0.0  # the end of the last utterance handed on; of the one waited for or being handed on
    try:
        for u in utterances:
            upto = u.end
            if speed is not None:
                time.sleep(max(0.0, begun + u.end / speed - time.monotonic()))
            heard = incident.call_time = u.end
            incident.advance(u.start)
            incident.transcript(
                Transcript(
                    t=round(u.end, 3),
                    start=round(u.start, 3),
                    end=round(u.end, 3),
                    text=u.text,
                    speaker=u.speaker,
                    speaker_source="transcript" if u.speaker else None,
                )
            )
    except KeyboardInterrupt:
        reason, reached = "interrupted", heard
        if speed is not None:  # stopped while waiting for the next utterance: the clock says how far it got
            reached = max(heard, min(upto, (time.monotonic() - begun) * speed))
    return incident.end(reached, reason)
