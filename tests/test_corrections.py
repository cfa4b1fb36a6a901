from collections.abc import Mapping, Sequence

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from bridge.corrections import amend, apply
from bridge.events import (
    ActionItem,
    Alert,
    AlertCleared,
    CheckMet,
    CheckReplaced,
    Correction,
    Decision,
    ItemDone,
    LoggedEvent,
    Session,
    StatusCheck,
    Transcript,
)
from bridge.monitor import Monitor, MonitorOptions
from bridge.report import timeline
from bridge.report.postmortem import to_markdown
from tests.golden import numbered, said, sample_events, session


def incident(*corrections: Correction) -> list[LoggedEvent]:
    """Ann asks Bob for an update in a minute and Bob to restart the cache; Ann decides to fail over."""
    return numbered(
        [
            session(),
            said(0, 3, "Bob, restart the cache and report back in one minute.", "Ann"),  # 2
            ActionItem(
                t=3.5,
                start=0,
                end=3,
                quote="Bob, restart the cache",
                source=2,
                by="Ann",
                confidence=0.9,
                category="mitigation",
                owner="Bob",
                task="restart the cache",
                due=63.0,
            ),  # 3
            StatusCheck(
                t=3.5,
                start=0,
                end=3,
                quote="report back in one minute",
                source=2,
                by="Ann",
                confidence=0.9,
                category="communication",
                owner="Bob",
                due=63.0,
            ),  # 4
            said(5, 7, "We fail over to the standby.", "Ann"),  # 5
            Decision(
                t=7.5,
                start=5,
                end=7,
                quote="We fail over to the standby.",
                source=5,
                by="Ann",
                confidence=0.9,
                category="mitigation",
                text="We fail over to the standby",
            ),  # 6
            Alert(t=64, kind="status_overdue", message="No update from Bob: due at 01:03", owner="Bob", ref=4),  # 7
            said(70, 72, "The cache is restarted.", "Bob"),  # 8
            CheckMet(t=72.5, ref=4, source=8, by="Bob", late=7.0),  # 9
            AlertCleared(t=72.5, ref=7, kind="status_overdue", message="Update from Bob at 01:10", source=8),  # 10
            *corrections,
        ]
    )


def test_without_corrections_the_events_are_as_logged_less_nothing() -> None:
    events = incident()
    fixed = apply(events)
    assert fixed.events == events
    assert not (fixed.edited or fixed.confirmed or fixed.acknowledged)


def test_corrections_themselves_are_left_out() -> None:
    fixed = apply(incident(Correction(t=80, action="acknowledge", ref=7)))
    assert not any(isinstance(e, Correction) for e in fixed.events)
    assert fixed.acknowledged == {7}


def test_dismissing_a_check_takes_its_update_alert_and_clearing_with_it() -> None:
    fixed = apply(incident(Correction(t=80, action="dismiss", ref=4)))
    assert [e.seq for e in fixed.events] == [1, 2, 3, 5, 6, 8]


def test_dismissing_a_decision_leaves_the_words_it_came_from() -> None:
    fixed = apply(incident(Correction(t=80, action="dismiss", ref=6), Correction(t=81, action="confirm", ref=6)))
    assert not any(isinstance(e, Decision) for e in fixed.events)
    assert any(isinstance(e, Transcript) and e.seq == 5 for e in fixed.events)
    assert fixed.confirmed == set()


def test_edits_apply_in_order_and_keep_the_quote() -> None:
    fixed = apply(
        incident(
            Correction(t=80, action="edit", ref=3, owner="Cy"),
            Correction(t=81, action="edit", ref=3, text="restart the session cache", due=90.0),
            Correction(t=82, action="edit", ref=6, text="Fail over to standby B"),
            Correction(t=83, action="snooze", ref=4, until=120.0),
        )
    )
    item = next(e for e in fixed.events if isinstance(e, ActionItem))
    assert (item.owner, item.task, item.due, item.quote) == (
        "Cy",
        "restart the session cache",
        90.0,
        "Bob, restart the cache",
    )
    decision = next(e for e in fixed.events if isinstance(e, Decision))
    assert decision.text == "Fail over to standby B"
    check = next(e for e in fixed.events if isinstance(e, StatusCheck))
    assert check.due == 120.0
    assert fixed.edited == {3, 6}


