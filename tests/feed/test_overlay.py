"""The overlay page in a real browser: Debian's chromium driven by Playwright, against a feed on port 0.

Two feeds, one interface (`page_url`, `emit`, `interim`, `corrections`, `call_time`):
- `StandInFeed`, below: a few lines of `websockets` that serve the page's three files and speak the feed
  protocol (hello, catch_up, logged events, interim text, commands answered with an ack and a logged
  `correction`). It also lets a test see the wire (`commands`, `catch_ups`, `ws_paths`), take the server
  down (`refuse`, `drop_clients`) and pick the client's role, which the real server decides for itself.
- `RealFeed`: the real `bridge.feed.server.Feed` over an `Incident`. The tests that need none of the stand-in's
  extras run against both (`any_feed_factory`).

Screenshots go to test-artifacts/ (git-ignored): overlay.png and overlay-compact.png.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

import pytest
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from tests.conftest import ROOT

pytestmark = pytest.mark.slow

OVERLAY = ROOT / "bridge" / "feed" / "overlay"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STATIC = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/overlay.js": ("overlay.js", "text/javascript; charset=utf-8"),
    "/overlay.css": ("overlay.css", "text/css; charset=utf-8"),
}
WAIT = 10_000
"""Milliseconds the browser gets for anything to show."""

Event = dict[str, Any]


class StandInFeed:
    """Serves the overlay and speaks the feed protocol over a hand-fed event list, at speed 1 in call time.

    Call time 0 is `started` (set back `elapsed` seconds, so a scripted call can already be under way)."""

    def __init__(self, *, role: str = "commander", token: str | None = None, elapsed: float = 0.0) -> None:
        self.role = role
        self.token = token
        self.started = round(time.time() - elapsed, 3)
        self.events: list[Event] = []
        self.commands: list[Event] = []
        self.catch_ups: list[int] = []
        self.ws_paths: list[str] = []
        self.refuse = False
        """While True, the feed's handshake is refused (503): a server that is down."""
        self._clients: dict[ServerConnection, asyncio.Queue[Event]] = {}
        self._loop = asyncio.new_event_loop()
        self._server: Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="stand-in-feed", daemon=True)

    # -- the test's side (any thread) -----------------------------------------------------------------

    def start(self) -> StandInFeed:
        self._thread.start()

        async def listen() -> Server:
            return await serve(self._session, "127.0.0.1", 0, process_request=self._http)

        self._server = self._call(listen())
        return self

    def stop(self) -> None:
        async def close() -> None:
            assert self._server is not None
            self._server.close()
            await self._server.wait_closed()

        self._call(close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    @property
    def url(self) -> str:
        assert self._server is not None
        port = next(iter(self._server.sockets)).getsockname()[1]
        return f"http://127.0.0.1:{port}/"

    def call_time(self) -> float:
        return round(time.time() - self.started, 3)

    def page_url(self, query: str = "") -> str:
        params = [f"token={quote(self.token)}"] if self.token is not None else []
        return self.url + ("?" + "&".join([*params, query] if query else params) if params or query else "")

    def corrections(self) -> list[Event]:
        """The commander's actions as logged."""
        return self._call(self._corrections())  # type: ignore[no-any-return]

    async def _corrections(self) -> list[Event]:
        return [e for e in self.events if e["type"] == "correction"]

    def emit(self, type: str, **fields: Any) -> Event:
        """Log an event (seq and wall stamped here; `t` defaults to now) and send it to every client."""
        return self._call(self._emit(type, fields))  # type: ignore[no-any-return]

    def interim(self, text: str, start: float) -> None:
        t = self.call_time()
        message = {
            "type": "interim",
            "seq": 0,
            "t": t,
            "wall": self.started + t,
            "start": start,
            "end": t,
            "text": text,
        }
        self._loop.call_soon_threadsafe(self._broadcast, message)

    def drop_clients(self) -> None:
        async def drop() -> None:
            for ws in list(self._clients):
                await ws.close(1012, "restarting")

        self._call(drop())

    def _call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    # -- the server's side (its own event loop) ---------------------------------------------------------

    async def _emit(self, type: str, fields: dict[str, Any]) -> Event:
        t = fields.pop("t", None)
        t = self.call_time() if t is None else t
        event = {"type": type, "seq": len(self.events) + 1, "t": t, "wall": round(self.started + t, 3), **fields}
        self.events.append(event)
        self._broadcast(event)
        return event

    def _broadcast(self, message: Event) -> None:
        for queue in self._clients.values():
            queue.put_nowait(message)

    def _http(self, connection: ServerConnection, request: Request) -> Response | None:
        path, _, query = request.path.partition("?")
        if path == "/ws":
            self.ws_paths.append(request.path)
            if self.refuse:
                return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, "down\n")
            if self.token is not None and parse_qs(query).get("token") != [self.token]:
                return connection.respond(HTTPStatus.FORBIDDEN, "token\n")
            return None
        if path not in STATIC:
            return connection.respond(HTTPStatus.NOT_FOUND, "not found\n")
        name, content_type = STATIC[path]
        body = (OVERLAY / name).read_bytes()
        headers = Headers({"Content-Type": content_type, "Content-Length": str(len(body)), "Cache-Control": "no-store"})
        return Response(HTTPStatus.OK, "OK", headers, body)

    async def _session(self, ws: ServerConnection) -> None:
        hello = {
            "type": "hello",
            "schema_version": 1,
            "incident": "login-outage",
            "last_seq": len(self.events),
            "role": self.role,
            "started": self.started,
            "live": True,
        }
        await ws.send(json.dumps(hello))
        first = json.loads(await ws.recv())
        assert first["type"] == "catch_up", first
        self.catch_ups.append(first["after"])
        queue: asyncio.Queue[Event] = asyncio.Queue()
        for event in self.events[first["after"] :]:
            queue.put_nowait(event)
        self._clients[ws] = queue
        writer = asyncio.create_task(self._write(ws, queue))
        try:
            async for raw in ws:
                message = json.loads(raw)
                if message.get("type") == "command":
                    self.commands.append(message)
                    await ws.send(json.dumps(await self._command(message)))
        except ConnectionClosed:
            pass
        finally:
            del self._clients[ws]
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer

    async def _write(self, ws: ServerConnection, queue: asyncio.Queue[Event]) -> None:
        with contextlib.suppress(Exception):
            while True:
                await ws.send(json.dumps(await queue.get()))

    async def _command(self, message: Event) -> Event:
        """As the real feed does: the command becomes a `correction` in the log, and a status check marked
        received is met (and its overdue alert cleared)."""
        fields = {k: v for k, v in message.items() if k not in ("type", "id")}
        correction = await self._emit("correction", {**fields, "by": "commander"})
        if message["action"] == "received":
            check = self.events[message["ref"] - 1]
            t = correction["t"]
            await self._emit(
                "check_met",
                {
                    "t": t,
                    "ref": check["seq"],
                    "source": correction["seq"],
                    "by": None,
                    "late": round(max(0.0, t - check["due"]), 3),
                },
            )
            cleared = {e["ref"] for e in self.events if e["type"] == "alert_cleared"}
            for alert in [e for e in self.events if e["type"] == "alert" and e.get("ref") == check["seq"]]:
                if alert["seq"] not in cleared:
                    await self._emit(
                        "alert_cleared",
                        {
                            "t": t,
                            "ref": alert["seq"],
                            "kind": alert["kind"],
                            "message": "Marked received by the commander",
                            "source": correction["seq"],
                        },
                    )
        return {"type": "ack", "id": message["id"], "seq": correction["seq"]}


