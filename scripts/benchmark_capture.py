#!/usr/bin/env python3
"""Benchmark live capture: `bridge listen` on a private PulseAudio null sink, no sound hardware.

One `bridge listen --device pulse` session, in one run:
- listening to silence: its CPU, beside two captures of the same monitor that do nothing else (the
  baselines): `parec` to /dev/null, and sounddevice at the native rate in a bare Python;
- listening to speech (the bundled sample call played into the sink with paplay): its CPU, the lag notices
  it logged, WER, and the delay from the end of each spoken line (paplay's start + the line's end in the
  reference) to the wall time of the transcript event that holds it, p50 and p95;
- memory (RSS) sampled every 10 s over the whole capture; `--minutes M` keeps it listening, the call played
  again and again with a minute's silence between, until M minutes have passed (the target run is 120).

Usage: scripts/benchmark_capture.py [--minutes M] [--silence S] [--model base]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from _pulse import PulseServer, play, pulse_server, stereo_wav, to_wav  # noqa: E402
from _wer import wer  # noqa: E402

SAMPLE = ROOT / "samples" / "sample-call.opus"
REFERENCE = ROOT / "samples" / "sample-call.ref.json"
TICK = os.sysconf("SC_CLK_TCK")

_SOUNDDEVICE_ONLY = """
import queue, sys, time, sounddevice as sd
q = queue.Queue(maxsize=1000)
info = sd.query_devices("pulse")
def callback(indata, frames, when, status):
    q.put_nowait(indata.copy())
rate = int(info["default_samplerate"])
with sd.InputStream(device="pulse", samplerate=rate, channels=2, dtype="float32", blocksize=rate // 20,
                    callback=callback):
    while True:
        q.get()
"""


_FIRST_SOUND = """
import queue, time, numpy as np, sounddevice as sd
rate = int(sd.query_devices("pulse")["default_samplerate"])
heard = queue.Queue()
def callback(indata, frames, when, status):
    if np.sqrt(np.mean(indata**2)) > 0.01:
        heard.put(time.time())
with sd.InputStream(device="pulse", samplerate=rate, channels=1, dtype="float32", blocksize=rate // 100,
                    callback=callback):
    print("ready", flush=True)
    print(heard.get(), flush=True)
