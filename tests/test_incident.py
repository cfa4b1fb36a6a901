"""The incident shell: what it logs around the deciding cores."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from bridge.events import ActionItem, Alert, Correction, Notice, SessionEnd, Transcript
from bridge.incident import Incident
from bridge.log.eventlog import EventLog
from bridge.monitor import Monitor, MonitorOptions
from tests.golden import session


def test_a_correction_after_the_end_is_logged_and_the_monitor_decides_nothing_more(tmp_path: Path) -> None:
    """The monitor watched the call: a correction of the record after its end causes nothing but itself (no
    alert cleared at the end time, no check met), as docs/protocol.md says."""
    far = 10_000.0
    monitor = Monitor(MonitorOptions(silence_after=far, quiet_after=60.0, mitigation_after=far, grace=0.0))
    incident = Incident(EventLog(tmp_path / "events.jsonl"), monitor=monitor)
    try:
        incident.emit(session())
        task = incident.emit(
            ActionItem(
                t=10.0,
                start=8.0,
                end=10.0,
                quote="Victor, run the failover",
                source=1,
                by="Rosa",
                confidence=0.9,
                category="mitigation",
                owner="Victor",
                task="run the failover",
            )
        )
        incident.end(100.0, "finished")
        assert [type(e) for e in incident.history[-2:]] == [Alert, SessionEnd]  # Victor went quiet at 01:10
        done = incident.emit(Correction(t=100.0, action="done", ref=task.seq))
        assert incident.history[-1] == done
    finally:
        incident.close()


def test_a_disk_that_refused_the_log_for_a_while_is_a_notice_in_it_once_it_takes_it_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The log cannot say the disk is full while it is; once it takes events again, the post-mortem and the
    overlay must still learn that it was, for how long, and how much sat in memory only."""
    now = [1000.0]
    warned: list[str] = []
    incident = Incident(EventLog(tmp_path / "events.jsonl", clock=lambda: now[0], warn=warned.append))
    real = os.pwrite
    full = [False]

    def pwrite(fd: int, data: bytes, offset: int) -> int:
        if full[0]:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd, data, offset)

    monkeypatch.setattr(os, "pwrite", pwrite)
    try:
        incident.emit(session())
        full[0] = True
        for i in range(3):
            now[0] += 2.0
            incident.call_time = 10.0 + i
            incident.emit(Transcript(t=10.0 + i, start=9.0 + i, end=10.0 + i, text=f"line {i}"))
        assert incident.log.unwritten == 3 and len(warned) == 1
        full[0] = False
        now[0] += 40.0  # past any back-off
        incident.call_time = 60.0
        incident.sync_if_due()
        notice = incident.history[-1]
        assert isinstance(notice, Notice) and (notice.code, notice.level, notice.t) == ("log_disk", "warning", 60.0)
        assert notice.message.startswith(
            "the disk refused the event log for 44 s (No space left on device): 3 events were kept"
        )
        lines = [json.loads(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()]
        assert [e["type"] for e in lines] == ["session", "transcript", "transcript", "transcript", "notice"]
        incident.emit(Transcript(t=61.0, start=60.0, end=61.0, text="and on"))
        assert sum(isinstance(e, Notice) for e in incident.history) == 1  # said once per outage
    finally:
        incident.log.close()
