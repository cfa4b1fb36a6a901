"""The monitor: the commander's timers (overdue status checks, long silences, quiet responders, no
mitigation), as a pure core on call time.

It never reads a clock. The shell shows it every logged event (`observe`, including the monitor's own
alerts once logged, which is how it learns their `seq`), asks it for the alerts due by a call time
(`advance`), and wakes it at the call time it announces (`next_deadline`). So a recording replayed at any
speed raises the same alerts at the same call times, and a deadline in the middle of a silence fires on
time. `now` must be a call time by which all speech before it has been observed (the pipeline holds call
time back while speech is still being heard or transcribed); otherwise a long line spoken across a deadline
would first raise an alert and then clear it.

Who owes and who gave an update is decided by one rule, `people.same`, so that better attribution
(voices, channels) improves the monitor without rewriting it. An action item or status check answers to
every name it ever had (the one it was extracted with, every owner the commander gave it, what a speaker
rename made of them; anyone, if it was ever the whole bridge's), and an action item to the words of every
task it had. A commander's edit refines the record ("Maya" is "Maya Chen") while the speaker labels keep
the name the words were heard by, so a report by any of those names is still hers: a
correction never turns a report that was made into one that is missing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import msgspec

from .calltime import clock, duration
from .corrections import amend
from .events import (
    ActionItem,
    Alert,
    AlertCleared,
    CheckMet,
    CheckReplaced,
    Correction,
    Decision,
    Event,
    Gap,
    ItemDone,
    Notice,
    StatusCheck,
    Transcript,
)
from .language import replies
from .people import same

__all__ = [
    "AFTER_CHECK_TOLERANCE",
    "Caused",
    "Monitor",
    "MonitorOptions",
    "task_words",
]

AFTER_CHECK_TOLERANCE = 0.5
"""Seconds: an update may start this much before the end of the words that set the check (time stamps of
recognised words are that uncertain)."""

_STOPWORDS = frozenset(
    re.findall(
        r"\w+",
        """the a an and or to of for in on at by with from into is are was were be been it its this that these
        those we you i our your my me us them they he she please can could will would should now then up out
        off back next minutes minute seconds two three four five ten report update tell let know when""",
    )
)
"""Words too common to say what a task is about; left out when matching an update to a task."""


@dataclass(frozen=True)
class MonitorOptions:
    silence_after: float = 30.0
    """Seconds without speech before `long_silence` (--silence-after)."""
    quiet_after: float = 300.0
    """Seconds an action item's owner may stay silent before `responder_quiet` (--quiet-after)."""
    mitigation_after: float = 600.0
    """Call seconds by which a mitigation should be decided, else `no_mitigation` (--mitigation-after)."""
    grace: float = 1.0
    """Seconds an alert that counts from the end of speech waits past its deadline. The voice detector
    places the end of speech up to a few hundred milliseconds before a listener would, and an alarm a
    second late costs less than one that goes off before its time."""


