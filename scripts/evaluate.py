#!/usr/bin/env python3
"""Score extraction and alerts against the gold of the scripted calls, from reference text and from audio.

For each call (the bundled sample and ../shared/calls), up to two runs of `bridge replay`:
  text   the reference lines as a JSON-lines transcript (start, end, text; no speaker), which judges
         extraction and the monitor on their own;
  audio  the rendered recording, end to end.
Both runs get the call's roster (the script's voices) as --vocab, as a commander would list the people on
the bridge. Each run's events.jsonl is scored against the call's gold (../shared/calls/README.md) and printed as
precision, recall and F1 per call and in total, then the totals beside the targets.

Scoring. An extracted item belongs to the reference line its [start, end] overlaps the most (none: no
line). Precision counts extracted items, recall counts gold items found by at least one of them.
  decisions      an item is right when its line is a gold decision line.
  action items   right when (line, owner) is a gold action item; owners compared case-insensitively.
  due times      over the action items and status checks that carry a due and belong to a line where the
                 gold item of the same kind has one: right when (due - line end) is within 15 % of due_s.
  status checks  right when the line and the due (as above) match; owners are reported apart, as the
                 share of right checks whose owner matches.
  alerts         one to one: status_overdue when the owner matches and it is raised within 5 s after
                 (that line's end + due_s), never before; long_silence for every gap of at least the
                 threshold between two reference lines, within 5 s after (the gap's start + threshold).
A measure with nothing to find and nothing found is n/a, not a division by zero.

Usage: scripts/evaluate.py [--mode text|audio|both] [--model NAME] [--silence-after S] [--json]
                           [--misses] [--logs DIR] [CALL ...]
Calls are rendered into .cache/calls/ on first use (needs sox and hibari-tts: scripts/setup).
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from _calls import Call, calls  # noqa: E402

from bridge.events import ActionItem, Alert, Decision, Extracted, LoggedEvent, StatusCheck, Transcript  # noqa: E402
from bridge.log.eventlog import read_log  # noqa: E402

BRIDGE = [sys.executable, "-m", "bridge.cli.main"]
DUE_TOLERANCE = 0.15
"""A due time is right within this fraction of the gold delay."""
ALERT_WINDOW = 5.0
"""Seconds after the time it belongs at within which an alert counts."""
EPSILON = 1e-3
"""Slack for times that went through rounding to the millisecond."""

Mode = Literal["text", "audio"]


# Gold


@dataclass(frozen=True)
class Line:
    start: float
    end: float
    text: str
    speaker: str | None = None


@dataclass(frozen=True)
class GoldItem:
    line: int
    owner: str | None
    due_s: float | None = None


@dataclass(frozen=True)
class GoldOverdue:
    after_line: int
    due_s: float
    owner: str | None


@dataclass(frozen=True)
class Gold:
    lines: tuple[Line, ...]
    """The reference lines, in order: index i is line i of the gold."""
    decisions: frozenset[int] = frozenset()
    action_items: tuple[GoldItem, ...] = ()
    status_checks: tuple[GoldItem, ...] = ()
    overdue: tuple[GoldOverdue, ...] = ()

    @classmethod
    def from_json(cls, gold: Mapping[str, Any], lines: Sequence[Mapping[str, Any]]) -> Gold:
        """From a NAME.gold.json and the `lines` of its NAME.ref.json."""
        ordered = sorted(lines, key=lambda line: int(line["i"]))
        if [int(line["i"]) for line in ordered] != list(range(len(ordered))):
            raise ValueError("reference lines must be numbered 0, 1, 2, ... without gaps")

        def items(key: str) -> tuple[GoldItem, ...]:
            return tuple(GoldItem(g["line"], g.get("owner"), g.get("due_s")) for g in gold.get(key, []))

        return cls(
            lines=tuple(Line(float(x["start"]), float(x["end"]), str(x["text"]), x.get("speaker")) for x in ordered),
            decisions=frozenset(gold.get("decisions", [])),
            action_items=items("action_items"),
            status_checks=items("status_checks"),
            overdue=tuple(
                GoldOverdue(a["after_line"], a["due_s"], a.get("owner"))
                for a in gold.get("alerts", [])
                if a["kind"] == "status_overdue"
            ),
        )


# Scores


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Score:
    extracted: int = 0
    correct: int = 0
    """Extracted items that are right."""
    gold: int = 0
    found: int = 0
    """Gold items that at least one right item found."""
    notes: tuple[str, ...] = ()
    """What went wrong: items that are not right, gold items not found."""

    @property
    def precision(self) -> float | None:
        return _ratio(self.correct, self.extracted)

    @property
    def recall(self) -> float | None:
        return _ratio(self.found, self.gold)

    @property
    def f1(self) -> float | None:
        """None when there was nothing to find and nothing was found; 0 when only one side is empty."""
        p, r = self.precision, self.recall
        if p is None and r is None:
            return None
        if p is None or r is None or p + r == 0:
            return 0.0
        return 2 * p * r / (p + r)

    def __add__(self, other: Score) -> Score:
        return Score(
            self.extracted + other.extracted,
            self.correct + other.correct,
            self.gold + other.gold,
            self.found + other.found,
            self.notes + other.notes,
        )


@dataclass(frozen=True)
class Accuracy:
    right: int = 0
    of: int = 0

    @property
    def value(self) -> float | None:
        return _ratio(self.right, self.of)

    def __add__(self, other: Accuracy) -> Accuracy:
        return Accuracy(self.right + other.right, self.of + other.of)


@dataclass(frozen=True)
class CallScore:
    decisions: Score = field(default_factory=Score)
    action_items: Score = field(default_factory=Score)
    due_times: Score = field(default_factory=Score)
    status_checks: Score = field(default_factory=Score)
    status_owner: Accuracy = field(default_factory=Accuracy)
    overdue: Score = field(default_factory=Score)
    silences: Score = field(default_factory=Score)
    speakers: Accuracy = field(default_factory=Accuracy)
    """Reference lines whose transcript names the right speaker (a line not transcribed counts as wrong)."""

    def __add__(self, other: CallScore) -> CallScore:
        return CallScore(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


MEASURES = {
    "decisions": "decisions",
    "action_items": "action items",
    "due_times": "due times",
    "status_checks": "status checks",
    "overdue": "overdue alerts",
    "silences": "silence alerts",
}


# Scoring: pure functions of the events and the gold


def line_of(start: float, end: float, lines: Sequence[Line]) -> int | None:
    """The line whose span overlaps [start, end] the most; an instant belongs to the line it falls in."""
    best, most = None, 0.0
    for i, line in enumerate(lines):
        overlap = min(end, line.end) - max(start, line.start)
        if overlap > most:
            best, most = i, overlap
    if best is None and start == end:
        best = next((i for i, line in enumerate(lines) if line.start <= start <= line.end), None)
    return best


def same_owner(a: str | None, b: str | None) -> bool:
    return _owner(a) == _owner(b)


def _owner(name: str | None) -> str | None:
    return (name.strip().casefold() or None) if name else None


def _due_right(due: float, line: Line, due_s: float) -> bool:
    return abs(due - line.end - due_s) <= DUE_TOLERANCE * due_s + EPSILON


def _describe(item: Extracted, line: int | None) -> str:
    where = f"line {line}" if line is not None else "no line"
    return f"{item.start:.1f}-{item.end:.1f} s ({where}) {item.quote!r}"


def score_decisions(events: Iterable[LoggedEvent], gold: Gold) -> Score:
    decisions = [e for e in events if isinstance(e, Decision)]
    correct, found, notes = 0, set(), []
    for item in decisions:
        line = line_of(item.start, item.end, gold.lines)
        if line in gold.decisions:
            correct += 1
            found.add(line)
        else:
            notes.append(f"not a decision: {_describe(item, line)}")
    notes += [f"missed decision, line {i}: {gold.lines[i].text!r}" for i in sorted(gold.decisions - found)]
    return Score(len(decisions), correct, len(gold.decisions), len(found), tuple(notes))


def score_action_items(events: Iterable[LoggedEvent], gold: Gold) -> Score:
    items = [e for e in events if isinstance(e, ActionItem)]
    wanted = {(g.line, _owner(g.owner)) for g in gold.action_items}
    correct, found, notes = 0, set(), []
    for item in items:
        line = line_of(item.start, item.end, gold.lines)
        key = (line, _owner(item.owner))
        if key in wanted:
            correct += 1
            found.add(key)
        else:
            owners = [g.owner for g in gold.action_items if g.line == line]
            why = f"owner {item.owner!r}, gold says {' or '.join(map(repr, owners))}" if owners else "no action"
            notes.append(f"wrong action item ({why}): {_describe(item, line)}")
    for line, owner in sorted(wanted - found, key=lambda key: key[0]):
        notes.append(f"missed action item for {owner!r}, line {line}: {gold.lines[line].text!r}")
    return Score(len(items), correct, len(wanted), len(found), tuple(notes))


def score_due_times(events: Iterable[LoggedEvent], gold: Gold) -> Score:
    kinds = {"action item": gold.action_items, "status check": gold.status_checks}
    dues = [(kind, g.line, g.due_s) for kind, items in kinds.items() for g in items if g.due_s is not None]
    extracted, correct, found, notes = 0, 0, set(), []
    for item in events:
        if isinstance(item, ActionItem) and item.due is not None:
            kind, due = "action item", item.due
        elif isinstance(item, StatusCheck):
            kind, due = "status check", item.due
        else:
            continue
        line = line_of(item.start, item.end, gold.lines)
        candidates = [j for j, (k, at, _) in enumerate(dues) if k == kind and at == line]
        if line is None or not candidates:
            continue  # no gold due to compare with: the item itself is scored (or not) elsewhere
        extracted += 1
        right = [j for j in candidates if _due_right(due, gold.lines[line], dues[j][2])]
        if right:
            correct += 1
            found.add(next((j for j in right if j not in found), right[0]))
        else:
            wanted = " or ".join(f"{dues[j][2]:g}" for j in candidates)
            after = due - gold.lines[line].end
            notes.append(f"wrong due ({after:.0f} s, gold says {wanted} s) on {kind} {_describe(item, line)}")
    for j in sorted(set(range(len(dues))) - found):
        kind, line, due_s = dues[j]
        notes.append(f"missed due of {due_s:g} s, {kind} on line {line}: {gold.lines[line].text!r}")
    return Score(extracted, correct, len(dues), len(found), tuple(notes))


def score_status_checks(events: Iterable[LoggedEvent], gold: Gold) -> tuple[Score, Accuracy]:
    """The score, and how many right checks have the gold's owner."""
    checks = [e for e in events if isinstance(e, StatusCheck)]
    correct, found, notes = 0, set(), []
    owners = Accuracy()
    for item in checks:
        line = line_of(item.start, item.end, gold.lines)
        right = [
            j
            for j, g in enumerate(gold.status_checks)
            if line is not None
            and g.line == line
            and (g.due_s is None or _due_right(item.due, gold.lines[line], g.due_s))
        ]
        if not right:
            notes.append(f"wrong status check (due {item.due:.1f} s): {_describe(item, line)}")
            continue
        correct += 1
        j = next((j for j in right if same_owner(item.owner, gold.status_checks[j].owner)), right[0])
        found.add(j)
        owner_right = same_owner(item.owner, gold.status_checks[j].owner)
        owners += Accuracy(int(owner_right), 1)
        if not owner_right:
            notes.append(
                f"status check owner {item.owner!r}, gold says {gold.status_checks[j].owner!r}: {_describe(item, line)}"
            )
    for j in sorted(set(range(len(gold.status_checks))) - found):
        g = gold.status_checks[j]
        notes.append(
            f"missed status check (due {g.due_s} s, owner {g.owner!r}), line {g.line}: {gold.lines[g.line].text!r}"
        )
    return Score(len(checks), correct, len(gold.status_checks), len(found), tuple(notes)), owners


