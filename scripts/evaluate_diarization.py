#!/usr/bin/env python3
"""Who spoke when, by voice alone: diarization error rate on real recordings, speakers of the rendered calls.

Our system is what the live pipeline would run: the file through bridge.speech.segmenter.Segmenter with the
streaming Silero VAD in 0.1 s blocks (final utterances only), each utterance's speech through
bridge.speakers.voiceprint.VoiceEncoder, and the vectors through bridge.speakers.voices.Voices online, in call
order. Each utterance becomes one hypothesis turn (its speech span) with its speaker label. Beside it, in the same run:
  after call    the same vectors clustered again once the call is over (bridge.speakers.offline.recluster:
                average linkage on cosine distance, mapped one to one to the online labels), as `bridge`
                logs it when a call ends;
  one speaker   every utterance given to the same speaker;
  MFCC mean     the mean of MFCCs 1-19 (Whisper's 80-band log-mel, DCT) per utterance through the same
                Voices clustering, with the threshold that does best on the calls in this run (0.80 to
                0.995 tried): a baseline tuned on the test, so it is flattered, not handicapped.

Measures:
  DER           pyannote.metrics' DiarizationErrorRate (optimal one-to-one speaker mapping, overlapped
                speech scored), with the usual NIST collar of 0.25 s on each side of every reference
                boundary (pyannote's collar=0.5, which is the collar's total width) and with none. Scored
                over the .uem where there is one, else the whole file. Per file and in total (time-weighted).
  stretches     single-speaker stretches of real speech, each at least 1 s: the one-speaker files of
                audio_asr (the LibriVox reader's five utterances are one speaker, each channel of
                stereo_diarization is one) and the parts of every RTTM turn that no other speaker overlaps;
                clustered in 20 shuffled orders (seed 0). The share of
                stretches whose label maps to their speaker (one to one), mean and worst, and labels used.
  lines         rendered calls: the share of reference lines whose speaker label (the label of the
                utterances overlapping it most) maps to the line's speaker, with labels mapped to speakers
                one to one to match the most lines (so splitting a speaker in two costs the lines of the
                smaller part, and one label for two speakers costs the lines of one of them).
  cost          CPU seconds (process time, both cores) and wall seconds spent embedding, per second of
                speech, and beside them Whisper base's (int8, 2 threads, beam 5, as bridge replay decodes
                finals) transcribing the same utterances (--no-whisper skips it).

  sweep         (--sweep) the after-call pass at each distance threshold: DER ±0.25 s on the real recordings
                and lines right on the calls; and its time over 1200 utterances of the calls' voices.

Usage: scripts/evaluate_diarization.py [--threshold T] [--after T] [--sweep] [--no-whisper] [--calls NAME ...]
Calls are rendered into .cache/calls/ on first use (scripts/_calls.py).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from _calls import calls
from faster_whisper.feature_extractor import FeatureExtractor
from pyannote.core import Annotation, Segment, Timeline
from pyannote.metrics.diarization import DiarizationErrorRate
from scipy.fft import dct
from scipy.optimize import linear_sum_assignment

from bridge.calltime import RATE
from bridge.sources.files import FileSource
from bridge.speakers.offline import OfflineOptions, recluster
from bridge.speakers.voiceprint import VoiceEncoder
from bridge.speakers.voices import Voices, VoicesOptions
from bridge.speech.segmenter import Segmenter
from bridge.speech.vad import SileroVad
from bridge.weights import resolve_voice, resolve_whisper

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT.parent / "shared" / "data" / "real" / "audio_diarization"
ASR = REAL.parent / "audio_asr"
ONE_SPEAKER = ["jfk.wav", "picovoice_leopard_test.wav", "OSR_us_000_0034_8k.wav"]
RECORDINGS = ["pyannote_sample", "pyannote_tst00", "picovoice_falcon_test"]
COLLARS = {"DER ±0.25 s": 0.5, "DER no collar": 0.0}
SWEEP = [0.16, 0.18, 0.2, 0.22, 0.24, 0.26, 0.3, 0.4, 0.5]
MFCC_THRESHOLDS = [0.8, 0.9, 0.95, 0.97, 0.98, 0.985, 0.99, 0.995]


@dataclass
class Recording:
    name: str
    turns: list[tuple[float, float, str]]
    """Reference: (start, end, speaker) in seconds; for a rendered call, its lines."""
    uem: tuple[float, float]
    is_call: bool
    starts: list[float] = field(default_factory=list)
    ends: list[float] = field(default_factory=list)
    speech: list[np.ndarray] = field(default_factory=list)
    voices: np.ndarray = field(default_factory=lambda: np.zeros((0, 256), np.float32))
    labels: dict[str, list[str]] = field(default_factory=dict)
    """System name -> one speaker label per utterance."""

    @property
    def seconds(self) -> list[float]:
        return [b - a for a, b in zip(self.starts, self.ends, strict=True)]


def recordings(call_names: Sequence[str]) -> list[Recording]:
    out = []
    for name in RECORDINGS:
        rows = [line.split() for line in (REAL / f"{name}.rttm").read_text().splitlines() if line.strip()]
        turns = [(float(r[3]), float(r[3]) + float(r[4]), r[7]) for r in rows]
        uem_file = REAL / f"{name}.uem"
        if uem_file.exists():
            fields = uem_file.read_text().split()
            uem = (float(fields[2]), float(fields[3]))
        else:
            uem = (0.0, _duration(REAL / f"{name}.wav"))
        out.append(Recording(str(REAL / f"{name}.wav"), turns, uem, is_call=False))
    for call in calls(list(call_names)):
        turns = [(float(line["start"]), float(line["end"]), str(line["speaker"])) for line in call.lines]  # type: ignore[arg-type]
        out.append(Recording(str(call.audio), turns, (0.0, call.duration), is_call=True))
    return out


def _duration(path: Path) -> float:
    info = FileSource(path).info
    assert info.duration is not None
    return info.duration


def segment(rec: Recording) -> None:
    """Final utterances as the live pipeline cuts them; only their speech is kept for the voice."""
    segmenter = Segmenter(SileroVad())
    cuts = []
    for block in FileSource(Path(rec.name)).blocks():
        cuts += [c for c in segmenter.push(block.mono) if c.kind == "final"]
    cuts += [c for c in segmenter.finish() if c.kind == "final"]
    for c in cuts:
        rec.starts.append(c.start / RATE)
        rec.ends.append(c.end / RATE)
        rec.speech.append(c.audio[c.start - c.audio_start : c.end - c.audio_start])


def stretches(recs: Sequence[Recording]) -> list[tuple[str, np.ndarray]]:
    """(speaker, audio) for every stretch of real speech known to hold one speaker only."""
    out = [(name, _audio(ASR / name)[0]) for name in ONE_SPEAKER]
    out += [("librivox", _audio(p)[0]) for p in sorted((ASR / "librivox_pocketsphinx").glob("*.wav"))]
    left, right = _audio(ASR / "stereo_diarization.wav")
    out += [("stereo left", left), ("stereo right", right)]
    for rec in (r for r in recs if not r.is_call):
        audio = _audio(Path(rec.name))[0]
        for a, b, speaker in rec.turns:
            alone = [(a, b)]
            for c, d, other in rec.turns:
                if other != speaker:
                    alone = [
                        piece for s, e in alone for piece in ((s, min(e, c)), (max(s, d), e)) if piece[1] > piece[0]
                    ]
            out += [
                (f"{Path(rec.name).stem} {speaker}", audio[round(s * RATE) : round(e * RATE)])
                for s, e in alone
                if e - s >= 1.0
            ]
    return out


def _audio(path: Path) -> np.ndarray:
    return np.concatenate([b.channels for b in FileSource(path).blocks()], axis=1)


def clip_accuracy(speakers: Sequence[str], labels: Sequence[str]) -> float:
    names, used = sorted(set(speakers)), sorted(set(labels))
    counts = np.zeros((len(names), len(used)))
    for speaker, label in zip(speakers, labels, strict=True):
        counts[names.index(speaker), used.index(label)] += 1
    rows, cols = linear_sum_assignment(-counts)
    return float(counts[rows, cols].sum()) / len(speakers)


def cluster(vectors: np.ndarray, seconds: Sequence[float], options: VoicesOptions) -> list[str]:
    voices = Voices(options)
    return [voices.assign(v, s).label for v, s in zip(vectors, seconds, strict=True)]


_MEL = FeatureExtractor(feature_size=80)


def mfcc_mean(speech: np.ndarray) -> np.ndarray:
    log_mel = _MEL(speech, padding=0)  # (80, frames); Whisper's log10 mel, clipped 8 decades under its peak
    coefficients = dct(log_mel, type=2, norm="ortho", axis=0)[1:20]
    return np.asarray(coefficients.mean(axis=1))


def der(recs: Sequence[Recording], system: str, collar: float) -> tuple[list[float], float]:
    metric = DiarizationErrorRate(collar=collar, skip_overlap=False)
    per_file = []
    for rec in recs:
        reference, hypothesis = Annotation(), Annotation()
        for a, b, speaker in rec.turns:
            reference[Segment(a, b), len(reference)] = speaker
        for a, b, label in zip(rec.starts, rec.ends, rec.labels[system], strict=True):
            hypothesis[Segment(a, b), len(hypothesis)] = label
        per_file.append(metric(reference, hypothesis, uem=Timeline([Segment(*rec.uem)])))
    return per_file, abs(metric)


def line_accuracy(rec: Recording, system: str) -> tuple[float, int]:
    """Share of lines whose label maps to their speaker (one-to-one mapping), and how many labels there were."""
    given = []
    for a, b, _ in rec.turns:
        overlap: dict[str, float] = {}
        for s, e, label in zip(rec.starts, rec.ends, rec.labels[system], strict=True):
            if min(b, e) > max(a, s):
                overlap[label] = overlap.get(label, 0.0) + min(b, e) - max(a, s)
        given.append(max(overlap, key=lambda k: overlap[k]) if overlap else None)
    speakers = sorted({t[2] for t in rec.turns})
    labels = sorted({g for g in given if g is not None})
    counts = np.zeros((len(speakers), max(1, len(labels))))
    for (_, _, speaker), chosen in zip(rec.turns, given, strict=True):
        if chosen is not None:
            counts[speakers.index(speaker), labels.index(chosen)] += 1
    rows, cols = linear_sum_assignment(-counts)
    return float(counts[rows, cols].sum()) / len(rec.turns), len(set(rec.labels[system]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threshold", type=float, help=f"Voices threshold (default {VoicesOptions().threshold})")
    ap.add_argument("--after", type=float, help=f"after-call threshold (default {OfflineOptions().threshold})")
    ap.add_argument("--sweep", action="store_true", help="the after-call pass at each threshold, and its time")
    ap.add_argument("--no-whisper", action="store_true", help="do not time Whisper base on the same utterances")
    ap.add_argument("--calls", nargs="*", default=[], help="rendered calls to use (default: all)")
    args = ap.parse_args()
    options = VoicesOptions() if args.threshold is None else replace(VoicesOptions(), threshold=args.threshold)
    after = OfflineOptions() if args.after is None else replace(OfflineOptions(), threshold=args.after)
    encoder = VoiceEncoder(resolve_voice())
    transcriber = None
    if not args.no_whisper:
        from bridge.speech.transcriber import Transcriber

        transcriber = Transcriber(resolve_whisper("base").path)
    recs = recordings(args.calls)
    cost = dict.fromkeys(["embed cpu", "embed wall", "whisper cpu", "whisper wall"], 0.0)
    for rec in recs:
        segment(rec)
        print(
            f"{Path(rec.name).stem}: {len(rec.speech)} utterances, {sum(rec.seconds):.1f} s of speech", file=sys.stderr
        )
    # Each stage timed in a pass of its own, one utterance at a time as the live pipeline would run it:
    # right after the VAD's or CTranslate2's threads have worked, they spin for a while and slow numpy.
    speech_seconds = sum(sum(rec.seconds) for rec in recs)
    for rec in recs:
        vectors = []
        for speech in rec.speech:
            cpu, wall = time.process_time(), time.perf_counter()
            vectors.append(encoder.embed(speech))
            cost["embed cpu"] += time.process_time() - cpu
            cost["embed wall"] += time.perf_counter() - wall
        rec.voices = np.stack(vectors)
        rec.labels["voice"] = cluster(rec.voices, rec.seconds, options)
        rec.labels["after call"] = recluster(rec.voices, rec.labels["voice"], rec.seconds, after)
        rec.labels["one speaker"] = ["Speaker 1"] * len(rec.speech)
    for rec in recs:
        for speech in rec.speech if transcriber is not None else []:
            cpu, wall = time.process_time(), time.perf_counter()
            assert transcriber is not None
            transcriber.transcribe(speech)
            cost["whisper cpu"] += time.process_time() - cpu
            cost["whisper wall"] += time.perf_counter() - wall

    mfcc = {id(rec): np.stack([mfcc_mean(s) for s in rec.speech]) for rec in recs}
    best = (-1.0, 0.0)
    for threshold in MFCC_THRESHOLDS:
        o = replace(options, threshold=threshold)
        right = sum(
            line_accuracy(_with(r, cluster(mfcc[id(r)], r.seconds, o)), "try")[0] * len(r.turns)
            for r in recs
            if r.is_call
        )
        best = max(best, (right, threshold))
    for rec in recs:
        rec.labels["MFCC mean"] = cluster(mfcc[id(rec)], rec.seconds, replace(options, threshold=best[1]))

    if args.sweep:
        sweep(recs, options)
    systems = ["voice", "after call", "one speaker", "MFCC mean"]
    clips = stretches(recs)
    clip_vectors = {
        "voice": encoder.embed_many([a for _, a in clips]),
        "one speaker": np.ones((len(clips), 1)),
        "MFCC mean": np.stack([mfcc_mean(a) for _, a in clips]),
    }
    clip_vectors["after call"] = clip_vectors["voice"]
    clip_options = {
        "voice": options,
        "after call": options,
        "one speaker": options,
        "MFCC mean": replace(options, threshold=best[1]),
    }
    rng = np.random.default_rng(0)
    orders = [rng.permutation(len(clips)) for _ in range(20)]
    speakers = [speaker for speaker, _ in clips]
    print(
        f"Real single-speaker stretches: {len(clips)} of {len(set(speakers))} speakers, 20 orders "
        "(share of stretches right: mean, worst; labels used on average):"
    )
    for system in systems:
        accuracies, used = [], []
        for order in orders:
            seconds = [len(clips[i][1]) / RATE for i in order]
            labels = cluster(clip_vectors[system][order], seconds, clip_options[system])
            if system == "after call":
                labels = recluster(clip_vectors[system][order], labels, seconds, after)
            accuracies.append(clip_accuracy([speakers[i] for i in order], labels))
            used.append(len(set(labels)))
        print(f"  {system:14} {np.mean(accuracies):.3f}  {min(accuracies):.3f}  {np.mean(used):5.1f}")
    print()
    print(
        f"Voices threshold {options.threshold}; after call {after.threshold}; "
        f"MFCC-mean threshold {best[1]} (best on the calls)\n"
    )
    for title, collar in COLLARS.items():
        for group, members in (
            ("real recordings", [r for r in recs if not r.is_call]),
            ("rendered calls", [r for r in recs if r.is_call]),
        ):
            if not members:
                continue
            results = {s: der(members, s, collar) for s in systems}
            print(f"{title}, {group}:  " + "  ".join(f"{s:>12}" for s in systems))
            for i, rec in enumerate(members):
                print(f"  {Path(rec.name).stem:32}" + "  ".join(f"{results[s][0][i]:12.3f}" for s in systems))
            print(f"  {'total':32}" + "  ".join(f"{results[s][1]:12.3f}" for s in systems) + "\n")
    calls_ = [r for r in recs if r.is_call]
    if calls_:
        print("Lines whose speaker label maps to their speaker (labels used / speakers):")
        totals = dict.fromkeys(systems, 0.0)
        for rec in calls_:
            cells = []
            for s in systems:
                accuracy, labelled = line_accuracy(rec, s)
                totals[s] += accuracy * len(rec.turns)
                cells.append(f"{accuracy:6.3f} ({labelled}/{len({t[2] for t in rec.turns})})")
            print(f"  {Path(rec.name).stem:32}" + "  ".join(f"{c:>14}" for c in cells))
        n = sum(len(r.turns) for r in calls_)
        print(f"  {'all lines':32}" + "  ".join(f"{totals[s] / n:14.3f}" for s in systems) + "\n")
    n = sum(len(r.speech) for r in recs)
    print(f"Cost over {n} utterances, {speech_seconds:.1f} s of speech (per second of speech):")
    for what in ("embed", "whisper") if transcriber is not None else ("embed",):
        c, w = cost[f"{what} cpu"], cost[f"{what} wall"]
        print(f"  {what:8} {c:7.2f} CPU s ({c / speech_seconds:.4f}/s)  {w:7.2f} s wall ({w / speech_seconds:.4f}/s)")
    if transcriber is not None:
        print(
            f"  embedding / Whisper base: {cost['embed cpu'] / cost['whisper cpu']:.1%} of the CPU time, "
            f"{cost['embed wall'] / cost['whisper wall']:.1%} of the wall time"
        )


def sweep(recs: Sequence[Recording], options: VoicesOptions) -> None:
    real, scripted = [r for r in recs if not r.is_call], [r for r in recs if r.is_call]
    print("After-call threshold sweep (cosine distance): DER ±0.25 s on the real recordings, lines right on the calls")
    print(f"  {'online':>9}  {der(real, 'voice', 0.5)[1]:6.3f}  {_lines(scripted, 'voice'):6.3f}" if real else "")
    for threshold in SWEEP:
        o = replace(OfflineOptions(), threshold=threshold)
        for rec in recs:
            rec.labels["try"] = recluster(rec.voices, rec.labels["voice"], rec.seconds, o)
        real_der = der(real, "try", 0.5)[1] if real else float("nan")
        per_file = "  ".join(f"{x:.3f}" for x in der(real, "try", 0.5)[0]) if real else ""
        print(f"  {threshold:9.2f}  {real_der:6.3f}  {_lines(scripted, 'try'):6.3f}   ({per_file})")
    # A one-hour call: about 1200 utterances. Drawn from the calls' own voices, each with a little noise.
    pool = np.concatenate([r.voices for r in recs])
    rng = np.random.default_rng(0)
    vectors = pool[rng.integers(0, len(pool), 1200)] + rng.normal(0, 0.02, (1200, pool.shape[1]))
    seconds = list(rng.uniform(0.5, 8.0, 1200))
    online = cluster(vectors, seconds, options)
    cpu, wall = time.process_time(), time.perf_counter()
    recluster(vectors, online, seconds)
    print(
        f"  1200 utterances ({len(set(online))} online labels): {time.process_time() - cpu:.2f} CPU s, "
        f"{time.perf_counter() - wall:.2f} s wall\n"
    )


def _lines(recs: Sequence[Recording], system: str) -> float:
    n = sum(len(r.turns) for r in recs)
    return sum(line_accuracy(r, system)[0] * len(r.turns) for r in recs) / n if n else float("nan")


def _with(rec: Recording, labels: list[str]) -> Recording:
    return replace(rec, labels={"try": labels})


if __name__ == "__main__":
    main()
