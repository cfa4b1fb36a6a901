"""What the terminal prints of the events it is shown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bridge.cli.terminal import Terminal
from bridge.events import ActionItem, Alert, CheckMet, Correction, Decision, ItemDone, StatusCheck, Transcript


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


def test_a_line_attributed_after_the_call_is_said_with_its_time(capsys: pytest.CaptureFixture[str]) -> None:
    show = Terminal(live=False)
    show(Transcript(t=44.0, seq=11, start=42.5, end=43.8, text="I don't hear that.", speaker="Speaker 4"))
    show(Correction(t=45.0, seq=12, action="attribute", ref=11, speaker="Speaker 2", by="bridge"))
    assert capsys.readouterr().out.splitlines() == [
        "[00:42.5] Speaker 4: I don't hear that.",
        "[00:45.0] AFTER   the line at 00:42.5 was Speaker 2's (by the voices, heard at once)",
    ]


def test_colour_only_on_a_terminal_and_never_with_no_color() -> None:
    import io
    import os

    from bridge.cli.terminal import colour_for

    leader, follower = os.openpty()  # a real terminal
    with os.fdopen(follower, "w") as tty:
        try:
            assert colour_for(tty, {"TERM": "xterm-256color"})
            assert not colour_for(tty, {"TERM": "xterm-256color", "NO_COLOR": "1"})
            assert colour_for(tty, {"NO_COLOR": ""})  # set but empty does not count (no-color.org)
            assert not colour_for(tty, {"TERM": "dumb"})
        finally:
            os.close(leader)
    assert not colour_for(io.StringIO(), {})  # a pipe or a file: plain text


def test_alerts_are_painted_only_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    from bridge.events import Alert, AlertCleared, CheckMet

    alert = Alert(t=65.0, kind="status_overdue", message="No update from Maya", owner="Maya")
    cleared = AlertCleared(t=80.0, ref=1, kind="status_overdue", message="Update from Maya at 01:20")
    late = CheckMet(t=80.0, ref=1, source=2, by="Maya", late=15.0)
    for event in (alert, cleared, late):
        Terminal(live=False)(event)
    plain = capsys.readouterr().out
    assert "\033[" not in plain and "ALERT   No update from Maya" in plain
    for event in (alert, cleared, late):
        Terminal(live=False, colour=True)(event)
    assert capsys.readouterr().out.splitlines() == [
        "\033[1;31m[01:05.0] ALERT   No update from Maya\033[0m",
        "\033[32m[01:20.0] cleared: Update from Maya at 01:20\033[0m",
        "\033[33m[01:20.0] UPDATE  from Maya, came 15 s late\033[0m",
    ]


@pytest.mark.slow
def test_a_replay_paints_its_alerts_on_a_terminal_only(tmp_path: Path) -> None:
    """A real replay (of a transcript: a 40 s silence is an alert), its stdout a real terminal or a pipe. Read
    once it has exited: its few lines fit in the terminal's buffer."""
    import json
    import os
    import subprocess

    from tests.conftest import BRIDGE, ROOT, run_bridge

    said = tmp_path / "call.jsonl"
    lines = [{"start": 0.0, "end": 2.0, "text": "Hello, bridge."}, {"start": 42.0, "end": 44.0, "text": "Back."}]
    said.write_text("".join(json.dumps(line) + "\n" for line in lines))

    def on_a_terminal(out: str, **env: str) -> str:
        leader, follower = os.openpty()
        try:
            done = subprocess.run(
                [*BRIDGE, "replay", str(said), "--out", str(tmp_path / out)],
                stdout=follower,
                stderr=subprocess.DEVNULL,
                cwd=ROOT,
                env={**os.environ, "TERM": "xterm", **env},
                timeout=120,
            )
            assert done.returncode == 0
            os.close(follower)
            shown = b""
            while chunk := _read(leader):
                shown += chunk
            return shown.decode()
        finally:
            os.close(leader)

    painted = on_a_terminal("tty")
    assert "\033[1;31m" in painted and "ALERT   Nobody has spoken since" in painted
    assert "\033[" not in on_a_terminal("no-color", NO_COLOR="1")
    piped = run_bridge("replay", str(said), "--out", str(tmp_path / "pipe"))
    assert "ALERT" in piped.stdout and "\033[" not in piped.stdout


def _read(fd: int) -> bytes:
    import os

    try:
        return os.read(fd, 65536)
    except OSError:  # the terminal's other end is closed: all of it was read
        return b""


def test_every_update_and_every_commander_action_is_a_line_saying_whose(capsys: pytest.CaptureFixture[str]) -> None:
    """On time as well as late, with whose update it was; the overlay's acknowledge, received, snooze,
    confirm, edit and rename each a line, so the terminal is the whole story too."""
    show = Terminal(live=False)
    evidence: dict[str, Any] = {"start": 10.0, "end": 12.0, "quote": "q", "source": 2, "by": "Rosa", "confidence": 0.9}
    show(StatusCheck(t=12.5, seq=3, owner="Maya", due=130.0, category="communication", **evidence))
    show(StatusCheck(t=12.5, seq=4, owner=None, due=200.0, category="communication", **evidence))
    show(Decision(t=12.5, seq=5, text="fail over to the standby", category="mitigation", **evidence))
    show(CheckMet(t=100.0, seq=6, ref=3, source=2, by="Maya", late=0.0))
    show(Alert(t=201.0, seq=7, kind="status_overdue", message="No update from the bridge", ref=4))
    show(Correction(t=202.0, seq=8, action="acknowledge", ref=7))
    show(Correction(t=203.0, seq=9, action="snooze", ref=4, until=320.0))
    show(CheckMet(t=330.5, seq=10, ref=4, source=9, by="Rosa", late=10.5))
    show(Correction(t=331.0, seq=11, action="confirm", ref=5, by="viewer@10.0.0.7"))
    show(Correction(t=332.0, seq=12, action="edit", ref=5, text="fail over to the EU standby"))
    show(Correction(t=333.0, seq=13, action="rename", ref=2, speaker="Speaker 3", name="Priya"))
    show(Correction(t=334.0, seq=14, action="received", ref=3))
    out = [line for line in capsys.readouterr().out.splitlines() if line.startswith("[")]
    assert out == [
        "[01:40.0] UPDATE  from Maya, on time",
        "[03:21.0] ALERT   No update from the bridge",
        "[03:22.0] ACK     alert “No update from the bridge” (by the commander)",
        "[03:23.0] SNOOZE  the bridge's update now due by 05:20.0 (by the commander)",
        "[05:30.5] UPDATE  for the bridge, from Rosa, came 10 s late",
        "[05:31.0] CONFIRM decision “fail over to the standby” (by viewer@10.0.0.7)",
        "[05:32.0] EDIT    decision “fail over to the standby”: text 'fail over to the EU standby' (by the commander)",
        "[05:33.0] RENAME  Speaker 3 is Priya (by the commander)",
        "[05:34.0] RECEIVED the update from Maya (by the commander)",
    ]