def overdue_times(gold: Gold) -> list[tuple[float, str | None]]:
    """When each gold status_overdue belongs, and whose it is."""
    return [(gold.lines[g.after_line].end + g.due_s, g.owner) for g in gold.overdue]


def silence_times(gold: Gold, threshold: float) -> list[float]:
    """When a long_silence belongs: every gap of at least `threshold` between lines, at its start + that."""
    return [a.end + threshold for a, b in itertools.pairwise(gold.lines) if b.start - a.end >= threshold - EPSILON]


def score_overdue(events: Iterable[LoggedEvent], gold: Gold) -> Score:
    alerts = [e for e in events if isinstance(e, Alert) and e.kind == "status_overdue"]
    return _match_alerts(alerts, overdue_times(gold), by_owner=True)


def score_silences(events: Iterable[LoggedEvent], gold: Gold, threshold: float) -> Score:
    alerts = [e for e in events if isinstance(e, Alert) and e.kind == "long_silence"]
    return _match_alerts(alerts, [(t, None) for t in silence_times(gold, threshold)], by_owner=False)


def _match_alerts(alerts: list[Alert], expected: list[tuple[float, str | None]], *, by_owner: bool) -> Score:
    """Each alert, in call-time order, takes the earliest expected one it fits (optimal for equal windows)."""
    expected = sorted(expected, key=lambda e: e[0])
    matched: set[int] = set()
    notes = []
    for alert in sorted(alerts, key=lambda a: a.t):
        j = next(
            (
                j
                for j, (at, owner) in enumerate(expected)
                if j not in matched
                and at - EPSILON <= alert.t <= at + ALERT_WINDOW + EPSILON
                and (not by_owner or same_owner(alert.owner, owner))
            ),
            None,
        )
        if j is None:
            whose = f", owner {alert.owner!r}" if by_owner else ""
            notes.append(f"unexpected {alert.kind} at {alert.t:.1f} s{whose}: {alert.message}")
        else:
            matched.add(j)
    kind = "status_overdue" if by_owner else "long_silence"
    for j in sorted(set(range(len(expected))) - matched):
        at, owner = expected[j]
        whose = f" for {owner!r}" if by_owner else ""
        notes.append(f"missed {kind}{whose}, expected at {at:.1f}-{at + ALERT_WINDOW:.1f} s")
    return Score(len(alerts), len(matched), len(expected), len(matched), tuple(notes))