class RealFeed:
    """`bridge.feed.server.Feed` over an `Incident` (no monitor), with the stand-in's interface for what both can do."""

    def __init__(self, folder: Path, *, elapsed: float = 0.0) -> None:
        from bridge.feed.server import Feed
        from bridge.incident import Incident
        from bridge.log.eventlog import EventLog

        self.started = round(time.time() - elapsed, 3)
        self.incident = Incident(EventLog(folder / "events.jsonl"))
        self.feed = Feed(self.incident, port=0, now=self.call_time)
        self.incident.add_sink(self.feed)

    def start(self) -> RealFeed:
        self.feed.start()
        return self

    def stop(self) -> None:
        self.feed.stop()
        self.incident.log.close()

    @property
    def url(self) -> str:
        return self.feed.local_url

    def page_url(self, query: str = "") -> str:
        return self.url + (f"?{query}" if query else "")

    def call_time(self) -> float:
        return round(time.time() - self.started, 3)

    def emit(self, type: str, **fields: Any) -> Event:
        import msgspec

        from bridge.events import LoggedEvent

        fields.setdefault("t", self.call_time())
        event = msgspec.convert({"type": type, **fields}, LoggedEvent)
        return msgspec.to_builtins(self.incident.emit(event))  # type: ignore[no-any-return]

    def begin(self, incident: str) -> Event:
        """The session a live capture logs first."""
        source = {"uri": "-", "kind": "device"}
        return self.emit(
            "session", t=0.0, incident=incident, started=self.started, version="0", model=None, source=source
        )

    def interim(self, text: str, start: float) -> None:
        from bridge.events import Interim

        t = self.call_time()
        self.feed(Interim(t=t, start=start, end=t, text=text))

    def corrections(self) -> list[Event]:
        import msgspec

        from bridge.events import Correction

        with self.incident.lock:
            logged = [e for e in self.incident.history if isinstance(e, Correction)]
        return [msgspec.to_builtins(e) for e in logged]


# -- fixtures ---------------------------------------------------------------------------------------


@pytest.fixture
def feed_factory() -> Iterator[Callable[..., StandInFeed]]:
    """Stand-in feeds on port 0, stopped at the end of the test."""
    feeds: list[StandInFeed] = []

    def make(**options: Any) -> StandInFeed:
        feeds.append(StandInFeed(**options).start())
        return feeds[-1]

    yield make
    for f in feeds:
        f.stop()


