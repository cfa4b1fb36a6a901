"""What the commander's corrections mean, decided here once: for the monitor as the call goes on, and for
every view made from the log.

The log keeps what was extracted and, after it, what the commander said about it (`Correction`). A view
never shows the one without the other, so they are folded together here, once: a dismissed item is left
out, an edit replaces the owner, task or due it names, a snoozed status check gets its new deadline, and a
renamed speaker is called by the new name everywhere, before and after the rename (they were the same
person all along). A line attributed again after the call (`attribute`, the tool's after-call pass) is its
new speaker's, and so is what it said in the first person: the decisions and items it made and took.
What depended on a dismissed item goes with it: its status check's update, the alerts raised about it and
their clearing.

The evidence is never edited: an item keeps the quote it came from, so a reader can see what was said and
what the commander made of it.

Whether an action item is done is decided here too, once, from the log (`done`): its owner reported it
done on the call (the monitor's `ItemDone`), or the commander marked it done; until the commander reopens
it. Every view (the overlay's reducer folds the same rule), the terminal and the post-mortem read that.

The monitor applies the same `amend` to the checks and items it watches; what it decides from a correction
(a check marked received is met) it logs as events of its own, so views read that instead of deciding it
again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import msgspec

from .events import (
    ActionItem,
    Alert,
    AlertCleared,
    CheckMet,
    Correction,
    Decision,
    Event,
    ItemDone,
    LoggedEvent,
    StatusCheck,
    Transcript,
)
from .people import key, same

__all__ = ["Corrected", "Done", "Item", "amend", "apply", "dismissed", "done"]


@dataclass(frozen=True)
class Done:
    """Why an action item is done."""

    t: float
    """Call seconds at which it was reported (logged) or marked done."""
    source: int
    """`seq` of the transcript that reported it, or of the commander's `done` correction."""
    by: str | None
    """Who reported it, or who marked it (the commander)."""
    marked: bool
    """Marked done by the commander rather than reported on the call."""


def done(events: Iterable[Event]) -> dict[int, Done]:
    """The action items done as the log stands, by `seq`: the owner's report (the monitor's `ItemDone`) or
    the commander's `done`, unless a later `reopen` took it back. A report that comes after the commander
    marked the item done replaces the mark: it carries the words."""
    out: dict[int, Done] = {}
    for e in events:
        if isinstance(e, ItemDone):
            if e.ref not in out or out[e.ref].marked:
                out[e.ref] = Done(t=e.t, source=e.source, by=e.by, marked=False)
        elif isinstance(e, Correction) and e.action == "done":
            out.setdefault(e.ref, Done(t=e.t, source=e.seq, by=e.by, marked=True))
        elif isinstance(e, Correction) and e.action == "reopen":
            out.pop(e.ref, None)
    return out


def dismissed(events: Iterable[Event]) -> set[int]:
    """`seq` of the decisions and action items dismissed as the log stands (a `restore` undoes a dismissal)."""
    out: set[int] = set()
    for e in events:
        if isinstance(e, Correction) and e.action == "dismiss":
            out.add(e.ref)
        elif isinstance(e, Correction) and e.action == "restore":
            out.discard(e.ref)
    return out


@dataclass(frozen=True)
class Corrected:
    events: list[LoggedEvent]
    """The log with every correction applied, in log order, without the `Correction` events themselves."""
    edited: frozenset[int]
    """`seq` of the items whose text, owner or due the commander changed."""
    confirmed: frozenset[int]
    """`seq` of the items the commander confirmed as right."""
    acknowledged: frozenset[int]
    """`seq` of the alerts the commander acknowledged."""
    done: dict[int, Done]
    """The action items done (`done`), by `seq`; none of them dismissed."""
    versions: dict[int, tuple[Item, ...]]
    """Every edited item (by `seq`) as it was extracted and after each edit, renamed as everything is: an
    edit refines the record, it never unsays what was reported. A report on any version (by an owner it
    had, about a task it had) is a report on the item, as the monitor judges it."""


class _Names:
    """Renames in the order they were made: A -> B, then B -> C, calls A and B both C."""

    def __init__(self) -> None:
        self._to: dict[str, str] = {}

    def add(self, old: str, new: str) -> None:
        for was, name in self._to.items():
            if same(name, old):
                self._to[was] = new
        self._to[key(old)] = new

    def __call__(self, name: str | None) -> str | None:
        return None if name is None else self._to.get(key(name), name)

    def in_text(self, text: str) -> str:
        """`text` (an alert's message) with every renamed name replaced as a whole word."""
        if not self._to:
            return text
        # One pass: after Sophia -> Sofia and Sofia -> Sofia R, "Sophia" must not become "Sofia R R".
        names = "|".join(re.escape(old) for old in sorted(self._to, key=len, reverse=True))
        return re.sub(rf"\b(?:{names})\b", lambda m: self._to[key(m.group(0))], text, flags=re.IGNORECASE)

    def __bool__(self) -> bool:
        return bool(self._to)