def score_speakers(events: Iterable[LoggedEvent], gold: Gold) -> Accuracy:
    """Each reference line is judged by the transcript that overlaps it most."""
    said = [e for e in events if isinstance(e, Transcript)]
    right = 0
    for line in gold.lines:
        best, most = None, 0.0
        for t in said:
            overlap = min(t.end, line.end) - max(t.start, line.start)
            if overlap > most:
                best, most = t, overlap
        right += best is not None and same_owner(best.speaker, line.speaker)
    return Accuracy(right, len(gold.lines))


def score_call(events: Sequence[LoggedEvent], gold: Gold, silence_after: float) -> CallScore:
    status_checks, status_owner = score_status_checks(events, gold)
    return CallScore(
        decisions=score_decisions(events, gold),
        action_items=score_action_items(events, gold),
        due_times=score_due_times(events, gold),
        status_checks=status_checks,
        status_owner=status_owner,
        overdue=score_overdue(events, gold),
        silences=score_silences(events, gold, silence_after),
        speakers=score_speakers(events, gold),
    )


# Targets


@dataclass(frozen=True)
class Target:
    measure: Literal["f1", "pr"]
    """F1, or precision and recall both."""
    value: float

    def met(self, score: Score) -> bool:
        values = [score.f1] if self.measure == "f1" else [score.precision, score.recall]
        return all(v is None or v >= self.value - 1e-9 for v in values)

    def __str__(self) -> str:
        relation = "=" if self.value >= 1 else "≥"
        return f"{'F1' if self.measure == 'f1' else 'P, R'} {relation} {self.value:g}"


