"""What the terminal prints of the events it is shown."""

from __future__ import annotations

import pytest

from bridge.cli.terminal import Terminal
from bridge.events import ActionItem, Correction, ItemDone


def test_done_reopen_and_restore_are_printed_with_the_task(capsys: pytest.CaptureFixture[str]) -> None:
    show = Terminal(live=False)
    show(
        ActionItem(
            t=12.5,
            seq=3,
            start=10,
            end=12,
            quote="q",
            source=2,
            by="Rosa",
            confidence=0.9,
            category=None,
            owner="Maya",
            task="find out why the nodes restart",
        )
    )
    show(ItemDone(t=42.0, seq=5, ref=3, source=4, by="Maya"))
    show(Correction(t=50.0, seq=6, action="reopen", ref=3))
    show(Correction(t=60.0, seq=7, action="done", ref=3))
    lines = capsys.readouterr().out.splitlines()
    assert lines[1:] == [
        "[00:42.0] DONE    Maya: find out why the nodes restart (reported by Maya)",
        "[00:50.0] REOPEN  Maya: find out why the nodes restart (by the commander)",
        "[01:00.0] DONE    Maya: find out why the nodes restart (by the commander)",
    ]