@pytest.fixture(params=["stand-in", "bridge.feed.server"])
def any_feed_factory(
    request: pytest.FixtureRequest, feed_factory: Callable[..., StandInFeed], tmp_path: Path
) -> Iterator[Callable[..., StandInFeed | RealFeed]]:
    """The stand-in, then the real `bridge.feed.server.Feed`: for the tests that need nothing only the stand-in has."""
    if request.param == "stand-in":
        yield feed_factory
        return
    feeds: list[RealFeed] = []

    def make(*, elapsed: float = 0.0) -> RealFeed:
        feeds.append(RealFeed(tmp_path / f"incident-{len(feeds)}", elapsed=elapsed).start())
        return feeds[-1]

    yield make
    for f in feeds:
        f.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Debian's chromium, headless, with a fresh profile (Playwright's own browser download is not used)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing; install it: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is missing; install it: .venv/bin/pip install playwright (never `playwright install`)")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 800},
            reduced_motion="reduce",
        )
        yield context
        context.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    yield page
    page.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def eventually(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the feed")
        time.sleep(0.05)


def play_call(feed: StandInFeed | RealFeed) -> dict[str, Event]:
    """The first three minutes of the sample call, as the pipeline logs them (call time is now about 190 s):
    two decisions, three action items, two status checks (Maya's overdue), a silence alert that cleared,
    and an overdue alert that did not."""
    e = feed.emit
    said = {"speaker_source": "words", "channel": None, "confidence": 0.9}
    e(
        "session",
        t=0.0,
        incident="login-outage",
        started=feed.started,
        version="0.1.0",
        schema_version=1,
        model=None,
        source={"uri": "device", "kind": "device"},
        options={"speed": "1"},
    )
    e(
        "transcript",
        t=9.5,
        start=1.0,
        end=9.5,
        speaker="Rosa",
        **said,
        text="Hello everyone, this is Rosa, I am the incident commander. Users are being signed out of the mobile app.",
    )
    e(
        "transcript",
        t=21.8,
        start=14.5,
        end=21.8,
        speaker="Victor",
        **said,
        text="Victor here, from identity. A third of logins are failing since the session cache was resized.",
    )
    t = e(
        "transcript",
        t=56.1,
        start=47.7,
        end=56.1,
        speaker="Rosa",
        **said,
        text="Okay. We are going to fail over to the standby cache. Victor, please run the failover and report back "
        "in three minutes.",
    )
    ev = {"source": t["seq"], "by": "Rosa", "confidence": 0.9}
    failover = e(
        "decision",
        t=56.1,
        start=48.1,
        end=51.4,
        quote="We are going to fail over to the standby cache.",
        category="mitigation",
        text="We are going to fail over to the standby cache",
        **ev,
    )
    victor = e(
        "status_check",
        t=56.1,
        start=51.5,
        end=56.1,
        owner="Victor",
        due=236.1,
        category="communication",
        quote="Victor, please run the failover and report back in three minutes.",
        **ev,
    )
    victors_item = e(
        "action_item",
        t=56.1,
        start=51.5,
        end=56.1,
        owner="Victor",
        task="run the failover",
        due=236.1,
        category="mitigation",
        quote="Victor, please run the failover and report back in three minutes.",
        **ev,
    )
    t = e(
        "transcript",
        t=66.6,
        start=60.9,
        end=66.6,
        speaker="Rosa",
        **said,
        text="Maya, can you find out why the nodes keep restarting, and give us an update in two minutes?",
    )
    ev = {"source": t["seq"], "by": "Rosa", "confidence": 0.9}
    quote = "Maya, can you find out why the nodes keep restarting, and give us an update in two minutes?"
    maya = e(
        "status_check",
        t=66.6,
        start=60.9,
        end=66.6,
        owner="Maya",
        due=186.6,
        category="communication",
        quote=quote,
        **ev,
    )
    e(
        "action_item",
        t=66.6,
        start=60.9,
        end=66.6,
        owner="Maya",
        task="find out why the nodes keep restarting",
        due=186.6,
        category="investigation",
        quote=quote,
        **ev,
    )
    t = e(
        "transcript",
        t=77.8,
        start=70.3,
        end=77.8,
        speaker="Rosa",
        **said,
        text="Let's also switch off the remember me feature for now. Leo, please warn the support team.",
    )
    ev = {"source": t["seq"], "by": "Rosa", "confidence": 0.85}
    e(
        "decision",
        t=77.8,
        start=70.3,
        end=73.9,
        quote="Let's also switch off the remember me feature for now.",
        category="mitigation",
        text="Let's also switch off the remember me feature for now",
        **ev,
    )
    e(
        "action_item",
        t=77.8,
        start=74.0,
        end=77.8,
        owner="Leo",
        task="warn the support team to expect more tickets",
        due=None,
        category="communication",
        quote="Leo, please warn the support team.",
        **ev,
    )
    e("transcript", t=79.7, start=78.8, end=79.7, speaker="Leo", text="Okay.", **said)
    silence = e(
        "alert",
        t=110.7,
        kind="long_silence",
        message="Nobody has spoken since 01:19 (30 s)",
        owner=None,
        ref=None,
        since=79.7,
    )
    t = e(
        "transcript",
        t=122.5,
        start=116.7,
        end=122.5,
        speaker="Victor",
        **said,
        text="The failover is complete. The standby is serving sessions and login errors are dropping.",
    )
    e("check_met", t=122.5, ref=victor["seq"], source=t["seq"], by="Victor", late=0.0)
    e("item_done", t=122.5, ref=victors_item["seq"], source=t["seq"], by="Victor")  # as the monitor logs it
    e(
        "alert_cleared",
        t=122.5,
        ref=silence["seq"],
        kind="long_silence",
        source=t["seq"],
        message="The bridge spoke again at 01:56 after 37 s of silence",
    )
    t = e(
        "transcript",
        t=129.2,
        start=123.7,
        end=129.2,
        speaker="Rosa",
        **said,
        text="Good. Decision: we stay on the standby until we understand the root cause.",
    )
    stay = e(
        "decision",
        t=129.2,
        start=124.1,
        end=129.2,
        source=t["seq"],
        by="Rosa",
        confidence=0.95,
        category="mitigation",
        quote="Decision: we stay on the standby until we understand the root cause.",
        text="we stay on the standby until we understand the root cause",
    )
    e(
        "transcript",
        t=132.8,
        start=130.2,
        end=132.8,
        speaker="Victor",
        text="Login errors are down to one percent.",
        **said,
    )
    t = e(
        "transcript",
        t=136.9,
        start=134.0,
        end=136.9,
        speaker="Rosa",
        **said,
        text="Next update on this bridge in four minutes.",
    )
    bridge = e(
        "status_check",
        t=136.9,
        start=134.0,
        end=136.9,
        source=t["seq"],
        by="Rosa",
        confidence=0.9,
        owner=None,
        due=376.9,
        category="communication",
        quote="Next update on this bridge in four minutes.",
    )
    overdue = e(
        "alert",
        t=187.6,
        kind="status_overdue",
        owner="Maya",
        ref=maya["seq"],
        since=66.6,
        message="No update from Maya: due at 03:06 ('Maya, can you find out why the nodes keep restarting, and g…')",
    )
    e(
        "transcript",
        t=189.0,
        start=187.9,
        end=189.0,
        speaker="Leo",
        **said,
        text="The status page notice is up, and new support tickets have slowed down.",
    )
    return {
        "failover": failover,
        "stay": stay,
        "victor": victor,
        "maya": maya,
        "bridge": bridge,
        "silence": silence,
        "overdue": overdue,
    }


def shot(page: Any, name: str, **options: Any) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), **options)
    return path


