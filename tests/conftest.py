from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
REAL_ASR = SHARED / "data" / "real" / "audio_asr"
SAMPLE = ROOT / "samples" / "sample-call.opus"
SAMPLE_REF = ROOT / "samples" / "sample-call.ref.json"
BRIDGE = [sys.executable, "-m", "bridge.cli"]

sys.path.insert(0, str(ROOT / "scripts"))
from _wer import wer  # noqa: E402

__all__ = ["BRIDGE", "REAL_ASR", "ROOT", "SAMPLE", "SAMPLE_REF", "SHARED", "run_bridge", "transcripts", "wer"]


def run_bridge(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*BRIDGE, *args], capture_output=True, text=True, cwd=ROOT, **kwargs)  # type: ignore[call-overload, no-any-return]


def transcripts(log: Path) -> list[dict[str, object]]:
    events = [json.loads(line) for line in log.read_text().splitlines()]
    return [e for e in events if e["type"] == "transcript"]


def write_wav(path: Path, audio: np.ndarray, rate: int = 16000) -> Path:
    import wave

    pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return path


@pytest.fixture(scope="session")
def sample_ref() -> dict[str, object]:
    return json.loads(SAMPLE_REF.read_text())  # type: ignore[no-any-return]
