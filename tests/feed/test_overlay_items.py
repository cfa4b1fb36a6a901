"""The commander's loop over action items and the end of the call, in a real browser (Debian's chromium driven
by Playwright) against the real feed (`bridge.feed.server.Feed`) over an `Incident` with its monitor: what
the overlay shows is what the log says, as the post-mortem reads it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bridge.monitor import Monitor, MonitorOptions
from bridge.report import timeline
from tests.feed.test_overlay import WAIT, RealFeed, browser, eventually, page

pytestmark = pytest.mark.slow

__all__ = ["browser", "page"]  # the fixtures, shared with test_overlay

WORDS = {"speaker_source": "words", "channel": None, "confidence": 0.9}


def evidence(seq: int, start: float, end: float, quote: str) -> dict[str, Any]:
    return {"start": start, "end": end, "quote": quote, "source": seq, "by": "Rosa", "confidence": 0.9}


def watched_feed(tmp_path: Path, elapsed: float) -> RealFeed:
    """The real feed over an incident whose monitor watches action items (and nothing else that would alert)."""
    feed = RealFeed(tmp_path / "incident", elapsed=elapsed)
    far = 10_000.0
    feed.incident.monitor = Monitor(MonitorOptions(silence_after=far, quiet_after=far, mitigation_after=far))
    return feed.start()


def play(feed: RealFeed) -> dict[str, dict[str, Any]]:
    """Rosa asks Maya to find out why the nodes restart and Leo to warn support; Maya reports hers done."""
    e = feed.emit
    feed.begin("items")
    asked = e(
        "transcript",
        t=12.0,
        start=10.0,
        end=12.0,
        speaker="Rosa",
        text="Maya, find out why the nodes keep restarting. Leo, warn the support team.",
        **WORDS,
    )
    maya = e(
        "action_item",
        t=12.5,
        owner="Maya",
        task="find out why the nodes keep restarting",
        due=150.0,
        category="investigation",
        **evidence(asked["seq"], 10.0, 12.0, "Maya, find out why"),
    )
    leo = e(
        "action_item",
        t=12.5,
        owner="Leo",
        task="warn the support team",
        due=400.0,
        category="communication",
        **evidence(asked["seq"], 10.0, 12.0, "Leo, warn the support team."),
    )
    chosen = e(
        "decision",
        t=13.0,
        text="fail over to the standby",
        category="mitigation",
        **evidence(asked["seq"], 10.0, 12.0, "We fail over."),
    )
    e(
        "transcript",
        t=42.0,
        start=40.0,
        end=42.0,
        speaker="Maya",
        text="I found why the nodes keep restarting: they run out of memory.",
        **WORDS,
    )
    return {"maya": maya, "leo": leo, "decision": chosen}


def test_done_reopen_and_undo_from_the_overlay_and_done_shown_as_the_post_mortem_has_it(
    tmp_path: Path, page: Any
) -> None:
    from playwright.sync_api import expect

    feed = watched_feed(tmp_path, elapsed=60.0)
    try:
        seqs = play(feed)
        page.goto(feed.page_url())
        expect(page.locator("#conn")).to_have_text("live", timeout=WAIT)
        items = page.locator("#items li.item")
        expect(items).to_have_count(2, timeout=WAIT)
        maya = items.filter(has_text="find out why the nodes")
        leo = items.filter(has_text="warn the support team")
        # Maya reported hers done (the monitor logged item_done): no countdown, it says when
        expect(maya.locator(".due")).to_have_text("reported 00:40")
        expect(maya.locator(".timer")).to_have_count(0)
        expect(leo.locator(".due .timer")).to_have_text(re.compile(r"^in 0[56]:\d\d$"))

        def logged(n: int) -> dict[str, Any]:
            return eventually(lambda: feed.corrections()[n - 1] if len(feed.corrections()) >= n else None)  # type: ignore[no-any-return]

        # the click: Leo's item done
        leo.locator(".row").click()
        leo.get_by_role("button", name="Done").click()
        assert (logged(1)["action"], logged(1)["ref"]) == ("done", seqs["leo"]["seq"])
        expect(leo.locator(".due")).to_have_text(re.compile(r"^marked done 01:\d\d$"), timeout=WAIT)
        expect(leo.locator(".timer")).to_have_count(0)
        # the key: `d` on the selected item reopens it, and its countdown is back
        leo.locator(".row").focus()
        page.keyboard.press("d")
        assert (logged(2)["action"], logged(2)["ref"]) == ("reopen", seqs["leo"]["seq"])
        expect(leo.locator(".due .timer")).to_have_text(re.compile(r"^in 0[56]:\d\d$"), timeout=WAIT)
        # a reported item reopened by the key, then done again by it
        maya.locator(".row").focus()
        page.keyboard.press("d")
        assert (logged(3)["action"], logged(3)["ref"]) == ("reopen", seqs["maya"]["seq"])
        expect(maya.locator(".due .timer")).to_have_count(1, timeout=WAIT)
        # undo a dismissal: with the toast's button, then with `u`
        decisions = page.locator("#decisions li.decision")
        decisions.first.locator(".row").click()
        decisions.first.get_by_role("button", name="Dismiss").click()
        assert logged(4)["action"] == "dismiss"
        expect(decisions).to_have_count(0, timeout=WAIT)
        page.locator("#toasts").get_by_role("button", name="Undo").click()
        assert (logged(5)["action"], logged(5)["ref"]) == ("restore", seqs["decision"]["seq"])
        expect(decisions).to_have_count(1, timeout=WAIT)
        decisions.first.get_by_role("button", name="Dismiss").click()  # still open, as it was
        expect(decisions).to_have_count(0, timeout=WAIT)
        page.locator("body").press("u")
        assert (logged(7)["action"], logged(7)["ref"]) == ("restore", seqs["decision"]["seq"])
        expect(decisions).to_have_count(1, timeout=WAIT)
        # Maya reports again: done again, by her words; Leo's stays open
        feed.emit(
            "transcript",
            t=feed.call_time(),
            start=feed.call_time() - 2,
            end=feed.call_time(),
            speaker="Maya",
            text="The nodes keep restarting because the memory is too small.",
            **WORDS,
        )
        expect(maya.locator(".due")).to_have_text(re.compile(r"^reported (00:5\d|01:\d\d)$"), timeout=WAIT)

        # the call ends: what is done stays done, and the post-mortem says the same of each item
        feed.incident.end(feed.call_time(), "finished")
        expect(page.locator("#conn")).to_have_text("finished", timeout=WAIT)
        expect(maya.locator(".timer")).to_have_count(0)
        expect(maya.locator(".due")).to_have_text(re.compile(r"^reported (00:5\d|01:\d\d)$"))
        expect(leo.locator(".due .timer")).to_have_count(1)
        drafted = timeline.build(feed.incident.history)  # type: ignore[arg-type]
        status = {a.seq: a.status for a in drafted.actions}
        assert status == {seqs["maya"]["seq"]: "done", seqs["leo"]["seq"]: "open"}
    finally:
        feed.stop()


def check(feed: RealFeed, asked: dict[str, Any], owner: str, due: float) -> dict[str, Any]:
    return feed.emit(
        "status_check",
        t=12.5,
        owner=owner,
        due=due,
        category="communication",
        **evidence(asked["seq"], 10.0, 12.0, f"{owner}, update us"),
    )


def test_the_end_card_says_what_became_of_each_status_check(tmp_path: Path, page: Any) -> None:
    """Not "every status check met" under a banner saying an update came 23 s late: set, on time, late by
    how much, missed, as the post-mortem counts them."""
    from playwright.sync_api import expect

    feed = watched_feed(tmp_path, elapsed=120.0)
    try:
        e = feed.emit
        feed.begin("card")
        text = "Victor, Maya and Leo: updates in one minute, in a minute, and by one twenty."
        asked = e("transcript", t=12.0, start=10.0, end=12.0, speaker="Rosa", text=text, **WORDS)
        check(feed, asked, "Victor", 60.0)
        check(feed, asked, "Maya", 70.0)
        check(feed, asked, "Leo", 80.0)
        said = "I found why the nodes keep restarting: they run out of memory."
        e("transcript", t=52.0, start=50.0, end=52.0, speaker="Victor", text="The failover is complete.", **WORDS)
        e("transcript", t=95.0, start=93.0, end=95.0, speaker="Maya", text=said, **WORDS)
        page.goto(feed.page_url())
        expect(page.locator("#conn")).to_have_text("live", timeout=WAIT)
        feed.incident.end(110.0, "finished")
        card = page.locator("#checks .next.ended")
        expect(card.locator(".big")).to_have_text("01:50", timeout=WAIT)
        expect(card.locator(".meta")).to_have_text(
            re.compile(
                r"^3 status checks set: 1 met on time, 1 late \(Maya 23 s\), 1 missed \(Leo, due \d\d:\d\d \(01:20\)\)$"
            )
        )
        cadence = timeline.build(feed.incident.history).cadence  # type: ignore[arg-type]
        assert (cadence.made, cadence.on_time, cadence.late, cadence.missed) == (3, 1, 1, 1)
    finally:
        feed.stop()


def test_the_end_card_says_nothing_of_checks_when_none_was_set(tmp_path: Path, page: Any) -> None:
    from playwright.sync_api import expect

    feed = watched_feed(tmp_path, elapsed=60.0)
    try:
        play(feed)
        page.goto(feed.page_url())
        expect(page.locator("#conn")).to_have_text("live", timeout=WAIT)
        feed.incident.end(feed.call_time(), "finished")
        card = page.locator("#checks .next.ended")
        expect(card).to_have_count(1, timeout=WAIT)
        expect(card).not_to_contain_text("check")
        expect(card.locator(".meta")).to_have_count(0)
    finally:
        feed.stop()


def test_after_the_call_the_record_stays_correctable_and_the_live_keys_do_nothing(tmp_path: Path, page: Any) -> None:
    """One rule, as the feed has it (docs/protocol.md): after the end, a, r and s act on nothing (they used to
    acknowledge and mark received past the end), while an item can still be marked done, at the end time."""
    from playwright.sync_api import expect

    feed = watched_feed(tmp_path, elapsed=60.0)
    try:
        seqs = play(feed)
        asked = feed.incident.history[1]
        check(feed, {"seq": asked.seq}, "Leo", 30.0)
        feed.emit("alert", t=31.0, kind="status_overdue", message="No update from Leo", owner="Leo", ref=asked.seq + 5)
        page.goto(feed.page_url())
        expect(page.locator("#conn")).to_have_text("live", timeout=WAIT)
        expect(page.locator("#alerts .alert .ack")).to_have_count(1, timeout=WAIT)
        end = round(feed.call_time(), 3)
        feed.incident.end(end, "finished")
        expect(page.locator("#conn")).to_have_text("finished", timeout=WAIT)
        expect(page.locator("#alerts .alert .ack")).to_have_count(0)
        leo = page.locator("#items li.item").filter(has_text="warn the support team")
        leo.locator(".row").focus()
        for key in ("a", "A", "r", "s", "d"):
            page.keyboard.press(key)
        [done] = eventually(lambda: feed.corrections() or None)
        assert (done["action"], done["ref"], done["t"]) == ("done", seqs["leo"]["seq"], end)
        expect(leo.locator(".due")).to_have_text(re.compile(r"^marked done \d\d:\d\d$"), timeout=WAIT)
        leo.locator(".row").click()  # its buttons, as during the call
        leo.get_by_role("button", name="Reopen").click()
        assert eventually(lambda: [c["action"] for c in feed.corrections()] == ["done", "reopen"] or None)
    finally:
        feed.stop()


def test_the_clock_follows_what_has_been_heard_not_the_audio_consumed(tmp_path: Path, page: Any) -> None:
    """A replay at 8x on a busy machine consumed audio far ahead of its transcripts: the overlay's clock ran past
    words not yet read, showed checks late that were not, then jumped back. It now follows how far the call
    has been heard (the `heard` messages the real feed sends), whatever a notice stamped with the audio
    consumed says, and a check goes overdue when what was heard passes its due time."""
    from playwright.sync_api import expect

    feed = RealFeed(tmp_path / "incident").start()
    try:
        e = feed.emit
        feed.begin("heard")
        asked = e("transcript", t=12.0, start=10.0, end=12.0, speaker="Rosa", text="Maya, update in ten.", **WORDS)
        check(feed, asked, "Maya", 40.0)
        feed.incident.advance(12.5)  # everything up to 12.5 s has been heard and transcribed...
        feed.incident.call_time = 95.0  # ...while the audio consumed is at 95 s: transcription far behind
        e("notice", t=95.0, level="warning", code="lag", message="transcription is 82 s behind")
        page.goto(feed.page_url())
        expect(page.locator("#conn")).to_have_text("live", timeout=WAIT)
        nxt = page.locator("#checks .next")
        expect(nxt.locator(".who")).to_have_text("Maya", timeout=WAIT)
        page.wait_for_timeout(1500)  # several heard messages, and time for a clock to run away
        assert page.locator("#clock").text_content() == "00:13"  # 12.5 s heard, at most half a second on
        expect(nxt).not_to_have_class(re.compile(r"\boverdue\b"))
        expect(nxt.locator(".big")).to_have_text(re.compile(r"^00:2[78]$"))  # 40 s due, 12.5-13 s heard
        feed.incident.advance(44.0)  # the words up to 44 s are in: Maya's update did not come
        expect(nxt).to_have_class(re.compile(r"\boverdue\b"), timeout=WAIT)
        expect(page.locator("#clock")).to_have_text(re.compile(r"^00:4[45]$"))
        feed.incident.advance(30.0)  # heard never goes back, and neither does the clock
        page.wait_for_timeout(600)
        assert page.locator("#clock").text_content() in ("00:44", "00:45")
    finally:
        feed.stop()


def test_a_voice_heard_often_and_never_named_is_put_to_the_commander_with_the_rosters_names(
    tmp_path: Path, page: Any
) -> None:
    """ "Speaker 4 said 5 lines; who is it?", offering the roster's people not yet on the call: one click names
    the voice everywhere, earlier lines included, and the question goes."""
    from playwright.sync_api import expect

    feed = RealFeed(tmp_path / "incident").start()
    try:
        e = feed.emit
        source = {"uri": "-", "kind": "device"}
        roster = ["Rosa", "Maya", "Leo Park", "payments-api", "Victor"]
        e(
            "session",
            t=0.0,
            incident="whois",
            started=feed.started,
            version="0",
            model=None,
            source=source,
            options={"roster": roster},
        )
        e("transcript", t=3.0, start=1.0, end=3.0, speaker="Rosa", text="Rosa here, I'm running this call.", **WORDS)
        e("transcript", t=6.0, start=4.0, end=6.0, speaker="Maya", text="Maya, on the database.", **WORDS)
        voice = {"speaker_source": "voice", "channel": None, "confidence": 0.9, "voice": "Speaker 4"}
        for i in range(3):
            e(
                "transcript",
                t=10.0 + 3 * i,
                start=8.0 + 3 * i,
                end=10.0 + 3 * i,
                speaker="Speaker 4",
                text=f"The queue is at {i} thousand.",
                **voice,
            )
        page.goto(feed.page_url())
        expect(page.locator("#conn")).to_have_text("live", timeout=WAIT)
        whois = page.locator("#ticker .whois")
        expect(page.locator("#ticker .final")).to_have_count(4, timeout=WAIT)  # the ticker's last four lines
        expect(whois).to_have_count(0)  # three lines: not yet
        e("transcript", t=22.0, start=20.0, end=22.0, speaker="Speaker 4", text="Draining it now.", **voice)
        expect(whois).to_contain_text("Speaker 4 said 4 lines; who is it?", timeout=WAIT)
        # the people of the roster not yet placed: not Rosa or Maya, not a service
        expect(whois.locator("button.name")).to_have_text(["Leo Park", "Victor"])
        whois.get_by_role("button", name="Leo Park").click()
        rename = eventually(lambda: next((c for c in feed.corrections() if c["action"] == "rename"), None))
        assert (rename["speaker"], rename["name"], rename["by"]) == ("Speaker 4", "Leo Park", "commander")
        expect(whois).to_have_count(0, timeout=WAIT)
        expect(page.locator("#ticker .final .speaker").nth(1)).to_have_text("Leo Park")  # earlier lines too
    finally:
        feed.stop()