# -- tests ------------------------------------------------------------------------------------------


def test_overlay_shows_the_call_and_the_commander_acts_from_it(any_feed_factory: Any, page: Any) -> None:
    from playwright.sync_api import expect

    feed = any_feed_factory(elapsed=189.5)
    seqs = play_call(feed)
    page.goto(feed.page_url())
    expect(page.locator("#conn")).to_have_text("live", timeout=WAIT)
    # the drafts the server makes from the log open from the header
    expect(page.locator("#update-link")).to_have_attribute("href", re.compile(r"/update\.txt"))
    expect(page.locator("#timeline-link")).to_have_attribute("href", re.compile(r"/timeline\.html"))

    # decisions, newest first, with their call time and the quote on hover
    decisions = page.locator("#decisions li.decision")
    expect(decisions).to_have_count(3, timeout=WAIT)
    expect(decisions.first).to_contain_text("we stay on the standby until we understand the root cause")
    expect(decisions.first).to_contain_text("02:04")
    expect(decisions.first.locator(".row")).to_have_attribute("title", re.compile("^Decision: we stay"))
    # action items with owner and due; Victor's is reported (at the start of his report, as the post-mortem
    # quotes it), so it sorts last
    items = page.locator("#items li.item")
    expect(items).to_have_count(3)
    expect(items.nth(0).locator(".owner")).to_have_text("Maya")
    expect(items.nth(0).locator(".due .timer")).to_have_class(re.compile(r"\boverdue\b"))
    expect(items.nth(0).locator(".due .timer")).to_have_text(re.compile(r"^00:[0-5]\d late$"))
    expect(items.nth(1)).to_contain_text("Leo")
    expect(items.nth(2)).to_contain_text("Victor")
    expect(items.nth(2)).to_contain_text("reported 01:56")
    # the next status check: Maya's, overdue; then the bridge's, counting down
    nxt = page.locator("#checks .next")
    expect(nxt.locator(".who")).to_have_text("Maya")
    expect(nxt).to_have_class(re.compile(r"\boverdue\b"))
    expect(nxt.locator(".big")).to_have_text(re.compile(r"^\+00:[0-5]\d$"))
    expect(page.locator("#checks .later li")).to_have_text(
        re.compile(r"Bridge\s*due \d\d:\d\d \(06:16\)\s*in 0[23]:\d\d")
    )
    # the overdue banner; the silence that ended is shown resolved
    banner = page.locator("#alerts .alert.active.status_overdue")
    expect(banner).to_contain_text("No update from Maya")
    expect(page.locator("#alerts .alert.resolved.long_silence")).to_contain_text("The bridge spoke again")
    # the ticker: final lines, and interim text (sent live only, never logged) set apart
    feed.interim("Maya, are you still with us? We need the", start=189.6)
    expect(page.locator("#ticker .final")).to_have_count(4)
    interim = page.locator("#ticker .interim")
    expect(interim).to_contain_text("Maya, are you still with us?")
    assert interim.locator(".said").evaluate("e => getComputedStyle(e).fontStyle") == "italic"
    # the call clock runs between events
    first = page.locator("#clock").text_content()
    page.wait_for_timeout(1100)
    assert page.locator("#clock").text_content() != first
    shot(page, "overlay.png")

    def logged(n: int) -> Event:
        """The commander's nth action, once it is in the log."""
        return eventually(lambda: feed.corrections()[n - 1] if len(feed.corrections()) >= n else None)  # type: ignore[no-any-return]

    # acknowledge with the button: the command is logged, and the correction takes the banner away
    banner.locator("button.ack").click()
    assert logged(1) | {"action": "acknowledge", "ref": seqs["overdue"]["seq"], "by": "commander"} == logged(1)
    expect(banner).to_have_count(0, timeout=WAIT)
    # `a` acknowledges the newest alert left (the resolved silence)
    page.keyboard.press("a")
    assert (logged(2)["action"], logged(2)["ref"]) == ("acknowledge", seqs["silence"]["seq"])
    expect(page.locator("#alerts .alert")).to_have_count(0, timeout=WAIT)
    # `r`: Maya's update came; the bridge's check is next and not overdue
    page.keyboard.press("r")
    assert (logged(3)["action"], logged(3)["ref"]) == ("received", seqs["maya"]["seq"])
    expect(nxt.locator(".who")).to_have_text("Bridge", timeout=WAIT)
    expect(nxt).not_to_have_class(re.compile(r"\boverdue\b"))
    expect(nxt.locator(".big")).to_have_text(re.compile(r"^0[23]:\d\d$"))
    # `s` snoozes it two minutes
    page.keyboard.press("s")
    assert (logged(4)["action"], logged(4)["ref"]) == ("snooze", seqs["bridge"]["seq"])
    assert logged(4)["until"] == pytest.approx(376.9 + 120, abs=0.2)
    expect(nxt.locator(".meta")).to_contain_text(re.compile(r"due \d\d:\d\d \(08:16\) \(snoozed\)"), timeout=WAIT)
    # a decision dismissed from its expanded row leaves the log view
    decisions.nth(2).locator(".row").click()
    expect(decisions.nth(2).locator(".evidence")).to_contain_text("We are going to fail over")
    decisions.nth(2).get_by_role("button", name="Dismiss").click()
    assert (logged(5)["action"], logged(5)["ref"]) == ("dismiss", seqs["failover"]["seq"])
    expect(decisions).to_have_count(2, timeout=WAIT)
    # an action item edited from its row: new owner and due
    leo = items.filter(has_text="warn the support team")
    leo.locator(".row").click()
    leo.get_by_role("button", name="Edit").click()
    page.locator("#editor input[name=owner]").fill("Priya")
    page.locator("#editor input[name=due]").fill("12:00")
    page.locator("#editor").get_by_role("button", name="Save").click()
    edit = logged(6)
    assert (edit["action"], edit["owner"], edit["due"], edit.get("text")) == ("edit", "Priya", 720.0, None)
    expect(leo.locator(".owner")).to_have_text("Priya", timeout=WAIT)
    expect(leo.locator(".due")).to_have_text(re.compile(r"^in 0[78]:\d\d$"))
    # a speaker renamed from the ticker: every line of theirs shows the new name
    page.locator("#ticker .final button.speaker", has_text="Leo").click()
    page.locator("#editor input[name=name]").fill("Leon")
    page.keyboard.press("Enter")
    rename = logged(7)
    assert (rename["action"], rename["speaker"], rename["name"]) == ("rename", "Leo", "Leon")
    expect(page.locator("#ticker .final .speaker").last).to_have_text("Leon", timeout=WAIT)
    if isinstance(feed, StandInFeed):  # what went over the wire
        assert feed.commands[0] == {
            "type": "command",
            "id": feed.commands[0]["id"],
            "action": "acknowledge",
            "ref": seqs["overdue"]["seq"],
        }
        assert len({c["id"] for c in feed.commands}) == len(feed.commands) == 7


