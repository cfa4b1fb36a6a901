"""The monitor core with plain call times: events in, alerts and clearings out, no clock and no sleeping.

`replay` stands in for the incident shell: it stamps each event's `seq` as the log does, shows every logged
event to the monitor (its own alerts included), and advances call time to the start of each transcript
before showing it, as the pipeline does by holding call time back while speech is being heard.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.calltime import duration
from bridge.events import (
    ActionItem,
    Alert,
    AlertCleared,
    Category,
    CheckMet,
    CheckReplaced,
    Correction,
    Decision,
    Event,
    ItemDone,
    StatusCheck,
    Transcript,
)
from bridge.monitor import Monitor, MonitorOptions, task_words

ROOT = Path(__file__).resolve().parent.parent
SHARED_CALLS = ROOT.parent / "shared" / "calls"
FAR = 10_000.0


class Log:
    """The event log and the incident shell, reduced to what the monitor sees."""

    def __init__(self, monitor: Monitor) -> None:
        self.monitor = monitor
        self.events: list[Event] = []

    def emit(self, event: Event) -> Event:
        logged = msgspec.structs.replace(event, seq=len(self.events) + 1)
        self.events.append(logged)
        for caused in self.monitor.observe(logged):
            self.emit(caused)
        return logged

    def advance(self, now: float) -> None:
        for alert in self.monitor.advance(now):
            self.emit(alert)


def only(silence: float = FAR, quiet: float = FAR, mitigation: float = FAR) -> MonitorOptions:
    """Options that watch only what a test is about."""
    return MonitorOptions(silence_after=silence, quiet_after=quiet, mitigation_after=mitigation, grace=0)


def replay(events: Iterable[Event], until: float, options: MonitorOptions | None = None) -> list[Event]:
    log = Log(Monitor(options or only()))
    for event in events:
        log.advance(event.start if isinstance(event, Transcript) else event.t)
        log.emit(event)
    log.advance(until)
    return log.events


def said(start: float, end: float, text: str, speaker: str | None = None) -> Transcript:
    return Transcript(t=end, start=start, end=end, text=text, speaker=speaker)


def evidence(t: float, quote: str, by: str | None = "Dana") -> dict[str, Any]:
    """What every extracted item carries: its words ended at `t`."""
    return {"t": t, "start": t - 2, "end": t, "quote": quote, "source": 0, "by": by, "confidence": 1.0}


def check(end: float, due: float, owner: str | None, by: str | None = "Dana", quote: str = "") -> StatusCheck:
    return StatusCheck(**evidence(end, quote, by), category=None, owner=owner, due=due)


def item(t: float, owner: str | None, task: str, category: Category | None = None) -> ActionItem:
    return ActionItem(**evidence(t, task), category=category, owner=owner, task=task)


def decision(t: float, text: str, category: Category | None) -> Decision:
    return Decision(**evidence(t, text), category=category, text=text)


def alerts(log: list[Event]) -> list[tuple[str, float, str | None]]:
    return [(e.kind, e.t, e.owner) for e in log if isinstance(e, Alert)]


def of(log: list[Event], kind: type[Any]) -> list[Any]:
    return [e for e in log if isinstance(e, kind)]


# -- status checks ---------------------------------------------------------------------------------


def test_an_update_from_the_owner_in_time_meets_the_check() -> None:
    log = replay([check(10, 100, "Priya"), said(50, 53, "Error rate is down to one percent.", "Priya")], 200)
    assert alerts(log) == []
    [met] = of(log, CheckMet)
    assert (met.ref, met.source, met.by, met.late, met.t) == (1, 2, "Priya", 0.0, 53)


def test_an_acknowledgement_is_not_an_update_and_a_late_update_clears_the_alert() -> None:
    log = replay(
        [
            check(10, 100, "Priya", quote="report back in three minutes"),
            said(11, 12, "Okay.", "Priya"),
            said(13, 14, "Will check.", "Priya"),
            said(150, 154, "Error rate is back to normal.", "Priya"),
        ],
        200,
    )
    [alert] = of(log, Alert)
    assert (alert.kind, alert.t, alert.owner, alert.ref) == ("status_overdue", 100, "Priya", 1)
    assert alert.message == "No update from Priya: due at 01:40 ('report back in three minutes')"
    [met] = of(log, CheckMet)
    [cleared] = of(log, AlertCleared)
    assert (met.late, met.source) == (50, 5)
    assert (cleared.ref, cleared.kind, cleared.source, cleared.t) == (alert.seq, "status_overdue", 5, 154)
    assert cleared.message == "Update from Priya at 02:30, 50 s late"


@pytest.mark.parametrize("start, late", [(123.6, "24 s"), (123.4, "23 s"), (171.0, "1 min 11 s")])
def test_a_late_update_is_said_late_by_what_the_timeline_says(start: float, late: str) -> None:
    """The alert-cleared line and the post-mortem row round the same way ("24 s", not "00:23")."""
    log = replay([check(10, 100, "Priya"), said(start, start + 3, "Error rate is back to normal.", "Priya")], 300)
    [cleared] = of(log, AlertCleared)
    [met] = of(log, CheckMet)
    assert cleared.message.endswith(f", {late} late")
    assert duration(met.late or 0.0) == late


def test_an_update_that_starts_by_the_due_time_is_on_time() -> None:
    log = replay([check(10, 100, "Priya"), said(99, 106, "The rollback is complete.", "Priya")], 200)
    assert alerts(log) == []
    assert of(log, CheckMet)[0].late == 0


def test_an_owners_check_needs_the_owner_and_never_an_unknown_speaker() -> None:
    log = replay(
        [
            check(10, 100, "Priya"),
            said(20, 24, "The rollback is complete.", "Marcus"),
            said(30, 34, "Error rate is down to one percent.", None),
            said(40, 44, "Error rate is down to one percent.", "PRIYA "),
        ],
        200,
    )
    assert alerts(log) == []
    assert [m.source for m in of(log, CheckMet)] == [4]


def test_a_bridge_wide_check_is_met_by_anyone_but_the_person_who_set_it() -> None:
    log = replay(
        [
            check(10, 100, None, by="Dana"),
            said(20, 24, "Error rate is still at twelve percent.", "Dana"),
            said(30, 34, "Error rate is still at twelve percent.", "Tom"),
        ],
        200,
    )
    assert alerts(log) == []
    assert [(m.source, m.by) for m in of(log, CheckMet)] == [(3, "Tom")]


def test_an_unknown_speaker_can_meet_a_bridge_wide_check() -> None:
    log = replay([check(10, 100, None), said(30, 34, "The failover is complete.")], 200)
    assert [m.by for m in of(log, CheckMet)] == [None]


def test_a_bridge_wide_alert_says_so() -> None:
    log = replay([check(10, 100, None, quote="next update in two minutes")], 120)
    assert of(log, Alert)[0].message == "No bridge update: due at 01:40 ('next update in two minutes')"


def test_words_spoken_before_the_check_do_not_meet_it() -> None:
    log = replay([said(5, 9.9, "Error rate is at twelve percent.", "Priya"), check(10, 100, "Priya")], 120)
    assert alerts(log) == [("status_overdue", 100, "Priya")]


def test_an_update_logged_before_its_check_was_extracted_still_meets_it() -> None:
    # The extractor may emit the check after the next line has been logged.
    update = said(12, 15, "The failover is complete.", "Priya")
    log = replay([update, msgspec.structs.replace(check(10, 100, "Priya"), t=16)], 200)
    assert alerts(log) == []
    [met] = of(log, CheckMet)
    assert (met.source, met.t) == (1, 16)


def test_two_checks_due_at_once_both_alert_in_seq_order() -> None:
    log = replay([check(10, 100, "Priya"), check(40, 100, "Marcus"), check(41, 100, None)], 200)
    assert alerts(log) == [
        ("status_overdue", 100, "Priya"),
        ("status_overdue", 100, "Marcus"),
        ("status_overdue", 100, None),
    ]
    assert [a.ref for a in of(log, Alert)] == [1, 2, 3]


def test_a_newer_check_for_the_same_owner_before_the_old_one_is_due_supersedes_it() -> None:
    log = replay([check(10, 100, "Priya"), check(50, 300, "priya"), check(60, 90, None), check(70, 400, None)], 500)
    assert alerts(log) == [("status_overdue", 300, "priya"), ("status_overdue", 400, None)]


def test_a_check_made_after_the_old_one_is_due_does_not_supersede_it() -> None:
    log = replay([check(10, 100, "Priya"), check(110, 200, "Priya"), said(250, 255, "Errors are gone.", "Priya")], 300)
    assert alerts(log) == [("status_overdue", 100, "Priya"), ("status_overdue", 200, "Priya")]
    assert sorted(m.ref for m in of(log, CheckMet)) == [1, 3]
    assert len(of(log, AlertCleared)) == 2


# -- long silences ---------------------------------------------------------------------------------


def test_a_long_silence_is_raised_once_at_its_start_plus_the_threshold_and_cleared_by_speech() -> None:
    log = replay([said(0, 5, "Hello."), said(34, 36, "Hi."), said(80, 82, "Back.")], 82, only(silence=30))
    assert alerts(log) == [("long_silence", 66, None)]
    [alert] = of(log, Alert)
    assert (alert.since, alert.message) == (36, "Nobody has spoken since 00:36 (30 s)")
    [cleared] = of(log, AlertCleared)
    assert (cleared.ref, cleared.source, cleared.t) == (alert.seq, 4, 82)
    assert cleared.message == "The bridge spoke again at 01:20 after 44 s of silence"


def test_no_silence_alert_before_anyone_speaks_and_one_for_the_trailing_silence() -> None:
    assert alerts(replay([], 1000, only(silence=30))) == []
    assert alerts(replay([said(100, 110, "Hello.")], 1000, only(silence=30))) == [("long_silence", 140, None)]


@given(st.lists(st.tuples(st.floats(0, 90), st.floats(0.5, 10)), min_size=1, max_size=20))
def test_every_gap_of_at_least_the_threshold_raises_exactly_one_silence_at_its_start_plus_the_threshold(
    parts: list[tuple[float, float]],
) -> None:
    lines, end = [], 0.0
    for gap, length in parts:
        lines.append(said(end + gap, end + gap + length, "Hello."))
        end = lines[-1].end
    expected = [a.end + 30 for a, b in itertools.pairwise(lines) if a.end + 30 <= b.start]
    assert [t for _, t, _ in alerts(replay(lines, end, only(silence=30)))] == expected


def test_the_silence_threshold_is_an_option() -> None:
    log = replay([said(0, 5, "Hello."), said(20, 21, "Hi.")], 21, only(silence=10))
    assert alerts(log) == [("long_silence", 15, None)]


# -- quiet responders ------------------------------------------------------------------------------


def test_a_quiet_owner_is_raised_once_per_stretch_not_per_item_and_cleared_when_they_speak() -> None:
    events = [
        said(0, 10, "I am here.", "Marcus"),
        item(20, "Marcus", "open a ticket for the review"),
        item(30, "Marcus", "attach the deploy diff"),
        said(400, 402, "Sorry, I was away.", "marcus"),
    ]
    log = replay(events, 1000, only(quiet=300))
    assert alerts(log) == [("responder_quiet", 320, "Marcus"), ("responder_quiet", 702, "Marcus")]
    first, second = of(log, Alert)
    assert (first.ref, first.since, second.since) == (2, 20, 402)
    assert first.message == "Nothing from Marcus since 00:20; open item: 'open a ticket for the review'"
    [cleared] = of(log, AlertCleared)
    assert (cleared.ref, cleared.kind, cleared.source) == (first.seq, "responder_quiet", 5)


def test_quiet_counts_from_the_owners_last_words_when_later_than_the_item() -> None:
    log = replay(
        [item(20, "Marcus", "start the rollback"), said(50, 55, "Okay, starting now.", "Marcus")],
        1000,
        only(quiet=300),
    )
    assert alerts(log) == [("responder_quiet", 355, "Marcus")]


def test_an_update_about_the_task_closes_the_item() -> None:
    events = [item(20, "Marcus", "start the rollback"), said(100, 104, "The rollback is complete.", "Marcus")]
    assert alerts(replay(events, 1000, only(quiet=300))) == []
    events = [
        item(20, "Marcus", "start the rollback"),
        said(100, 104, "Error rate is at five percent.", "Marcus"),
    ]
    assert alerts(replay(events, 1000, only(quiet=300))) == [("responder_quiet", 404, "Marcus")]


def test_items_without_an_owner_are_not_watched() -> None:
    assert alerts(replay([item(20, None, "page the db team")], 1000, only(quiet=300))) == []


def test_task_words_match_an_update_to_its_task() -> None:
    assert task_words("start the rollback") & task_words("The rollback is complete.") == {"rollback"}
    assert task_words("find out whether it affects our uploads") & task_words("Uploads are not affected.")


# -- mitigation ------------------------------------------------------------------------------------


def test_no_mitigation_by_the_deadline_is_raised_once_and_cleared_by_a_mitigation() -> None:
    options = only(mitigation=600)
    events = [
        decision(100, "keep the deploy frozen", "follow-up"),
        decision(700, "roll back the deploy", "mitigation"),
    ]
    log = replay(events, 2000, options)
    assert alerts(log) == [("no_mitigation", 600, None)]
    [alert] = of(log, Alert)
    assert alert.message == "10:00 into the call and no mitigation decided yet"
    [cleared] = of(log, AlertCleared)
    assert (cleared.ref, cleared.source) == (alert.seq, 3)
    assert cleared.message == "Mitigation decided at 11:38: 'roll back the deploy'"


def test_a_mitigation_in_time_means_no_alert() -> None:
    options = only(mitigation=600)
    assert alerts(replay([item(100, "Tom", "switch to the backup CDN", "mitigation")], 2000, options)) == []


# -- deadlines and call time -----------------------------------------------------------------------


def test_advancing_far_past_several_deadlines_returns_each_at_its_exact_due_time_in_order() -> None:
    monitor = Monitor(MonitorOptions(silence_after=30, quiet_after=300, mitigation_after=600, grace=0))
    log = Log(monitor)
    for event in [
        said(0, 10, "Hello.", "Marcus"),
        check(10, 25, "Priya"),
        item(12, "Marcus", "start the rollback"),
    ]:
        log.emit(event)
    raised = monitor.advance(5000)
    assert [(a.kind, a.t) for a in raised if isinstance(a, Alert)] == [
        ("status_overdue", 25),
        ("long_silence", 40),
        ("responder_quiet", 312),
        ("no_mitigation", 600),
    ]
    assert monitor.advance(6000) == []
    assert monitor.next_deadline() is None


def test_next_deadline_announces_the_earliest_pending_alert() -> None:
    monitor = Monitor(MonitorOptions(silence_after=30, quiet_after=300, mitigation_after=600, grace=0))
    log = Log(monitor)
    assert monitor.next_deadline() == 600
    log.emit(said(0, 10, "Hello."))
    assert monitor.next_deadline() == 40
    log.emit(check(10, 25, "Priya"))
    assert monitor.next_deadline() == 25
    assert monitor.advance(24.999) == []
    log.advance(25)
    assert monitor.next_deadline() == 40
    log.emit(said(30, 31, "Hi."))
    assert monitor.next_deadline() == 61


@pytest.mark.parametrize("step", [0.1, 1.0, 7.0, None])
def test_the_same_events_give_the_same_alerts_however_often_call_time_is_advanced(step: float | None) -> None:
    events: list[Event] = [
        said(0, 5, "Hello.", "Dana"),
        check(5, 60, "Priya"),
        said(70, 72, "Okay.", "Priya"),
        item(73, "Priya", "check the cache"),
        said(150, 155, "Cache is fixed.", "Priya"),
    ]
    log = Log(Monitor(MonitorOptions(quiet_after=60, mitigation_after=120, grace=0)))
    now = 0.0
    for event in events:
        at = event.start if isinstance(event, Transcript) else event.t
        while step is not None and now + step < at:
            now += step
            log.advance(now)
        log.advance(at)
        log.emit(event)
    log.advance(200)
    expected = [
        ("long_silence", 35),
        ("status_overdue", 60),
        ("long_silence", 102),
        ("no_mitigation", 120),
        ("responder_quiet", 133),
        ("long_silence", 185),
    ]
    assert [(e.kind, e.t) for e in log.events if isinstance(e, Alert)] == expected


def test_a_clearing_waits_for_the_alert_to_be_logged() -> None:
    monitor = Monitor(MonitorOptions(mitigation_after=FAR, grace=0))
    assert monitor.observe(said(0, 5, "Hello.")) == []
    [alert] = monitor.advance(40)
    assert monitor.observe(msgspec.structs.replace(said(50, 52, "Hi."), seq=7)) == []
    [cleared] = monitor.observe(msgspec.structs.replace(alert, seq=9, wall=123.0))
    assert isinstance(cleared, AlertCleared) and (cleared.ref, cleared.source, cleared.t) == (9, 7, 52)


def calls() -> list[Any]:
    """The sample call, and each shared call (rendered on first use: its line times come from the voices)."""
    names = ["sample-call", *(g.name.removesuffix(".gold.json") for g in sorted(SHARED_CALLS.glob("*.gold.json")))]
    return [pytest.param(name, id=name, marks=() if name == "sample-call" else pytest.mark.slow) for name in names]


@pytest.mark.parametrize("name", calls())
def test_reference_call_raises_the_gold_alerts(name: str) -> None:
    from _calls import calls as scripted_calls

    (call,) = scripted_calls([name])
    gold: dict[str, Any] = call.gold
    lines: list[dict[str, Any]] = call.lines
    events: list[Event] = []
    for line in lines:
        start, end, text, speaker = line["start"], line["end"], line["text"], line["speaker"]
        events.append(Transcript(t=end, start=start, end=end, text=text, speaker=speaker))
        for sc in (sc for sc in gold["status_checks"] if sc["line"] == line["i"]):
            events.append(check(end, end + sc["due_s"], sc["owner"], by=speaker, quote=text))
    log = replay(events, call.duration, only(silence=30))

    trailing = lines[-1]["end"]  # a silence after the last line is right too, but the gold does not list it
    kinds = ("status_overdue", "long_silence")
    got = [(a.t, a.kind, a.owner) for a in of(log, Alert) if a.kind in kinds and a.since != trailing]
    # status_overdue belongs at the line's end plus due_s, long_silence at the gap's start plus the threshold
    belongs = [(lines[a["after_line"]]["end"] + a.get("due_s", 30), a["kind"], a.get("owner")) for a in gold["alerts"]]
    got.sort(key=lambda a: a[0])
    belongs.sort(key=lambda a: a[0])
    assert [(kind, owner) for _, kind, owner in got] == [(kind, owner) for _, kind, owner in belongs]
    assert all(0 <= t - at <= 5 for (t, _, _), (at, _, _) in zip(got, belongs, strict=True))

    line_of = {e.seq: i for i, e in enumerate(of(log, Transcript))}
    met = {m.ref: line_of[m.source] for m in of(log, CheckMet)}
    satisfied_by = [sc["satisfied_by_line"] for sc in gold["status_checks"]]
    assert [met.get(c.seq) for c in of(log, StatusCheck)] == satisfied_by


def test_alerts_counted_from_speech_wait_out_the_grace_period() -> None:
    options = MonitorOptions(silence_after=30, quiet_after=FAR, mitigation_after=FAR, grace=1.0)
    events = replay([said(0, 10, "Hello."), check(10, 25, "Priya")], 100, options)
    assert alerts(events) == [("status_overdue", 26.0, "Priya"), ("long_silence", 41.0, None)]
    late_but_in_grace = replay(
        [said(0, 10, "Hello."), check(10, 25, "Priya"), said(25.5, 28, "The rollback is done.", "Priya")], 100, options
    )
    assert [kind for kind, _, _ in alerts(late_but_in_grace)] == ["long_silence"]


def correction(t: float, action: str, ref: int, **fields: Any) -> Correction:
    return Correction(t=t, action=action, ref=ref, **fields)  # type: ignore[arg-type]


def test_the_commanders_corrections_override_the_timers() -> None:
    log = Log(Monitor(only()))
    log.emit(said(0, 10, "Hello."))
    received, snoozed = log.emit(check(10, 70, "Priya")), log.emit(check(12, 72, "Marcus"))
    log.emit(correction(30, "received", received.seq))
    log.emit(correction(31, "snooze", snoozed.seq, until=200.0))
    log.advance(150)
    assert alerts(log.events) == []
    log.advance(250)
    assert alerts(log.events) == [("status_overdue", 200.0, "Marcus")]
    met = of(log.events, CheckMet)
    assert [(m.ref, m.late) for m in met] == [(received.seq, 0.0)]


def test_an_edited_owner_owes_the_update_and_a_dismissed_item_is_not_watched() -> None:
    log = Log(Monitor(only(quiet=60)))
    asked = log.emit(check(10, 70, "Pria"))
    log.emit(correction(11, "edit", asked.seq, owner="Priya"))
    task = log.emit(item(12, "Marcus", "start the rollback"))
    log.emit(correction(13, "dismiss", task.seq))
    log.emit(said(40, 45, "The error rate is back to normal.", "Priya"))
    log.advance(500)
    assert alerts(log.events) == []


# -- what the monitor decides is logged, so the views read it ---------------------------------------


def test_an_owners_update_about_the_task_logs_the_item_done() -> None:
    log = replay(
        [
            item(10, "Marcus", "start the rollback"),
            said(20, 22, "Starting the rollback now.", "Marcus"),  # a promise, not a report
            said(30, 33, "The payments service looks fine.", "Marcus"),  # a report on something else
            said(40, 43, "The rollback is complete.", "Priya"),  # someone else's report
            said(50, 53, "The rollback is complete.", "Marcus"),
            said(60, 63, "The rollback is complete, all pods are back.", "Marcus"),  # done once only
        ],
        100,
    )
    [done] = of(log, ItemDone)
    assert (done.ref, done.source, done.by, done.t) == (1, 5, "Marcus", 53)


def test_a_check_restated_before_it_was_due_is_logged_as_replaced() -> None:
    log = replay([check(10, 130, None), check(60, 360, None), check(70, 200, "Priya")], 100)
    [replaced] = of(log, CheckReplaced)
    assert (replaced.ref, replaced.source, replaced.t) == (1, 2, 60)  # Priya's check restates nobody's cadence


def test_an_item_marked_done_is_no_longer_watched_and_a_reopened_one_is_again() -> None:
    log = Log(Monitor(only(quiet=60)))
    task = log.emit(item(10, "Marcus", "start the rollback"))
    log.advance(75)
    assert alerts(log.events) == [("responder_quiet", 70.0, "Marcus")]
    log.emit(correction(80, "done", task.seq))  # the quiet alert goes with the last open item
    assert [c.message for c in of(log.events, AlertCleared)] == ["No open items for Marcus"]
    log.emit(said(90, 93, "The rollback is complete.", "Marcus"))
    assert of(log.events, ItemDone) == []  # done already: the report is not logged as done twice
    log.emit(correction(100, "reopen", task.seq))
    log.emit(said(110, 113, "The rollback is complete now.", "Marcus"))
    [done] = of(log.events, ItemDone)
    assert (done.ref, done.by) == (task.seq, "Marcus")


def test_a_restored_item_is_watched_again() -> None:
    log = Log(Monitor(only()))
    task = log.emit(item(10, "Marcus", "start the rollback"))
    log.emit(correction(11, "dismiss", task.seq))
    log.emit(said(20, 23, "The rollback is complete.", "Marcus"))
    assert of(log.events, ItemDone) == []
    log.emit(correction(30, "restore", task.seq))
    log.emit(said(40, 43, "The rollback is complete.", "Marcus"))
    assert [d.ref for d in of(log.events, ItemDone)] == [task.seq]


def test_an_item_and_a_check_answer_to_every_name_the_commander_gave_them() -> None:
    """Maya -> Maya Chen: her report, heard as Maya's, still meets her check and closes her item."""
    log = Log(Monitor(only(quiet=60)))
    asked = log.emit(check(10, 70, "Maya"))
    task = log.emit(item(10, "Maya", "find out why the nodes keep restarting", "investigation"))
    log.emit(correction(20, "edit", asked.seq, owner="Maya Chen"))
    log.emit(correction(20, "edit", task.seq, owner="Maya Chen"))
    log.emit(said(50, 55, "I found why the nodes keep restarting: they run out of memory.", "Maya"))
    log.advance(100)
    assert alerts(log.events) == []
    assert [(m.ref, m.by, m.late) for m in of(log.events, CheckMet)] == [(asked.seq, "Maya", 0.0)]
    assert [d.ref for d in of(log.events, ItemDone)] == [task.seq]


def test_a_speakers_new_name_is_one_more_name_their_items_answer_to() -> None:
    log = Log(Monitor(only(quiet=60)))
    asked = log.emit(check(10, 70, "Maya"))
    task = log.emit(item(10, "Maya", "find out why the nodes keep restarting"))
    heard = log.emit(said(12, 13, "Will do.", "Maya"))
    log.emit(correction(20, "rename", heard.seq, speaker="Maya", name="Maya Chen"))
    log.emit(said(50, 55, "I found why the nodes keep restarting: they run out of memory.", "Maya Chen"))
    log.advance(100)
    assert alerts(log.events) == []
    assert [m.ref for m in of(log.events, CheckMet)] == [asked.seq]
    assert [d.ref for d in of(log.events, ItemDone)] == [task.seq]
