"""The commander's actions: a `command` message from the overlay, validated into the `Correction` it logs.

Pure: the decoded message, the incident's history (`history[seq - 1]`) and the call time go in; a
`Correction` comes out, or a `CommandError` whose message is shown to the commander as it is. The live
feed stamps who acted (`by`) and logs the result. What the message may carry is decided by its action and
by the kind of event it refers to, so a message that would mean nothing to the views is refused here
rather than logged.

A finished incident stays correctable: after the call's `end`, a correction of the record (confirm,
dismiss, restore, done, reopen, edit, rename) is still taken, at the call's end time, the last call time
anyone heard; what acts on the call as it goes on (acknowledging an alert, a status check received or
snoozed) is refused, because there is no call left for it to act on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, cast, get_args

from ..corrections import dismissed, done
from ..errors import CommandError
from ..events import (
    ActionItem,
    Alert,
    CheckMet,
    CommandAction,
    Correction,
    Decision,
    Event,
    SessionEnd,
    StatusCheck,
    Transcript,
)

__all__ = [
    "LIVE_ONLY",
    "MAX_CALL_TIME",
    "MAX_ID",
    "MAX_NAME",
    "MAX_SNOOZE",
    "MAX_TEXT",
    "command_id",
    "validate",
]

MAX_ID = 64
"""Characters of the client's `id`, echoed back in the reply."""
MAX_TEXT = 500
"""Characters of an edited decision or task."""
MAX_NAME = 100
"""Characters of an owner or a speaker's name."""
MAX_CALL_TIME = 7 * 24 * 3600.0
"""Call seconds: a due time beyond a week into the call is a typo."""
MAX_SNOOZE = 24 * 3600.0
"""Seconds a status check may be snoozed by at once."""

ACTIONS: tuple[str, ...] = tuple(a for a in get_args(CommandAction) if a != "attribute")
"""What the commander may do. `attribute` is the tool's own after-call pass (bridge.speakers.offline)."""
LIVE_ONLY = frozenset({"acknowledge", "received", "snooze"})
"""What acts on the call as it goes on, and so is refused once it has ended."""

_COMMON = frozenset({"type", "id", "action", "ref"})
_FIELDS: dict[str, frozenset[str]] = {
    "acknowledge": frozenset(),
    "received": frozenset(),
    "snooze": frozenset({"until", "seconds"}),
    "confirm": frozenset(),
    "dismiss": frozenset(),
    "restore": frozenset(),
    "done": frozenset(),
    "reopen": frozenset(),
    "edit": frozenset({"text", "owner", "due"}),
    "rename": frozenset({"name", "speaker"}),
}
_TARGETS: dict[str, tuple[type[Event], ...]] = {
    "acknowledge": (Alert,),
    "received": (StatusCheck,),
    "snooze": (StatusCheck,),
    "confirm": (Decision, ActionItem),
    "dismiss": (Decision, ActionItem),
    "restore": (Decision, ActionItem),
    "done": (ActionItem,),
    "reopen": (ActionItem,),
    "edit": (Decision, ActionItem, StatusCheck),
    "rename": (Transcript,),
}
_EDITABLE: dict[type[Event], tuple[str, ...]] = {
    Decision: ("text",),
    ActionItem: ("text", "owner", "due"),
    StatusCheck: ("owner", "due"),
}
_KINDS: dict[type[Event], str] = {
    Alert: "an alert",
    StatusCheck: "a status check",
    Decision: "a decision",
    ActionItem: "an action item",
    Transcript: "a transcript",
}


def command_id(message: Mapping[str, Any]) -> str | None:
    """The message's `id` when it is one that may be echoed back, else None."""
    cid = message.get("id")
    return cid if isinstance(cid, str) and 0 < len(cid) <= MAX_ID and cid.isprintable() else None


def validate(message: Mapping[str, Any], history: Sequence[Event], now: float) -> Correction:
    """The `Correction` that `message` asks for, at call time `now` (the call's end time once it has ended);
    `CommandError` if it cannot be."""
    if message.get("type") != "command":
        raise CommandError("not a command message")
    if command_id(message) is None:
        raise CommandError(f"'id' must be a string of 1 to {MAX_ID} printable characters")
    action = message.get("action")
    if not isinstance(action, str) or action not in _FIELDS:
        raise CommandError(f"unknown action {action!r}; one of {', '.join(ACTIONS)}")
    unknown = sorted(set(message) - _COMMON - _FIELDS[action])
    if unknown:
        raise CommandError(f"{action} takes no {', '.join(map(repr, unknown))}")
    end = next((e for e in reversed(history) if isinstance(e, SessionEnd)), None)
    if end is not None:
        if action in LIVE_ONLY:
            raise CommandError(
                f"the call has ended; {action} is only for a call going on (corrections of the record still are)"
            )
        now = end.duration
    event = _referred(message.get("ref"), history)
    targets = _TARGETS[action]
    if not isinstance(event, targets):
        wanted = " or ".join(_KINDS[t] for t in targets)
        raise CommandError(f"{action} applies to {wanted}; event {event.seq} is {_kind(event)}")
    base = Correction(t=round(now, 3), action=cast(CommandAction, action), ref=event.seq)
    if action == "acknowledge":
        if any(_corrects(e, event.seq, "acknowledge") for e in history):
            raise CommandError(f"alert {event.seq} is already acknowledged")
        return base
    if action in ("received", "snooze"):
        assert isinstance(event, StatusCheck)
        if _met(event, history):
            raise CommandError(f"status check {event.seq} already got its update")
        return base if action == "received" else _snooze(base, message, event, history, now)
    if action == "edit":
        return _edit(base, message, event)
    if action == "rename":
        assert isinstance(event, Transcript)
        return _rename(base, message, event, history)
    if action == "restore" and event.seq not in dismissed(history):
        raise CommandError(f"{_kind(event).split(' ', 1)[1]} {event.seq} is not dismissed; nothing to restore")
    if action in ("done", "reopen"):
        if event.seq in dismissed(history):
            raise CommandError(f"action item {event.seq} is dismissed; restore it first")
        is_done = event.seq in done(history)
        if action == "done" and is_done:
            raise CommandError(f"action item {event.seq} is already done")
        if action == "reopen" and not is_done:
            raise CommandError(f"action item {event.seq} is not done; nothing to reopen")
    return base  # confirm, dismiss: a dismissed item may be confirmed again, and the other way round


