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
import dataclasses
import hashlib
import itertools
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import msgspec

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from _calls import Call, apollo, calls  # noqa: E402

from bridge import corrections  # noqa: E402
from bridge.events import (  # noqa: E402
    ActionItem,
    Alert,
    Decision,
    Extracted,
    LoggedEvent,
    SessionOptions,
    SourceInfo,
    StatusCheck,
    Transcript,
)
from bridge.incident import Incident  # noqa: E402
from bridge.language.acts import MANIFEST, Acts  # noqa: E402
from bridge.language.analysis import Analyzer  # noqa: E402
from bridge.language.extraction import Extractor, ExtractorOptions  # noqa: E402
from bridge.log.eventlog import EventLog, read_log  # noqa: E402
from bridge.monitor import Monitor, MonitorOptions  # noqa: E402
from bridge.pipeline import session_event  # noqa: E402
from bridge.speakers.attribution import Speakers  # noqa: E402
from bridge.weights import resolve_spacy  # noqa: E402

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
    by_source: Mapping[int, int] = field(default_factory=dict)
    """The reference line each transcript (by `seq`) is, when the run was fed the reference lines themselves:
    an item then belongs to its transcript's line, however the lines' times overlap."""

    def locate(self, item: Extracted) -> int | None:
        """The reference line an extracted item belongs to."""
        if item.source in self.by_source:
            return self.by_source[item.source]
        return line_of(item.start, item.end, self.lines)

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
        line = gold.locate(item)
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
        line = gold.locate(item)
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
        line = gold.locate(item)
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
        line = gold.locate(item)
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
    mode: {**{m: Target("f1", 0.9) for m in _EXTRACTION}, "overdue": Target("f1", 0.95), "silences": Target("f1", 1.0)}
    for mode in ("text", "audio")
}
"""Held out, on every annotated call (issue 12); the real dialogue alone is held to REAL_TARGET."""
REAL_TARGET = 0.75


# Running a call through understanding, in this process: attribution by words, extraction, the monitor


Use = Literal["rules", "model", "both"]
SYSTEMS: tuple[Use, ...] = ("rules", "model", "both")
DEFAULT_STARTED = datetime(2026, 1, 5, 14, 0, tzinfo=UTC).timestamp()
"""Call time 0 for a call whose script does not say when it started (clock times need one)."""
SEALED = frozenset(f"c{n:02d}" for n in range(3, 34, 3)) | {"apollo/fd-57h55-b"}
"""Corpus calls kept out of rule development: their misses are never printed (`--misses` leaves them out),
so the word rules were never written against them, and their figures say how the rules do on calls nobody
tuned them on. Every third corpus call, and one Apollo stretch."""
HEARD = ROOT / ".cache" / "eval" / "heard"
FOLD_MODELS = ROOT / ".cache" / "eval" / "acts"


def sealed(call: Call) -> bool:
    return call.name[:3] in SEALED or call.name in SEALED


