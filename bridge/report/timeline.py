"""The incident as a timeline: what the post-mortem draft and the stakeholder update are made from.

`build` is a pure function of the logged events, with the commander's corrections applied. It never reads
a clock: "now" is the end of the call, or the last event of a call still going on, or a call time given.
Wall-clock times are the session's start (the wall clock at call time 0) plus call time, so a row says
when it happened on the call, not when a replay happened to process it, and the same log always gives the
same timeline. Every fact carries its `Evidence`: the call time, speaker and words it came from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Literal, get_args

import msgspec

from .. import corrections
from ..calltime import clock, duration
from ..errors import LogError
from ..events import (
    ActionItem,
    Alert,
    AlertCleared,
    Category,
    CheckMet,
    CheckReplaced,
    Decision,
    Gap,
    LoggedEvent,
    Notice,
    Session,
    SessionEnd,
    StatusCheck,
    Transcript,
)
from ..language import findings as statements
from ..monitor import MonitorOptions
from .airtime import Participant, Silence, participants, silences
from .evidence import Evidence, Quoter
from .outcomes import ActionEntry, Cadence, CheckEntry, action_entry, cadence, check_entries, reports_on

__all__ = [
    "TIMELINE_VERSION",
    "DecisionEntry",
    "Milestone",
    "Note",
    "Row",
    "RowKind",
    "Timeline",
    "build",
    "duration",
    "to_json",
    "wall_clock",
]

TIMELINE_VERSION = 1
"""Of the JSON form (`to_json`): fields may be added; a change of meaning bumps it."""


class Milestone(msgspec.Struct, frozen=True, kw_only=True):
    at: float
    """Call seconds from the start of the call."""
    wall: float
    what: str
    evidence: Evidence


RowKind = Literal[
    "report",
    "finding",
    "cause",
    "decision",
    "action",
    "check",
    "update",
    "done",
    "missed",
    "alert",
    "cleared",
    "mitigated",
]
_ROW_ORDER: tuple[RowKind, ...] = get_args(RowKind)
"""Rows at the same call time, in this order: what was said before what it caused."""


class Row(msgspec.Struct, frozen=True, kw_only=True):
    at: float
    wall: float
    who: str | None
    kind: RowKind
    what: str
    evidence: Evidence | None
    """None for what the monitor raised (alerts, a missed check): there are no words to quote."""
    ref: int
    """`seq` of the event the row is about."""


class DecisionEntry(msgspec.Struct, frozen=True, kw_only=True):
    seq: int
    text: str
    category: Category | None
    by: str | None
    evidence: Evidence
    edited: bool
    confirmed: bool


class Severity(msgspec.Struct, frozen=True, kw_only=True):
    level: str
    """As said: "SEV1", "P2"."""
    evidence: Evidence


class Note(msgspec.Struct, frozen=True, kw_only=True):
    """The tool's own word on the log (a torn last line, a truncated recording)."""

    at: float
    level: Literal["info", "warning", "error"]
    message: str


class Timeline(msgspec.Struct, frozen=True, kw_only=True):
    timeline_version: int = TIMELINE_VERSION
    incident: str
    version: str
    """Of the bridge that wrote the log."""
    source: str
    replayed: bool
    """Made from a recording or a transcript file rather than a live call, its wall clock the replay's: no
    --started, no creation time in the file."""
    started: float
    """Wall clock (Unix time) at call time 0."""
    ended: float | None
    """Wall clock at the end of the call; None while it goes on."""
    end_reason: Literal["finished", "interrupted", "failed"] | None
    now: float
    """Call seconds the timeline covers."""
    commander: str | None
    participants: list[Participant]
    impact: list[Evidence]
    """What was said about what is affected, in order."""
    first_mitigation: Milestone | None
    mitigated: Milestone | None
    severity: Severity | None
    """The last severity declared on the call."""
    recording: str | None
    """The folder the call's audio was kept in (--record), for `bridge retranscribe`."""
    cause: list[Evidence]
    """Statements of the cause, unhedged."""
    findings: list[Evidence]
    """What the owners of investigation items reported about them."""
    rows: list[Row]
    decisions: list[DecisionEntry]
    actions: list[ActionEntry]
    """Action items other than follow-ups."""
    follow_ups: list[ActionEntry]
    checks: list[CheckEntry]
    cadence: Cadence
    silence_after: float
    silences: list[Silence]
    notes: list[Note]


def wall_clock(unix: float, *, date: bool = False) -> str:
    """Unix time as UTC wall clock, HH:MM:SS (with the date when asked); the caller says "UTC"."""
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%d %H:%M:%S" if date else "%H:%M:%S")


def to_json(timeline: Timeline) -> str:
    return msgspec.json.format(msgspec.json.encode(timeline), indent=2).decode() + "\n"


_COMMANDER = re.compile(
    r"\b(?:i am|i'm|i will be|i'll be|this is [\w' -]+?,?)\s+(?:the\s+|your\s+)?incident commander\b", re.IGNORECASE
)