def test_the_page_passes_its_token_to_the_feed(feed_factory: Any, page: Any) -> None:
    from playwright.sync_api import expect

    feed = feed_factory(token="s3cret t")
    feed.emit(
        "session",
        t=0.0,
        incident="shared",
        started=feed.started,
        version="0.1.0",
        schema_version=1,
        model=None,
        source={"uri": "-", "kind": "stdin"},
    )
    page.goto(feed.page_url())
    expect(page.locator("#conn")).to_have_text("live", timeout=WAIT)
    assert feed.ws_paths == ["/ws?token=s3cret%20t"] and feed.catch_ups == [0]


def test_overlay_reconnects_and_catches_up_without_duplicates(feed_factory: Any, page: Any, browser: Any) -> None:
    from playwright.sync_api import expect

    feed = feed_factory(elapsed=189.5)
    play_call(feed)
    page.goto(feed.url)
    expect(page.locator("#conn")).to_have_text("live", timeout=WAIT)
    expect(page.locator("#decisions li.decision")).to_have_count(3, timeout=WAIT)
    before = len(feed.events)
    eventually(lambda: page.evaluate("BridgeOverlay.current().lastSeq") == before)

    feed.refuse = True
    feed.drop_clients()
    expect(page.locator("#conn")).to_have_text(re.compile("^reconnecting"), timeout=WAIT)
    feed.emit(
        "decision",
        start=189.0,
        end=190.0,
        quote="Decision: we roll back the resize tonight.",
        source=1,
        by="Rosa",
        confidence=0.9,
        category="mitigation",
        text="we roll back the resize tonight",
    )
    feed.refuse = False
    expect(page.locator("#conn")).to_have_text("live", timeout=15_000)
    expect(page.locator("#decisions li.decision")).to_have_count(4, timeout=WAIT)
    expect(page.locator("#decisions li.decision").first).to_contain_text("we roll back the resize tonight")
    assert feed.catch_ups == [0, before]
    # live events after the reconnect arrive once
    feed.emit(
        "action_item",
        start=190.0,
        end=191.0,
        quote="Leo, tell support.",
        source=1,
        by="Rosa",
        confidence=0.9,
        category="communication",
        owner="Leo",
        task="tell support about the rollback",
        due=None,
    )
    expect(page.locator("#items li.item")).to_have_count(4, timeout=WAIT)

    # a page opened now shows the same as the page that lived through the drop
    late = browser.new_page()
    try:
        late.goto(feed.url)
        expect(late.locator("#items li.item")).to_have_count(4, timeout=WAIT)
        keep = "({...BridgeOverlay.current(), interim: null})"
        assert late.evaluate(keep) == page.evaluate(keep)
        assert late.locator("#decisions").inner_text() == page.locator("#decisions").inner_text()
    finally:
        late.close()


