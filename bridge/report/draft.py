"""The post-mortem draft kept beside the log (DIR/postmortem.md): a sink of the incident's events.

It is written when the call ends and again after every event logged later (the commander's corrections
after the call), so the file always says what the log says. It is the one view written as the call goes on
without being asked for, so it lives here as a sink the command line wires in, not inside the incident.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import cast

from ..events import Event, Interim, LoggedEvent, SessionEnd
from .postmortem import to_markdown
from .timeline import build

__all__ = ["DraftWriter"]

NAME = "postmortem.md"

log = logging.getLogger(__name__)


class DraftWriter:
    """Give it every event the incident emits (`incident.add_sink(writer)`); it keeps the logged ones."""

    def __init__(
        self, folder: Path, history: Iterable[Event] = (), *, warn: Callable[[str], None] = log.warning
    ) -> None:
        """`history`: what the log already holds (a resumed incident), so the draft covers all of it. A draft
        that cannot be written (a full disk) is said through `warn`; the log is what counts."""
        self.path = folder / NAME
        self._warn = warn
        self._events: list[LoggedEvent] = [cast(LoggedEvent, e) for e in history if not isinstance(e, Interim)]
        self._ended = any(isinstance(e, SessionEnd) for e in self._events)

    def __call__(self, event: Event) -> None:
        if isinstance(event, Interim):
            return
        self._events.append(cast(LoggedEvent, event))  # every other event an incident emits is logged
        self._ended = self._ended or isinstance(event, SessionEnd)
        if self._ended:
            try:
                self.path.write_text(to_markdown(build(self._events)))
            except OSError as e:
                self.path.unlink(missing_ok=True)  # half a draft would pass for the whole of it
                self._warn(f"cannot write the post-mortem draft {self.path} ({e.strerror}); `bridge timeline` makes it")
