"""The post-mortem draft: a `Timeline` written out in the shape post-mortems commonly take.

Summary, impact, timeline, decisions, action items and follow-ups, then the facts of the response itself
(status cadence, silences, who spoke), then the lessons. The log's facts are filled in, each with the call
time and the words it came from; what only a person knows (what happened before the call, the impact in
numbers, what went well or badly) is left as a clearly marked prompt for the commander. Markdown for the
repository or the wiki, HTML (one self-contained file) for the browser.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal, get_args

from ..calltime import clock
from . import markup as doc
from .evidence import Evidence
from .markup import Block, Bullets, Heading, Inline, Para, Prompt, Span, Table
from .outcomes import ActionEntry, CheckEntry
from .timeline import Timeline, duration, wall_clock

__all__ = ["TEMPLATES", "Template", "blocks", "to_html", "to_markdown"]

COMMANDER = "commander"
TIMELINE_HEADER = ("Call time", "UTC", "Who", "What", "Evidence")
INTRO = (
    "Drafted by bridge from the event log of the bridge call. Call times (mm:ss) count from the start of the "
    "call; wall-clock times are UTC. Every entry quotes what was said, as transcribed: check it against the "
    "recording before publishing. Blanks marked TODO are for the commander."
)


Template = Literal["bridge", "google", "pagerduty", "atlassian"]
TEMPLATES: tuple[Template, ...] = get_args(Template)

_Section = tuple[str, str] | tuple[str, str, str]
"""(heading, a section of the draft retitled) or (heading, "", a prompt for what the log cannot know)."""

_SHAPES: dict[Template, list[_Section]] = {
    "bridge": [
        ("Summary", "summary"),
        ("Impact", "impact"),
        ("Timeline", "timeline"),
        ("Decisions", "decisions"),
        ("Action items", "actions"),
        ("Follow-ups", "follow_ups"),
        ("Status cadence", "cadence"),
        ("Long silences", "silences"),
        ("Participants", "participants"),
        ("", "lessons"),
    ],
    # The sections of the example postmortem in Google's SRE book (appendix D).
    "google": [
        ("Summary", "summary"),
        ("Impact", "impact"),
        ("Root causes", "causes"),
        ("Trigger", "", "What set it off: the change, the load or the failure, and when it happened."),
        ("Resolution", "resolution"),
        ("Detection", "", "How was it noticed (an alert, a customer, by chance), and how long after it began?"),
        ("Action items", "actions"),
        ("Preventive action items", "follow_ups"),
        ("", "lessons"),
        ("Timeline", "timeline"),
        ("Decisions", "decisions"),
        ("Status cadence", "cadence"),
        ("Long silences", "silences"),
        ("Participants", "participants"),
    ],
    # PagerDuty's postmortem template (response.pagerduty.com).
    "pagerduty": [
        ("Summary", "summary"),
        ("What happened", "timeline"),
        ("Root cause(s)", "causes"),
        ("Resolution and recovery", "resolution"),
        ("Impact", "impact"),
        ("Responders", "participants"),
        ("Decisions", "decisions"),
        ("Action items", "actions"),
        ("Follow-up action items", "follow_ups"),
        ("", "lessons"),
        ("Messaging", "cadence"),
        ("Long silences", "silences"),
    ],
    # Atlassian's incident postmortem template (Incident Handbook).
    "atlassian": [
        ("Incident summary", "summary"),
        ("Leadup", "", "What led to the incident: the changes, the conditions, the events before it began."),
        ("Fault", "causes"),
        ("Impact", "impact"),
        ("Detection", "", "How and when was it detected? How could the time to detect be shorter?"),
        ("Response", "decisions"),
        ("Recovery", "resolution"),
        ("Timeline", "timeline"),
        ("Five whys", "", "Why did it happen? Ask why of each answer, five times, down to what can change."),
        ("Backlog check", "", "Was there already a ticket that would have prevented it? Why was it not done?"),
        ("Related incidents", "", "Has this, or something like it, happened before?"),
        ("", "lessons"),
        ("Corrective actions", "actions"),
        ("Further corrective actions", "follow_ups"),
        ("Status cadence", "cadence"),
        ("Long silences", "silences"),
        ("Participants", "participants"),
    ],
}


def to_markdown(timeline: Timeline, template: Template = "bridge") -> str:
    return doc.to_markdown(blocks(timeline, template))


def to_html(timeline: Timeline, template: Template = "bridge") -> str:
    return doc.to_html(blocks(timeline, template), title=_title(timeline))


def _title(tl: Timeline) -> str:
    return f"Post-mortem draft: {tl.incident}"


def blocks(tl: Timeline, template: Template = "bridge") -> list[Block]:
    """The draft in `template`'s sections and order: bridge's own, or those of Google's, PagerDuty's or
    Atlassian's post-mortem templates, each filled from the same facts (a section none of the log's facts
    belongs to is a prompt for the commander)."""
    w = _Writer(tl, badly=_BADLY.get(template, "What went badly"))
    out: list[Block] = [Heading(1, _title(tl)), Para([Span(INTRO, "em")]), *w.notes()]
    for heading, section, *prompt in _SHAPES[template]:
        if not section:
            out += [Heading(2, heading), Prompt(COMMANDER, prompt[0])]
            continue
        written: list[Block] = getattr(w, section)()
        if heading and written and isinstance(written[0], Heading):
            written = [Heading(2, heading), *written[1:]]
        out += written
    return out


_BADLY: dict[Template, str] = {"google": "What went wrong", "pagerduty": "What didn't go so well"}
"""The lessons' second heading, where a template words it otherwise."""


