#!/usr/bin/env python3
"""Benchmark the spine: streaming transcription against offline faster-whisper on the same audio.

For each call (the bundled sample and the rendered development calls in ../shared/calls, and with --real the
real recordings of ../shared/data/real that have a transcript), in one run:
- offline: faster-whisper over the whole file, VAD on, its default beam, in its own process (the baseline:
  timed transcribing alone and as a whole process, as the replay is);
- `bridge replay --speed max` in a subprocess: wall time, peak memory, WER;
- a real-time replay in this process: delay from the end of each spoken line to its final transcript
  event, and from any moment of speech to the first text (interim or final) that covers it (real recordings:
  only those whose transcript is timed).

Usage: scripts/benchmark_transcription.py [--model base] [--no-realtime] [--real] [CALL ...]
Calls are rendered into .cache/calls/ on first use (needs sox and hibari-tts: scripts/setup).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from _calls import Call, calls, real_recordings  # noqa: E402
from _wer import wer  # noqa: E402

from bridge.events import Alert, Event, Interim, ModelInfo, Session, SessionOptions, Transcript  # noqa: E402
from bridge.incident import Incident  # noqa: E402
from bridge.language.analysis import Analyzer  # noqa: E402
from bridge.language.extraction import Extractor  # noqa: E402
from bridge.log.eventlog import EventLog  # noqa: E402
from bridge.monitor import Monitor  # noqa: E402
from bridge.pipeline import Pipeline, PipelineOptions  # noqa: E402
from bridge.sources.files import open_source  # noqa: E402
from bridge.speakers.attribution import Speakers  # noqa: E402
from bridge.speech.transcriber import Transcriber, TranscriberOptions  # noqa: E402
from bridge.speech.vad import SileroVad  # noqa: E402
from bridge.weights import resolve_spacy, resolve_whisper  # noqa: E402


def seconds(call: Call) -> float:
    return max(block.end for block in open_source(str(call.audio)).blocks()) / 16000


_OFFLINE = """
import json, sys, time
from faster_whisper import WhisperModel
model = WhisperModel(sys.argv[1], device="cpu", compute_type="int8", cpu_threads=2)
start = time.perf_counter()
segments, _ = model.transcribe(sys.argv[2], language="en", vad_filter=True)
text = " ".join(s.text for s in segments)
print(json.dumps({"text": text, "seconds": time.perf_counter() - start}))
"""


def offline(call: Call, model_path: Path) -> tuple[float, float, float]:
    """WER, seconds transcribing (model loaded) and seconds of the whole process (Python, import, model load
    and transcription: what `bridge replay` is timed by) of offline faster-whisper in its own process."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _OFFLINE, str(model_path), str(call.audio)], capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"offline faster-whisper failed on {call.audio}: {done.stderr.strip()[-300:]}")
    out = json.loads(done.stdout.splitlines()[-1])
    return wer(call.reference, out["text"]), out["seconds"], elapsed


# Linux counts a child's peak memory from the moment it was forked, so a child of this (large) process
# would report at least this process's size: start the replay from a small Python that reports it.
_LAUNCH = (
    "import resource, subprocess, sys; done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(done.returncode)"
)


