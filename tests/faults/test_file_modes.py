"""An incident holds a sensitive call: under the usual umask (022) its folder is 0700 and every file in it
0600, the log, the lock, the drafts and the audio archive alike."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import numpy as np

from tests.conftest import BRIDGE, ROOT, write_wav
from tests.faults.test_bad_input import GOOD_LINE


def modes(folder: Path) -> dict[str, int]:
    found = {".": stat.S_IMODE(folder.stat().st_mode)}
    for path in folder.rglob("*"):
        found[str(path.relative_to(folder))] = stat.S_IMODE(path.stat().st_mode)
    return found


def run_under_umask_022(*args: str) -> None:
    done = subprocess.run(
        [*BRIDGE, *args], cwd=ROOT, capture_output=True, text=True, preexec_fn=lambda: os.umask(0o022)
    )
    assert done.returncode == 0, done.stderr


def test_incident_folders_are_private_whatever_the_umask(tmp_path: Path) -> None:
    audio = write_wav(tmp_path / "quiet.wav", np.zeros(16000 * 12))
    recorded = tmp_path / "nested" / "recorded"  # a parent made on the way is private too
    run_under_umask_022("replay", str(audio), "--record", "--no-voices", "--out", str(recorded))
    call = tmp_path / "call.jsonl"
    call.write_text(GOOD_LINE)
    transcribed = tmp_path / "transcribed"
    run_under_umask_022("replay", str(call), "--out", str(transcribed))
    for folder in (recorded, transcribed):
        found = modes(folder)
        assert {"events.jsonl", "postmortem.md", ".lock"} <= set(found)
        for name, mode in found.items():
            want = 0o700 if (folder / name).is_dir() else 0o600
            assert mode == want, f"{folder.name}/{name}: {mode:o}"
    assert {"audio", "audio/0000000000.wav", "audio/0000160000.wav"} <= set(modes(recorded))
    assert stat.S_IMODE(recorded.parent.stat().st_mode) == 0o700
