"""The incident shell: what it logs around the deciding cores."""

from __future__ import annotations

from pathlib import Path

from bridge.events import ActionItem, Alert, Correction, SessionEnd
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
