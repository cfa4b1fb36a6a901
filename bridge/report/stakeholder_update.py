"""A stakeholder update drafted from the incident as it stands: short, plain, and honest about what is
not known.

It says only what the log holds: the status (investigating, mitigating, mitigated), what was said to be
affected, the cause only if someone stated one (otherwise "We don't know the cause yet"), what is being
done and what was decided, and when the next update comes: when the bridge's next update is due, if a
bridge-wide status check is open, else within 30 minutes. Times are wall clock, in UTC, as stakeholders
read them. The commander edits and sends it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..events import LoggedEvent
from . import timeline
from .evidence import Evidence
from .outcomes import ActionEntry
from .timeline import Timeline, wall_clock

__all__ = ["DEFAULT_NEXT_UPDATE", "stakeholder_update"]

DEFAULT_NEXT_UPDATE = 30 * 60
"""Seconds until the next update when the bridge set no cadence of its own."""


def stakeholder_update(events: Iterable[LoggedEvent], now: float | None = None) -> str:
    """The update as of call time `now` (default: the latest event): only what was logged by then counts."""
    tl = timeline.build(events, now=now)
    return _Draft(tl).text()


class _Draft:
    def __init__(self, tl: Timeline) -> None:
        self.tl = tl
        self.now_wall = tl.started + tl.now

    def clock(self, unix: float) -> str:
        """Hours and minutes, with the date when it is not the day of `now`."""
        same_day = wall_clock(unix, date=True)[:10] == wall_clock(self.now_wall, date=True)[:10]
        return f"{wall_clock(unix, date=not same_day)[:-3]} UTC"

    def text(self) -> str:
        tl = self.tl
        status = self.status()
        lines = [f"[{status}] Incident update: {tl.incident}, as of {self.clock(self.now_wall)}", ""]
        lines.append(f"Status: {self.status_line(status)}")
        lines += self.impact()
        lines.append(f"Cause: {self.cause()}")
        lines += self.section("What we are doing" if status != "Mitigated" else "What we did", self.doing())
        lines += self.section("Other decisions", self.decided())
        lines.append(f"Next update: {self.next_update()}")
        return "\n".join(lines) + "\n"

    def status(self) -> str:
        if self.tl.mitigated is not None:
            return "Mitigated"
        return "Mitigating" if self.tl.first_mitigation is not None else "Investigating"

    def status_line(self, status: str) -> str:
        tl = self.tl
        if tl.mitigated is not None:
            return f"Mitigated: declared on the incident bridge at {self.clock(tl.mitigated.wall)}. We are monitoring."
        if tl.first_mitigation is not None:
            since = self.clock(tl.first_mitigation.wall)
            return f"A mitigation is under way since {since}; the incident is not yet resolved."
        return "We are investigating; no mitigation has been decided yet."

    def impact(self) -> list[str]:
        """What was said to be affected: the reports before the bridge got to work, and the latest one."""
        reports = self.tl.impact
        if not reports:
            return ["Impact: not yet stated on the bridge."]
        first_act = min((r.at for r in self.tl.rows if r.kind in ("decision", "action", "check")), default=None)
        opening = [r for r in reports if first_act is None or r.at < first_act] or reports[:1]
        lines = [f"Impact: {_sentences(opening)}"]
        latest = reports[-1]
        if latest not in opening:
            lines.append(f"Latest: {_quote(latest)} ({self.clock(latest.wall)})")
        return lines

    def cause(self) -> str:
        tl = self.tl
        if tl.cause:
            said = tl.cause[-1]
            return f"As stated on the bridge at {self.clock(said.wall)}: {_quote(said)} To be confirmed in the review."
        if tl.findings:
            said = tl.findings[-1]
            return f"We have not confirmed the cause yet. Latest finding ({self.clock(said.wall)}): {_quote(said)}"
        return "We don't know the cause yet."

    def doing(self) -> list[str]:
        """Active mitigations: the mitigation decisions and the mitigation action items, with where they stand."""
        declared = self.tl.mitigated.evidence.seq if self.tl.mitigated is not None else None
        items: list[tuple[float, str]] = [
            (d.evidence.at, self.decided_at(d.text, d.evidence.wall))
            for d in self.tl.decisions
            if d.category == "mitigation" and d.evidence.seq != declared
        ]
        items += [(a.evidence.at, self.action(a)) for a in self.tl.actions if a.category == "mitigation"]
        return [text for _, text in sorted(items, key=lambda i: i[0])]

    def action(self, a: ActionEntry) -> str:
        who = f" ({a.owner})" if a.owner else ""
        if a.done_at is not None:
            return f"{_sentence(a.task)}{who}: done at {self.clock(self.tl.started + a.done_at)}"
        return f"{_sentence(a.task)}{who}: in progress"

    def decided(self) -> list[str]:
        return [self.decided_at(d.text, d.evidence.wall) for d in self.tl.decisions if d.category != "mitigation"]

    def decided_at(self, text: str, wall: float) -> str:
        """A decision in a stakeholder's words: "Decided at 07:28 UTC to fail over to the standby cache." from
        "We are going to fail over ..."; said any other way, quoted as it was said, not passed off as prose."""
        said = " ".join(text.split()).rstrip(".!")
        plain = _INTENT.match(said)
        if plain:
            return f"Decided at {self.clock(wall)} to {plain['rest']}."
        return f"Decided at {self.clock(wall)}: “{_sentence(said)}”"

    def next_update(self) -> str:
        """From the latest open bridge-wide status check still ahead, else the default interval."""
        tl = self.tl
        ahead = [c for c in tl.checks if c.owner is None and c.outcome == "open" and c.due > tl.now]
        if ahead:
            latest = max(ahead, key=lambda c: c.evidence.at)
            return f"by {self.clock(latest.due_wall)}, as set on the bridge."
        return f"within 30 minutes, by {self.clock(self.now_wall + DEFAULT_NEXT_UPDATE)}."

    @staticmethod
    def section(title: str, items: list[str]) -> list[str]:
        return [f"{title}:", *(f"- {item}" for item in items)] if items else []


_INTENT = re.compile(
    r"^(?:(?:decision|okay|ok|so|right|alright)[,:.]?\s+)*"
    r"(?:we are going to|we're going to|we are gonna|we're gonna|we will|we'll|we need to|we should|let's|let us|"
    r"i want us to|i'd like us to)\s+(?:also\s+|now\s+|just\s+)?(?P<rest>\S.*)$",
    re.IGNORECASE,
)
"""A decision said as the bridge's intent ("We are going to ...", "Let's also ..."): what follows is a verb
phrase a stakeholder can read after "decided to"."""


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text[:1].upper() + text[1:] if text else text


def _quote(ev: Evidence) -> str:
    return f"“{' '.join(ev.quote.split())}”"


def _sentences(reports: list[Evidence]) -> str:
    parts = [_sentence(r.quote) for r in reports]
    return " ".join(p if p.endswith((".", "!", "?")) else p + "." for p in parts)