_EXTRACTION = ("decisions", "action_items", "due_times", "status_checks")
TARGETS: dict[Mode, dict[str, Target]] = {
    "text": {
        **{m: Target("f1", 0.95) for m in _EXTRACTION},
        "overdue": Target("pr", 1.0),
        "silences": Target("pr", 1.0),
    },
    "audio": {
        **{m: Target("f1", 0.85) for m in _EXTRACTION},
        "overdue": Target("f1", 0.9),
        "silences": Target("f1", 1.0),
    },
}


# Running bridge replay


def write_transcript(call: Call, path: Path) -> Path:
    """The reference lines as a JSON-lines transcript: call times and text, no speaker."""
    rows = [{"start": line["start"], "end": line["end"], "text": line["text"]} for line in call.lines]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def replay(source: Path, out: Path, options: Sequence[str], command: Sequence[str] = BRIDGE) -> list[LoggedEvent]:
    """Run `bridge replay SOURCE --out OUT` and read the events it logged."""
    args = [*command, "replay", str(source), "--out", str(out), "--speed", "max", *options]
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        said = (proc.stderr.strip().splitlines() or ["(nothing on stderr)"])[-1]
        raise SystemExit(f"evaluate.py: `bridge replay {source}` failed (exit {proc.returncode}): {said}")
    return read_log(out / "events.jsonl").events


