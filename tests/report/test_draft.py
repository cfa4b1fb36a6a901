from pathlib import Path

from bridge.events import Correction, Interim, SessionEnd
from bridge.report.draft import DraftWriter
from tests.golden import numbered, said, session


def test_the_draft_is_written_when_the_call_ends_and_follows_later_corrections(tmp_path: Path) -> None:
    events = numbered([session(), said(0, 2, "Hello, this is Ann, I am the incident commander.", "Ann")])
    draft = DraftWriter(tmp_path)
    for e in events:
        draft(e)
    draft(Interim(t=3.0, start=2.5, end=3.0, text="still talking"))
    assert not draft.path.exists()  # nothing to draft before the end
    draft(SessionEnd(t=10.0, seq=3, reason="finished", duration=10.0))
    assert "Ann" in draft.path.read_text() and "still talking" not in draft.path.read_text()
    draft(Correction(t=11.0, seq=4, action="rename", ref=2, speaker="Ann", name="Ann Lee"))
    assert "Ann Lee" in draft.path.read_text()


def test_a_resumed_incident_drafts_what_was_logged_before_the_restart(tmp_path: Path) -> None:
    before = numbered([session(), said(0, 2, "Bob here, the rollback is done.", "Bob")])
    draft = DraftWriter(tmp_path, history=before)
    draft(SessionEnd(t=5.0, seq=3, reason="finished", duration=5.0))
    assert "Bob" in draft.path.read_text()
