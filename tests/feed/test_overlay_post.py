"""The overlay's Post update button, end to end: `bridge replay --serve --webhook URL` in its own process, the
page in a real browser (Debian's chromium driven by Playwright), and a real incoming webhook on loopback."""

from __future__ import annotations

import json
import re
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_post import SECRET, Webhook
from tests.conftest import BRIDGE, ROOT, wait_for_session
from tests.feed.test_overlay import WAIT, browser, page

pytestmark = pytest.mark.slow

__all__ = ["browser", "page"]  # the fixtures, shared with test_overlay

LINES = [
    {"start": 1.0, "end": 4.0, "speaker": "Rosa", "text": "Login is failing for a third of users since the resize."},
    {"start": 5.0, "end": 8.0, "speaker": "Rosa", "text": "Decision: we roll back the cache resize now."},
    {"start": 9.0, "end": 12.0, "speaker": "Rosa", "text": "Next update on this bridge in ten minutes."},
]


def test_the_commander_previews_and_posts_the_update_to_the_channel(tmp_path: Path, page: Any) -> None:
    from playwright.sync_api import expect

    said = tmp_path / "call.jsonl"
    said.write_text("".join(json.dumps(line) + "\n" for line in LINES))
    out = tmp_path / "incident"
    with Webhook() as hook:
        args = ["replay", str(said), "--serve", "--port", "0", "--webhook", hook.url, "--out", str(out)]
        process = subprocess.Popen(
            [*BRIDGE, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            wait_for_session(out / "events.jsonl", process)
            assert process.stdout is not None
            url = next(line for line in process.stdout if line.startswith("overlay: ")).split()[1]
            # the call's summary comes when the call ends, while the overlay is still served, not at Ctrl-C
            assert "3 transcripts" in next(line for line in process.stdout if line.startswith("done: "))
            page.goto(url)
            button = page.locator("#post-update")
            expect(button).to_be_visible(timeout=WAIT)
            button.click()
            preview = page.locator("#editor .post-preview")
            expect(preview).to_contain_text("Incident update", timeout=WAIT)
            expect(preview).to_contain_text("roll back the cache resize")
            page.locator("#editor").get_by_role("button", name="Post").click()
            expect(page.locator("#toasts")).to_contain_text("Posted the stakeholder update", timeout=WAIT)
            (arrived,) = hook.received
            assert arrived["path"] == SECRET
            assert "roll back the cache resize" in arrived["body"]["text"]  # Mattermost's format, for this host
            # a webhook that refuses: one line on the page, the text still in the folder
            hook.status = 500
            button.click()
            page.locator("#editor").get_by_role("button", name="Post").click()
            expect(page.locator("#toasts")).to_contain_text(
                re.compile(r"Not posted: the webhook refused"), timeout=WAIT
            )
            assert "roll back the cache resize" in (out / "update.txt").read_text()
            assert SECRET not in page.content()
        finally:
            process.send_signal(signal.SIGINT)
            stdout, stderr = process.communicate(timeout=15)
    log = (out / "events.jsonl").read_text()
    notices = [e for e in map(json.loads, log.splitlines()) if e["type"] == "notice"]
    assert [n["code"] for n in notices] == ["posted"] and "HTTP 200" in notices[0]["message"]
    assert SECRET not in log + stdout + stderr  # the URL is a secret: never logged or shown
