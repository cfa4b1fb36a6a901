import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.calltime import clock
from bridge.errors import LogError
from bridge.events import (
    ActionItem,
    Alert,
    AlertCleared,
    CheckMet,
    CheckReplaced,
    Correction,
    Decision,
    SessionEnd,
    StatusCheck,
    Transcript,
)
from bridge.report.postmortem import to_markdown
from bridge.report.timeline import Timeline, build, duration, to_json, wall_clock
from tests.golden import assert_golden, numbered, said, sample_events, session


@pytest.fixture(scope="module")
def sample() -> Timeline:
    return build(sample_events())


def test_json_matches_the_golden_file(sample: Timeline) -> None:
    assert_golden("postmortem.json", to_json(sample))


def test_json_reads_back_as_the_same_timeline(sample: Timeline) -> None:
    assert msgspec.json.decode(to_json(sample), type=Timeline) == sample


# The real replay of the sample call: the draft's facts, with the right owners and call times.


def test_sample_call_decisions_with_their_speaker_and_call_time(sample: Timeline) -> None:
    assert [(d.text, d.by, clock(d.evidence.at)) for d in sample.decisions] == [
        ("We are going to fail over to the standby cache", "Rosa", "00:49"),
        ("Let's also switch off the remember me feature for now", "Rosa", "01:10"),
        ("we stay on the standby until we understand the root cause", "Rosa", "02:04"),
        ("We are declaring the incident mitigated", "Rosa", "03:49"),
    ]
    assert all(d.category == "mitigation" for d in sample.decisions)


def test_sample_call_action_items_with_owner_due_and_status(sample: Timeline) -> None:
    got = [(a.owner, a.task, clock(a.evidence.at), a.due and clock(a.due), a.status) for a in sample.actions]
    assert got == [
        ("Leo", "put a notice on the status page in the next five minutes", "00:32", "05:35", "done"),
        ("Victor", "run the failover", "00:52", "03:55", "done"),
        ("Maya", "find out why the nodes keep restarting", "01:01", "03:06", "done"),
        ("Leo", "warn the support team to expect more tickets", "01:14", None, "done"),
        ("Rosa", "send a summary to leadership", "03:46", None, "open"),
    ]
    victor = sample.actions[1]
    assert victor.done is not None and victor.done.by == "Victor"
    assert victor.done.quote.startswith("The failover is complete.")
    assert [(f.owner, f.task, f.status) for f in sample.follow_ups] == [
        ("Maya", "open a ticket for the post-incident review", "open")
    ]


def test_sample_call_status_cadence(sample: Timeline) -> None:
    assert [(c.owner, c.outcome, c.late) for c in sample.checks] == [
        ("Victor", "on time", 0.0),
        ("Maya", "late", 23.84),
        (None, "on time", 0.0),
    ]
    c = sample.cadence
    assert (c.made, c.on_time, c.late, c.missed, c.open, c.worst_late) == (3, 2, 1, 0, 0, 23.84)


def test_sample_call_milestones_impact_and_finding(sample: Timeline) -> None:
    assert sample.commander == "Rosa"
    assert sample.first_mitigation is not None and clock(sample.first_mitigation.at) == "00:49"
    assert sample.mitigated is not None and sample.mitigated.what == "We are declaring the incident mitigated"
    assert sample.cause == []
    assert [clock(e.at) for e in sample.impact[:2]] == ["00:05", "00:17"]
    assert "cannot log back in" in sample.impact[0].quote
    assert len(sample.findings) == 1 and "memory" in sample.findings[0].quote


def test_sample_call_participants_and_silences(sample: Timeline) -> None:
    assert [p.name for p in sample.participants] == ["Rosa", "Victor", "Maya", "Leo", None]
    assert sum(p.share for p in sample.participants) == pytest.approx(1.0, abs=0.01)
    assert [(clock(s.start), round(s.length)) for s in sample.silences] == [("01:19", 38), ("02:16", 62)]


def test_sample_call_wall_clock_is_the_session_start_plus_call_time(sample: Timeline) -> None:
    assert sample.end_reason == "finished"
    assert sample.ended == pytest.approx(sample.started + 234.375, abs=1e-3)
    for row in sample.rows:
        assert row.wall == pytest.approx(sample.started + row.at, abs=1e-3)
    assert wall_clock(sample.started, date=True) == "2026-11-27 07:28:10"


