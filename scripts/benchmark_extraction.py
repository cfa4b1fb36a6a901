#!/usr/bin/env python3
"""Benchmark extraction: time per final transcript, and start-up with the spaCy pipeline and the act
classifier loaded.

Transcripts: every reference line of the bundled sample and ../shared/calls, and the real Apollo 13 Flight
Director loop (../shared/data/real/incident_dialogue), fed one by one through speaker attribution and
extraction as the pipeline does, with the act classifier (the shipped "both") and with the rules alone.
Baseline, in the same run: spaCy's parse of the same text alone, the floor any spaCy-based extractor pays.

Usage: scripts/benchmark_extraction.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from _calls import calls  # noqa: E402

from bridge.events import Transcript  # noqa: E402
from bridge.language.acts import Acts  # noqa: E402
from bridge.language.analysis import Analyzer  # noqa: E402
from bridge.language.extraction import Extractor  # noqa: E402
from bridge.speakers.attribution import Speakers  # noqa: E402
from bridge.weights import resolve_spacy  # noqa: E402

APOLLO = ROOT.parent / "shared" / "data" / "real" / "incident_dialogue"


def conversations() -> list[list[str]]:
    out = [[str(line["text"]) for line in call.lines] for call in calls([])]
    for path in sorted(APOLLO.glob("apollo13_flight_director_loop_*.jsonl")):
        out.append([json.loads(line)["text"] for line in path.read_text().splitlines() if line.strip()])
    return out


def per_transcript(analyzer: Analyzer, conversation: list[str], acts: Acts | None) -> tuple[list[float], list[float]]:
    extractor = Extractor(analyzer, Speakers(), acts=acts, started=time.time())
    ours, parse = [], []
    for seq, text in enumerate(conversation, 1):
        t = Transcript(seq=seq, t=seq * 5.0 + 1, start=seq * 5.0 - 3, end=seq * 5.0, text=text)
        start = time.perf_counter()
        extractor.extract(extractor.attribute(t))
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        analyzer.nlp(text)
        parse.append(time.perf_counter() - start)
    return ours, parse


def start_up() -> tuple[float, float]:
    """Seconds for `bridge replay` of a one-line transcript (spaCy loaded), and for Python importing spaCy
    and loading the pipeline alone."""
    with tempfile.TemporaryDirectory() as tmp:
        transcript = Path(tmp) / "one.jsonl"
        transcript.write_text(json.dumps({"start": 0, "end": 2, "text": "Next update in two minutes."}) + "\n")
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bridge.cli.main", "replay", str(transcript), "--out", f"{tmp}/o"],
            check=True,
            capture_output=True,
        )
        ours = time.perf_counter() - start
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", f"import spacy; spacy.load({str(resolve_spacy())!r})"], check=True)
    return ours, time.perf_counter() - start


def main() -> None:
    start = time.perf_counter()
    analyzer = Analyzer(resolve_spacy())
    load = time.perf_counter() - start
    acts = Acts()
    ours, rules, parse = [], [], []
    for conversation in conversations():
        o, p = per_transcript(analyzer, conversation, acts)
        ours += o
        parse += p
        rules += per_transcript(analyzer, conversation, None)[0]
    ms = 1000 * np.array(ours)
    alone = 1000 * np.array(rules)
    base = 1000 * np.array(parse)
    print(f"{len(ms)} transcripts (the scripted calls' lines and the Apollo 13 Flight Director loop)")
    print(
        f"extraction per transcript, with the act classifier: p50 {np.percentile(ms, 50):.1f} ms, "
        f"p95 {np.percentile(ms, 95):.1f} ms, max {ms.max():.1f} ms (target p95 ≤ 20 ms)"
    )
    print(f"the rules alone: p50 {np.percentile(alone, 50):.1f} ms, p95 {np.percentile(alone, 95):.1f} ms")
    print(f"baseline, spaCy parse alone: p50 {np.percentile(base, 50):.1f} ms, p95 {np.percentile(base, 95):.1f} ms")
    replay, spacy_alone = start_up()
    print(
        f"start-up: analyzer (spaCy + patterns) {load:.2f} s in process; `bridge replay` of a one-line "
        f"transcript {replay:.2f} s end to end, beside Python loading spaCy alone {spacy_alone:.2f} s"
    )


if __name__ == "__main__":
    main()