def test_renames_chain_and_reach_every_name() -> None:
    fixed = apply(
        incident(
            Correction(t=80, action="rename", ref=8, speaker="Bob", name="Rob"),
            Correction(t=81, action="rename", ref=8, speaker="rob", name="Robert"),
        )
    )
    said_by = {e.seq: e.speaker for e in fixed.events if isinstance(e, Transcript)}
    assert said_by == {2: "Ann", 5: "Ann", 8: "Robert"}
    item = next(e for e in fixed.events if isinstance(e, ActionItem))
    assert item.owner == "Robert"
    alert = next(e for e in fixed.events if isinstance(e, Alert))
    assert (alert.owner, alert.message) == ("Robert", "No update from Robert: due at 01:03")
    cleared = next(e for e in fixed.events if isinstance(e, AlertCleared))
    assert cleared.message == "Update from Robert at 01:10"
    met = next(e for e in fixed.events if isinstance(e, CheckMet))
    assert met.by == "Robert"


def test_a_line_attributed_after_the_call_takes_what_it_said_in_the_first_person_along() -> None:
    events = numbered(
        [
            session(),
            said(0, 3, "Who can look at the database?", "Ann"),  # 2
            said(4, 6, "I'll take it, and I'll report back in two minutes.", "Speaker 3"),  # 3
            ActionItem(
                t=6.5,
                start=4,
                end=6,
                quote="I'll take it",
                source=3,
                by="Speaker 3",
                confidence=0.8,
                category="investigation",
                owner="Speaker 3",
                task="look at the database",
            ),  # 4
            StatusCheck(
                t=6.5,
                start=4,
                end=6,
                quote="report back in two minutes",
                source=3,
                by="Speaker 3",
                confidence=0.8,
                category="communication",
                owner="Speaker 3",
                due=126.0,
            ),  # 5
            said(8, 10, "Bob, restart the cache.", "Ann"),  # 6
            ActionItem(
                t=10.5,
                start=8,
                end=10,
                quote="Bob, restart the cache",
                source=6,
                by="Ann",
                confidence=0.9,
                category="mitigation",
                owner="Bob",
                task="restart the cache",
            ),  # 7
            Correction(t=20, action="rename", ref=2, speaker="Speaker 2", name="Cleo"),  # 8
            Correction(t=30, action="attribute", ref=3, speaker="Speaker 2", by="bridge"),  # 9
            Correction(t=30, action="attribute", ref=6, speaker="Dee", by="bridge"),  # 10
        ]
    )
    fixed = apply(events)
    assert [e.speaker for e in fixed.events if isinstance(e, Transcript)] == ["Ann", "Cleo", "Dee"]
    mine, check, bobs = (e for e in fixed.events if isinstance(e, ActionItem | StatusCheck))
    assert (mine.by, mine.owner) == ("Cleo", "Cleo")  # attributed to Speaker 2, whom a rename called Cleo
    assert (check.by, check.owner) == ("Cleo", "Cleo")
    assert (bobs.by, bobs.owner) == ("Dee", "Bob")  # who was asked stays who was asked


def test_naming_an_unattributed_line_names_only_that_line() -> None:
    events = numbered(
        [session(), said(0, 1, "Hi."), said(2, 3, "Hello."), Correction(t=5, action="rename", ref=2, name="Dee")]
    )
    fixed = apply(events)
    assert [e.speaker for e in fixed.events if isinstance(e, Transcript)] == ["Dee", None]


def test_received_is_met_by_what_the_monitor_logged_and_never_by_the_view_guessing() -> None:
    events = incident()[:7]  # up to the alert: no update, no CheckMet
    events.append(Correction(t=75, seq=8, action="received", ref=4))
    assert not [e for e in apply(events).events if isinstance(e, CheckMet)]  # the view decides nothing itself
    events.append(CheckMet(t=75, seq=9, ref=4, source=8, by=None, late=12.0))  # what the monitor logs for it
    met = [e for e in apply(events).events if isinstance(e, CheckMet)]
    assert [(m.ref, m.source, m.by, m.late, m.t) for m in met] == [(4, 8, None, 12.0, 75)]