def evaluate(
    call: Call,
    mode: Mode,
    workdir: Path,
    *,
    model: str | None,
    silence_after: float,
    command: Sequence[str] = BRIDGE,
    voices: bool = True,
) -> CallScore:
    options = ["--silence-after", f"{silence_after:g}"]
    if call.roster:
        roster = workdir / f"{call.name}.roster.txt"
        roster.write_text("\n".join(call.roster) + "\n")
        options += ["--vocab", str(roster)]
    if mode == "text":
        source = write_transcript(call, workdir / f"{call.name}.jsonl")
    else:
        source = call.audio
        options += ["--model", model] if model else []
        options += [f"--channel={index}={name}" for name, index in call.channels.items()]
        options += [] if voices else ["--no-voices"]
    events = replay(source, workdir / f"{call.name}.{mode}", options, command)
    return score_call(events, Gold.from_json(call.gold, call.lines), silence_after)


# Output


def _num(value: float | None, width: int = 4) -> str:
    return f"{value:{width}.2f}" if value is not None else f"{'n/a':>{width}}"


def table(mode: Mode, scores: Mapping[str, CallScore]) -> str:
    total = sum(scores.values(), CallScore())
    head = f"{'':18}" + "".join(f"  {name:14}" for name in MEASURES.values())
    sub = f"{'call':18}" + "  P    R    F1  " * len(MEASURES)
    rows = [head.rstrip(), sub.rstrip()]
    for name, score in [*scores.items(), ("all calls", total)]:
        cells = (getattr(score, m) for m in MEASURES)
        rows.append(f"{name[:18]:18}" + "".join(f"  {_num(s.precision)} {_num(s.recall)} {_num(s.f1)}" for s in cells))
    rows.append("")
    rows.append(f"{mode}, all calls     {'P':>5} {'R':>5} {'F1':>5}  {'right':>9}  {'found':>9}  target")
    for measure, label in MEASURES.items():
        s: Score = getattr(total, measure)
        target = TARGETS[mode][measure]
        verdict = "ok" if target.met(s) else "MISSED"
        right, found = f"{s.correct}/{s.extracted}", f"{s.found}/{s.gold}"
        rows.append(
            f"{label:20} {_num(s.precision, 5)} {_num(s.recall, 5)} {_num(s.f1, 5)}  "
            f"{right:>9}  {found:>9}  {target!s:10} {verdict}"
        )
    owners = total.status_owner
    rows.append(f"status check owners: {owners.right}/{owners.of} right ({_num(owners.value).strip()})")
    lines = total.speakers
    per_call = ", ".join(f"{name} {_num(s.speakers.value).strip()}" for name, s in scores.items())
    rows.append(f"lines with the right speaker: {lines.right}/{lines.of} ({_num(lines.value).strip()}; {per_call})")
    return "\n".join(rows)


