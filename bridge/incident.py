"""One incident's stream of events after the transcriber: the shell around the deciding cores.

Whatever feeds it (the audio pipeline, a transcript file, later a live capture), final transcripts come
in with their call times. Here each one is attributed to a speaker, logged, mined for decisions, action
items and status checks, and shown to the monitor; the monitor's alerts are raised as call time advances.
Every event goes to the log first and then to the sinks (the terminal, the live feed), so every view
shows what the log holds.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar, cast

import msgspec
import numpy as np

from .calltime import duration, zone
from .events import Correction, Event, LoggedEvent, Notice, Session, SessionEnd, Transcript
from .log.eventlog import EventLog
from .speakers.offline import after_call, pack, placed

if TYPE_CHECKING:
    from .language.extraction import Extractor
    from .monitor import Monitor

__all__ = ["Incident", "Sink"]

log = logging.getLogger(__name__)

Sink = Callable[[Event], None]
"""Receives every event as it is emitted: logged events and interim text."""

E = TypeVar("E", bound=Event)


class Incident:
    def __init__(
        self,
        eventlog: EventLog,
        *,
        sinks: Iterable[Sink] = (),
        extractor: Extractor | None = None,
        monitor: Monitor | None = None,
    ) -> None:
        self.log = eventlog
        self._sinks = list(sinks)
        self.extractor = extractor
        self.monitor = monitor
        self.transcripts = 0
        self.history: list[Event] = []
        """Every logged event, in order (`history[seq - 1]`): what a late viewer catches up from."""
        self.ended = False
        self.call_time = 0.0
        """Call seconds of audio consumed so far: when the commander's actions happen."""
        self.heard = 0.0
        """Call seconds up to which everything said has been transcribed (`advance`): what viewers' clocks show."""
        self.lock = threading.RLock()
        """Held while an event is logged and shown: the pipeline and the live feed both emit."""

    def emit(self, event: E) -> E:
        with self.lock:
            logged = self.log.append(event)
            self.history.append(logged)
            self.learn(logged)
            self.broadcast(logged)
            if self.monitor is not None and not self.ended:
                for caused in self.monitor.observe(logged):
                    self.emit(caused)
            self._outage_over()
            return logged

    def _outage_over(self) -> None:
        """The disk took the log again after refusing it: say so in the log, which could not say it then."""
        outage, self.log.outage = self.log.outage, None
        if outage is None:
            return
        lasted = duration(outage.until - outage.since)
        held = f"{outage.held} events were" if outage.held != 1 else "1 event was"
        message = (
            f"the disk refused the event log for {lasted} ({outage.reason}): {held} kept in memory and "
            "written when there was room again; none was lost, but a crash in that time would have lost them"
        )
        self.emit(Notice(t=round(self.call_time, 3), level="warning", code="log_disk", message=message))

    def learn(self, logged: Event) -> None:
        """What the extractor takes from a logged event other than the transcripts it is given: the call's
        clock from the session (for spoken clock times), and who a voice is from the commander's rename."""
        if self.extractor is None:
            return
        if isinstance(logged, Session):
            self.extractor.started, self.extractor.zone = logged.started, zone(logged.options.tz)
        elif isinstance(logged, Correction) and logged.action == "rename" and logged.by != "bridge":
            self.extractor.speakers.rename(logged.speaker or "", logged.name or "")

    def add_sink(self, sink: Sink) -> None:
        with self.lock:
            self._sinks.append(sink)

    def broadcast(self, event: Event) -> None:
        for sink in self._sinks:
            sink(event)

    def transcript(self, transcript: Transcript, *, voiceprint: np.ndarray | None = None, seconds: float = 0.0) -> None:
        """A final transcript: attribute (by its words, and by `voiceprint`, the embedding of its `seconds` of
        speech, when there is one), log, extract."""
        with self.lock:
            if self.extractor is not None:
                transcript = self.extractor.attribute(transcript, voiceprint=voiceprint, seconds=seconds)
            if voiceprint is not None:  # kept, so the voices can be heard again all at once after the call
                transcript = msgspec.structs.replace(transcript, voiceprint=pack(voiceprint))
            logged = self.emit(transcript)
            self.transcripts += 1
            if self.extractor is not None:
                named, self.extractor.speakers.named = self.extractor.speakers.named, []
                for label, name in named:  # the voice's earlier lines, shown by its label, were this person's
                    self.emit(
                        Correction(t=logged.t, action="rename", ref=logged.seq, speaker=label, name=name, by="bridge")
                    )
                for item in self.extractor.extract(logged):
                    self.emit(item)

    def advance(self, now: float) -> None:
        """Call time has reached `now` with nothing more to hear before it: raise what is due."""
        self.heard = max(self.heard, now)
        if self.monitor is None:
            return
        with self.lock:
            deadline = self.monitor.next_deadline()
            if deadline is None or deadline > now:
                return
            for alert in self.monitor.advance(now):
                self.emit(alert)

    def end(self, t: float, reason: Any) -> SessionEnd:
        """The call is over: raise what is due by `t` and log its end. The log stays open for the commander's
        corrections of the record until `close` (the live feed takes them at `t`, and refuses what acts on a
        call going on: `commander_actions.LIVE_ONLY`); the monitor watched the call and decides nothing after
        its end, so a correction logged after it causes nothing but itself.

        Every voice is known now, so they are clustered again (bridge.speakers.offline), and the lines whose
        speaker that changes are logged as `attribute` corrections just before the end: every view made after
        the call uses them, while the transcripts stay as they were heard. Then each voice is given the name
        the words said over the whole call, one name to one voice (`Speakers.placement`), and the lines the
        voice decided follow it (`offline.placed`), so a voice shown as "Speaker 4" to the end, or named by a
        few wrong votes, is named after the call. The monitor sees none of them."""
        self.advance(t)
        self.ended = True
        with self.lock:
            for correction in after_call(cast(list[LoggedEvent], self.history), t):
                self.emit(correction)
            if self.extractor is not None:  # and the names the words gave the voices over the whole call
                for correction in placed(cast(list[LoggedEvent], self.history), self.extractor.speakers.placement(), t):
                    self.emit(correction)
            return self.emit(SessionEnd(t=round(t, 3), reason=reason, duration=round(t, 3)))

    def close(self) -> None:
        with self.lock:
            self.log.close()

    def sync_if_due(self) -> None:
        with self.lock:
            self.log.sync_if_due()
            self._outage_over()
