"""A full disk under the incident (a small tmpfs, so root only): the call goes on, the log keeps only whole
events, the trouble is said once, the events the disk refused are kept in memory and written when there is
room again; if there never is, the run ends cleanly (exit 1) saying what was lost. An archive chunk that
could not be written leaves nothing behind to eat the space the log needs."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import BRIDGE, ROOT, run_bridge, wait_for_session, write_wav

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root (CI runs as root)")

UTTERANCES = 24
"""Lines of the transcript, one every 5 call seconds: 6 wall seconds at --speed 20."""


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True)
    if mounted.returncode != 0:  # root in a container without the right to mount
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(disk: Path) -> Path:
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as f, contextlib.suppress(OSError):
        while True:
            f.write(b"\0" * 4096)
    with pytest.raises(OSError) as full:
        (disk / "probe").write_bytes(b"x" * 4096)
    assert full.value.errno == errno.ENOSPC
    return filler


def parsed(log: Path) -> list[dict[str, object]]:
    data = log.read_bytes()
    assert not data or data.endswith(b"\n"), "a torn line was left in the log"
    return [json.loads(line) for line in data.splitlines()]


def test_a_disk_that_fills_and_frees_loses_no_event(tmp_path: Path, disk: Path) -> None:
    call = tmp_path / "call.jsonl"
    said = "all good " * 300  # lines longer than a page: each needs room the full disk does not have
    rows = [{"start": 5 * i + 1, "end": 5 * i + 3, "text": f"update {i} from Omar: {said}"} for i in range(UTTERANCES)]
    call.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = disk / "incident"
    log = out / "events.jsonl"
    process = subprocess.Popen(
        [*BRIDGE, "replay", str(call), "--speed", "20", "--out", str(out)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for_session(log, process)
    filler = fill(disk)
    time.sleep(2.0)
    filler.unlink()
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 2, stderr
    assert "cannot write the event log" in lines[0] and "No space left on device" in lines[0]
    assert "free space" in lines[0]
    assert "the disk refused the event log for" in lines[1] and "none was lost" in lines[1]
    events = parsed(log)
    (notice,) = [e for e in events if e["type"] == "notice"]
    assert notice["code"] == "log_disk" and str(notice["message"]) in lines[1]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert sum(e["type"] == "transcript" for e in events) == UTTERANCES
    assert events[-1]["type"] == "end"


def test_a_disk_that_stays_full_ends_cleanly_and_leaves_no_chunk_behind(tmp_path: Path, disk: Path) -> None:
    audio = write_wav(tmp_path / "quiet.wav", np.zeros(16000 * 12))
    out = disk / "incident"
    fill(disk)
    done = run_bridge(
        "replay", str(audio), "--record", "--no-voices", "--model", "tiny.en", "--out", str(out), timeout=120
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    said = done.stderr.strip().splitlines()
    assert sum("cannot write the event log" in line for line in said) == 1, done.stderr
    assert "could not be written" in said[-1] and "lost" in said[-1], done.stderr
    parsed(out / "events.jsonl")
    assert not [p.name for p in (out / "audio").iterdir()]  # no chunk, whole or part