@dataclass
class Runner:
    """What every run shares: the spaCy pipeline (loaded once), the silence threshold."""

    analyzer: Analyzer
    silence_after: float

    def events(self, call: Call, said: Sequence[Transcript], *, use: Use, acts: Acts | None) -> list[LoggedEvent]:
        """The log the call would have given, its transcripts heard as `said`, understood by `use`."""
        return self.run(call, said, use=use, acts=acts)[0]

    def score(
        self, call: Call, said: Sequence[Transcript], *, use: Use, acts: Acts | None, reference: bool
    ) -> CallScore:
        """The call's scores; `reference`: `said` are the reference lines, so each item's line is its own."""
        events, by_source = self.run(call, said, use=use, acts=acts)
        gold = Gold.from_json(call.gold, call.lines)
        if reference:
            gold = dataclasses.replace(gold, by_source=by_source)
        return score_call(events, gold, self.silence_after)

    def run(
        self, call: Call, said: Sequence[Transcript], *, use: Use, acts: Acts | None
    ) -> tuple[list[LoggedEvent], dict[int, int]]:
        """The events, and which reference line each logged transcript is (by its text and times)."""
        index = {(float(str(x["start"])), float(str(x["end"])), str(x["text"])): i for i, x in enumerate(call.lines)}
        people = [term for term in call.roster if len(term.split()) <= 2 and term[:1].isupper()]
        roles = self.analyzer.patterns.words("commander_roles")
        speakers = Speakers(people, commander_roles=roles)
        extractor = Extractor(self.analyzer, speakers, acts=acts, options=ExtractorOptions(use=use))
        monitor = Monitor(MonitorOptions(silence_after=self.silence_after))
        with tempfile.TemporaryDirectory() as tmp:
            incident = Incident(EventLog(Path(tmp) / "events.jsonl"), extractor=extractor, monitor=monitor)
            session_event(
                incident,
                started=call.started or DEFAULT_STARTED,
                model=None,
                source=SourceInfo(uri=call.name, kind="transcript"),
                options=SessionOptions(tz="UTC", roster=call.roster),
            )
            for t in sorted(said, key=lambda t: (t.t, t.start)):
                incident.call_time = t.end
                incident.advance(t.start)
                incident.transcript(msgspec.structs.replace(t, seq=0, wall=0.0, acts=None))
            incident.end(max([call.duration, *(t.end for t in said)]), "finished")
            incident.close()
            events = read_log(Path(tmp) / "events.jsonl").events
        by_source = {
            e.seq: index[(e.start, e.end, e.text)]
            for e in events
            if isinstance(e, Transcript) and (e.start, e.end, e.text) in index
        }
        return events, by_source


def reference(call: Call, *, speakers: bool) -> list[Transcript]:
    """The reference lines as final transcripts, with their speakers (as a transcript file names them) or not."""
    out = []
    for line in call.lines:
        start, end, speaker = float(str(line["start"])), float(str(line["end"])), str(line["speaker"])
        named = speaker if speakers else None
        out.append(
            Transcript(
                t=end,
                start=start,
                end=end,
                text=str(line["text"]),
                speaker=named,
                speaker_source="transcript" if named else None,
            )
        )
    return out


