"""One writer per incident: while a `bridge` process writes an incident folder, a second one (the same --out,
or --resume of it) is refused in one line naming the first's pid, and the first's log is untouched; once the
first is killed, its lock is gone with it and --resume takes the folder over."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

import numpy as np

from tests.conftest import BRIDGE, ROOT, run_bridge, wait_for_session, write_wav
from tests.faults.test_bad_input import ERROR, GOOD_LINE, assert_refused


def lines(log: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_a_second_writer_is_refused_and_a_dead_ones_lock_is_taken_over(tmp_path: Path) -> None:
    audio = str(write_wav(tmp_path / "quiet.wav", np.zeros(16000 * 30)))
    call = tmp_path / "call.jsonl"
    call.write_text(GOOD_LINE)
    out = tmp_path / "incident"
    log = out / "events.jsonl"
    first = subprocess.Popen(
        [*BRIDGE, "replay", audio, "--speed", "1", "--no-voices", "--out", str(out)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_session(log, first)
        before = log.read_bytes()
        same_out = run_bridge("replay", str(call), "--out", str(out))
        assert_refused(same_out, ERROR, f"process {first.pid}", str(out))
        resumed = run_bridge("replay", audio, "--resume", str(out), "--no-voices")
        assert_refused(resumed, ERROR, f"process {first.pid}")
        assert first.poll() is None
        assert log.read_bytes().startswith(before)  # nothing torn, nothing overwritten
        assert [e["seq"] for e in lines(log)] == list(range(1, len(lines(log)) + 1))
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate()
    resumed = run_bridge("replay", audio, "--resume", str(out), "--no-voices")
    assert resumed.returncode == 0, resumed.stderr
    events = lines(log)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert [e["type"] for e in events].count("session") == 1
    assert any(e["type"] == "notice" and e["code"] == "resumed" for e in events)
    assert events[-1]["type"] == "end"
