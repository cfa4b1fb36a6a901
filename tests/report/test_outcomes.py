from bridge.corrections import Done
from bridge.events import ActionItem, CheckMet, StatusCheck, Transcript
from bridge.report.evidence import Quoter
from bridge.report.outcomes import action_entry, cadence, check_entries, reports_on
from tests.golden import numbered, said, session


def item(owner: str | None, task: str, due: float | None = None) -> ActionItem:
    return ActionItem(
        t=3.5,
        seq=3,
        start=0,
        end=3,
        quote=f"{owner}, {task}",
        source=2,
        by="Ann",
        confidence=0.9,
        category="mitigation",
        owner=owner,
        task=task,
        due=due,
    )


def quoter(*lines: Transcript) -> Quoter:
    events = numbered([session(), said(0, 3, "Bob, run the failover.", "Ann"), *lines])
    return Quoter(0.0, [e for e in events if isinstance(e, Transcript)])


def test_done_is_what_the_monitor_logged_quoting_the_report() -> None:
    q = quoter(said(5, 6, "Okay, starting the failover now.", "Bob"), said(30, 32, "The failover is complete.", "Bob"))
    done = Done(t=32.5, source=4, by="Bob", marked=False)
    entry = action_entry(item("Bob", "run the failover", due=60), q, 100.0, done=done, edited=False, confirmed=False)
    assert entry.status == "done" and entry.done is not None
    assert (entry.done.at, entry.done.quote) == (30, "The failover is complete.")
    assert [r.quote for r in reports_on(item("Bob", "run the failover"), q)] == ["The failover is complete."]


def test_without_a_logged_done_an_item_is_open_then_overdue() -> None:
    q = quoter(said(30, 32, "The failover is complete.", "Bob"))  # the view does not judge it done itself
    entry = action_entry(item("Bob", "run the failover", due=60), q, 100.0, done=None, edited=False, confirmed=False)
    assert entry.status == "overdue"
    entry = action_entry(item("Bob", "run the failover", due=60), q, 50.0, done=None, edited=False, confirmed=False)
    assert entry.status == "open"


def test_reports_on_a_task_come_from_its_owner_and_about_it() -> None:
    q = quoter(said(30, 32, "The failover is complete.", "Cy"), said(40, 42, "Login errors are down.", "Bob"))
    assert reports_on(item("Bob", "run the failover"), q) == []


def check(seq: int, owner: str | None, end: float, due: float) -> StatusCheck:
    return StatusCheck(
        t=end + 0.5,
        seq=seq,
        start=end - 1,
        end=end,
        quote="q",
        source=2,
        by="Ann",
        confidence=0.9,
        category="communication",
        owner=owner,
        due=due,
    )


def test_check_outcomes_and_cadence() -> None:
    q = quoter(said(70, 72, "Failover is done.", "Bob"))
    checks = [check(10, "Bob", 3, 60), check(11, None, 5, 65), check(12, None, 30, 90), check(13, "Cy", 31, 200)]
    met = {10: CheckMet(t=72.5, ref=10, source=3, by="Bob", late=10.0)}
    entries = check_entries(checks, met, {11}, q, 120.0, edited={13})  # 11: the monitor logged CheckReplaced
    assert [(c.outcome, c.late) for c in entries] == [
        ("late", 10.0),
        ("replaced", None),
        ("missed", None),
        ("open", None),
    ]
    assert entries[0].update is not None and entries[0].update.quote == "Failover is done."
    assert [c.edited for c in entries] == [False, False, False, True]
    c = cadence(entries)
    assert (c.made, c.on_time, c.late, c.missed, c.open, c.replaced, c.worst_late) == (4, 0, 1, 1, 1, 1, 10.0)