"""


def rig_latency(server: PulseServer, folder: Path) -> float:
    """Seconds from paplay starting a sound to a bare capture hearing it: the test rig's own delay."""
    rate, tone_at = 44100, 1.0
    t = np.arange(int(rate * 0.5)) / rate
    audio = np.concatenate([np.zeros(int(rate * tone_at)), 0.5 * np.sin(2 * np.pi * 440 * t)])
    wav = stereo_wav(folder / "tone.wav", np.repeat((audio * 32767).astype("<i2"), 2), rate)
    seen = []
    for _ in range(3):
        probe = subprocess.Popen(
            [sys.executable, "-c", _FIRST_SOUND],
            env=server.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert probe.stdout is not None and probe.stdout.readline().strip() == "ready"
        time.sleep(1.0)
        played_at = time.time()
        play(server, wav).wait()
        heard = float(probe.stdout.readline())
        probe.wait()
        seen.append(heard - (played_at + tone_at))
    return float(np.median(seen))


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_percent(pid: int, seconds: float) -> float:
    before, start = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    return 100 * (cpu_seconds(pid) - before) / (time.monotonic() - start)


def baseline(server: PulseServer, command: list[str], seconds: float) -> float:
    process = subprocess.Popen(command, env=server.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(2.0)
        return cpu_percent(process.pid, seconds)
    finally:
        process.terminate()
        process.wait()


def events(log: Path) -> list[dict[str, Any]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.endswith("}")]


def delays(log: list[dict[str, Any]], lines: list[dict[str, Any]], played_at: float) -> list[float]:
    """Per transcript of the played call: its wall time less when the last line it holds finished playing."""
    started = next(e["started"] for e in log if e["type"] == "session")
    offset = played_at - started  # call seconds at the file's 0, to within the capture's start-up
    out = []
    for event in log:
        if event["type"] != "transcript":
            continue
        start, end = event["start"] - offset, event["end"] - offset
        held = [line for line in lines if line["start"] < end + 1.0 and line["end"] > start - 1.0]
        if held:
            out.append(event["wall"] - (played_at + max(line["end"] for line in held)))
    return out


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--minutes",
        type=float,
        default=0.0,
        help="keep listening this long in all (default: "
        "just the silence and one playing of the call); the target run is 120",
    )
    parser.add_argument("--silence", type=float, default=30.0, help="seconds of silence to measure (default: 30)")
    parser.add_argument("--model", default="base")
    args = parser.parse_args()
    reference = json.loads(REFERENCE.read_text())
    lines = reference["lines"]

    with tempfile.TemporaryDirectory() as tmp, pulse_server(Path(tmp) / "pulse") as server:
        wav = to_wav(SAMPLE, Path(tmp) / "call.wav")
        print(f"model {args.model}, int8, 2 threads, default session options; {os.cpu_count()} cores\n")
        parec = baseline(server, ["parec", "-d", "bridge.monitor"], args.silence)
        bare = baseline(server, [sys.executable, "-c", _SOUNDDEVICE_ONLY], args.silence)
        rig = rig_latency(server, Path(tmp))
        load = os.getloadavg()[0]

        out = Path(tmp) / "incident"
        log = out / "events.jsonl"
        listen = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bridge.cli.main",
                "listen",
                "--device",
                "pulse",
                "--out",
                str(out),
                "--model",
                args.model,
            ],
            cwd=ROOT,
            env=server.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        began = time.monotonic()
        memory: list[tuple[float, float]] = []
        try:
            while not events(log):
                time.sleep(0.2)
            time.sleep(5.0)  # the devices open and the models warm up
            silent = cpu_percent(listen.pid, args.silence)
            memory.append((time.monotonic() - began, rss_mb(listen.pid)))

            played_at, cpu_before = time.time(), cpu_seconds(listen.pid)
            player = play(server, wav)
            while player.poll() is None:
                time.sleep(10.0)
                memory.append((time.monotonic() - began, rss_mb(listen.pid)))
            time.sleep(3.0)  # the last line's transcript
            speech_cpu = 100 * (cpu_seconds(listen.pid) - cpu_before) / (time.time() - played_at)
            first = events(log)
            delay = delays(first, lines, played_at)
            text = " ".join(e["text"] for e in first if e["type"] == "transcript")
            call_wer = wer(" ".join(line["text"] for line in lines), text)

            rounds = 1
            while time.monotonic() - began < args.minutes * 60:
                pause_until = time.monotonic() + 60.0
                while time.monotonic() < pause_until:
                    time.sleep(10.0)
                    memory.append((time.monotonic() - began, rss_mb(listen.pid)))
                player = play(server, wav)
                while player.poll() is None:
                    time.sleep(10.0)
                    memory.append((time.monotonic() - began, rss_mb(listen.pid)))
                rounds += 1
        finally:
            listen.send_signal(signal.SIGTERM)  # as Ctrl-C; a background job started by a script ignores SIGINT
            _, stderr = listen.communicate(timeout=300)
        final = events(log)
        lag = [e for e in final if e["type"] == "notice" and e["code"] == "lag"]
        trouble = [e for e in final if e["type"] == "notice" and e["code"] != "lag"]

    minutes = (time.monotonic() - began) / 60
    peak = max(m for _, m in memory)
    half = [(t, m) for t, m in memory if t >= memory[-1][0] / 2]
    slope = float(np.polyfit([t for t, _ in half], [m for _, m in half], 1)[0]) * 3600 if len(half) > 2 else 0.0
    print(f"{'what':44} {'measured':>26} {'target':>16} | baseline, same run")
    print(
        f"{'CPU listening to silence (% of one core)':44} {silent:25.1f}% {'≤ 5 %':>16} | "
        f"parec alone {parec:.1f} %, sounddevice alone {bare:.1f} %"
    )
    print(f"{'CPU listening to speech (% of one core)':44} {speech_cpu:25.1f}% {'-':>16} |")
    print(
        f"{'played → transcript event':44} {f'p50 {pct(delay, 50):.2f} s, p95 {pct(delay, 95):.2f} s':>26} "
        f"{'p95 ≤ 2 s':>16} | played → heard by a bare capture {rig:.2f} s ({len(delay)} transcripts)"
    )
    print(
        f"{'lag notices (transcription > 5 s behind)':44} {len([e for e in lag if e['level'] == 'warning']):>26} "
        f"{'0':>16} |"
    )
    print(f"{'WER of the call as heard live':44} {call_wer:26.3f} {'-':>16} |")
    print(
        f"{'memory (RSS) over ' + f'{minutes:.1f} min, {rounds} playings':44} "
        f"{f'peak {peak:.0f} MB, {slope:+.0f} MB/h':>26} {'flat, ≤ 1 GB':>16} | "
        f"first {memory[0][1]:.0f} MB, last {memory[-1][1]:.0f} MB"
    )
    print(f"\nload average (1 min) on the machine: {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
    if trouble:
        print("\nnotices:", *(f"  {e['t']:.1f} s {e['code']}: {e['message']}" for e in trouble), sep="\n")
    if listen.returncode not in (0, 130):
        print(f"\nbridge listen exited {listen.returncode}: {stderr[-2000:]}")


if __name__ == "__main__":
    main()
