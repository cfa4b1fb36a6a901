#!/usr/bin/env python3
"""Why a line has the wrong speaker end to end: every wrong reference line of the calls, by kind.

Each call is heard as scripts/evaluate.py --mode audio hears it (`bridge replay` with the roster, kept in
.cache/eval/heard), corrections applied. A reference line is judged, as there, by the transcript that
overlaps it most; a wrong one is put in the first kind that fits:
  not transcribed       no transcript overlaps it;
  cross-talk            that transcript also holds another speaker's line that overlaps this one in time;
  two in one            that transcript also holds (over 0.3 s of) another speaker's line said before or after:
                        one utterance for two turns;
  channel               a channel named the wrong speaker;
  no voice              the transcript has no voice (voices off);
  wrong voice cluster   its voice is mostly someone else's (the voice label's reference speaker, by seconds);
  never named           the voice is mostly this speaker's, but the line still shows its label ("Speaker 4");
  named wrongly, voice  the voice is mostly this speaker's, and the voice's name (its votes) is someone else;
  named wrongly, words  the voice is mostly this speaker's, and the words gave another name.
A name that is not on the roster is counted again under "of which: not on the roster".

Usage: scripts/speaker_errors.py [--lines] [--logs DIR] CALL ...
  --logs DIR   read DIR/CALL.jsonl (the events.jsonl of a `bridge replay` of the call) instead of hearing it
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from _calls import Call, calls  # noqa: E402
from evaluate import heard, same_owner  # noqa: E402

from bridge import corrections  # noqa: E402
from bridge.events import Transcript  # noqa: E402
from bridge.log.eventlog import read_log  # noqa: E402

MERGED = 0.3
"""Seconds of another speaker's line inside the transcript for it to count as holding that line too."""


def _overlap(a: float, b: float, c: float, d: float) -> float:
    return max(0.0, min(b, d) - max(a, c))


def kinds(call: Call, said: Sequence[Transcript]) -> list[tuple[int, str | None]]:
    """(reference line, kind) for every line of the call; kind None: right."""
    lines = [(float(str(x["start"])), float(str(x["end"])), str(x["speaker"])) for x in call.lines]
    seconds: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))  # voice → speaker → seconds
    for t in said:
        for a, b, speaker in lines:
            if t.voice is not None and (o := _overlap(t.start, t.end, a, b)) > 0:
                seconds[t.voice][speaker] += o
    owner = {voice: max(counts, key=lambda k: counts[k]) for voice, counts in seconds.items()}
    out: list[tuple[int, str | None]] = []
    for i, (a, b, speaker) in enumerate(lines):
        best = max(said, key=lambda t: _overlap(t.start, t.end, a, b), default=None)
        if best is None or _overlap(best.start, best.end, a, b) <= 0:
            out.append((i, "not transcribed"))
            continue
        if same_owner(best.speaker, speaker):
            out.append((i, None))
            continue
        others = [
            (c, d)
            for j, (c, d, who) in enumerate(lines)
            if j != i and who != speaker and _overlap(best.start, best.end, c, d) > MERGED
        ]
        label = best.speaker or ""
        if any(_overlap(a, b, c, d) > 0 for c, d in others):
            kind = "cross-talk"
        elif others:
            kind = "two in one"
        elif best.speaker_source == "channel":
            kind = "channel"
        elif best.voice is None:
            kind = "no voice"
        elif owner.get(best.voice) != speaker:
            kind = "wrong voice cluster"
        elif label.startswith("Speaker "):
            kind = "never named"
        else:
            kind = "named wrongly, voice" if best.speaker_source == "voice" else "named wrongly, words"
        out.append((i, kind))
    return out


def off_roster(call: Call, name: str | None) -> bool:
    return bool(name) and not (name or "").startswith("Speaker ") and not any(same_owner(name, r) for r in call.roster)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("calls", nargs="+", metavar="CALL")
    parser.add_argument("--lines", action="store_true", help="also print every wrong line")
    parser.add_argument("--logs", type=Path, metavar="DIR", help="the calls' logs, as DIR/CALL.jsonl")
    args = parser.parse_args(argv)
    total: Counter[str] = Counter()
    lines = 0
    for call in calls(args.calls, corpus=True):
        if args.logs is not None:
            events = corrections.apply(read_log(args.logs / f"{call.name}.jsonl").events).events
            said = [e for e in events if isinstance(e, Transcript)]
        else:
            said = heard(call, model=None, voices=True)
        found = kinds(call, said)
        counts = Counter(kind or "right" for _, kind in found)
        for i, kind in found:
            line = call.lines[i]
            best = max(said, key=lambda t: _overlap(t.start, t.end, float(str(line["start"])), float(str(line["end"]))))
            if kind is not None and off_roster(call, best.speaker):
                counts["of which: not on the roster"] += 1
            if kind is not None and args.lines:
                print(f"  {call.name} {i} {line['speaker']}: {str(line['text'])[:60]!r} -> {best.speaker}: {kind}")
        print(f"{call.name}: {counts['right']}/{len(found)} right; " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        total += counts
        lines += len(found)
    print(f"\n{len(args.calls)} calls, {lines} lines, {total['right']} right ({total['right'] / lines:.3f})")
    for kind, n in total.most_common():
        if kind != "right":
            print(f"  {n:4d}  {kind}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