def full_speed(call: Call, model: str) -> tuple[float, float, float]:
    """WER, wall seconds and peak RSS (MB) of `bridge replay --speed max` in its own process."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        command = [
            sys.executable,
            "-m",
            "bridge.cli.main",
            "replay",
            str(call.audio),
            "--model",
            model,
            "--out",
            f"{tmp}/o",
        ]
        done = subprocess.run([sys.executable, "-c", _LAUNCH, *command], capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"bridge replay failed on {call.audio}: {done.stderr.strip()[-300:]}")
        peak_kb = int(done.stdout.split()[-1])
        events = [json.loads(line) for line in Path(f"{tmp}/o/events.jsonl").read_text().splitlines()]
    text = " ".join(e["text"] for e in events if e["type"] == "transcript")
    return wer(call.reference, text), elapsed, peak_kb / 1024


@dataclass
class Live:
    started: float = 0.0
    finals: list[Transcript] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    shown: list[tuple[float, float]] = field(default_factory=list)  # (audio end covered, wall time shown)

    def __call__(self, event: Event) -> None:
        if isinstance(event, Session):
            self.started = event.started
        elif isinstance(event, Transcript):
            self.finals.append(event)
            self.shown.append((event.end, event.wall))
        elif isinstance(event, Alert):
            self.alerts.append(event)
        elif isinstance(event, Interim):
            self.shown.append((event.end, time.time()))


def real_time(
    call: Call, transcriber: Transcriber, model: ModelInfo
) -> tuple[list[float], list[float], list[float], list[float]]:
    """Per line: end of speech → final event. Per 0.25 s of speech: spoken → first text on screen, over all
    speech and over speech whose utterance goes on for another second (what interim text is for)."""
    live = Live()
    with tempfile.TemporaryDirectory() as tmp:
        incident = Incident(
            EventLog(Path(tmp) / "events.jsonl"),
            sinks=[live],
            monitor=Monitor(),
            extractor=Extractor(Analyzer(resolve_spacy()), Speakers()),
        )
        pipeline = Pipeline(
            source=open_source(str(call.audio)),
            recogniser=transcriber,
            vad=SileroVad,
            model=model,
            incident=incident,
            options=PipelineOptions(speed=1.0),
            session=SessionOptions(),
        )
        pipeline.run()
        incident.close()
    finals_latency = []
    for line in call.lines:
        end = float(line["end"])  # type: ignore[arg-type]
        covering = [e for e in live.finals if e.start - 0.3 <= end <= e.end + 0.5]
        if covering:
            last = min(covering, key=lambda e: abs(e.end - end))
            finals_latency.append(last.wall - (live.started + end))
    on_screen = []
    for line in call.lines:
        for moment in np.arange(float(line["start"]) + 0.25, float(line["end"]), 0.25):  # type: ignore[arg-type]
            first = min((wall for covered, wall in live.shown if covered >= moment), default=None)
            if first is not None:
                on_screen.append(first - (live.started + moment))
    in_progress = []  # moments of an utterance that goes on for at least another second
    for e in live.finals:
        for moment in np.arange(e.start + 0.25, e.end - 1.0, 0.25):
            first = min((wall for covered, wall in live.shown if covered >= moment), default=None)
            if first is not None:
                in_progress.append(first - (live.started + moment))
    alert_delay = [a.wall - (live.started + a.t) for a in live.alerts]
    return finals_latency, on_screen, in_progress, alert_delay


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("calls", nargs="*", help="call names (default: the sample and every shared call)")
    parser.add_argument("--model", default="base")
    parser.add_argument(
        "--no-realtime",
        dest="realtime",
        action="store_false",
        help="skip the real-time replays (they take as long as the calls)",
    )
    parser.add_argument("--real", action="store_true", help="the real recordings too (../shared/data/real)")
    args = parser.parse_args()
    ref = resolve_whisper(args.model)
    info = ModelInfo(name=ref.name, path=str(ref.path), sha256=ref.sha256)
    # as `bridge replay --speed 1` runs it: the final text from --model, interim text from tiny.en
    interim = resolve_whisper("tiny.en").path
    transcriber = Transcriber(ref.path, TranscriberOptions(), interim_path=interim) if args.realtime else None
    all_final, all_screen, all_progress, all_alerts = [], [], [], []
    print(f"model {args.model}, int8, 2 threads; WER with Whisper's English normaliser\n")
    print(
        f"{'call':20} {'audio':>6} | {'offline WER':>11} {'time':>6} {'process':>7} | {'stream WER':>10} "
        f"{'max-speed':>9} {'ratio':>5} {'peak MB':>7} | {'final p50':>9} {'p95':>5} | {'live p50':>8} {'p95':>5}"
    )
    total_ref, total_off, total_stream, times = [], [], [], []
    for call in calls(args.calls) + (real_recordings() if args.real else []):
        off_wer, off_time, off_process = offline(call, ref.path)
        s_wer, s_time, peak = full_speed(call, args.model)
        times.append((off_time, off_process, s_time))
        total_ref.append(len(call.reference.split()))
        total_off.append(off_wer)
        total_stream.append(s_wer)
        latency = "-"
        if transcriber is not None and any(float(line["end"]) for line in call.lines):  # type: ignore[arg-type]
            finals, screen, progress, alerts = real_time(call, transcriber, info)
            all_progress += progress
            all_final += finals
            all_screen += screen
            all_alerts += alerts
            latency = (
                f"{pct(finals, 50):9.2f} {pct(finals, 95):5.2f} | {pct(progress, 50):8.2f} {pct(progress, 95):5.2f}"
            )
        print(
            f"{call.name:20} {call.duration or seconds(call):5.0f}s | {off_wer:11.3f} {off_time:5.1f}s "
            f"{off_process:6.1f}s | {s_wer:10.3f} {s_time:8.1f}s {s_time / off_process:5.2f} {peak:7.0f} | {latency}",
            flush=True,
        )
    weights = np.array(total_ref, dtype=float)
    print(
        f"\nWER, word-weighted over all calls: offline {np.average(total_off, weights=weights):.3f}, "
        f"streaming {np.average(total_stream, weights=weights):.3f} (target: streaming ≤ offline)"
    )
    if all_final:
        print(
            f"end of speech → final event: p50 {pct(all_final, 50):.2f} s, p95 {pct(all_final, 95):.2f} s "
            "(target p50 ≤ 0.45, p95 ≤ 0.8)"
        )
        print(
            f"speech still in progress → its text on screen (interim): p50 {pct(all_progress, 50):.2f} s, "
            f"p95 {pct(all_progress, 95):.2f} s (target ≤ 1 s; interims come at most once per second of speech)"
        )
        print(
            f"any moment of speech → first text on screen (interim or final): p50 {pct(all_screen, 50):.2f} s, "
            f"p95 {pct(all_screen, 95):.2f} s"
        )
        print(
            f"alert call time → emitted, wall clock: p50 {pct(all_alerts, 50):.2f} s, "
            f"max {max(all_alerts, default=0):.2f} s"
            f" over {len(all_alerts)} alerts (target ≤ 0.5 s)"
        )
    off_time, off_process, s_time = (sum(column) for column in zip(*times, strict=True))
    print(
        f"--speed max over all calls: {s_time:.1f} s, against offline faster-whisper's whole process "
        f"{off_process:.1f} s (ratio {s_time / off_process:.2f}) and its transcription alone {off_time:.1f} s "
        f"(ratio {s_time / off_time:.2f}); "
        "both processes are timed from their start, so each pays for Python, imports and loading its models "
        "(target: ratio ≤ 1.0, peak memory ≤ 1 GB)"
    )


if __name__ == "__main__":
    main()
