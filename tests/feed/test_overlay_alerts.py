"""Alert banners in a real browser (Debian's chromium driven by Playwright) over the real feed: they keep their
place as alerts come in, `a` acts on the banner with the focus (else the top one), and resolved alerts fold
into one line instead of stacking."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.feed.test_overlay import WAIT, RealFeed, browser, eventually, page

pytestmark = pytest.mark.slow

__all__ = ["browser", "page"]  # the fixtures, shared with test_overlay


def test_banners_keep_their_place_and_resolved_ones_fold_into_one_line(tmp_path: Path, page: Any) -> None:
    from playwright.sync_api import expect

    feed = RealFeed(tmp_path / "incident", elapsed=120.0).start()
    try:
        e = feed.emit
        feed.begin("alerts")
        silent = e("alert", t=40.0, kind="long_silence", message="Nobody has spoken since 00:10 (30 s)", since=10.0)
        maya = e("alert", t=50.0, kind="status_overdue", message="No update from Maya: due at 00:49", owner="Maya")
        page.goto(feed.page_url())
        expect(page.locator("#conn")).to_have_text("live", timeout=WAIT)
        banners = page.locator("#alerts .alert.active")
        expect(banners).to_have_count(2, timeout=WAIT)
        expect(banners.first).to_contain_text("Nobody has spoken")

        def acked(n: int) -> list[int]:
            return eventually(lambda: [c["ref"] for c in feed.corrections()] if len(feed.corrections()) >= n else None)  # type: ignore[no-any-return]

        # a new alert comes in below the others: what is under the pointer stays what it was
        leo = e("alert", t=60.0, kind="responder_quiet", message="Nothing from Leo since 00:05", owner="Leo")
        expect(banners).to_have_count(3, timeout=WAIT)
        expect(banners.nth(2)).to_contain_text("Nothing from Leo")
        banners.first.locator("button.ack").click()
        assert acked(1) == [silent["seq"]]
        expect(banners).to_have_count(2, timeout=WAIT)
        # `a` acknowledges the banner with the focus, not the newest nor the top one
        banners.nth(1).focus()
        page.keyboard.press("a")
        assert acked(2) == [silent["seq"], leo["seq"]]
        expect(banners).to_have_count(1, timeout=WAIT)
        # resolved alerts fold into one line beneath the banners, the latest shown
        lost = e("alert", t=70.0, kind="audio_lost", message="No audio from Headset since 01:10.0")
        e("alert_cleared", t=80.0, ref=maya["seq"], kind="status_overdue", message="Update from Maya at 01:20")
        e("alert_cleared", t=90.0, ref=lost["seq"], kind="audio_lost", message="Audio from Headset is back")
        expect(banners).to_have_count(0, timeout=WAIT)
        line = page.locator("#alerts .alert.resolved")
        expect(line).to_have_count(1)
        expect(line.locator(".alert-label")).to_have_text("2 resolved")
        expect(line.locator(".alert-message")).to_have_text("Audio from Headset is back")
        expect(line.locator(".alert-sub")).to_contain_text("and 1 more")
        # with no banner left, `a` clears the resolved line
        page.locator("body").press("a")
        assert sorted(acked(4)[2:]) == sorted([maya["seq"], lost["seq"]])
        expect(page.locator("#alerts .alert")).to_have_count(0, timeout=WAIT)
    finally:
        feed.stop()