def test_rows_are_in_call_time_order_and_quote_what_was_said(sample: Timeline) -> None:
    ats = [r.at for r in sample.rows]
    assert ats == sorted(ats)
    texts = {e.seq: e.text for e in sample_events() if isinstance(e, Transcript)}
    for row in sample.rows:
        if row.evidence is not None:
            assert (
                texts[row.evidence.seq].strip(" .") in row.evidence.quote
                or row.evidence.quote in texts[row.evidence.seq]
            )
    kinds = [r.kind for r in sample.rows]
    assert kinds.count("decision") == 4 and kinds.count("action") == 6 and kinds.count("check") == 3
    assert kinds.count("alert") == 3 and kinds.count("cleared") == 3 and kinds.count("update") == 3


def test_no_wall_clock_is_read_from_the_events_but_the_session_start() -> None:
    events = sample_events()
    moved = [events[0], *(msgspec.structs.replace(e, wall=0.0) for e in events[1:])]
    assert to_json(build(moved)) == to_json(build(events))


# As of a call time: the draft of a call still going on.


def test_as_of_a_call_time_only_what_was_logged_by_then_counts() -> None:
    tl = build(sample_events(), now=150.0)
    assert tl.end_reason is None and tl.ended is None and tl.now == 150.0
    assert [c.outcome for c in tl.checks] == ["on time", "open", "open"]
    assert [a.status for a in tl.actions] == ["open", "done", "open", "open"]
    assert tl.mitigated is None and len(tl.decisions) == 3


def test_a_check_due_without_an_update_is_missed() -> None:
    tl = build(sample_events(), now=200.0)
    maya = tl.checks[1]
    assert (maya.owner, maya.outcome) == ("Maya", "missed")
    assert tl.actions[2].status == "overdue"
    missed = [r for r in tl.rows if r.kind == "missed"]
    assert [(r.at, r.what) for r in missed] == [(maya.due, "No update from Maya by 03:06 (status check set at 01:01)")]


# The commander's corrections.


def corrected(*corrections: Correction) -> Timeline:
    events = sample_events()
    last = events[-2].t  # before the end
    fixed = [msgspec.structs.replace(c, seq=100 + n, t=last) for n, c in enumerate(corrections)]
    return build([*events[:-1], *fixed, events[-1]])


def test_an_edited_owner_shows_the_edit_and_says_it_was_edited() -> None:
    tl = corrected(Correction(t=0, action="edit", ref=29, owner="Maya", text="warn support about tickets"))
    item = next(a for a in tl.actions if a.seq == 29)
    assert (item.owner, item.task, item.edited) == ("Maya", "warn support about tickets", True)
    assert item.evidence.quote == "Leo, please warn the support team to expect more tickets."
    assert "Action item for Maya: warn support about tickets" in [r.what for r in tl.rows]


def test_a_dismissed_item_is_left_out_of_every_part() -> None:
    tl = corrected(Correction(t=0, action="dismiss", ref=27), Correction(t=0, action="dismiss", ref=62))
    assert "remember me" not in to_json(tl)
    assert "summary to leadership" not in to_json(tl)
    assert len(tl.decisions) == 3 and len(tl.actions) == 4


def test_a_dismissed_status_check_takes_its_alert_and_update_with_it() -> None:
    tl = corrected(Correction(t=0, action="dismiss", ref=23))
    assert [c.owner for c in tl.checks] == ["Victor", None]
    assert not any("No update from Maya" in r.what for r in tl.rows)
    assert not any(r.kind == "cleared" and "Maya" in r.what for r in tl.rows)


def test_a_renamed_speaker_is_renamed_everywhere() -> None:
    tl = corrected(Correction(t=0, action="rename", ref=5, speaker="Victor", name="Viktor"))
    text = to_json(tl)
    assert "Victor" not in text.replace("Victor, please", "").replace("Victor here", "")  # quotes stay verbatim
    assert tl.participants[1].name == "Viktor"
    assert tl.actions[1].owner == "Viktor" and tl.checks[0].owner == "Viktor"