def apply(events: Iterable[LoggedEvent]) -> Corrected:
    """Fold every `Correction` in `events` into what it refers to."""
    events = list(events)
    corrections = [e for e in events if isinstance(e, Correction)]
    names = _Names()
    speaker_of: dict[int, str] = {}  # a rename of nobody in particular names that one unattributed line
    attributed: dict[int, str] = {}  # transcript seq -> who said it, by the after-call pass
    gone = dismissed(corrections)
    edits: dict[int, list[Correction]] = {}
    for c in corrections:
        if c.action == "rename" and c.name:
            if c.speaker:
                names.add(c.speaker, c.name)
            else:
                speaker_of[c.ref] = c.name
        elif c.action == "attribute" and c.speaker:
            attributed[c.ref] = c.speaker
        elif c.action in ("edit", "snooze"):
            edits.setdefault(c.ref, []).append(c)

    versions: dict[int, tuple[Item, ...]] = {}
    alerts = {e.seq: e for e in events if isinstance(e, Alert)}
    dropped_alerts = {seq for seq, a in alerts.items() if a.ref is not None and a.ref in gone}
    moved: dict[int, tuple[str | None, str]] = {}  # transcript seq -> (the speaker it had, the one it has)
    out: list[LoggedEvent] = []
    for event in events:
        if isinstance(event, Transcript) and event.seq in attributed:
            moved[event.seq] = (event.speaker, attributed[event.seq])
            event = msgspec.structs.replace(event, speaker=attributed[event.seq])
        elif isinstance(event, _Said) and event.source in moved:
            event = _attributed(event, *moved[event.source])
        if isinstance(event, Correction):
            continue  # what it decided is folded in here; what the monitor made of it ("received") is logged
        if event.seq in gone or event.seq in dropped_alerts:
            continue
        if isinstance(event, CheckMet | ItemDone) and event.ref in gone:
            continue
        if isinstance(event, AlertCleared) and event.ref in dropped_alerts:
            continue
        if isinstance(event, Decision | ActionItem | StatusCheck) and event.seq in edits:
            was = [event]
            for edit in edits[event.seq]:
                was.append(amend(was[-1], edit))
            versions[event.seq] = tuple(msgspec.structs.replace(v, **_names_of(v, names)) for v in was)
            event = was[-1]
        out.append(_renamed(event, names, speaker_of))
    return Corrected(
        events=out,
        edited=frozenset(ref for ref, cs in edits.items() if any(c.action == "edit" for c in cs)),
        confirmed=frozenset(c.ref for c in corrections if c.action == "confirm") - gone,
        acknowledged=frozenset(c.ref for c in corrections if c.action == "acknowledge"),
        done={ref: d for ref, d in done(events).items() if ref not in gone},
        versions=versions,
    )


Item = Decision | ActionItem | StatusCheck
"""What the commander can edit."""


def amend(item: Item, c: Correction) -> Item:
    """`item` as the commander's `edit` or `snooze` left it: new text, owner or due; a snoozed check's new
    deadline. The evidence (quote, times, source) is never changed. Any other action leaves it as it is."""
    if c.action not in ("edit", "snooze"):
        return item
    if c.action == "snooze":
        if isinstance(item, StatusCheck) and c.until is not None:
            return msgspec.structs.replace(item, due=c.until)
        return item
    if isinstance(item, Decision):
        return msgspec.structs.replace(item, text=c.text) if c.text else item
    if isinstance(item, ActionItem):
        return msgspec.structs.replace(
            item,
            task=c.text or item.task,
            owner=c.owner if c.owner is not None else item.owner,
            due=c.due if c.due is not None else item.due,
        )
    return msgspec.structs.replace(
        item, owner=c.owner if c.owner is not None else item.owner, due=c.due if c.due is not None else item.due
    )


def _names_of(item: Item, names: _Names) -> dict[str, str | None]:
    """The names in `item` as renamed."""
    if isinstance(item, Decision):
        return {"by": names(item.by)}
    return {"by": names(item.by), "owner": names(item.owner)}


_Said = Decision | ActionItem | StatusCheck | CheckMet | ItemDone
"""What carries who said the transcript it came from (`source`, `by`)."""


def _attributed(event: _Said, was: str | None, now: str) -> _Said:
    """`event`, from a transcript that `was` said and `now` said: its speaker, and an owner who was its speaker
    ("I'll take it", "I will update at 10:40"), follow."""
    if was is None:
        return event
    if isinstance(event, ActionItem | StatusCheck) and event.owner is not None and same(event.owner, was):
        event = msgspec.structs.replace(event, owner=now)
    return msgspec.structs.replace(event, by=now) if event.by is not None and same(event.by, was) else event


def _renamed(event: LoggedEvent, names: _Names, speaker_of: dict[int, str]) -> LoggedEvent:
    if isinstance(event, Transcript):
        speaker = speaker_of.get(event.seq, event.speaker)
        return msgspec.structs.replace(event, speaker=names(speaker)) if names or speaker != event.speaker else event
    if not names:
        return event
    if isinstance(event, ActionItem | StatusCheck):
        return msgspec.structs.replace(event, by=names(event.by), owner=names(event.owner))
    if isinstance(event, Decision):
        return msgspec.structs.replace(event, by=names(event.by))
    if isinstance(event, CheckMet):
        return msgspec.structs.replace(event, by=names(event.by))
    if isinstance(event, Alert):
        return msgspec.structs.replace(event, owner=names(event.owner), message=names.in_text(event.message))
    if isinstance(event, AlertCleared):
        return msgspec.structs.replace(event, message=names.in_text(event.message))
    return event