def build(events: Iterable[LoggedEvent], *, now: float | None = None) -> Timeline:
    """The timeline of the logged `events` (corrections applied), as of call time `now` (default: the end
    of the call, or its last event while it goes on). Only what was logged by `now` counts."""
    fixed = corrections.apply(e for e in events if now is None or e.t <= now)
    evs = fixed.events
    session = next((e for e in evs if isinstance(e, Session)), None)
    if session is None:
        raise LogError("the events hold no session event; is this a bridge event log?")
    end = next((e for e in evs if isinstance(e, SessionEnd)), None)
    if now is None:
        now = end.duration if end is not None else max(e.t for e in evs)
    return _Builder(session, evs, now, fixed).timeline(end)


class _Builder:
    def __init__(self, session: Session, evs: list[LoggedEvent], now: float, fixed: corrections.Corrected) -> None:
        self.session = session
        self.now = now
        self.fixed = fixed
        self.q = Quoter(session.started, [e for e in evs if isinstance(e, Transcript)])
        self.decisions = [e for e in evs if isinstance(e, Decision)]
        self.items = [e for e in evs if isinstance(e, ActionItem)]
        self.checks = [e for e in evs if isinstance(e, StatusCheck)]
        self.alerts = [e for e in evs if isinstance(e, Alert)]
        self.cleared = [e for e in evs if isinstance(e, AlertCleared)]
        self.met: dict[int, CheckMet] = {}
        for e in evs:
            if isinstance(e, CheckMet):
                self.met.setdefault(e.ref, e)
        self.replaced = {e.ref for e in evs if isinstance(e, CheckReplaced)}
        self.notices = [e for e in evs if isinstance(e, Notice)]
        self.gaps = [e for e in evs if isinstance(e, Gap)]
        self.silence_after = session.options.monitor.get("silence_after", MonitorOptions.silence_after)

    def timeline(self, end: SessionEnd | None) -> Timeline:
        s, q = self.session, self.q
        entries = [
            action_entry(
                i,
                q,
                self.now,
                done=self.fixed.done.get(i.seq),
                edited=i.seq in self.fixed.edited,
                confirmed=i.seq in self.fixed.confirmed,
            )
            for i in self.items
        ]
        checks = check_entries(self.checks, self.met, self.replaced, q, self.now, self.fixed.edited)
        mitigated = self.mitigated()
        timeline = Timeline(
            incident=s.incident,
            version=s.version,
            source=s.source.uri,
            replayed=s.source.kind in ("file", "transcript") and s.options.started_by is None,
            started=s.started,
            ended=q.wall(end.duration) if end is not None else None,
            end_reason=end.reason if end is not None else None,
            now=round(self.now, 3),
            commander=self.commander(),
            participants=participants(q.said),
            impact=self.statements(statements.impact),
            first_mitigation=self.first_mitigation(mitigated),
            mitigated=mitigated,
            severity=self.severity(),
            recording=s.options.record.folder if s.options.record is not None else None,
            cause=self.statements(statements.cause),
            findings=self.findings(),
            rows=[],
            decisions=[self.decision(d) for d in self.decisions],
            actions=[a for a in entries if a.category != "follow-up"],
            follow_ups=[a for a in entries if a.category == "follow-up"],
            checks=checks,
            cadence=cadence(checks),
            silence_after=self.silence_after,
            silences=silences(q.said, now=self.now, after=self.silence_after, started=s.started, gaps=self.gaps),
            notes=[Note(at=n.t, level=n.level, message=n.message) for n in self.notices],
        )
        return msgspec.structs.replace(timeline, rows=self.rows(timeline))

    # -- facts ----------------------------------------------------------------------------------------

    def commander(self) -> str | None:
        return next((s.speaker for s in self.q.said if s.speaker is not None and _COMMANDER.search(s.text)), None)

    def statements(self, find: statements.Finder) -> list[Evidence]:
        """The sentences that `find` takes, from statements and reports (not questions, requests or promises)."""
        return [
            self.q.of(said, " ".join(found))
            for said in self.q.said
            if self.q.reply(said) in ("update", "other") and (found := find(said.text))
        ]

    def severity(self) -> Severity | None:
        """The last severity declared, with its words: a bump ("to SEV1") replaces what was said before."""
        said = [(t, found) for t in self.q.said if (found := statements.severity(t.text))]
        if not said:
            return None
        t, found = said[-1]
        named = statements.level(found[-1])
        return Severity(level=named, evidence=self.q.of(t, found[-1])) if named else None

    def mitigated(self) -> Milestone | None:
        """When the bridge first said the incident is mitigated or resolved; a decision taken from those words
        places them more exactly than their utterance does."""
        for said in self.q.said:
            if sentences := statements.mitigated(said.text):
                decided = next(
                    (d for d in self.decisions if d.source == said.seq and statements.mitigated(d.quote)), None
                )
                if decided is not None:
                    return Milestone(
                        at=decided.start,
                        wall=self.q.wall(decided.start),
                        what=decided.text,
                        evidence=self.q.of_item(decided),
                    )
                quote = " ".join(sentences)
                return Milestone(
                    at=said.start, wall=self.q.wall(said.start), what=quote, evidence=self.q.of(said, quote)
                )
        return None

    def first_mitigation(self, mitigated: Milestone | None) -> Milestone | None:
        """The first mitigation decided, by a decision or an action item, as the monitor counts it; declaring
        the incident mitigated is not one."""
        declared = mitigated.evidence.seq if mitigated is not None else None
        pool: list[Decision | ActionItem] = [*self.decisions, *self.items]
        candidates = [e for e in pool if e.category == "mitigation" and e.source != declared]
        first = min(candidates, key=lambda e: (e.start, e.seq), default=None)
        if first is None:
            return None
        what = first.text if isinstance(first, Decision) else first.task
        return Milestone(at=first.start, wall=self.q.wall(first.start), what=what, evidence=self.q.of_item(first))

    def findings(self) -> list[Evidence]:
        found = {
            ev.seq: ev
            for i in self.items
            if i.category == "investigation"
            for ev in reports_on(
                i, self.q, [v for v in self.fixed.versions.get(i.seq, ()) if isinstance(v, ActionItem)]
            )
        }
        return [found[seq] for seq in sorted(found)]

    def decision(self, d: Decision) -> DecisionEntry:
        return DecisionEntry(
            seq=d.seq,
            text=d.text,
            category=d.category,
            by=d.by,
            evidence=self.q.of_item(d),
            edited=d.seq in self.fixed.edited,
            confirmed=d.seq in self.fixed.confirmed,
        )

    # -- rows -----------------------------------------------------------------------------------------

    def rows(self, tl: Timeline) -> list[Row]:
        rows: list[tuple[float, int, int, Row]] = []

        def add(at: float, kind: RowKind, who: str | None, what: str, evidence: Evidence | None, ref: int) -> None:
            row = Row(at=at, wall=self.q.wall(at), who=who, kind=kind, what=what, evidence=evidence, ref=ref)
            rows.append((at, _ROW_ORDER.index(kind), len(rows), row))

        for d in tl.decisions:
            what = f"Decision: {d.text}" + (" (mitigation)" if d.category == "mitigation" else "")
            add(d.evidence.at, "decision", d.by, what, d.evidence, d.seq)
        for a in [*tl.actions, *tl.follow_ups]:
            due = f", due {clock(a.due)}" if a.due is not None else ""
            kind = "Follow-up" if a.category == "follow-up" else "Action item"
            add(
                a.evidence.at,
                "action",
                a.evidence.by,
                f"{kind} for {a.owner or 'nobody named'}: {a.task}{due}",
                a.evidence,
                a.seq,
            )
            if a.done is not None:
                add(a.done.at, "done", a.owner, f"Reported done: {a.task}", a.done, a.seq)
            elif a.marked_done and a.done_at is not None:
                add(a.done_at, "done", "commander", f"Marked done by the commander: {a.task}", None, a.seq)
        for c in tl.checks:
            owes = c.owner or "the bridge"
            add(
                c.evidence.at,
                "check",
                c.evidence.by,
                f"Status check: {owes} to update by {clock(c.due)}",
                c.evidence,
                c.seq,
            )
            set_at = clock(c.evidence.at)
            if c.outcome in ("on time", "late"):
                how = "on time" if c.outcome == "on time" else f"{duration(c.late or 0.0)} late"
                if c.update is not None:
                    add(
                        c.update.at,
                        "update",
                        c.update.by,
                        f"Update {how} (status check set at {set_at})",
                        c.update,
                        c.seq,
                    )
                else:
                    add(
                        self.met[c.seq].t,
                        "update",
                        "commander",
                        f"Marked received by the commander, {how} (status check set at {set_at})",
                        None,
                        c.seq,
                    )
            elif c.outcome == "missed":
                what = f"No update from {owes} by {clock(c.due)} (status check set at {set_at})"
                add(c.due, "missed", None, what, None, c.seq)
        for alert in self.alerts:
            seen = " (acknowledged by the commander)" if alert.seq in self.fixed.acknowledged else ""
            add(alert.t, "alert", None, f"Alert: {alert.message}{seen}", None, alert.seq)
        raised = {a.seq for a in self.alerts}
        for cleared in self.cleared:
            if cleared.ref in raised:
                add(cleared.t, "cleared", None, f"Alert cleared: {cleared.message}", None, cleared.ref)
        # What was reported gets a row of its own only where no row above already quotes it.
        quoted = {seq for *_, r in rows if r.evidence for seq in self.q.covers(r.evidence)}
        reported: list[tuple[RowKind, str, list[Evidence]]] = [
            ("cause", "Cause stated", tl.cause),
            ("finding", "Finding reported", tl.findings),
            ("report", "Impact reported", tl.impact),
            ("mitigated", "Incident declared mitigated", [tl.mitigated.evidence] if tl.mitigated else []),
        ]
        for kind, what, found in reported:
            for ev in found:
                if ev.seq not in quoted:
                    quoted.update(self.q.covers(ev))
                    add(ev.at, kind, ev.by, what, ev, ev.seq)
        return [row for *_, row in sorted(rows, key=lambda r: r[:3])]