def test_compact_mode(any_feed_factory: Any, browser: Any) -> None:
    from playwright.sync_api import expect

    feed = any_feed_factory(elapsed=189.5)
    play_call(feed)
    page = browser.new_page()
    page.set_viewport_size({"width": 460, "height": 250})
    try:
        page.goto(feed.page_url("compact=1"))
        expect(page.locator("#checks .next .who")).to_have_text("Maya", timeout=WAIT)
        feed.interim("Maya, are you still with us?", start=189.6)  # compact mode leaves it out
        expect(page.locator("#checks .next .big")).to_have_text(re.compile(r"^\+00:\d\d$"))
        expect(page.locator("#checks .next .big")).to_be_visible()
        expect(page.locator("#alerts .alert.active.status_overdue")).to_be_visible()
        expect(page.locator("#latest .latest")).to_contain_text("we stay on the standby")
        for hidden in ("#bar", "#items", "#decisions", "#ticker", "#checks .later"):
            expect(page.locator(hidden)).to_be_hidden()
        transparent = "rgba(0, 0, 0, 0)"
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == transparent
        assert page.evaluate("getComputedStyle(document.documentElement).backgroundColor") == transparent
        shown = page.locator("body").evaluate("b => [...b.children].filter(c => c.offsetParent).map(c => c.id)")
        assert set(shown) == {"alerts", "grid", "latest"}
        shot(page, "overlay-compact.png", omit_background=True)
    finally:
        page.close()


def test_event_text_is_never_markup_and_viewers_get_no_controls(feed_factory: Any, page: Any) -> None:
    from playwright.sync_api import expect

    feed = feed_factory(role="viewer", elapsed=60)
    evil = '<img src=x onerror="window.pwned=1"><b>bold</b>'
    feed.emit(
        "session",
        t=0.0,
        incident="<i>x</i>",
        started=feed.started,
        version="0.1.0",
        schema_version=1,
        model=None,
        source={"uri": "-", "kind": "stdin"},
    )
    t = feed.emit("transcript", t=10.0, start=8.0, end=10.0, text=evil, speaker="<script>x()</script>")
    feed.emit(
        "decision",
        t=10.0,
        start=8.0,
        end=10.0,
        text=evil,
        quote=evil,
        source=t["seq"],
        by=evil,
        confidence=0.9,
        category="mitigation",
    )
    feed.emit(
        "action_item",
        t=10.0,
        start=8.0,
        end=10.0,
        task=evil,
        owner=evil,
        due=70.0,
        quote=evil,
        source=t["seq"],
        by=None,
        confidence=0.9,
        category=None,
    )
    feed.emit(
        "status_check",
        t=10.0,
        start=8.0,
        end=10.0,
        owner=evil,
        due=90.0,
        quote=evil,
        source=t["seq"],
        by=None,
        confidence=0.9,
        category=None,
    )
    feed.emit("alert", t=11.0, kind="status_overdue", message=evil, owner=evil, ref=None, since=None)
    page.goto(feed.url)
    expect(page.locator("#conn")).to_have_text("live", timeout=WAIT)
    expect(page.locator("#decisions .text")).to_have_text(evil)
    expect(page.locator("#items .owner")).to_have_text(evil)
    expect(page.locator("#ticker .final .said")).to_have_text(evil)
    expect(page.locator("#checks .next .who")).to_have_text(evil)
    expect(page.locator("#alerts .alert-message")).to_have_text(evil)
    expect(page.locator("#incident")).to_have_text("<i>x</i>")
    assert page.evaluate("document.querySelectorAll('img, b:not(#clock), i:not(.dot)').length") == 0
    assert page.evaluate("document.scripts.length") == 1
    assert page.evaluate("window.pwned") is None
    # a viewer is read-only: no buttons to act, and the shortcuts send nothing
    expect(page.locator("#role")).to_have_text("view only")
    expect(page.locator("#alerts button, #checks button")).to_have_count(0)
    page.keyboard.press("a")
    expect(page.locator(".toast")).to_contain_text("read-only")
    assert feed.commands == []