def test_a_snoozed_check_has_its_new_deadline_and_confirmed_items_say_so() -> None:
    tl = corrected(Correction(t=0, action="snooze", ref=42, until=300.0), Correction(t=0, action="confirm", ref=17))
    assert tl.checks[2].due == 300.0
    assert tl.decisions[0].confirmed and not tl.decisions[1].confirmed


# Hand-made logs for what the sample call does not show.


def test_a_check_restated_before_it_was_due_is_replaced_not_missed() -> None:
    events = numbered(
        [
            session(),
            said(0, 2, "Next update in two minutes."),
            StatusCheck(
                t=2.5,
                start=0,
                end=2,
                quote="Next update in two minutes.",
                source=2,
                by="Ann",
                confidence=0.9,
                category="communication",
                owner=None,
                due=122.0,
            ),
            said(60, 62, "Next update in five minutes."),
            StatusCheck(
                t=62.5,
                start=60,
                end=62,
                quote="Next update in five minutes.",
                source=4,
                by="Ann",
                confidence=0.9,
                category="communication",
                owner=None,
                due=362.0,
            ),
            CheckReplaced(t=62.5, ref=3, source=5),  # as the monitor logs it
            SessionEnd(t=400, reason="finished", duration=400),
        ]
    )
    tl = build(events)
    assert [c.outcome for c in tl.checks] == ["replaced", "missed"]
    assert (tl.cadence.replaced, tl.cadence.missed) == (1, 1)


def test_a_check_marked_received_by_the_commander_is_met_without_words() -> None:
    events = numbered(
        [
            session(),
            said(0, 2, "Bob, report back in one minute.", "Ann"),
            StatusCheck(
                t=2.5,
                start=0,
                end=2,
                quote="Bob, report back in one minute.",
                source=2,
                by="Ann",
                confidence=0.9,
                category="communication",
                owner="Bob",
                due=62.0,
            ),
            Alert(t=63, kind="status_overdue", message="No update from Bob", owner="Bob", ref=3),
            Correction(t=70, action="received", ref=3),
            CheckMet(t=70, ref=3, source=5, by=None, late=8.0),
            AlertCleared(t=70, ref=4, kind="status_overdue", message="Marked received by the commander", source=5),
        ]
    )
    tl = build(events)
    assert (tl.checks[0].outcome, tl.checks[0].late, tl.checks[0].update) == ("late", 8.0, None)
    assert [r.kind for r in tl.rows] == ["check", "alert", "update", "cleared"]
    assert tl.rows[2].who == "commander" and tl.rows[2].evidence is None


def test_mitigated_said_in_passing_and_a_stated_cause() -> None:
    events = numbered(
        [
            session(),
            said(0, 3, "Checkout is failing for everyone.", "Ann"),
            said(10, 14, "The cause is the expired certificate on the gateway.", "Bob"),
            said(20, 23, "Is it resolved?", "Ann"),
            said(30, 33, "Yes, it is resolved now.", "Bob"),
        ]
    )
    tl = build(events)
    assert [e.quote for e in tl.cause] == ["The cause is the expired certificate on the gateway."]
    assert tl.mitigated is not None and (tl.mitigated.at, tl.mitigated.what) == (30, "Yes, it is resolved now.")
    assert tl.first_mitigation is None
    assert [r.kind for r in tl.rows] == ["report", "cause", "mitigated"]


def test_a_log_without_a_session_is_refused() -> None:
    with pytest.raises(LogError, match="no session"):
        build([Decision(t=1, start=0, end=1, quote="q", source=1, by=None, confidence=1, category=None, text="x")])


def test_an_item_with_no_owner_is_open_and_never_done() -> None:
    events = numbered(
        [
            session(),
            said(0, 3, "Someone needs to page the database team.", "Ann"),
            ActionItem(
                t=3.5,
                start=0,
                end=3,
                quote="Someone needs to page the database team.",
                source=2,
                by="Ann",
                confidence=0.5,
                category="communication",
                owner=None,
                task="page the database team",
            ),
            said(5, 7, "The database team is paged.", "Bob"),
        ]
    )
    assert build(events).actions[0].status == "open"


