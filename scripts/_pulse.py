"""A private PulseAudio daemon with a null sink named `bridge`: a real PortAudio capture path without sound
hardware, for the capture tests and benchmark. What is played into the sink (`paplay --device=bridge`) is
heard on its monitor, which is the default source, so `bridge listen --device pulse` captures it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import wave
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import av
import numpy as np

__all__ = ["SINK", "PulseServer", "play", "pulse_server", "stereo_wav", "to_wav"]

SINK = "bridge"


class PulseServer:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def pactl(self, *args: str) -> str:
        done = subprocess.run(["pactl", *args], env=self.env, capture_output=True, text=True, timeout=10)
        if done.returncode:
            raise RuntimeError(f"pactl {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def sink_module(self) -> str | None:
        for line in self.pactl("list", "short", "modules").splitlines():
            if "module-null-sink" in line and f"sink_name={SINK}" in line:
                return line.split("\t")[0]
        return None

    def unload_sink(self) -> None:
        module = self.sink_module()
        assert module is not None, "the null sink is not loaded"
        self.pactl("unload-module", module)

    def load_sink(self) -> None:
        self.pactl("load-module", "module-null-sink", f"sink_name={SINK}")
        self.pactl("set-default-source", f"{SINK}.monitor")


@contextmanager
def pulse_server(runtime: Path) -> Iterator[PulseServer]:
    """Start PulseAudio with its own runtime folder under `runtime`; kill it on exit. Raises when it cannot
    start, so a test using it fails rather than skips."""
    for tool in ("pulseaudio", "pactl", "paplay"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is missing: apt-get install pulseaudio pulseaudio-utils (scripts/setup does)")
    runtime.mkdir(parents=True, exist_ok=True)
    runtime.chmod(0o700)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "XDG_CONFIG_HOME": str(runtime / "config")}
    env.pop("PULSE_SERVER", None)
    started = subprocess.run(
        [
            "pulseaudio",
            "-D",
            "--exit-idle-time=-1",
            "-n",
            f"--load=module-null-sink sink_name={SINK}",
            "--load=module-native-protocol-unix",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    pid_file = runtime / "pulse" / "pid"
    server = PulseServer(env)
    try:
        if started.returncode:
            raise RuntimeError(f"pulseaudio did not start: {started.stderr.strip()}")
        for _ in range(50):
            if pid_file.exists() and server.sink_module() is not None:
                break
            time.sleep(0.1)
        server.pactl("set-default-source", f"{SINK}.monitor")
        yield server
    finally:
        if pid_file.exists():
            with suppress(ProcessLookupError, ValueError):
                os.kill(int(pid_file.read_text().split()[0]), signal.SIGTERM)


def to_wav(source: Path, target: Path, rate: int = 44100) -> Path:
    """`source` as 16-bit stereo WAV at `rate`: what paplay plays faithfully (its FLAC and Opus reading is not)."""
    with av.open(str(source)) as container:
        resampler = av.AudioResampler(format="s16", layout="stereo", rate=rate)
        frames = [out.to_ndarray() for f in container.decode(audio=0) for out in resampler.resample(f)]
        frames += [out.to_ndarray() for out in resampler.resample(None)]
    return stereo_wav(target, np.concatenate(frames, axis=1).reshape(-1), rate)


def stereo_wav(target: Path, pcm: np.ndarray, rate: int) -> Path:
    """Interleaved 16-bit stereo samples as a WAV file."""
    with wave.open(str(target), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.astype("<i2").tobytes())
    return target


def play(server: PulseServer, wav: Path) -> subprocess.Popen[bytes]:
    """Play `wav` into the sink as a call app would, with little buffering: paplay's default (2 s) makes the
    null sink hand its monitor the audio in bursts of up to that much."""
    return subprocess.Popen(["paplay", f"--device={SINK}", "--latency-msec=50", str(wav)], env=server.env)
