"""The action items, out of the folder: a Markdown checklist, a CSV for an issue tracker, and JSON.

Made from the timeline (`timeline.build`: corrections applied, done-ness as `corrections.done` decides
it), so every export says of each item what the post-mortem says. Each item's description is its evidence:
the words it was assigned with, who said them and when (call time and UTC), and the report that made it
done, so whoever picks up the ticket can see where it came from.

The CSV's first two columns are `title` and `description`, in that order, because GitLab's import reads
them by position; Jira's import maps any column by name, and GitHub's CSV tools read `title`, `description`
(or `body`) and `labels`. `owner` is the name said on the call, not a tracker account, so it has a column
of its own rather than an assignee column that an import would refuse for an unknown user.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import msgspec

from ..calltime import clock
from .evidence import Evidence
from .markup import md_escape
from .outcomes import ActionEntry, ActionStatus
from .timeline import Timeline, wall_clock

__all__ = ["ACTIONS_VERSION", "ExportedAction", "exported", "to_csv", "to_json", "to_markdown"]

ACTIONS_VERSION = 1
"""Of the JSON form: fields may be added; a change of meaning bumps it."""

CSV_COLUMNS = ("title", "description", "labels", "owner", "status", "due_utc", "due_call_time", "said_at", "seq")


class ExportedAction(msgspec.Struct, frozen=True, kw_only=True):
    seq: int
    """`seq` of the action item in the incident's log."""
    title: str
    owner: str | None
    type: str | None
    """mitigation, investigation, communication or follow-up, when the extractor said."""
    status: ActionStatus
    due: float | None
    """Call seconds."""
    due_wall: float | None
    """Unix time."""
    due_utc: str | None
    """ISO 8601, UTC."""
    said_at: float
    """Call seconds at which it was assigned."""
    said_at_utc: str
    said_by: str | None
    quote: str
    done_at: float | None
    done_by: str | None
    """Who reported it done; "commander" when marked done."""
    description: str
    """The quote, who said it and when, and how it was done: what a ticket's body says."""


def _iso(unix: float) -> str:
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _when(t: float, wall: float) -> str:
    return f"{clock(t)} in the call, {wall_clock(wall)} UTC"


def _said(ev: Evidence) -> str:
    return f'"{ev.quote}" ({ev.by or "unknown speaker"} at {_when(ev.at, ev.wall)})'


def _title(task: str) -> str:
    return task[:1].upper() + task[1:]


def _evidence(tl: Timeline, a: ActionEntry) -> list[str]:
    """The sentences of an item's description."""
    day = datetime.fromtimestamp(tl.started, UTC).strftime("%Y-%m-%d")
    lines = [f"Assigned on the bridge call of incident {tl.incident} ({day}): {_said(a.evidence)}."]
    if a.due is not None and a.due_wall is not None:
        lines.append(f"Due at {_when(a.due, a.due_wall)}.")
    if a.done is not None:
        lines.append(f"Reported done: {_said(a.done)}.")
    elif a.marked_done and a.done_at is not None:
        lines.append(f"Marked done by the commander at {_when(a.done_at, tl.started + a.done_at)}.")
    if a.edited:
        lines.append("Edited by the commander after it was extracted.")
    return lines


def exported(tl: Timeline) -> list[ExportedAction]:
    """Every action item and follow-up not dismissed, in the order they were assigned."""
    entries = sorted([*tl.actions, *tl.follow_ups], key=lambda a: (a.evidence.at, a.seq))
    return [
        ExportedAction(
            seq=a.seq,
            title=_title(a.task),
            owner=a.owner,
            type=a.category,
            status=a.status,
            due=a.due,
            due_wall=a.due_wall,
            due_utc=_iso(a.due_wall) if a.due_wall is not None else None,
            said_at=a.evidence.at,
            said_at_utc=_iso(a.evidence.wall),
            said_by=a.evidence.by,
            quote=a.evidence.quote,
            done_at=a.done_at,
            done_by=(a.done.by if a.done is not None else "commander") if a.done_at is not None else None,
            description=" ".join(_evidence(tl, a)),
        )
        for a in entries
    ]


def to_markdown(tl: Timeline) -> str:
    """A checklist (GitHub's task list), one item a line, done ones ticked, its evidence beneath it."""
    entries = {a.seq: a for a in [*tl.actions, *tl.follow_ups]}
    items = exported(tl)
    lines = [f"# Action items: {md_escape(tl.incident)}", ""]
    if not items:
        return "\n".join([*lines, "No action item was recorded on the call.", ""])
    for x in items:
        tick = "x" if x.status == "done" else " "
        kind = f" ({x.type})" if x.type else ""
        late = " **overdue**" if x.status == "overdue" else ""
        head = f"**{md_escape(x.owner or 'nobody named')}**: {md_escape(x.title)}{md_escape(kind)}{late}"
        lines.append(f"- [{tick}] {head}")
        lines += [f"  - {md_escape(sentence)}" for sentence in _evidence(tl, entries[x.seq])]
    return "\n".join([*lines, ""])


def to_csv(tl: Timeline) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180, as spreadsheet and tracker imports expect
    writer.writerow(CSV_COLUMNS)
    for x in exported(tl):
        labels = ",".join(label for label in ("incident", tl.incident, x.type) if label)
        writer.writerow(
            [
                x.title,
                x.description,
                labels,
                x.owner or "",
                x.status,
                x.due_utc or "",
                clock(x.due) if x.due is not None else "",
                clock(x.said_at),
                x.seq,
            ]
        )
    return out.getvalue()


class _Export(msgspec.Struct, frozen=True, kw_only=True):
    actions_version: int = ACTIONS_VERSION
    incident: str
    started_utc: str
    items: list[ExportedAction]


def to_json(tl: Timeline) -> str:
    export = _Export(incident=tl.incident, started_utc=_iso(tl.started), items=exported(tl))
    return msgspec.json.format(msgspec.json.encode(export), indent=2).decode() + "\n"
