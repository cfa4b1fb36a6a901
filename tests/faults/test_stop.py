"""SIGTERM during a paced replay (`--speed 1`), for each kind of source: the call ends at the call time the
replay had reached, as Ctrl-C does, and nothing past it is logged: no jump to the end of the source, no
silence, overdue or quiet alert for call time that was never heard."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import BRIDGE, ROOT, wait_for_session, write_wav

WAIT = 2.5
"""Wall seconds the replay runs before it is stopped: at --speed 1, the call time it should end at."""

LINES = [(1.0, 2.0, "Priya, give us an update in two minutes."), (3.0, 4.0, "Omar will roll back the deploy.")]
LAST = (590.0, 600.0, "That is all, thanks everyone.")


def jsonl(tmp: Path) -> list[str]:
    path = tmp / "call.jsonl"
    rows = [{"start": s, "end": e, "text": t, "speaker": "Sam"} for s, e, t in [*LINES, LAST]]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return [str(path)]


def vtt(tmp: Path) -> list[str]:
    def stamp(t: float) -> str:
        return f"00:{int(t // 60):02d}:{t % 60:06.3f}"

    path = tmp / "call.vtt"
    cues = "".join(f"{stamp(s)} --> {stamp(e)}\n<v Sam>{t}\n\n" for s, e, t in [*LINES, LAST])
    path.write_text("WEBVTT\n\n" + cues)
    return [str(path)]


def audio_file(tmp: Path) -> list[str]:
    return [str(write_wav(tmp / "quiet.wav", np.zeros(16000 * 120))), "--no-voices", "--model", "tiny.en"]


def raw_stdin(tmp: Path) -> list[str]:
    (tmp / "stdin.raw").write_bytes(np.zeros(16000 * 120, dtype="<i2").tobytes())
    return ["-", "--rate", "16000", "--no-voices", "--model", "tiny.en"]


def events(log: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in log.read_text().splitlines()]


@pytest.mark.parametrize("source", [jsonl, vtt, audio_file, raw_stdin])
def test_sigterm_ends_the_call_at_the_time_reached(tmp_path: Path, source: Callable[[Path], list[str]]) -> None:
    out = tmp_path / "incident"
    log = out / "events.jsonl"
    args = source(tmp_path)
    with contextlib.ExitStack() as stack:
        stdin = stack.enter_context((tmp_path / "stdin.raw").open("rb")) if source is raw_stdin else None
        process = subprocess.Popen(
            [*BRIDGE, "replay", *args, "--speed", "1", "--out", str(out)],
            cwd=ROOT,
            stdin=stdin or subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONFAULTHANDLER": "1"},
        )
    wait_for_session(log, process)
    started = time.monotonic()
    time.sleep(WAIT)
    reached = time.monotonic() - started
    process.send_signal(signal.SIGTERM)
    try:
        _, stderr = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGABRT)  # faulthandler writes where every thread was stuck
        raise AssertionError(f"SIGTERM did not end the replay: {process.communicate()[1]}") from None
    assert process.returncode == 130, stderr
    logged = events(log)
    end = logged[-1]
    assert end["type"] == "end" and end["reason"] == "interrupted", end
    assert reached - 1.0 <= end["t"] <= reached + 0.5, (end, reached)  # type: ignore[operator]
    assert all(e["t"] <= end["t"] for e in logged), [e for e in logged if e["t"] > end["t"]]  # type: ignore[operator]
    assert not [e for e in logged if e["type"] == "alert"]


def test_one_sigterm_ends_a_served_replay_and_its_feed(tmp_path: Path) -> None:
    out = tmp_path / "incident"
    log = out / "events.jsonl"
    process = subprocess.Popen(
        [*BRIDGE, "replay", *jsonl(tmp_path), "--speed", "1", "--serve", "--port", "0", "--out", str(out)],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for_session(log, process)
    process.send_signal(signal.SIGTERM)
    try:
        stdout, stderr = process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError(f"still serving after one SIGTERM: {process.communicate()}") from None
    assert process.returncode == 130, stderr
    assert "overlay: http://127.0.0.1:" in stdout
    assert events(log)[-1]["type"] == "end"