def test_durations_and_call_times_for_people() -> None:
    assert [duration(s) for s in (0.4, 23.84, 60, 111.2)] == ["0 s", "24 s", "1 min", "1 min 51 s"]
    assert [clock(t) for t in (0, 59.9, 61, 3725)] == ["00:00", "00:59", "01:01", "1:02:05"]


# Properties over every moment of the sample call and any corrections.

EVENTS = sample_events()
ITEMS = [e.seq for e in EVENTS if isinstance(e, Decision | ActionItem | StatusCheck)]


@settings(max_examples=60, deadline=None)
@given(now=st.floats(min_value=0.0, max_value=240.0))
def test_at_any_moment_rows_are_ordered_and_nothing_is_from_the_future(now: float) -> None:
    tl = build(EVENTS, now=now)
    ats = [r.at for r in tl.rows]
    assert ats == sorted(ats)
    assert all(r.at <= now + 1e-9 for r in tl.rows)
    assert all(c.outcome != "missed" or c.due < now for c in tl.checks)
    assert len(tl.actions) + len(tl.follow_ups) == sum(isinstance(e, ActionItem) and e.t <= now for e in EVENTS)


@settings(max_examples=60, deadline=None)
@given(dismissed=st.sets(st.sampled_from(ITEMS)))
def test_whatever_is_dismissed_is_in_no_part_of_the_timeline(dismissed: set[int]) -> None:
    fixes = [Correction(t=230.0, seq=100 + n, action="dismiss", ref=ref) for n, ref in enumerate(sorted(dismissed))]
    tl = build([*EVENTS[:-1], *fixes, EVENTS[-1]])
    kept = {d.seq for d in tl.decisions} | {a.seq for a in [*tl.actions, *tl.follow_ups]} | {c.seq for c in tl.checks}
    assert kept == set(ITEMS) - dismissed
    assert not {r.ref for r in tl.rows if r.kind in ("decision", "action", "check", "update", "done")} & dismissed


def test_an_acknowledged_alert_says_so() -> None:
    tl = corrected(Correction(t=0, action="acknowledge", ref=44))
    alerts = [r.what for r in tl.rows if r.kind == "alert"]
    assert alerts[2].endswith("(acknowledged by the commander)")
    assert not alerts[0].endswith("(acknowledged by the commander)")


def test_done_and_reopen_by_the_commander_are_the_items_status_everywhere() -> None:
    # Rosa's "send a summary to leadership" (62) was never reported; Victor's failover (20) was.
    tl = corrected(Correction(t=0, action="done", ref=62), Correction(t=0, action="reopen", ref=20))
    rosa = next(a for a in tl.actions if a.seq == 62)
    assert (rosa.status, rosa.done, rosa.marked_done, rosa.done_at) == ("done", None, True, 233.472)
    assert "Marked done by the commander: send a summary to leadership" in [r.what for r in tl.rows]
    victor = next(a for a in tl.actions if a.seq == 20)
    assert (victor.status, victor.done) == ("open", None)  # due 03:55, after the end
    assert not any(r.kind == "done" and r.ref == 20 for r in tl.rows)
    from bridge.report import postmortem

    md = postmortem.to_markdown(tl)
    assert "**done** (marked done by the commander at 03:53)" in md


def test_the_last_severity_declared_and_the_recording_are_in_the_timeline() -> None:
    events = numbered(
        [
            session(record={"folder": "audio", "format": "wav", "chunk_seconds": 10.0}),
            said(1.0, 3.0, "Rosa here, I am the incident commander. Is this a SEV1?", "Rosa"),
            said(5.0, 8.0, "Okay, we are declaring a sev two for now.", "Rosa"),
            said(20.0, 24.0, "Checkout is down in every region, bumping this to SEV1.", "Rosa"),
        ]
    )
    tl = build(events)
    assert tl.severity is not None and tl.severity.level == "SEV1"
    assert tl.severity.evidence.quote == "Checkout is down in every region, bumping this to SEV1."
    assert tl.recording == "audio"
    md = to_markdown(tl)
    assert "- **Severity:** SEV1, 00:20 Rosa: “Checkout is down in every region, bumping this to SEV1.”" in md
    assert "- **Recording:** audio, in the incident folder (bridge retranscribe reads it again)." in md
    assert build(numbered([session(), said(1.0, 3.0, "Hello.", "Rosa")])).severity is None
