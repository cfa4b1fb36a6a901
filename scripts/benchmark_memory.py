#!/usr/bin/env python3
"""Benchmark memory over a long call: `bridge replay --speed max` of H hours of bridge audio.

The long call is the bundled sample call (3.9 min, four speakers) played again and again with a minute of
silence between playings, until H hours (default 2, the target run). Every growing structure in a session
(the incident's history, the monitor's timers, the voices, the segmenter's buffer) would show here as a
slope. RSS is sampled every 2 s; the slope is fitted over the second half of the run, once everything is
loaded and warm. The baseline, in the same run, is the first playing alone.

Usage: scripts/benchmark_memory.py [--hours H] [--model base]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "sample-call.opus"
RATE = 16000


def decode(path: Path) -> np.ndarray:
    resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
    with av.open(str(path)) as container:
        chunks = [f.to_ndarray()[0] for frame in container.decode(audio=0) for f in resampler.resample(frame)]
    return np.concatenate(chunks)


def long_call(path: Path, hours: float) -> int:
    """Write the sample call repeated with a minute of silence between, to `hours`; return the playings."""
    call, pause = decode(SAMPLE), np.zeros(60 * RATE, dtype=np.int16)
    playings = max(1, int(hours * 3600 * RATE // (len(call) + len(pause))))
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        for _ in range(playings):
            w.writeframes(call.tobytes())
            w.writeframes(pause.tobytes())
    return playings


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def replay(audio: Path, out: Path, model: str) -> tuple[list[tuple[float, float]], float]:
    """Run bridge replay; return (seconds, RSS MB) samples and the wall seconds it took."""
    command = [sys.executable, "-m", "bridge.cli.main", "replay", str(audio), "--out", str(out), "--model", model]
    began = time.monotonic()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    samples: list[tuple[float, float]] = []
    while process.poll() is None:
        try:
            samples.append((time.monotonic() - began, rss_mb(process.pid)))
        except FileNotFoundError:
            break
        time.sleep(2.0)
    _, stderr = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"bridge replay failed ({process.returncode}): {stderr[-1000:]}")
    return samples, time.monotonic() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=float, default=2.0, help="length of the call (default: 2, the target)")
    parser.add_argument("--model", default="base")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        one, long = Path(tmp) / "one.wav", Path(tmp) / "long.wav"
        long_call(one, 0.0)
        playings = long_call(long, args.hours)
        base, base_wall = replay(one, Path(tmp) / "one", args.model)
        samples, wall = replay(long, Path(tmp) / "long", args.model)
    hours = playings * (len(decode(SAMPLE)) / RATE + 60) / 3600
    half = [(t, m) for t, m in samples if t >= samples[-1][0] / 2]
    per_second = float(np.polyfit([t for t, _ in half], [m for _, m in half], 1)[0]) if len(half) > 2 else 0.0
    slope = per_second * wall / hours  # MB per hour of call
    peak = max(m for _, m in samples)
    print(f"model {args.model}, int8, 2 threads, default session options (voices on)\n")
    print(f"{'what':40} {'measured':>34} {'target':>14} | baseline, same run")
    print(
        f"{f'{hours:.2f} h of call at --speed max':40} {f'{wall:.0f} s':>34} {'-':>14} | "
        f"one playing (3.9 min + 1 min): {base_wall:.0f} s"
    )
    print(
        f"{'memory (RSS)':40} {f'peak {peak:.0f} MB, {slope:+.1f} MB per call hour':>34} {'flat, ≤ 1 GB':>14} | "
        f"one playing: peak {max(m for _, m in base):.0f} MB"
    )
    quarter, three = samples[len(samples) // 4][1], samples[3 * len(samples) // 4][1]
    print(f"{'':40} {f'a quarter in {quarter:.0f} MB, three quarters {three:.0f} MB':>34}")


if __name__ == "__main__":
    main()
