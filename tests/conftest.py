from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
REAL_ASR = SHARED / "data" / "real" / "audio_asr"
SAMPLE = ROOT / "samples" / "sample-call.opus"
SAMPLE_REF = ROOT / "samples" / "sample-call.ref.json"
BRIDGE = [sys.executable, "-m", "bridge.cli.main"]

# Hypothesis's timing checks measure the machine, not the code: on 2 shared cores, with a model or a browser
# busy in the same run, one slow draw failed a run that had nothing wrong. Tests check behaviour; the
# benchmarks in scripts/ check speed.
settings.register_profile("bridge", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("bridge")

sys.path.insert(0, str(ROOT / "scripts"))
from _pulse import PulseServer, play, pulse_server  # noqa: E402
from _wer import wer  # noqa: E402

__all__ = [
    "BRIDGE",
    "REAL_ASR",
    "ROOT",
    "SAMPLE",
    "SAMPLE_REF",
    "SHARED",
    "Listening",
    "played",
    "run_bridge",
    "text_of",
    "transcripts",
    "wer",
]


def run_bridge(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*BRIDGE, *args], capture_output=True, text=True, cwd=ROOT, **kwargs)  # type: ignore[call-overload, no-any-return]


def wait_for_session(log: Path, process: subprocess.Popen[Any], timeout: float = 60) -> None:
    """Until `process` (a bridge run) has logged its session in `log`; fails if it exits or takes `timeout`."""
    deadline = time.monotonic() + timeout
    while not (log.exists() and b'"type":"session"' in log.read_bytes()):
        assert process.poll() is None, process.communicate()[1]
        assert time.monotonic() < deadline, "the process never logged its session"
        time.sleep(0.02)


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


# ---- `bridge listen` through a real PortAudio and a private PulseAudio daemon (a null sink, its monitor) ----


@pytest.fixture
def pulse(tmp_path: Path) -> Iterator[PulseServer]:
    with pulse_server(tmp_path / "pulse") as server:
        yield server
        while RUNNING:  # a failed test leaves its `bridge listen` running
            RUNNING[-1].kill()


class Listening:
    """`bridge listen` running in the background against the private PulseAudio."""

    def __init__(self, pulse: PulseServer, out: Path, *args: str) -> None:
        self.out = out
        self.stderr = out.parent / f"{out.name}.stderr"
        self._stderr = self.stderr.open("w")
        self.process = subprocess.Popen(
            [*BRIDGE, "listen", "--out", str(out), "--no-voices", *args],
            cwd=ROOT,
            env=pulse.env,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        RUNNING.append(self)
        self.wait_for(lambda events: any(e["type"] == "session" for e in events), 60)
        time.sleep(2.0)  # the devices open after the session starts

    def events(self) -> list[dict[str, Any]]:
        log = self.out / "events.jsonl"
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text().splitlines() if line.endswith("}")]

    def wait_for(self, condition: Any, timeout: float) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.stderr.read_text()
            if condition(events := self.events()):
                return events
            time.sleep(0.2)
        raise AssertionError(f"timed out; events: {[e['type'] for e in self.events()]}; {self.stderr.read_text()}")

    def stop(self, sig: int = signal.SIGINT) -> tuple[int, str]:
        self.process.send_signal(sig)
        stdout, _ = self.process.communicate(timeout=120)
        self._stderr.close()
        if self in RUNNING:
            RUNNING.remove(self)
        return self.process.returncode, stdout

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.communicate()
        self._stderr.close()
        if self in RUNNING:
            RUNNING.remove(self)


RUNNING: list[Listening] = []


def played(pulse: PulseServer, wav: Path) -> None:
    assert play(pulse, wav).wait(timeout=120) == 0


def text_of(events: list[dict[str, Any]], channel: int | None = None) -> str:
    return " ".join(
        e["text"] for e in events if e["type"] == "transcript" and (channel is None or e["channel"] == channel)
    )
