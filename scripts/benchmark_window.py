#!/usr/bin/env python3
"""How short an encoder window Whisper can take: the measurement behind `TranscriberOptions.window_floor`.

Each recording is cut into utterances as `bridge replay` cuts it (Silero VAD, the segmenter's defaults); every
utterance is decoded as a final is (base int8, beam 5, 2 threads), once with faster-whisper's 30-s window
(the baseline) and once per floor asked for, and the WER of the joined text and the decode time per utterance
are printed side by side, per recording and word-weighted over all.

Usage: scripts/benchmark_window.py [--floors 5,10,15] [--margin 2] [--real] [CALL ...]
CALL: names as for benchmark_transcription.py (default: the sample and the shared calls); --real adds the
real recordings that benchmark adds (scripts/_calls.py `real_recordings`).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from _calls import calls, real_recordings  # noqa: E402
from _wer import wer  # noqa: E402

from bridge.sources.files import open_source  # noqa: E402
from bridge.speech.segmenter import Segmenter  # noqa: E402
from bridge.speech.transcriber import Transcriber, TranscriberOptions  # noqa: E402
from bridge.speech.vad import SileroVad  # noqa: E402
from bridge.weights import resolve_whisper  # noqa: E402


def utterances(audio: Path) -> list[np.ndarray]:
    segmenter = Segmenter(SileroVad())
    cuts = [c for b in open_source(str(audio)).blocks() for c in segmenter.push(b.mono)] + segmenter.finish()
    return [c.audio for c in cuts if c.kind == "final"]


def decode(transcriber: Transcriber, cuts: list[np.ndarray]) -> tuple[str, list[float]]:
    texts, seconds = [], []
    for audio in cuts:
        start = time.perf_counter()
        texts.append(transcriber.transcribe(audio).text)
        seconds.append(time.perf_counter() - start)
    return " ".join(texts), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("calls", nargs="*")
    parser.add_argument("--floors", default="10,15", help="window floors in seconds, comma-separated")
    parser.add_argument("--margin", type=float, default=2.0, help="seconds of window beyond the utterance")
    parser.add_argument("--real", action="store_true", help="add the real recordings with a reference")
    args = parser.parse_args()
    floors = [float(f) for f in args.floors.split(",")]
    recordings = [(c.name, c.audio, c.reference) for c in calls(args.calls) if c.audio is not None]
    if args.real:
        recordings += [(c.name, c.audio, c.reference) for c in real_recordings() if c.audio is not None]
    path = resolve_whisper("base").path
    systems = [("30 s", TranscriberOptions(window_floor=30.0))]
    for floor in floors:
        options = TranscriberOptions(window_floor=floor, window_margin=args.margin)
        systems.append((f"{floor:g} s+{args.margin:g}", options))
    transcribers = [(name, Transcriber(path, options)) for name, options in systems]
    print("base int8, beam 5, 2 threads; per system: WER | decode p50 / p95 per utterance\n")
    print(f"{'recording':24} {'utts':>4} | " + " | ".join(f"{name:>20}" for name, _ in transcribers))
    words, wers, times = [], [[] for _ in transcribers], [[] for _ in transcribers]  # type: ignore[var-annotated]
    for name, audio, reference in recordings:
        cuts = utterances(audio)
        cells = []
        for i, (_, transcriber) in enumerate(transcribers):
            text, seconds = decode(transcriber, cuts)
            wers[i].append(wer(reference, text))
            times[i] += seconds
            cells.append(f"{wers[i][-1]:.3f} | {np.percentile(seconds, 50):.2f}/{np.percentile(seconds, 95):.2f}")
        words.append(len(reference.split()))
        print(f"{name:24} {len(cuts):4} | " + " | ".join(f"{c:>20}" for c in cells), flush=True)
    weights = np.array(words, dtype=float)
    print()
    for i, (name, _) in enumerate(transcribers):
        print(
            f"{name:>10}: WER {np.average(wers[i], weights=weights):.3f} (word-weighted), decode p50 "
            f"{np.percentile(times[i], 50):.2f} s, p95 {np.percentile(times[i], 95):.2f} s, total {sum(times[i]):.0f} s"
        )


if __name__ == "__main__":
    main()