def test_reducer(page: Any, feed_factory: Any) -> None:
    """The page's state is a function of the events: duplicates change nothing, and every correction applies."""
    feed = feed_factory()
    page.goto(feed.url + "?manual=1")  # the reducer alone, not connected
    base = [
        {"type": "session", "seq": 1, "t": 0, "wall": 1, "incident": "x", "started": 1, "options": {"speed": "8"}},
        {"type": "transcript", "seq": 2, "t": 5, "start": 1, "end": 5, "text": "hi", "speaker": "Sophia"},
        {
            "type": "status_check",
            "seq": 3,
            "t": 5,
            "start": 1,
            "end": 5,
            "owner": "Sophia",
            "due": 65,
            "quote": "q",
            "source": 2,
            "by": "Rosa",
            "confidence": 1,
            "category": None,
        },
        {
            "type": "action_item",
            "seq": 4,
            "t": 5,
            "start": 1,
            "end": 5,
            "owner": "Sophia",
            "task": "look",
            "due": 65,
            "quote": "q",
            "source": 2,
            "by": "Rosa",
            "confidence": 1,
            "category": None,
        },
        {
            "type": "decision",
            "seq": 5,
            "t": 6,
            "start": 1,
            "end": 5,
            "text": "roll back",
            "quote": "q",
            "source": 2,
            "by": "Rosa",
            "confidence": 1,
            "category": "mitigation",
        },
        {
            "type": "status_check",
            "seq": 6,
            "t": 7,
            "start": 6,
            "end": 7,
            "owner": None,
            "due": 120,
            "quote": "q",
            "source": 2,
            "by": "Rosa",
            "confidence": 1,
            "category": None,
        },
        {"type": "alert", "seq": 7, "t": 66, "kind": "status_overdue", "message": "m", "owner": "Sophia", "ref": 3},
    ]
    run = "events => BridgeOverlay.snapshot(BridgeOverlay.fold(events))"
    view = page.evaluate(run, base)
    assert view["next"]["seq"] == 3 and view["next"]["owner"] == "Sophia" and view["later"][0]["owner"] is None
    assert view["alerts"][0]["since"] == 65  # an overdue alert counts from the check's due time
    # duplicates (a catch-up overlapping what was already received) are ignored
    assert page.evaluate(run, [*base, *base[2:]]) == view
    fixes = [
        {"type": "correction", "seq": 8, "t": 70, "action": "rename", "ref": 2, "speaker": "Sophia", "name": "Sofia"},
        {"type": "correction", "seq": 9, "t": 70, "action": "snooze", "ref": 3, "until": 180},
        {"type": "alert_cleared", "seq": 10, "t": 70, "ref": 7, "kind": "status_overdue", "message": "Snoozed"},
        {
            "type": "correction",
            "seq": 11,
            "t": 71,
            "action": "edit",
            "ref": 4,
            "text": "look at the nodes",
            "owner": "Maya",
            "due": 200,
        },
        {"type": "correction", "seq": 12, "t": 72, "action": "confirm", "ref": 5},
        {"type": "correction", "seq": 13, "t": 73, "action": "acknowledge", "ref": 7},
    ]
    view = page.evaluate(run, base + fixes)
    assert view["transcripts"][0]["speaker"] == "Sofia"  # renames apply to what was said before, too
    assert [(c["seq"], c["due"], c["owner"]) for c in [view["next"], *view["later"]]] == [
        (6, 120, None),
        (3, 180, "Sofia"),
    ]
    assert view["alerts"] == []
    assert view["items"][0] | {"quote": "q"} == view["items"][0]
    assert (view["items"][0]["task"], view["items"][0]["owner"], view["items"][0]["due"]) == (
        "look at the nodes",
        "Maya",
        200,
    )
    assert view["items"][0]["edited"] and view["decisions"][0]["confirmed"]
    more = [
        {"type": "correction", "seq": 14, "t": 80, "action": "dismiss", "ref": 4},
        {"type": "correction", "seq": 15, "t": 80, "action": "dismiss", "ref": 5},
        {"type": "correction", "seq": 16, "t": 81, "action": "received", "ref": 6},
        # a newer check from the same owner replaces one that was not due yet
        {
            "type": "status_check",
            "seq": 17,
            "t": 90,
            "start": 85,
            "end": 90,
            "owner": "sophia",
            "due": 150,
            "quote": "q",
            "source": 2,
            "by": "Rosa",
            "confidence": 1,
            "category": None,
        },
        {"type": "check_replaced", "seq": 18, "t": 90, "ref": 3, "source": 17},  # as the monitor logs it
        {"type": "end", "seq": 19, "t": 95, "reason": "finished", "duration": 95.5},
    ]
    view = page.evaluate(run, base + fixes + more)
    assert view["items"] == [] and view["decisions"] == [] and view["latest"] is None
    assert view["next"]["seq"] == 17 and view["later"] == []
    assert view["ended"] == {"t": 95.5, "reason": "finished"}
    # names, as bridge/corrections.py gives them: A -> B -> C calls A and B both C, alert text included
    said = {"type": "transcript", "start": 1, "end": 5, "text": "hi"}
    names = [
        base[0],
        {**said, "seq": 2, "t": 5, "speaker": "Sophia"},
        {**said, "seq": 3, "t": 6, "speaker": None},
        {**base[3], "seq": 4},
        {
            "type": "alert",
            "seq": 5,
            "t": 400,
            "kind": "responder_quiet",
            "owner": "Sophia",
            "ref": 4,
            "message": "No word from sophia since 00:05",
        },
        {"type": "correction", "seq": 6, "t": 401, "action": "rename", "ref": 2, "speaker": "Sophia", "name": "Sofia"},
        {**said, "seq": 7, "t": 402, "speaker": "Sofia"},
        {"type": "correction", "seq": 8, "t": 403, "action": "rename", "ref": 7, "speaker": "Sofia", "name": "Sofia R"},
        {"type": "correction", "seq": 9, "t": 404, "action": "rename", "ref": 3, "speaker": None, "name": "Leo"},
    ]
    view = page.evaluate(run, names)
    assert [x["speaker"] for x in view["transcripts"]] == ["Sofia R", "Leo", "Sofia R"]
    assert view["items"][0]["owner"] == "Sofia R" and view["alerts"][0]["owner"] == "Sofia R"
    assert view["alerts"][0]["message"] == "No word from Sofia R since 00:05"
    # a dismissal stands (a later confirm does not bring it back), and the alerts about the item go with it
    gone = [
        {"type": "correction", "seq": 10, "t": 405, "action": "dismiss", "ref": 4},
        {"type": "correction", "seq": 11, "t": 406, "action": "confirm", "ref": 4},
    ]
    view = page.evaluate(run, names + gone)
    assert view["items"] == [] and view["alerts"] == []
    # a line attributed again after the call (the tool's own pass, bridge/corrections.py): the new speaker's,
    # and so is the item it took on ("I'll take it"), renames applied
    took = [
        base[0],
        {**said, "seq": 2, "t": 5, "speaker": "Speaker 3"},
        {**base[3], "seq": 3, "source": 2, "by": "Speaker 3", "owner": "Speaker 3"},
        {"type": "correction", "seq": 4, "t": 7, "action": "rename", "ref": 2, "speaker": "Speaker 2", "name": "Maya"},
        {
            "type": "correction",
            "seq": 5,
            "t": 9,
            "action": "attribute",
            "ref": 2,
            "speaker": "Speaker 2",
            "by": "bridge",
        },
    ]
    view = page.evaluate(run, took)
    assert [x["speaker"] for x in view["transcripts"]] == ["Maya"]
    assert view["items"][0]["owner"] == "Maya"
    assert page.evaluate("[BridgeOverlay.countdown(65, 10).text, BridgeOverlay.countdown(65, 70.5).text]") == [
        "00:55",
        "+00:05",
    ]