def test_an_edit_or_a_snooze_amends_an_item_but_never_its_evidence() -> None:
    said = {
        "start": 1,
        "end": 3,
        "quote": "Bob, fail over.",
        "source": 1,
        "by": "Ann",
        "confidence": 0.9,
        "category": None,
    }
    item = ActionItem(t=3, seq=2, owner="Bob", task="fail over", due=60, **said)  # type: ignore[arg-type]
    edited = amend(item, Correction(t=9, action="edit", ref=2, owner="Bob Li", due=90))
    assert isinstance(edited, ActionItem) and (edited.owner, edited.due, edited.task) == ("Bob Li", 90, "fail over")
    assert (edited.quote, edited.start, edited.end, edited.source) == (item.quote, 1, 3, 1)
    assert amend(item, Correction(t=9, action="dismiss", ref=2)) is item


def test_received_after_the_monitor_logged_the_update_adds_nothing() -> None:
    fixed = apply(incident(Correction(t=80, action="received", ref=4)))
    assert sum(isinstance(e, CheckMet) for e in fixed.events) == 1


def test_done_is_the_report_or_the_commanders_mark_until_reopened() -> None:
    from bridge.corrections import Done, done
    from bridge.events import ItemDone

    reported = ItemDone(t=72.5, seq=11, ref=3, source=8, by="Bob")
    marked = Correction(t=80, seq=12, action="done", ref=3)
    reopened = Correction(t=90, seq=13, action="reopen", ref=3)
    assert done([reported]) == {3: Done(t=72.5, source=8, by="Bob", marked=False)}
    assert done([marked]) == {3: Done(t=80, source=12, by="commander", marked=True)}
    assert done([reported, marked]) == done([reported])  # the report stands
    assert done([marked, reported]) == done([reported])  # a report replaces the mark: it has the words
    assert done([reported, reopened]) == {}
    assert done([reported, reopened, marked]) == {3: Done(t=80, source=12, by="commander", marked=True)}


def test_a_restore_undoes_a_dismissal_and_done_goes_with_a_dismissed_item() -> None:
    dismiss, restore = Correction(t=80, action="dismiss", ref=3), Correction(t=81, action="restore", ref=3)
    assert 3 in {e.seq for e in apply(incident(dismiss, restore)).events}
    assert 3 not in {e.seq for e in apply(incident(dismiss, restore, dismiss)).events}
    fixed = apply(incident(Correction(t=80, action="done", ref=3), dismiss))
    assert fixed.done == {}
    assert set(apply(incident(Correction(t=80, action="done", ref=3))).done) == {3}


# -- corrections on the sample call, as the monitor takes them live ----------------------------------------

DECIDED = (CheckMet, CheckReplaced, ItemDone, Alert, AlertCleared)
"""What the monitor logs: made afresh when the sample call is monitored again with corrections in it."""


def monitored(corrections: Mapping[int, Sequence[Correction]]) -> list[LoggedEvent]:
    """The sample call's log as it would be had the commander made `corrections` just before the event with
    that `seq` in the committed log (each `ref` a `seq` of the committed log), under a fresh monitor."""
    out: list[LoggedEvent] = []
    monitor = Monitor(MonitorOptions(**session_of(sample_events()).options.monitor))
    renumbered: dict[int, int] = {}

    def emit(e: LoggedEvent) -> LoggedEvent:
        logged = msgspec.structs.replace(e, seq=len(out) + 1)
        out.append(logged)
        for caused in monitor.observe(logged):
            emit(caused)
        return logged

    for e in sample_events():
        if isinstance(e, DECIDED):
            continue
        t = e.start if isinstance(e, Transcript) else e.t
        for c in corrections.get(e.seq, ()):
            for alert in monitor.advance(t):
                emit(alert)
            emit(msgspec.structs.replace(c, t=t, ref=renumbered[c.ref]))
        for alert in monitor.advance(t):
            emit(alert)
        if isinstance(e, Decision | ActionItem | StatusCheck):
            e = msgspec.structs.replace(e, source=renumbered[e.source])
        renumbered[e.seq] = emit(e).seq
    return out


def session_of(events: Sequence[LoggedEvent]) -> Session:
    [first] = [e for e in events if isinstance(e, Session)]
    return first


MAYA_ASKED, MAYA_CHECK, MAYA_ITEM, MAYA_REPORT = 22, 23, 24, 52
"""In the committed sample log: Rosa asks Maya why the nodes restart (and for an update in two minutes);
Maya reports, late: "Sorry, I was deep in the node logs. The resize left each node with ... memory"."""


