"""Outcomes: whether each action item was done and each status check met, and how the cadence held.

Nothing is judged again here: the monitor logged what it decided as the call went on, and these are views
of it. An action item is done when `corrections.done` says so (its owner reported it, as the monitor
logged in its `ItemDone`, or the commander marked it done, and nobody reopened it); overdue when its due
time passed without that; else open. A status check is met when the monitor logged its
`CheckMet` (on time, or how late), replaced when it logged a `CheckReplaced` (a newer check of the same
owner came before it was due), missed when its due time passed without either, else not yet due.
`reports_on` finds every report about a task, for the findings a post-mortem quotes: by any owner the item
had, about any task it had, as the monitor judges it, so that correcting an item never loses what was
reported on it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Literal

import msgspec

from ..corrections import Done
from ..events import ActionItem, Category, CheckMet, StatusCheck
from ..monitor import AFTER_CHECK_TOLERANCE, task_words
from ..people import same
from .evidence import Evidence, Quoter

__all__ = [
    "ActionEntry",
    "ActionStatus",
    "Cadence",
    "CheckEntry",
    "CheckOutcome",
    "action_entry",
    "cadence",
    "check_entries",
    "reports_on",
]

ActionStatus = Literal["done", "open", "overdue"]


class ActionEntry(msgspec.Struct, frozen=True, kw_only=True):
    seq: int
    owner: str | None
    task: str
    category: Category | None
    due: float | None
    """Call seconds."""
    due_wall: float | None
    status: ActionStatus
    done: Evidence | None
    """The owner's update that says it is done."""
    done_at: float | None = None
    """Call seconds at which it was reported or marked done."""
    marked_done: bool = False
    """Marked done by the commander (`done_at`), not reported on the call."""
    evidence: Evidence
    edited: bool
    confirmed: bool


CheckOutcome = Literal["on time", "late", "missed", "open", "replaced"]
"""open: not yet due. replaced: a newer check of the same owner, set before this one was due, restated it."""


class CheckEntry(msgspec.Struct, frozen=True, kw_only=True):
    seq: int
    owner: str | None
    """None: the whole bridge owes the update."""
    due: float
    due_wall: float
    outcome: CheckOutcome
    late: float | None
    """Seconds past due when the update came."""
    update: Evidence | None
    """The words that delivered the update; None when the commander marked it received."""
    evidence: Evidence
    edited: bool


class Cadence(msgspec.Struct, frozen=True, kw_only=True):
    made: int
    on_time: int
    late: int
    missed: int
    open: int
    replaced: int
    worst_late: float | None
    """Seconds: the latest of the late updates."""


def reports_on(item: ActionItem, q: Quoter, versions: Sequence[ActionItem] = ()) -> list[Evidence]:
    """The owner's updates about `item`'s task after it was set, one `Evidence` per turn. `versions`: the
    item before and after the commander's edits (`Corrected.versions`), whose owners and tasks count too."""
    was = [*versions, item]
    names = [v.owner for v in was if v.owner is not None]
    if not names:
        return []
    words = frozenset().union(*(task_words(v.task) for v in was))
    out: list[Evidence] = []
    covered: set[int] = set()
    for said in q.said:
        if (
            said.seq > item.source
            and said.seq not in covered
            and said.start >= item.end - AFTER_CHECK_TOLERANCE
            and any(same(said.speaker, name) for name in names)
            and q.reply(said) == "update"
            and words & task_words(said.text)
        ):
            ev = q.of_turn(said)
            covered.update(q.covers(ev))
            out.append(ev)
    return out


def action_entry(
    item: ActionItem, q: Quoter, now: float, *, done: Done | None, edited: bool, confirmed: bool
) -> ActionEntry:
    """`done`: why the item is done, if it is (`corrections.done`)."""
    report = q.transcript(done.source) if done is not None and not done.marked else None
    status: ActionStatus = (
        "done" if done is not None else "overdue" if item.due is not None and item.due < now else "open"
    )
    return ActionEntry(
        seq=item.seq,
        owner=item.owner,
        task=item.task,
        category=item.category,
        due=item.due,
        due_wall=q.wall(item.due) if item.due is not None else None,
        status=status,
        done=q.of_turn(report) if report is not None else None,
        done_at=(report.start if report is not None else done.t) if done is not None else None,
        marked_done=done is not None and done.marked,
        evidence=q.of_item(item),
        edited=edited,
        confirmed=confirmed,
    )


def check_entries(
    checks: Sequence[StatusCheck],
    met: Mapping[int, CheckMet],
    replaced: Collection[int],
    q: Quoter,
    now: float,
    edited: Collection[int],
) -> list[CheckEntry]:
    out = []
    for check in checks:
        got = met.get(check.seq)
        outcome: CheckOutcome
        if got is not None:
            outcome = "late" if got.late > 0 else "on time"
        elif check.seq in replaced:
            outcome = "replaced"
        else:
            outcome = "missed" if check.due < now else "open"
        said = q.transcript(got.source) if got is not None else None
        out.append(
            CheckEntry(
                seq=check.seq,
                owner=check.owner,
                due=check.due,
                due_wall=q.wall(check.due),
                outcome=outcome,
                late=got.late if got is not None else None,
                update=q.of_turn(said) if said is not None else None,
                evidence=q.of_item(check),
                edited=check.seq in edited,
            )
        )
    return out


def cadence(checks: Sequence[CheckEntry]) -> Cadence:
    def count(outcome: CheckOutcome) -> int:
        return sum(c.outcome == outcome for c in checks)

    lates = [c.late for c in checks if c.outcome == "late" and c.late is not None]
    return Cadence(
        made=len(checks),
        on_time=count("on time"),
        late=count("late"),
        missed=count("missed"),
        open=count("open"),
        replaced=count("replaced"),
        worst_late=max(lates, default=None),
    )