def test_due_times_are_the_calls_wall_clock_in_its_own_timezone(page: Any, feed_factory: Any) -> None:
    """A commander acts on "14:04", not on "02:10 into the call": the page says the call's wall clock beside the
    call time, in the timezone the session records (as the terminal and the post-mortem do), not the browser's."""
    feed = feed_factory()
    page.goto(feed.url + "?manual=1")
    started = datetime(2026, 3, 4, 14, 2, tzinfo=UTC).timestamp()
    due_at = "([v, t]) => BridgeOverlay.dueAt(v, t)"
    assert page.evaluate(due_at, [{"started": started, "tz": "Europe/London"}, 130]) == "14:04 (02:10)"
    assert page.evaluate(due_at, [{"started": started, "tz": "America/New_York"}, 130]) == "09:04 (02:10)"
    assert page.evaluate(due_at, [{"started": started, "tz": "Asia/Kolkata"}, 3700]) == "20:33 (1:01:40)"
    assert page.evaluate(due_at, [{"started": started, "tz": "Not/A_Zone"}, 130]) == "14:04 UTC (02:10)"
    assert page.evaluate(due_at, [{"started": None, "tz": None}, 130]) == "02:10"
    # from the session event, through the reducer, into the words of a missed check
    events = [
        {"type": "session", "seq": 1, "t": 0, "incident": "x", "started": started, "options": {"tz": "Asia/Tokyo"}},
        {"type": "status_check", "seq": 2, "t": 5, "start": 1, "end": 5, "owner": "Leo", "due": 80, "quote": "q"},
        {"type": "end", "seq": 3, "t": 95, "reason": "finished", "duration": 95.0},
    ]
    said = page.evaluate(
        "events => { const v = BridgeOverlay.derive(BridgeOverlay.fold(events)); "
        "return BridgeOverlay.cadenceText(v.cadence, v); }",
        events,
    )
    assert said == "1 status check set: 0 met on time, 0 late, 1 missed (Leo, due 23:03 (01:20))"