class _Writer:
    def __init__(self, tl: Timeline, *, badly: str = "What went badly") -> None:
        self.tl = tl
        end = tl.ended if tl.ended is not None else tl.started + tl.now
        self.dated = _day(tl.started) != _day(end)
        """The call crossed midnight UTC: every wall clock carries its date."""
        self.badly = badly
        """The lessons' second heading, as the template words it."""

    def wall(self, unix: float) -> str:
        return wall_clock(unix, date=self.dated)

    def at(self, t: float) -> str:
        """A call time with its wall clock: "00:49 (14:09:00 UTC)"."""
        return f"{clock(t)} ({self.wall(self.tl.started + t)} UTC)"

    def into(self, t: float) -> str:
        """How long into the call: "00:49 into the call (14:09:00 UTC)"."""
        return f"{clock(t)} into the call ({self.wall(self.tl.started + t)} UTC)"

    def said(self, ev: Evidence, *, when: bool = True) -> Inline:
        """Evidence as "00:49 Rosa: “quote”"."""
        who = f"{ev.by}: " if ev.by else "(unattributed): "
        return [f"{clock(ev.at)} " if when else "", who, Span(ev.quote, "quote")]

    # -- sections ---------------------------------------------------------------------------------------

    def notes(self) -> list[Block]:
        tl = self.tl
        notes = [f"{clock(n.at)} {n.level}: {n.message}" for n in tl.notes]
        if tl.end_reason is None:
            notes.append(f"The call is still going on: this draft covers its first {clock(tl.now)}.")
        elif tl.end_reason != "finished":
            notes.append(f"The session ended early ({tl.end_reason}) at {clock(tl.now)}: later events are missing.")
        if tl.replayed:
            notes.append(
                f"Made from a recording ({tl.source}): wall-clock times count from when it was replayed, not from "
                "when the call took place (bridge replay --started ISO-TIME sets them)."
            )
        return [Para([Span("Note: ", "strong"), note]) for note in notes]

    def summary(self) -> list[Block]:
        tl = self.tl
        start = wall_clock(tl.started, date=True)
        responders = [p.name for p in tl.participants if p.name is not None and p.name != tl.commander]
        first, mitigated = tl.first_mitigation, tl.mitigated
        facts: list[Inline] = [
            _fact("Bridge call", f"{start} UTC to {self.wall(tl.ended)} UTC ({clock(tl.now)}).")
            if tl.ended is not None
            else _fact("Bridge call", f"{start} UTC, still going on ({clock(tl.now)} so far)."),
            _fact("Severity", f"{tl.severity.level}, ", *self.said(tl.severity.evidence))
            if tl.severity is not None
            else _fact("Severity", "not said on the call (TODO)."),
            _fact("Commander", f"{tl.commander}." if tl.commander else "not said on the call (TODO)."),
            _fact("Responders", ", ".join(responders) + "." if responders else "none named."),
            _fact(
                "Time to first mitigation decision", f"{self.into(first.at)}, ", *self.said(first.evidence, when=False)
            )
            if first is not None
            else _fact("Time to first mitigation decision", "no mitigation was decided on the call."),
            _fact("Time to mitigated", f"{self.into(mitigated.at)}, ", *self.said(mitigated.evidence, when=False))
            if mitigated is not None
            else _fact("Time to mitigated", "nobody said on the call that it was mitigated."),
            _fact("Cause", *self.cause()),
        ]
        if tl.recording is not None:
            facts.append(
                _fact("Recording", f"{tl.recording}, in the incident folder (bridge retranscribe reads it again).")
            )
        return [
            Heading(2, "Summary"),
            Prompt(
                COMMANDER,
                "What happened, in two or three sentences, for a reader who was not on the call: "
                "what broke, who was affected, how it was fixed.",
            ),
            Bullets(facts),
        ]

    def cause(self) -> Inline:
        tl = self.tl
        if tl.cause:
            return ["stated on the call, ", *self.said(tl.cause[-1]), ". Confirm it in the review."]
        if tl.findings:
            return ["not confirmed on the call. Last finding: ", *self.said(tl.findings[-1])]
        return ["not stated on the call."]

    def impact(self) -> list[Block]:
        said: list[Block] = (
            [
                Para(["What was said on the call about what was affected:"]),
                Bullets([self.said(ev) for ev in self.tl.impact]),
            ]
            if self.tl.impact
            else [Para(["Nothing was said on the call about what was affected."])]
        )
        return [
            Heading(2, "Impact"),
            *said,
            Prompt(
                COMMANDER,
                "When did the impact start and end, before and after the call? How many users or "
                "requests were affected, for how long? Was any data lost? Which SLOs were breached?",
            ),
        ]

    def timeline(self) -> list[Block]:
        day = "" if self.dated else f" on {_day(self.tl.started)}"
        rows: list[Sequence[Inline]] = [
            [
                [clock(r.at)],
                [self.wall(r.wall)],
                [r.who or "—"],
                [r.what],
                [Span(r.evidence.quote, "quote")] if r.evidence else ["—"],
            ]
            for r in self.tl.rows
        ]
        return [
            Heading(2, "Timeline"),
            Para([f"Call time from the start of the bridge call; UTC{day}."]),
            Table(TIMELINE_HEADER, rows),
            Prompt(
                COMMANDER,
                "Add what happened before the call (the change, the first alert, when the bridge "
                "was opened) and after it (recovery confirmed, the incident closed).",
            ),
        ]

    def causes(self) -> list[Block]:
        return [
            Heading(2, "Cause"),
            Para([Span("Cause: ", "strong"), *self.cause()]),
            Prompt(
                COMMANDER,
                "Why it happened, and why it could: keep asking why until the answer is something to change.",
            ),
        ]

    def resolution(self) -> list[Block]:
        """How it was mitigated, from the log: the mitigation decisions and items, and when it was said done."""
        tl = self.tl
        declared = tl.mitigated.evidence.seq if tl.mitigated is not None else None
        steps: list[Inline] = [
            [Span(d.text, "strong"), f" (decided at {self.at(d.evidence.at)})"]
            for d in tl.decisions
            if d.category == "mitigation" and d.evidence.seq != declared
        ]
        mitigations = [a for a in tl.actions if a.category == "mitigation"]
        steps += [[f"{a.task} ({a.owner or 'nobody named'}): ", *self.status(a)] for a in mitigations]
        end = (
            [f"Said mitigated {self.into(tl.mitigated.at)}: ", *self.said(tl.mitigated.evidence, when=False)]
            if tl.mitigated is not None
            else ["Nobody said on the call that it was mitigated."]
        )
        return [
            Heading(2, "Resolution"),
            Bullets(steps) if steps else Para(["No mitigation was decided on the call."]),
            Para(end),
            Prompt(COMMANDER, "When was recovery confirmed, and how? What was left to clean up?"),
        ]

    def decisions(self) -> list[Block]:
        items: list[Inline] = []
        for d in self.tl.decisions:
            marks = [
                m
                for m, on in (
                    ("mitigation", d.category == "mitigation"),
                    ("edited by the commander", d.edited),
                    ("confirmed by the commander", d.confirmed),
                )
                if on
            ]
            items.append(
                [
                    Span(d.text, "strong"),
                    f" ({', '.join(marks)})" if marks else "",
                    f" at {self.at(d.evidence.at)}. ",
                    *self.said(d.evidence, when=False),
                ]
            )
        return [
            Heading(2, "Decisions"),
            Bullets(items, numbered=True) if items else Para(["No decision was recorded."]),
        ]

    def action_rows(self, entries: Sequence[ActionEntry]) -> list[Sequence[Inline]]:
        rows: list[Sequence[Inline]] = []
        for a in entries:
            owner = a.owner or "nobody named"
            marks = [m for m, on in (("edited", a.edited), ("confirmed", a.confirmed)) if on]
            rows.append(
                [
                    [owner],
                    [a.task, f" ({', '.join(marks)} by the commander)" if marks else ""],
                    [a.category or "—"],
                    [self.at(a.due)] if a.due is not None else ["—"],
                    self.status(a),
                    self.said(a.evidence),
                ]
            )
        return rows

    def status(self, a: ActionEntry) -> Inline:
        if a.done is not None:
            return [Span("done", "strong"), " at ", *self.said(a.done)]
        if a.marked_done and a.done_at is not None:
            return [Span("done", "strong"), f" (marked done by the commander at {clock(a.done_at)})"]
        if a.status == "overdue" and a.due is not None:
            return [Span("overdue", "strong"), f" since {clock(a.due)}"]
        return [Span("open", "strong")]

    def actions(self) -> list[Block]:
        header = ("Owner", "Task", "Type", "Due", "Status", "Assigned")
        body: Block = (
            Table(header, self.action_rows(self.tl.actions))
            if self.tl.actions
            else Para(["No action item was recorded."])
        )
        return [
            Heading(2, "Action items"),
            Para(["Assigned on the call. Done: the owner reported it done, or the commander marked it."]),
            body,
        ]

    def follow_ups(self) -> list[Block]:
        said: list[Block] = (
            [
                Para(["Said on the call:"]),
                Table(("Owner", "Task", "Type", "Due", "Status", "Assigned"), self.action_rows(self.tl.follow_ups)),
            ]
            if self.tl.follow_ups
            else []
        )
        return [
            Heading(2, "Follow-ups"),
            *said,
            Prompt(
                COMMANDER,
                "What must change so that this does not happen again, or is caught sooner? "
                "One line each, with an owner and a ticket.",
            ),
        ]

    def cadence(self) -> list[Block]:
        c = self.tl.cadence
        if not c.made:
            return [Heading(2, "Status cadence"), Para(["No status check was set on the call."])]
        parts = [
            f"{c.on_time} on time",
            f"{c.late} late" + (f" (worst {duration(c.worst_late)})" if c.worst_late is not None else ""),
            f"{c.missed} missed",
        ]
        if c.open:
            parts.append(f"{c.open} not yet due")
        if c.replaced:
            parts.append(f"{c.replaced} replaced by a newer check before it was due")
        header = ("Set at", "Owed by", "Due", "Outcome", "Evidence")
        rows = [
            [
                self.said(k.evidence),
                [k.owner or "the bridge"],
                [self.at(k.due)],
                self.outcome(k),
                self.said(k.update) if k.update else ["—"],
            ]
            for k in self.tl.checks
        ]
        return [
            Heading(2, "Status cadence"),
            Para([f"{c.made} status check{'s' if c.made != 1 else ''} set: " + ", ".join(parts) + "."]),
            Table(header, rows),
        ]

    def outcome(self, k: CheckEntry) -> Inline:
        if k.outcome == "late":
            return [Span(f"{duration(k.late or 0.0)} late", "strong")]
        if k.outcome == "on time" and k.update is None:
            return ["on time (marked received by the commander)"]
        if k.outcome == "missed":
            return [Span("missed", "strong")]
        return [k.outcome if k.outcome != "open" else "not yet due"]

    def silences(self) -> list[Block]:
        tl = self.tl
        head = [Heading(2, "Long silences")]
        if not tl.silences:
            return [*head, Para([f"Nobody was silent for {duration(tl.silence_after)} or more."])]
        rows = [
            [[self.at(s.start)], [clock(s.end) + (" (end of call)" if s.until_end else "")], [duration(s.length)]]
            for s in tl.silences
        ]
        return [
            *head,
            Para([f"Stretches of {duration(tl.silence_after)} or more with nobody speaking:"]),
            Table(("From", "To", "Length"), rows),
        ]

    def participants(self) -> list[Block]:
        rows = [
            [[p.name or "(unattributed)"], [duration(p.spoke)], [f"{p.share:.0%}"], [str(p.lines)]]
            for p in self.tl.participants
        ]
        return [
            Heading(2, "Participants"),
            Para(["How much each person spoke, as attributed from the words:"]),
            Table(("Participant", "Spoke", "Share", "Lines"), rows),
        ]

    def lessons(self) -> list[Block]:
        return [
            Heading(2, "What went well"),
            Prompt(COMMANDER, "What helped: detection, tools, people, runbooks."),
            Heading(2, self.badly),
            *self.hints(),
            Prompt(COMMANDER, "What slowed the response or made it worse."),
            Heading(2, "Where we got lucky"),
            Prompt(COMMANDER, "What went right by chance, and would not next time."),
        ]

    def hints(self) -> list[Block]:
        """Facts from the log that often belong under what went badly; the commander judges."""
        tl = self.tl
        hints: list[Inline] = []
        for k in tl.checks:
            if k.outcome in ("late", "missed"):
                how = f"came {duration(k.late or 0.0)} late" if k.outcome == "late" else "never came"
                hints.append([f"The update owed by {k.owner or 'the bridge'} at {clock(k.due)} {how}."])
        for a in [*tl.actions, *tl.follow_ups]:
            if a.status == "overdue" and a.due is not None:
                hints.append([f"{a.owner or 'Nobody'} had not reported on “{a.task}” by {clock(a.due)}."])
        if tl.silences:
            longest = max(s.length for s in tl.silences)
            hints.append(
                [
                    f"The bridge was silent {len(tl.silences)} time{'s' if len(tl.silences) != 1 else ''} for "
                    f"{duration(tl.silence_after)} or more (longest {duration(longest)})."
                ]
            )
        if not hints:
            return []
        return [Para(["From the log (keep what matters):"]), Bullets(hints)]


def _fact(label: str, *content: Span | str) -> Inline:
    return [Span(f"{label}: ", "strong"), *content]


def _day(unix: float) -> str:
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%d")