def test_an_owner_edit_and_received_before_she_spoke_keep_her_report_as_the_finding_and_the_cause_line() -> None:
    """ "Maya" -> "Maya Chen" made her item late after she had reported, and lost her finding."""
    edits = [Correction(t=0, action="edit", ref=ref, owner="Maya Chen") for ref in (MAYA_CHECK, MAYA_ITEM)]
    received = Correction(t=0, action="received", ref=MAYA_CHECK)
    for corrections in (
        {MAYA_ASKED + 4: edits},
        {MAYA_REPORT: [received]},
        {MAYA_ASKED + 4: edits, MAYA_REPORT: [received]},
    ):
        tl = timeline.build(monitored(corrections))
        [finding] = tl.findings
        assert (finding.by, finding.quote[:34]) == ("Maya", "Sorry, I was deep in the node logs")
        cause = next(line for line in to_markdown(tl).splitlines() if "**Cause:**" in line)
        assert "Last finding" in cause and "deep in the node logs" in cause
        [item] = [a for a in tl.actions if a.task.startswith("find out why")]
        assert item.status == "done" and item.done is not None and item.done.by == "Maya"
        [check] = [c for c in tl.checks if c.evidence.seq == MAYA_ASKED]
        assert check.outcome == "late"


def evidence_kept(log: Sequence[LoggedEvent]) -> tuple[set[tuple[float, str]], set[float]]:
    """The findings (when and what) and the status checks met (by when they were set) of `log`."""
    tl = timeline.build(log)
    return {(f.at, f.quote) for f in tl.findings}, {
        c.evidence.at for c in tl.checks if c.outcome in ("on time", "late")
    }


BEFORE = [e.seq for e in sample_events() if isinstance(e, Transcript)]
ITEMS = [e.seq for e in sample_events() if isinstance(e, ActionItem)]
CHECKS = [e.seq for e in sample_events() if isinstance(e, StatusCheck)]
DECISIONS = [e.seq for e in sample_events() if isinstance(e, Decision)]
SPOKEN = [(e.seq, e.speaker) for e in sample_events() if isinstance(e, Transcript) and e.speaker]
NAMES = st.sampled_from(["Maya Chen", "Victor Li", "Leo M", "Rosa Diaz", "Dana"])


def _rename(spoken: tuple[int, str], name: str) -> Correction:
    return Correction(t=0, action="rename", ref=spoken[0], speaker=spoken[1], name=name)


CORRECTIONS = st.one_of(
    st.builds(
        lambda ref, owner: Correction(t=0, action="edit", ref=ref, owner=owner), st.sampled_from(ITEMS + CHECKS), NAMES
    ),
    st.builds(
        lambda ref, text: Correction(t=0, action="edit", ref=ref, text=text),
        st.sampled_from(ITEMS + DECISIONS),
        st.sampled_from(["check the memory", "open a ticket", "warn support"]),
    ),
    st.builds(
        lambda ref, due: Correction(t=0, action="edit", ref=ref, due=due),
        st.sampled_from(ITEMS + CHECKS),
        st.floats(60, 400),
    ),
    st.builds(
        lambda ref, until: Correction(t=0, action="snooze", ref=ref, until=until),
        st.sampled_from(CHECKS),
        st.floats(300, 600),
    ),
    st.builds(lambda ref: Correction(t=0, action="received", ref=ref), st.sampled_from(CHECKS)),
    st.builds(
        lambda ref, action: Correction(t=0, action=action, ref=ref),
        st.sampled_from(ITEMS + DECISIONS),
        st.sampled_from(["confirm", "done", "reopen"]),
    ),
    st.builds(_rename, st.sampled_from(SPOKEN), NAMES),
)


@given(st.lists(st.tuples(st.sampled_from(BEFORE), CORRECTIONS), min_size=1, max_size=3))
def test_a_correction_never_removes_a_finding_or_a_met_check(made: list[tuple[int, Correction]]) -> None:
    """Whatever the commander corrects, and whenever (only dismissing says an item was never one): what was
    reported stays a finding, and a check that got its update stays met."""
    corrections: dict[int, list[Correction]] = {}
    for before, c in made:
        if c.ref < before:  # one can correct only what has been logged
            corrections.setdefault(before, []).append(c)
    findings, met = evidence_kept(monitored({}))
    assert findings and met  # the sample has both: the property is not vacuous
    found, kept = evidence_kept(monitored(corrections))
    assert findings <= found
    assert met <= kept