def as_json(mode: Mode, scores: Mapping[str, CallScore]) -> dict[str, Any]:
    def one(score: CallScore) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for measure in MEASURES:
            s: Score = getattr(score, measure)
            out[measure] = {**asdict(s), "precision": s.precision, "recall": s.recall, "f1": s.f1}
        out["status_owner"] = {**asdict(score.status_owner), "accuracy": score.status_owner.value}
        out["speakers"] = {**asdict(score.speakers), "accuracy": score.speakers.value}
        return out

    total = sum(scores.values(), CallScore())
    targets = {
        m: {"target": str(t), "measure": t.measure, "value": t.value, "met": t.met(getattr(total, m))}
        for m, t in TARGETS[mode].items()
    }
    return {"calls": {name: one(s) for name, s in scores.items()}, "total": one(total), "targets": targets}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "calls", nargs="*", metavar="CALL", help="call names (default: the sample and every shared call)"
    )
    parser.add_argument(
        "--mode",
        choices=["text", "audio", "both"],
        default="both",
        help="score from the reference text, from the audio, or both (default: both)",
    )
    parser.add_argument("--model", metavar="NAME", help="Whisper model for the audio runs (default: bridge's own)")
    parser.add_argument(
        "--silence-after",
        type=float,
        default=30.0,
        metavar="S",
        help="long-silence threshold, passed to bridge and used for the gold (default: 30)",
    )
    parser.add_argument(
        "--no-voices",
        action="store_true",
        help="audio runs without telling voices apart (replay --no-voices): the baseline",
    )
    parser.add_argument("--json", action="store_true", help="print the scores as JSON instead of tables")
    parser.add_argument("--misses", action="store_true", help="also list what each call got wrong")
    parser.add_argument(
        "--logs",
        type=Path,
        metavar="DIR",
        help="keep each run's transcript and event log in DIR (a new or empty folder)",
    )
    args = parser.parse_args(argv)
    if args.logs and args.logs.exists() and any(args.logs.iterdir()):
        parser.error(f"--logs {args.logs} is not empty; give a new or empty folder")
    modes: list[Mode] = ["text", "audio"] if args.mode == "both" else [args.mode]
    chosen = calls(args.calls)
    results: dict[Mode, dict[str, CallScore]] = {mode: {} for mode in modes}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.logs or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for mode in modes:
            for call in chosen:
                began = time.perf_counter()
                results[mode][call.name] = evaluate(
                    call, mode, workdir, model=args.model, voices=not args.no_voices, silence_after=args.silence_after
                )
                print(f"{mode} {call.name}: {time.perf_counter() - began:.1f} s", file=sys.stderr, flush=True)
    options = {
        "mode": args.mode,
        "model": args.model,
        "silence_after": args.silence_after,
        "voices": not args.no_voices,
    }
    if args.json:
        print(json.dumps({"options": options, **{mode: as_json(mode, results[mode]) for mode in modes}}, indent=1))
        return 0
    for mode in modes:
        if mode == "text":
            what = "the reference lines as a JSON-lines transcript, no speakers"
        else:
            what = f"the rendered audio, model {args.model or 'default'}, voices {'off' if args.no_voices else 'on'}"
        print(f"\n{mode}: {what}; silence threshold {args.silence_after:g} s\n")
        print(table(mode, results[mode]))
        if args.misses:
            for name, score in results[mode].items():
                notes = [note for measure in MEASURES for note in getattr(score, measure).notes]
                print(f"\n{mode}, {name}: {len(notes)} wrong or missed" + "".join(f"\n  {n}" for n in notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