def task_words(text: str) -> frozenset[str]:
    """Content words of a task or an update, crudely stemmed, to see whether an update is about a task:
    "start the rollback" / "the rollback is complete"; "affects our uploads" / "uploads are not affected"."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return frozenset(_stem(w) for w in words if len(w) > 2 and w not in _STOPWORDS)


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _quote(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


_Pending = tuple[float, tuple[int, int, str], Callable[[], Alert]]
Caused = CheckMet | CheckReplaced | ItemDone | AlertCleared | Alert
"""What observing an event can cause: what the monitor decided from it (a check met or replaced, an item
done, an alert over), and an alert only for what has already happened (a device lost)."""


@dataclass
class _Raised:
    """An alert the monitor raised: its `seq` once logged, and a clearing that waits for that seq."""

    alert: Alert
    seq: int | None = None
    cleared: AlertCleared | None = None


@dataclass
class _Check:
    check: StatusCheck
    raised: _Raised | None = None


@dataclass
class _Owner:
    """An action item owner: their open items, when they last spoke, and the alert of this quiet stretch."""

    name: str
    items: list[ActionItem] = field(default_factory=list)
    last_spoke: float | None = None
    raised: _Raised | None = None

    def stretch_start(self) -> float:
        first_item = min(item.t for item in self.items)
        return first_item if self.last_spoke is None else max(self.last_spoke, first_item)


class Monitor:
    """The timers of one incident: shown every logged event in log order, asked what is due by a call time."""

    def __init__(
        self, options: MonitorOptions | None = None, reports: Callable[[Transcript], bool] = replies.reports
    ) -> None:
        self.options = options or MonitorOptions()
        self._reports = reports
        self._checks: list[_Check] = []
        self._transcripts: list[Transcript] = []
        self._last_words: dict[str, float] = {}
        self._owners: list[_Owner] = []
        self._last_speech: float | None = None
        self._silence: _Raised | None = None
        self._mitigated = False
        self._mitigation: _Raised | None = None
        self._raised: dict[Alert, _Raised] = {}
        self._lost: dict[str, _Raised] = {}
        """Capture devices without audio, by label: their `audio_lost` alerts."""
        self._items: dict[int, ActionItem] = {}
        """Every action item with an owner, by `seq`, as last edited."""
        self._done: set[int] = set()
        self._dismissed: set[int] = set()
        self._names: dict[int, list[str]] = {}
        """Every name each action item and status check (by `seq`) ever had, the current owner last."""
        self._anyone: set[int] = set()
        """`seq` of the status checks that were bridge-wide: anyone but who set them may still meet them."""
        self._words: dict[int, frozenset[str]] = {}
        """The task words of each action item, by `seq`: of every task it had."""

    # -- observing ---------------------------------------------------------------------------------

    def observe(self, event: Event) -> list[Caused]:
        """Take in one logged event; return the events it causes (CheckMet, AlertCleared), at its call time.

        A clearing whose alert has not been logged yet is held, and returned when that alert is observed."""
        if isinstance(event, Transcript):
            return self._transcript(event)
        if isinstance(event, StatusCheck):
            return self._status_check(event)
        if isinstance(event, Alert):
            return self._logged_alert(event)
        if isinstance(event, Correction):
            return self._correction(event)
        if isinstance(event, Notice) and event.code == "device_lost" and event.device is not None:
            return self._device_lost(event)
        if isinstance(event, Gap) and event.reason == "device" and event.device is not None:
            return self._device_back(event)
        if isinstance(event, Gap) and event.reason == "resume":
            return self._resumed(event)
        if isinstance(event, ActionItem) and event.owner is not None:
            self._items[event.seq] = event
            self._names[event.seq] = [event.owner]
            self._words[event.seq] = task_words(event.task)
            self._owner(event.owner).items.append(event)
        if isinstance(event, Decision | ActionItem) and event.category == "mitigation":
            return self._mitigation_decided(event)
        return []

    def _resumed(self, gap: Gap) -> list[Caused]:
        """The tool was down: what was said meanwhile is unknown, which is not silence. The silence and quiet
        timers not yet run out count again from the end of the gap; status checks and mitigation stand. The
        capture starts afresh, so a device lost before is no longer being waited for."""
        if self._last_speech is not None and self._silence is None:
            self._last_speech = max(self._last_speech, gap.end)
        for owner in self._owners:
            if owner.items and owner.raised is None:
                owner.last_spoke = max(owner.last_spoke or gap.end, gap.end)
        out: list[Caused] = []
        for device, raised in self._lost.items():
            out += self._clear(raised, gap, f"Capture restarted at {clock(gap.end)}; {device} is captured afresh")
        self._lost.clear()
        return out

    def _device_lost(self, notice: Notice) -> list[Caused]:
        assert notice.device is not None
        if notice.device in self._lost:
            return []
        message = f"No audio from {notice.device} since {clock(notice.t, tenths=True)}"
        alert = Alert(t=notice.t, kind="audio_lost", message=message, ref=notice.seq, since=notice.t)
        self._lost[notice.device] = self._raise(alert)
        return [alert]

    def _device_back(self, gap: Gap) -> list[Caused]:
        raised = self._lost.pop(gap.device or "", None)
        if raised is None:
            return []
        return self._clear(raised, gap, f"Audio from {gap.device} is back after {gap.end - gap.start:.1f} s")

    def _mitigation_decided(self, event: Decision | ActionItem) -> list[Caused]:
        if self._mitigated:
            return []
        self._mitigated = True
        if self._mitigation is None:
            return []
        what = _quote(event.text if isinstance(event, Decision) else event.task)
        return self._clear(self._mitigation, event, f"Mitigation decided at {clock(event.start)}: '{what}'")

    def _transcript(self, said: Transcript) -> list[Caused]:
        self._transcripts.append(said)
        update = (self._checks or self._owners) and self._reports(said)
        out: list[Caused] = []
        for open_check in list(self._checks):
            if update and self._delivers(open_check.check, said):
                out += self._met(open_check, said, said.t)
        if self._last_speech is None or said.end > self._last_speech:
            if self._silence is not None:
                gap = said.start - self._last_speech if self._last_speech is not None else 0.0
                message = f"The bridge spoke again at {clock(said.start)} after {gap:.0f} s of silence"
                out += self._clear(self._silence, said, message)
                self._silence = None
            self._last_speech = said.end
        if said.speaker is not None:
            self._last_words[said.speaker] = max(said.end, self._last_words.get(said.speaker, said.end))
        for owner in self._owners:
            theirs = [item for item in owner.items if self._answers(item.seq, said.speaker)]
            if not same(owner.name, said.speaker) and not theirs:
                continue
            owner.last_spoke = said.end if owner.last_spoke is None else max(owner.last_spoke, said.end)
            if owner.raised is not None:
                who = owner.name if same(owner.name, said.speaker) else said.speaker
                out += self._clear(owner.raised, said, f"{who} spoke at {clock(said.start)}")
                owner.raised = None
            if update:
                about = task_words(said.text)
                done = [item for item in theirs if self._words.get(item.seq, task_words(item.task)) & about]
                owner.items = [item for item in owner.items if item not in done]
                self._done.update(item.seq for item in done)
                out += [ItemDone(t=said.t, ref=item.seq, source=said.seq, by=said.speaker) for item in done]
        return out

    def _delivers(self, check: StatusCheck, said: Transcript) -> bool:
        """Whether `said`, which reports state or progress, is the update `check` asked for."""
        if said.seq == check.source or said.start < check.end - AFTER_CHECK_TOLERANCE:
            return False
        if self._answers(check.seq, said.speaker):
            return True
        return check.seq in self._anyone and (said.speaker is None or not same(said.speaker, check.by))

    def _answers(self, seq: int, speaker: str | None) -> bool:
        """Whether `speaker` goes by one of the names item or check `seq` ever had."""
        return any(same(name, speaker) for name in self._names.get(seq, ()))

    def _also_called(self, seq: int, name: str | None) -> None:
        if name is not None and not self._answers(seq, name):
            self._names.setdefault(seq, []).append(name)

    def _met(self, open_check: _Check, said: Transcript, t: float) -> list[Caused]:
        self._checks.remove(open_check)
        check = open_check.check
        late = round(max(0.0, said.start - check.due), 3)
        out: list[Caused] = []
        if open_check.raised is not None:
            who = said.speaker or "the bridge"
            message = f"Update from {who} at {clock(said.start)}, {duration(late)} late"
            out += self._clear(open_check.raised, said, message)
        met = CheckMet(t=t, ref=check.seq, source=said.seq, by=said.speaker, late=late)
        return [met, *out]

    def _status_check(self, check: StatusCheck) -> list[Caused]:
        """A new check replaces an open one of the same owner that is not yet overdue (the cadence was restated)."""
        replaced = [
            c for c in self._checks if c.raised is None and c.check.due > check.end and _same_owner(c.check, check)
        ]
        self._checks = [c for c in self._checks if c not in replaced]
        out: list[Caused] = [CheckReplaced(t=check.t, ref=c.check.seq, source=check.seq) for c in replaced]
        self._also_called(check.seq, check.owner)
        if check.owner is None:
            self._anyone.add(check.seq)
        open_check = _Check(check)
        self._checks.append(open_check)
        for said in self._transcripts:
            if self._delivers(check, said) and self._reports(said):
                return [*out, *self._met(open_check, said, check.t)]
        return out

    def _correction(self, c: Correction) -> list[Caused]:
        """The commander's word overrides the monitor's: a check marked received is met, a snoozed one gets
        a new deadline, an edited one a new owner or due; an action item dismissed or marked done is no
        longer watched, and one restored or reopened is watched again. A new owner, or a speaker's new name,
        is one more name the item answers to."""
        if c.action == "rename" and c.speaker and c.name:
            for seq in list(self._names):
                if self._answers(seq, c.speaker):
                    self._also_called(seq, c.name)
            return []
        if c.action == "edit":
            self._also_called(c.ref, c.owner)
            if c.text and c.ref in self._words:
                self._words[c.ref] |= task_words(c.text)
        open_check = next((oc for oc in self._checks if oc.check.seq == c.ref), None)
        out: list[Caused] = []
        if open_check is not None and c.action in ("received", "snooze", "edit"):
            check = open_check.check
            if c.action == "received":
                self._checks.remove(open_check)
                if open_check.raised is not None:
                    out += self._clear(open_check.raised, c, "Marked received by the commander")
                return [
                    CheckMet(t=c.t, ref=check.seq, source=c.seq, by=None, late=round(max(0.0, c.t - check.due), 3)),
                    *out,
                ]
            amended = amend(check, c)
            assert isinstance(amended, StatusCheck)
            open_check.check, due = amended, amended.due
            if open_check.raised is not None and due > c.t:
                out += self._clear(open_check.raised, c, f"Snoozed by the commander until {clock(due)}")
                open_check.raised = None
            return out
        if c.action in ("dismiss", "done"):
            (self._dismissed if c.action == "dismiss" else self._done).add(c.ref)
        elif c.action in ("restore", "reopen"):
            (self._dismissed if c.action == "restore" else self._done).discard(c.ref)
            item = self._items.get(c.ref)
            watched = any(i.seq == c.ref for o in self._owners for i in o.items)
            if item is not None and item.owner is not None and not watched and self._open(c.ref):
                # Watched again from now: its owner's next report about it makes it done.
                self._owner(item.owner).items.append(msgspec.structs.replace(item, t=c.t))
            return out
        for owner in list(self._owners):
            item = next((i for i in owner.items if i.seq == c.ref), None)
            if item is None:
                continue
            if c.action in ("dismiss", "done") or (c.action == "edit" and c.owner is not None):
                owner.items.remove(item)
                if not owner.items and owner.raised is not None:
                    out += self._clear(owner.raised, c, f"No open items for {owner.name}")
                    owner.raised = None
            if c.action == "edit" and c.owner is not None:
                amended = amend(item, c)
                assert isinstance(amended, ActionItem)
                self._items[item.seq] = amended
                self._owner(c.owner).items.append(msgspec.structs.replace(amended, t=c.t))
        if c.action == "edit" and c.ref in self._items and c.owner is None:
            amended = amend(self._items[c.ref], c)
            assert isinstance(amended, ActionItem)
            self._items[c.ref] = amended
        return out

    def _open(self, seq: int) -> bool:
        """Whether action item `seq` is still to be done: neither done nor dismissed."""
        return seq not in self._done and seq not in self._dismissed

    def _logged_alert(self, alert: Alert) -> list[Caused]:
        raised = self._raised.pop(msgspec.structs.replace(alert, seq=0, wall=0.0), None)
        if raised is None:
            return []
        raised.seq = alert.seq
        if raised.cleared is None:
            return []
        return [msgspec.structs.replace(raised.cleared, ref=alert.seq)]

    def _clear(self, raised: _Raised, cause: Event, message: str) -> list[Caused]:
        """The AlertCleared for `raised`, now if it has been logged, else as soon as it is."""
        cleared = AlertCleared(
            t=cause.t, ref=raised.seq or 0, kind=raised.alert.kind, message=message, source=cause.seq
        )
        if raised.seq is None:
            raised.cleared = cleared
            return []
        return [cleared]

    def _owner(self, name: str) -> _Owner:
        for owner in self._owners:
            if same(owner.name, name):
                return owner
        spoke = max((end for who, end in self._last_words.items() if same(who, name)), default=None)
        owner = _Owner(name, last_spoke=spoke)
        self._owners.append(owner)
        return owner

    # -- deadlines ---------------------------------------------------------------------------------

    def next_deadline(self) -> float | None:
        """The earliest call time at which an alert may be due, or None when nothing is pending."""
        return min((due for due, _, _ in self._pending()), default=None)

    def advance(self, now: float) -> list[Alert]:
        """Every alert due by call time `now` and not yet raised, in call-time order, each at its due time."""
        due = sorted((p for p in self._pending() if p[0] <= now), key=lambda p: p[:2])
        return [raise_alert() for _, _, raise_alert in due]

    def _pending(self) -> list[_Pending]:
        """Every alert not yet raised: when it is due, its place among alerts due at once, how to raise it."""
        opts = self.options
        pending: list[_Pending] = []
        for open_check in self._checks:
            if open_check.raised is None:
                check = open_check.check
                pending.append((check.due + opts.grace, (0, check.seq, ""), partial(self._raise_overdue, open_check)))
        if self._last_speech is not None and self._silence is None:
            pending.append((self._last_speech + opts.silence_after + opts.grace, (1, 0, ""), self._raise_silence))
        for owner in self._owners:
            if owner.items and owner.raised is None:
                due = owner.stretch_start() + opts.quiet_after + opts.grace
                order = (2, min(item.seq for item in owner.items), owner.name)
                pending.append((due, order, partial(self._raise_quiet, owner)))
        if not self._mitigated and self._mitigation is None:
            pending.append((opts.mitigation_after, (3, 0, ""), self._raise_mitigation))
        return pending

    def _raise(self, alert: Alert) -> _Raised:
        raised = _Raised(alert)
        self._raised[alert] = raised
        return raised

    def _raise_overdue(self, open_check: _Check) -> Alert:
        check = open_check.check
        who = f"No update from {check.owner}" if check.owner is not None else "No bridge update"
        message = f"{who}: due at {clock(check.due)} ('{_quote(check.quote)}')"
        alert = Alert(
            t=check.due + self.options.grace,
            kind="status_overdue",
            message=message,
            owner=check.owner,
            ref=check.seq,
            since=check.end,
        )
        open_check.raised = self._raise(alert)
        return alert

    def _raise_silence(self) -> Alert:
        assert self._last_speech is not None
        since = self._last_speech
        message = f"Nobody has spoken since {clock(since)} ({self.options.silence_after:.0f} s)"
        alert = Alert(
            t=since + self.options.silence_after + self.options.grace, kind="long_silence", message=message, since=since
        )
        self._silence = self._raise(alert)
        return alert

    def _raise_quiet(self, owner: _Owner) -> Alert:
        item = min(owner.items, key=lambda i: (i.t, i.seq))
        since = owner.stretch_start()
        message = f"Nothing from {owner.name} since {clock(since)}; open item: '{_quote(item.task)}'"
        alert = Alert(
            t=since + self.options.quiet_after + self.options.grace,
            kind="responder_quiet",
            message=message,
            owner=owner.name,
            ref=item.seq,
            since=since,
        )
        owner.raised = self._raise(alert)
        return alert

    def _raise_mitigation(self) -> Alert:
        after = self.options.mitigation_after
        message = f"{clock(after)} into the call and no mitigation decided yet"
        alert = Alert(t=after, kind="no_mitigation", message=message, since=0.0)
        self._mitigation = self._raise(alert)
        return alert


def _same_owner(a: StatusCheck, b: StatusCheck) -> bool:
    """Whether `b` restates the cadence of `a`: the same owner, or both bridge-wide."""
    return (a.owner is None and b.owner is None) or same(a.owner, b.owner)
