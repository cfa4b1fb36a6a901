"""Messages for the incident channel: the stakeholder update, a summary or the timeline, as the incoming
webhooks of Slack, Microsoft Teams and Mattermost take them.

Pure: the log goes in, the text and each service's JSON payload come out; `bridge post` sends it. The text
is plain (the same words a person would paste), and each format only marks it up as its service reads
it: Slack's `mrkdwn` (with `&`, `<` and `>` escaped, as Slack asks, so nothing said on the call becomes a
mention or a link), Mattermost's Markdown, and a Teams connector's MessageCard (whose text joins lines
only at blank ones).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args
from urllib.parse import urlsplit

from ..calltime import clock
from ..events import LoggedEvent
from . import postmortem, timeline
from .markup import Bullets, Heading, Inline, Span
from .stakeholder_update import stakeholder_update
from .timeline import Timeline, wall_clock

__all__ = ["FORMATS", "WHATS", "Format", "Message", "What", "format_for", "message", "payload"]

Format = Literal["slack", "teams", "mattermost"]
What = Literal["update", "summary", "timeline"]
FORMATS: tuple[Format, ...] = get_args(Format)
WHATS: tuple[What, ...] = get_args(What)


@dataclass(frozen=True)
class Message:
    title: str
    lines: list[str]
    """The body, one line each: plain text."""

    def text(self) -> str:
        return "\n".join([self.title, "", *self.lines]) + "\n"


def format_for(url: str) -> Format:
    """The service behind a webhook URL, by its host: Slack's hooks, a Teams (Office 365) connector, else
    Mattermost (which runs on the team's own host)."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "hooks.slack.com":
        return "slack"
    if host == "outlook.office.com" or host.endswith(".webhook.office.com"):
        return "teams"
    return "mattermost"


def message(events: Iterable[LoggedEvent], what: What) -> Message:
    events = list(events)
    if what == "update":
        title, _, *lines = stakeholder_update(events).rstrip("\n").split("\n")
        return Message(title, lines)
    tl = timeline.build(events)
    if what == "summary":
        return Message(f"Incident summary: {tl.incident}", _summary(tl))
    return Message(f"Incident timeline: {tl.incident}", _timeline(tl))


def _plain(content: Inline) -> str:
    return "".join(
        (f"“{part.text}”" if part.style == "quote" else part.text) if isinstance(part, Span) else part
        for part in content
    )


def _summary(tl: Timeline) -> list[str]:
    """The post-mortem's summary facts, and how the action items and the status cadence stand."""
    drafted = postmortem.blocks(tl)
    at = next(i for i, b in enumerate(drafted) if isinstance(b, Heading) and b.text == "Summary")
    facts = next(b for b in drafted[at:] if isinstance(b, Bullets))
    lines = [f"- {_plain(item)}" for item in facts.items]
    items = [*tl.actions, *tl.follow_ups]
    if items:
        done = sum(a.status == "done" for a in items)
        overdue = sum(a.status == "overdue" for a in items)
        lines.append(
            f"- Action items: {len(items)}, {done} done, {overdue} overdue, {len(items) - done - overdue} open."
        )
    c = tl.cadence
    if c.made:
        late = f" (worst {timeline.duration(c.worst_late)})" if c.worst_late is not None else ""
        lines.append(f"- Status checks: {c.made} set, {c.on_time} on time, {c.late} late{late}, {c.missed} missed.")
    return lines


_QUOTED = ("report", "finding", "cause", "mitigated")
"""Rows that only name what was said: the words are the row."""


def _timeline(tl: Timeline) -> list[str]:
    lines = []
    for r in tl.rows:
        said = f": “{r.evidence.quote}”" if r.kind in _QUOTED and r.evidence is not None else ""
        lines.append(f"{wall_clock(r.wall)} UTC ({clock(r.at)}) {f'{r.who}: ' if r.who else ''}{r.what}{said}")
    return lines


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def payload(m: Message, fmt: Format) -> dict[str, Any]:
    """The JSON body the service's incoming webhook takes."""
    if fmt == "slack":
        return {"text": "\n".join([f"*{_slack_escape(m.title)}*", *map(_slack_escape, m.lines)])}
    if fmt == "teams":
        return {
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": m.title,
            "title": m.title,
            "text": "\n\n".join(_blank_lines(m.lines)),
        }
    return {"text": "\n".join([f"**{m.title}**", "", *m.lines]), "username": "bridge"}


def _blank_lines(lines: Sequence[str]) -> list[str]:
    return [line for line in lines if line.strip()]