def heard(call: Call, *, model: str | None, voices: bool) -> list[Transcript]:
    """What `bridge replay` hears in the call's audio, end to end (the transcripts it logs, speakers as
    attributed live). Kept in .cache/eval/heard, keyed by the audio and by the code that hears it."""
    assert call.audio is not None
    version = subprocess.run(
        [
            "git",
            "log",
            "-1",
            "--format=%H",
            "--",
            "bridge/speech",
            "bridge/speakers",
            "bridge/sources",
            "bridge/pipeline.py",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    dirty = subprocess.run(
        [
            "git",
            "status",
            "--porcelain",
            "--",
            "bridge/speech",
            "bridge/speakers",
            "bridge/sources",
            "bridge/pipeline.py",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    key = hashlib.sha256(
        b"|".join([call.audio.read_bytes(), (model or "").encode(), str(voices).encode(), version.encode()])
    ).hexdigest()[:16]
    cached = HEARD / f"{call.name.replace('/', '_')}.{key}.jsonl"
    if cached.exists() and version and not dirty:
        return _as_corrected(read_log(cached).events)
    options = ["--silence-after", "30", "--no-interim"]
    with tempfile.TemporaryDirectory() as tmp:
        if call.roster:
            roster = Path(tmp) / "roster.txt"
            roster.write_text("\n".join(call.roster) + "\n")
            options += ["--vocab", str(roster)]
        options += ["--model", model] if model else []
        options += [f"--channel={index}={name}" for name, index in call.channels.items()]
        options += [] if voices else ["--no-voices"]
        events = replay(call.audio, Path(tmp) / "out", options)
        if version and not dirty:
            HEARD.mkdir(parents=True, exist_ok=True)
            shutil.copy(Path(tmp) / "out" / "events.jsonl", cached)
    return _as_corrected(events)


def _as_corrected(events: Sequence[LoggedEvent]) -> list[Transcript]:
    """The transcripts as every view reads them: with the tool's own corrections folded in (a voice named
    once the words said whose it is, the lines the after-call pass gave to another voice)."""
    return [e for e in corrections.apply(events).events if isinstance(e, Transcript)]


def replay(source: Path, out: Path, options: Sequence[str], command: Sequence[str] = BRIDGE) -> list[LoggedEvent]:
    """Run `bridge replay SOURCE --out OUT` and read the events it logged."""
    args = [*command, "replay", str(source), "--out", str(out), "--speed", "max", *options]
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        said = (proc.stderr.strip().splitlines() or ["(nothing on stderr)"])[-1]
        raise SystemExit(f"evaluate.py: `bridge replay {source}` failed (exit {proc.returncode}): {said}")
    return read_log(out / "events.jsonl").events


# Cross-validation by whole calls


def folds(chosen: Sequence[Call], k: int) -> list[list[Call]]:
    """k folds of the scripted calls (by name, round robin), then the real dialogue as a fold of its own."""
    scripted = sorted((c for c in chosen if c.audio is not None), key=lambda c: c.name)
    real = [c for c in chosen if c.audio is None]
    return [f for f in [*(scripted[i::k] for i in range(k)), real] if f]


def fold_model(training: Sequence[Call]) -> Path:
    """The act classifier trained on `training` alone, kept in .cache/eval/acts by what went into it (the
    calls' gold and lines, the training script, the labels and the input encoding, the config, the seed)."""
    from train_acts import CONFIG, train

    h = hashlib.sha256()
    for call in sorted(training, key=lambda c: c.name):
        h.update(call.name.encode() + json.dumps(call.gold, sort_keys=True).encode())
        h.update(json.dumps([[line["text"], line["speaker"]] for line in call.lines]).encode())
    for path in (CONFIG, ROOT / "scripts" / "train_acts.py", ROOT / "bridge" / "language" / "acts.py"):
        h.update(path.read_bytes())
    out = FOLD_MODELS / h.hexdigest()[:16]
    if not (out / MANIFEST).exists():
        print(f"training the act classifier on {len(training)} calls ...", file=sys.stderr, flush=True)
        train(list(training), out)
    return out


@dataclass
class Results:
    """Scores per system, per call, held out (each call scored by a model that never saw it) and fitted
    (the shipped model, which was trained on every call)."""

    held_out: dict[Use, dict[str, CallScore]] = field(default_factory=lambda: {u: {} for u in SYSTEMS})
    fitted: dict[str, CallScore] = field(default_factory=dict)
    one_out: dict[str, CallScore] = field(default_factory=dict)
    """Real dialogue with one stretch held out at a time (the others trained on): how the shipped model meets
    stretches it has not seen."""


def run_mode(
    mode: Mode,
    chosen: Sequence[Call],
    everything: Sequence[Call],
    runner: Runner,
    *,
    k: int,
    speakers: bool,
    model: str | None,
    voices: bool,
    fitted: bool,
    systems: Sequence[Use] = SYSTEMS,
) -> Results:
    said = {}
    for call in chosen:
        if mode == "audio" and call.audio is None:
            continue
        began = time.perf_counter()
        said[call.name] = (
            reference(call, speakers=speakers) if mode == "text" else heard(call, model=model, voices=voices)
        )
        if mode == "audio":
            print(f"audio {call.name}: {time.perf_counter() - began:.1f} s", file=sys.stderr, flush=True)
    out = Results()
    names = set(said)
    for fold in folds(everything, k):
        test = [c for c in fold if c.name in names]
        if not test:
            continue
        acts = Acts(fold_model([c for c in everything if c not in fold])) if set(systems) - {"rules"} else None
        for call in test:
            for use in systems:
                out.held_out[use][call.name] = runner.score(
                    call, said[call.name], use=use, acts=None if use == "rules" else acts, reference=mode == "text"
                )
    real = [c for c in chosen if c.audio is None and c.name in names]
    for call in real if len(real) > 1 and "both" in systems else []:
        acts = Acts(fold_model([c for c in everything if c is not call]))
        out.one_out[call.name] = runner.score(call, said[call.name], use="both", acts=acts, reference=mode == "text")
    if fitted and "both" in systems:
        shipped = Acts()
        for call in chosen:
            if call.name in names:
                out.fitted[call.name] = runner.score(
                    call, said[call.name], use="both", acts=shipped, reference=mode == "text"
                )
    return out


# Output


def _num(value: float | None, width: int = 4) -> str:
    return f"{value:{width}.2f}" if value is not None else f"{'n/a':>{width}}"


def _total(scores: Mapping[str, CallScore], names: Iterable[str] | None = None) -> CallScore:
    chosen = set(names) if names is not None else set(scores)
    return sum((s for n, s in scores.items() if n in chosen), CallScore())


def groups(calls_: Iterable[str]) -> dict[str, list[str]]:
    names = sorted(calls_)
    corpus = [n for n in names if re.match(r"c\d\d-", n)]
    return {
        "development calls": [n for n in names if n not in corpus and not n.startswith("apollo/")],
        "corpus calls": corpus,
        "  kept from rule work": [n for n in names if n[:3] in SEALED],
        "Apollo 13 FD loop": [n for n in names if n.startswith("apollo/")],
    }


def table(mode: Mode, results: Results, *, k: int) -> str:
    rows = []
    head = f"{'':22}{'held out':^26}  {'fitted':>6}"
    rows += [head, f"{'':22}{'rules':>8}{'model':>9}{'both':>9}  {'both':>6}   target"]
    held = {u: _total(results.held_out[u]) for u in SYSTEMS}
    fit = _total(results.fitted) if results.fitted else None
    for measure, label in MEASURES.items():
        cells = "".join(
            f"{_num(getattr(held[u], measure).f1, 9)}" if results.held_out[u] else f"{'-':>9}" for u in SYSTEMS
        )
        fitted = _num(getattr(fit, measure).f1, 6) if fit is not None else f"{'':6}"
        target = TARGETS[mode][measure]
        first: Use = next((u for u in ("both", "model", "rules") if results.held_out[u]), "both")
        shown = held[first]
        verdict = "ok" if target.met(getattr(shown, measure)) else "MISSED"
        rows.append(f"{label + ' F1':22}{cells}  {fitted}   {target!s} {verdict}")
    system: Use = next((u for u in ("both", "model", "rules") if results.held_out[u]), "both")
    owners = held[system].status_owner
    right = f"{owners.right}/{owners.of} ({_num(owners.value).strip()})"
    rows.append(f"status check owners right (held out, {system}): {right}")
    lines = held[system].speakers
    rows.append(f"lines with the right speaker: {lines.right}/{lines.of} ({_num(lines.value).strip()})")
    rows.append("")
    rows.append(f"held out, {system}, by group:{'':3}" + "".join(f"{m[:10]:>12}" for m in MEASURES.values()))
    both = next((results.held_out[u] for u in ("both", "model", "rules") if results.held_out[u]), {})
    for name, members in groups(both).items():
        if members:
            total = _total(both, members)
            label = f"{name} ({len(members)})"
            rows.append(f"  {label:26}" + "".join(f"{_num(getattr(total, m).f1, 12)}" for m in MEASURES))
    if results.one_out:
        total = _total(results.one_out)
        label = f"Apollo, one stretch out ({len(results.one_out)})"
        rows.append(f"  {label:26}" + "".join(f"{_num(getattr(total, m).f1, 12)}" for m in MEASURES))
    return "\n".join(rows)


def per_call(results: Results) -> str:
    both = next(results.held_out[u] for u in ("both", "model", "rules") if results.held_out[u])
    rows = [f"{'held out, both':30}" + "".join(f"{m[:10]:>12}" for m in MEASURES.values())]
    for name, score in both.items():
        rows.append(f"  {name[:28]:28}" + "".join(f"{_num(getattr(score, m).f1, 12)}" for m in MEASURES))
    return "\n".join(rows)


def as_json(mode: Mode, results: Results) -> dict[str, Any]:
    def one(score: CallScore) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for measure in MEASURES:
            s: Score = getattr(score, measure)
            out[measure] = {**asdict(s), "precision": s.precision, "recall": s.recall, "f1": s.f1}
            del out[measure]["notes"]
        out["status_owner"] = {**asdict(score.status_owner), "accuracy": score.status_owner.value}
        out["speakers"] = {**asdict(score.speakers), "accuracy": score.speakers.value}
        return out

    held = {u: one(_total(results.held_out[u])) for u in SYSTEMS}
    grouped = {g: one(_total(results.held_out["both"], m)) for g, m in groups(results.held_out["both"]).items() if m}
    return {
        "held_out": held,
        "held_out_by_group": grouped,
        "fitted": one(_total(results.fitted)) if results.fitted else None,
        "apollo_one_stretch_out": one(_total(results.one_out)) if results.one_out else None,
        "calls": {name: one(s) for name, s in results.held_out["both"].items()},
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("calls", nargs="*", metavar="CALL", help="call names (default: every annotated call)")
    parser.add_argument(
        "--mode",
        choices=["text", "audio", "both"],
        default="text",
        help="from the reference lines, from the rendered audio end to end, or both (default: text)",
    )
    parser.add_argument("--set", choices=["dev", "corpus", "apollo", "all"], default="all", help="default: all")
    parser.add_argument("--folds", type=int, default=5, metavar="K", help="folds of scripted calls (default: 5)")
    parser.add_argument("--no-speakers", action="store_true", help="text runs without the lines' speakers")
    parser.add_argument("--model", metavar="NAME", help="Whisper model for the audio runs (default: bridge's own)")
    parser.add_argument("--no-voices", action="store_true", help="audio runs without telling voices apart")
    parser.add_argument("--silence-after", type=float, default=30.0, metavar="S", help="default: 30")
    parser.add_argument("--no-fitted", action="store_true", help="skip the score of the shipped model")
    parser.add_argument(
        "--systems",
        default=",".join(SYSTEMS),
        help="which to run, of rules (the word rules alone), model (the act classifier decides every act), both "
        "(the shipped combination); default: all three",
    )
    parser.add_argument("--calls-table", action="store_true", help="also print every call's held-out scores")
    parser.add_argument("--misses", action="store_true", help="also list what went wrong (sealed calls left out)")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON instead of tables")
    args = parser.parse_args(argv)
    everything = [*calls([], corpus=True), *apollo()]
    chosen = [c for c in everything if not args.calls or c.name in args.calls]
    if args.set != "all":
        chosen = [c for c in chosen if _set_of(c) == args.set]
    if not chosen:
        parser.error("no calls chosen")
    systems = [u for u in SYSTEMS if u in args.systems.split(",")]
    if not systems:
        parser.error(f"--systems: choose from {', '.join(SYSTEMS)}")
    runner = Runner(Analyzer(resolve_spacy()), args.silence_after)
    modes: list[Mode] = ["text", "audio"] if args.mode == "both" else [args.mode]
    results = {
        mode: run_mode(
            mode,
            chosen,
            everything,
            runner,
            k=args.folds,
            speakers=not args.no_speakers,
            model=args.model,
            voices=not args.no_voices,
            fitted=not args.no_fitted,
            systems=systems,
        )
        for mode in modes
    }
    if args.json:
        print(json.dumps({mode: as_json(mode, r) for mode, r in results.items()}, indent=1))
        return 0
    for mode, r in results.items():
        if mode == "text":
            what = "the reference lines" + (" without speakers" if args.no_speakers else " with their speakers")
        else:
            voices = "off" if args.no_voices else "on"
            what = f"the rendered audio end to end, model {args.model or 'default'}, voices {voices}"
        print(
            f"\n{mode}: {what}. Held out: each call scored by an act classifier trained without it ({args.folds} "
            f"folds of scripted calls, the Apollo loop its own fold); fitted: the shipped classifier, trained on "
            f"every call. Silence threshold {args.silence_after:g} s.\n"
        )
        print(table(mode, r, k=args.folds))
        if args.calls_table:
            print("\n" + per_call(r))
        if args.misses:
            shown = next(r.held_out[u] for u in ("both", "model", "rules") if r.held_out[u])
            for name, score in shown.items():
                if name[:3] in SEALED or name in SEALED:
                    continue
                notes = [note for measure in MEASURES for note in getattr(score, measure).notes]
                print(f"\n{mode}, {name}: {len(notes)} wrong or missed" + "".join(f"\n  {n}" for n in notes))
    return 0


def _set_of(call: Call) -> str:
    if call.audio is None:
        return "apollo"
    return "corpus" if re.match(r"c\d\d-", call.name) else "dev"


if __name__ == "__main__":
    sys.exit(main())