def _referred(ref: object, history: Sequence[Event]) -> Event:
    if not isinstance(ref, int) or isinstance(ref, bool):
        raise CommandError("'ref' must be the seq of a logged event")
    if not 1 <= ref <= len(history):
        raise CommandError(f"no logged event {ref}; the log holds 1 to {len(history)}")
    return history[ref - 1]


def _kind(event: Event) -> str:
    return _KINDS.get(type(event)) or f"a {type(event).__struct_config__.tag}"


def _corrects(event: Event, ref: int, *actions: str) -> bool:
    return isinstance(event, Correction) and event.ref == ref and event.action in actions


def _met(check: StatusCheck, history: Sequence[Event]) -> bool:
    return any((isinstance(e, CheckMet) and e.ref == check.seq) or _corrects(e, check.seq, "received") for e in history)


def _due(check: StatusCheck, history: Sequence[Event]) -> float:
    """The check's deadline after the commander's snoozes and edits."""
    due = check.due
    for e in history[check.seq :]:
        if _corrects(e, check.seq, "snooze", "edit"):
            assert isinstance(e, Correction)
            if e.action == "snooze" and e.until is not None:
                due = e.until
            elif e.action == "edit" and e.due is not None:
                due = e.due
    return due


def _snooze(
    base: Correction, message: Mapping[str, Any], check: StatusCheck, history: Sequence[Event], now: float
) -> Correction:
    due = _due(check, history)
    if ("until" in message) == ("seconds" in message):
        raise CommandError("snooze takes either 'until' (call seconds) or 'seconds' (how long)")
    if "seconds" in message:
        seconds = _number(message, "seconds")
        if not 0 < seconds <= MAX_SNOOZE:
            raise CommandError(f"'seconds' must be more than 0 and at most {MAX_SNOOZE:.0f}")
        until = max(due, now) + seconds
    else:
        until = _number(message, "until")
        if until <= due:
            raise CommandError(f"'until' must be later than the check's due time ({due:.1f} s)")
    if until > MAX_CALL_TIME:
        raise CommandError(f"'until' must be within {MAX_CALL_TIME:.0f} s of the start of the call")
    return Correction(t=base.t, action="snooze", ref=base.ref, until=round(until, 3))


def _edit(base: Correction, message: Mapping[str, Any], event: Event) -> Correction:
    editable = _EDITABLE[type(event)]
    given = [f for f in ("text", "owner", "due") if f in message]
    if not given:
        raise CommandError(f"edit needs at least one of {', '.join(editable)}")
    for field in given:
        if field not in editable:
            raise CommandError(f"{_kind(event)} has no {field} to edit; it has {', '.join(editable)}")
    due = None
    if "due" in message:
        due = _number(message, "due")
        if not 0 <= due <= MAX_CALL_TIME:
            raise CommandError(f"'due' must be call seconds from 0 to {MAX_CALL_TIME:.0f}")
    return Correction(
        t=base.t,
        action="edit",
        ref=base.ref,
        text=_text(message, "text", MAX_TEXT) if "text" in message else None,
        owner=_name(message, "owner") if "owner" in message else None,
        due=round(due, 3) if due is not None else None,
    )


def _rename(base: Correction, message: Mapping[str, Any], said: Transcript, history: Sequence[Event]) -> Correction:
    speaker = said.speaker  # as heard, or as the after-call pass attributed the line
    for e in history:
        if isinstance(e, Correction) and e.action == "attribute" and e.ref == said.seq and e.speaker:
            speaker = e.speaker
    if speaker is None:
        raise CommandError(f"transcript {said.seq} has no speaker to rename")
    if "speaker" in message and message["speaker"] != speaker:
        raise CommandError(f"transcript {said.seq} was said by {speaker!r}, not {message['speaker']!r}")
    name = _name(message, "name")
    current = speaker  # the name the views show for this speaker now
    for e in history:
        if isinstance(e, Correction) and e.action == "rename" and e.speaker == speaker and e.name:
            current = e.name
    if name == current:
        raise CommandError(f"{speaker!r} is already called {name!r}")
    return Correction(t=base.t, action="rename", ref=said.seq, speaker=speaker, name=name)


def _number(message: Mapping[str, Any], field: str) -> float:
    value = message[field]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise CommandError(f"'{field}' must be a number of seconds")
    return float(value)


def _text(message: Mapping[str, Any], field: str, limit: int) -> str:
    value = message[field]
    if not isinstance(value, str):
        raise CommandError(f"'{field}' must be a string")
    text = " ".join(value.split())
    if not text:
        raise CommandError(f"'{field}' must not be empty")
    if len(text) > limit:
        raise CommandError(f"'{field}' is {len(text)} characters; at most {limit}")
    if not text.isprintable():
        raise CommandError(f"'{field}' has control characters")
    return text


def _name(message: Mapping[str, Any], field: str) -> str:
    return _text(message, field, MAX_NAME)
