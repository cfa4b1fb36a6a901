"""The live feed: its pure parts with lists in and lists out, then a real server on port 0 with real clients."""

import contextlib
import fcntl
import http.client
import json
import re
import socket
import statistics
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st
from websockets.client import ClientProtocol
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.frames import Frame, Opcode
from websockets.sync.client import ClientConnection, connect
from websockets.uri import parse_uri

from bridge.errors import ClientError, PostError, UsageError
from bridge.events import (
    ActionItem,
    Alert,
    Correction,
    Decision,
    Event,
    Interim,
    Notice,
    Session,
    SourceInfo,
    StatusCheck,
    Transcript,
)
from bridge.feed.commander_actions import validate
from bridge.feed.server import (
    TOO_FAR_BEHIND,
    Admission,
    Feed,
    Hello,
    Policy,
    RateLimit,
    Refusal,
    Subscriber,
)
from bridge.incident import Incident
from bridge.log.eventlog import EventLog, read_log
from bridge.report.draft import DraftWriter
from tests.conftest import ROOT

# -- Policy --------------------------------------------------------------------------------------------

LOCAL = Policy("127.0.0.1", 8765)
SHARED = Policy("192.0.2.2", 8765, token="s3cret")


def admit(
    policy: Policy,
    *,
    query: str = "",
    host: str | None = "127.0.0.1:8765",
    origins: tuple[str, ...] = (),
    peer: str = "127.0.0.1",
    websocket: bool = True,
) -> Admission | Refusal:
    return policy.admit(query=query, host=host, origins=origins, peer=peer, websocket=websocket)


def test_a_local_client_is_the_commander_from_its_own_pages_or_without_an_origin() -> None:
    for origin in ((), ("http://127.0.0.1:8765",), ("http://localhost:8765",), ("http://LOCALHOST:8765",)):
        assert admit(LOCAL, origins=origin) == Admission("commander", "commander")
    assert admit(LOCAL, host="localhost:8765") == Admission("commander", "commander")
    assert admit(LOCAL, peer="::ffff:127.0.0.1") == Admission("commander", "commander")


@pytest.mark.parametrize(
    "origins",
    [
        ("http://evil.example",),
        ("http://127.0.0.1:9999",),
        ("https://127.0.0.1:8765",),
        ("null",),
        ("http://127.0.0.1:8765", "http://evil.example"),
    ],
)
def test_a_websocket_from_any_other_origin_is_refused(origins: tuple[str, ...]) -> None:
    verdict = admit(LOCAL, origins=origins)
    assert isinstance(verdict, Refusal) and verdict.status == 403 and "may not open this feed" in verdict.reason
    assert admit(LOCAL, origins=origins, websocket=False) == Admission(
        "commander", "commander"
    )  # a page: no Origin rule


def test_a_host_that_is_not_this_server_is_refused_so_dns_rebinding_cannot_read_the_feed() -> None:
    for host in ("evil.example:8765", "127.0.0.1:80", None):
        verdict = admit(LOCAL, host=host, websocket=False)
        assert isinstance(verdict, Refusal) and "is not this server" in verdict.reason


def test_shared_clients_need_the_token_and_are_viewers_unless_control_is_allowed() -> None:
    remote = {"peer": "192.0.2.7", "host": "192.0.2.2:8765", "origins": ("http://192.0.2.2:8765",)}
    for query, why in (("", "no token"), ("token=guess", "a wrong token"), ("token=s3cre", "a wrong token")):
        verdict = admit(SHARED, query=query, **remote)  # type: ignore[arg-type]
        assert isinstance(verdict, Refusal) and verdict.status == 403 and verdict.reason.startswith(why)
    assert admit(SHARED, query="token=s3cret", **remote) == Admission("viewer", "viewer")  # type: ignore[arg-type]
    controlling = Policy("192.0.2.2", 8765, token="s3cret", allow_control=True)
    assert admit(controlling, query="token=s3cret", **remote) == Admission("commander", "viewer@192.0.2.7")  # type: ignore[arg-type]
    assert admit(SHARED) == Admission("commander", "commander")  # on this machine, without the token
    odd = admit(SHARED, query="token=%C3%A9", **remote)  # type: ignore[arg-type]
    assert isinstance(odd, Refusal) and odd.reason.startswith("a wrong token")  # non-ASCII compares, and fails


def test_a_shared_viewer_on_a_wildcard_bind_may_use_the_name_it_reached_the_server_by() -> None:
    policy = Policy("0.0.0.0", 8765, token="s3cret")
    ok = admit(policy, query="token=s3cret", peer="10.0.0.9", host="box.lan:8765", origins=("http://box.lan:8765",))
    assert ok == Admission("viewer", "viewer")
    other = admit(policy, query="token=s3cret", peer="10.0.0.9", host="box.lan:8765", origins=("http://evil.example",))
    assert isinstance(other, Refusal)


def test_a_read_only_feed_has_only_viewers() -> None:
    assert admit(Policy("127.0.0.1", 8765, read_only=True)) == Admission("viewer", "viewer")


# -- Subscriber ----------------------------------------------------------------------------------------


def transcript(seq: int) -> Transcript:
    return Transcript(seq=seq, t=float(seq), start=float(seq), end=float(seq), text=f"line {seq}")


def frame(event: Event) -> bytes:
    return b"i" if isinstance(event, Interim) else str(event.seq).encode()


INTERIM = Interim(t=1.0, start=0.5, end=1.0, text="hel")


def drain(sub: Subscriber) -> list[bytes]:
    out = []
    while (f := sub.pop()) is not None:
        out.append(f)
    return out


def test_a_subscriber_gets_nothing_until_it_catches_up_then_the_rest_in_order_once() -> None:
    history = [transcript(s) for s in (1, 2, 3)]
    sub = Subscriber(history, frame)
    assert sub.offer(history[2], b"3") and sub.offer(INTERIM, b"i")
    assert drain(sub) == []
    assert sub.catch_up(1) == 2
    history.append(transcript(4))
    for event in history[2:]:  # offered late: 3 was copied by the catch-up already
        sub.offer(event, frame(event))
    sub.offer(INTERIM, b"i")
    assert drain(sub) == [b"2", b"3", b"4", b"i"]
    assert sub.last_seq == 4


def test_a_catch_up_past_the_end_starts_at_the_end_and_happens_once() -> None:
    history = [transcript(1)]
    sub = Subscriber(history, frame)
    assert sub.catch_up(50) == 0 and sub.last_seq == 1
    with pytest.raises(ClientError, match="already caught up"):
        sub.catch_up(0)


def test_an_offer_past_a_gap_fills_it_from_the_history() -> None:
    history = [transcript(s) for s in (1, 2, 3, 4)]
    sub = Subscriber(history, frame)
    sub.catch_up(1)
    drain(sub)
    history += [transcript(5), transcript(6)]
    sub.offer(history[5], b"6")
    assert drain(sub) == [b"5", b"6"]


def test_only_live_messages_count_against_the_limit() -> None:
    history = [transcript(s) for s in range(1, 11)]
    sub = Subscriber(history, frame, limit=3)
    sub.catch_up(0)
    sub.reply(b"ack")
    assert len(sub) == 11  # a long catch-up and a reply are not "behind"
    history += [transcript(s) for s in range(11, 15)]
    assert [sub.offer(e, frame(e)) for e in history[10:]] == [True, True, True, False]
    sub.pop()
    sub.clear()
    assert len(sub) == 0 and sub.offer(INTERIM, b"i")


@given(st.data())
def test_whatever_the_interleaving_a_subscriber_gets_every_event_after_its_seq_once_in_order(
    data: st.DataObject,
) -> None:
    history: list[Event] = []
    in_flight: list[Event] = []  # emitted and in the history, not yet offered (the loop has not run the callback)
    sub = Subscriber(history, frame)
    after = None
    received: list[bytes] = []
    for step in data.draw(st.lists(st.sampled_from(["emit", "deliver", "catch_up", "pop"]), max_size=60)):
        if step == "emit":
            history.append(transcript(len(history) + 1))
            in_flight.append(history[-1])
        elif step == "deliver" and in_flight:
            event = in_flight.pop(0)
            sub.offer(event, frame(event))
        elif step == "catch_up" and after is None:
            after = data.draw(st.integers(0, len(history)))
            sub.catch_up(after)
        elif step == "pop" and (f := sub.pop()) is not None:
            received.append(f)
    for event in in_flight:
        sub.offer(event, frame(event))
    received += drain(sub)
    expected = range(after + 1, len(history) + 1) if after is not None else range(0)
    assert received == [str(s).encode() for s in expected]


# -- RateLimit -----------------------------------------------------------------------------------------


def test_the_rate_limit_allows_a_burst_then_the_rate_then_closes_an_abuser() -> None:
    limit = RateLimit(rate=10, burst=3, strikes=2)
    assert [limit.take(0.0) for _ in range(4)] == ["ok", "ok", "ok", "refuse"]
    assert limit.take(0.1) == "ok"  # 0.1 s at 10/s: one more
    assert [limit.take(0.1) for _ in range(3)] == ["refuse", "refuse", "close"]


# -- a real server --------------------------------------------------------------------------------------


def session(name: str = "incident-1") -> Session:
    return Session(
        t=0.0,
        incident=name,
        started=1000.0,
        version="0",
        model=None,
        source=SourceInfo(uri="-", kind="stdin"),
    )


EVIDENCE: dict[str, Any] = {
    "start": 40.0,
    "end": 47.0,
    "quote": "q",
    "source": 2,
    "by": "Rosa",
    "confidence": 0.9,
    "category": "mitigation",
}


@pytest.fixture
def page(tmp_path: Path) -> Path:
    static = tmp_path / "page"
    static.mkdir()
    (static / "index.html").write_text("<!doctype html><title>overlay</title>")
    (static / "overlay.js").write_text("console.log('overlay')")
    (static / "overlay.css").write_text("body { color: red }")
    (static / ".secret").write_text("hidden")
    return static


@pytest.fixture
def incident(tmp_path: Path) -> Iterator[Incident]:
    incident = Incident(EventLog(tmp_path / "incident-1" / "events.jsonl"))
    incident.emit(session())
    incident.emit(
        Transcript(t=47.0, start=40.0, end=47.0, text="We fail over. Victor, report in three minutes.", speaker="Rosa")
    )
    incident.emit(Decision(t=47.0, text="fail over", **EVIDENCE))  # 3
    incident.emit(ActionItem(t=47.0, owner="Victor", task="run the failover", due=227.0, **EVIDENCE))  # 4
    incident.emit(StatusCheck(t=47.0, owner="Victor", due=227.0, **EVIDENCE))  # 5
    incident.emit(Alert(t=228.0, kind="status_overdue", message="No update from Victor", owner="Victor", ref=5))  # 6
    yield incident
    incident.log.close()


@contextmanager
def serving(source: Incident | Any, page: Path, **options: Any) -> Iterator[Feed]:
    feed = Feed(source, port=0, static_dir=page, close_timeout=2.0, **options)
    if isinstance(source, Incident):
        source.add_sink(feed)
    feed.start()
    try:
        yield feed
    finally:
        feed.stop()


def client(feed: Feed, query: str = "", host: str = "127.0.0.1", **options: Any) -> ClientConnection:
    ws: ClientConnection = connect(f"ws://{host}:{feed.port}/ws{query}", open_timeout=5, close_timeout=2, **options)
    return ws


def recv(ws: ClientConnection, timeout: float = 5) -> dict[str, Any]:
    message = json.loads(ws.recv(timeout=timeout))
    assert isinstance(message, dict)
    return message


def silent(ws: ClientConnection, timeout: float = 0.3) -> bool:
    try:
        ws.recv(timeout=timeout)
    except TimeoutError:
        return True
    return False


def caught_up(ws: ClientConnection, after: int = 0) -> dict[str, Any]:
    """Hello, then catch up; returns the hello after reading the catch-up."""
    hello = recv(ws)
    ws.send(json.dumps({"type": "catch_up", "after": after}))
    for _ in range(max(0, hello["last_seq"] - after)):
        recv(ws)
    return hello


def get(feed: Feed, path: str, host: str | None = None) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", feed.port, timeout=5)
    conn.putrequest("GET", path, skip_host=True)
    conn.putheader("Host", host or f"127.0.0.1:{feed.port}")
    conn.endheaders()
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def test_one_port_serves_the_page_its_files_the_views_and_nothing_else(incident: Incident, page: Path) -> None:
    timeline = ("text/markdown; charset=utf-8", b"# Timeline\n")
    with serving(incident, page, views={"/timeline.md": lambda: timeline}) as feed:
        for path, ctype, body in [
            ("/", "text/html; charset=utf-8", b"<!doctype html><title>overlay</title>"),
            ("/overlay.js", "text/javascript; charset=utf-8", b"console.log('overlay')"),
            ("/overlay.css", "text/css; charset=utf-8", b"body { color: red }"),
            ("/timeline.md", *timeline),
        ]:
            conn = http.client.HTTPConnection("127.0.0.1", feed.port, timeout=5)
            conn.request("GET", path)
            response = conn.getresponse()
            assert (response.status, response.getheader("Content-Type"), response.read()) == (200, ctype, body)
            assert response.getheader("Cache-Control") == "no-store"
            assert response.getheader("X-Content-Type-Options") == "nosniff"
            conn.close()
        for path in ("/missing.js", "/.secret", "/../incident-1/events.jsonl", "/page/index.html", "/ws/x"):
            assert get(feed, path).status == 404, path
        assert get(feed, "/", host="evil.example").status == 403
        assert get(feed, "/timeline.md", host=f"rebound.example:{feed.port}").status == 403


def test_hello_then_the_events_after_a_seq_exactly_as_logged(incident: Incident, page: Path, tmp_path: Path) -> None:
    with serving(incident, page) as feed, client(feed) as ws:
        hello = recv(ws)
        assert hello == {
            "type": "hello",
            "schema_version": 1,
            "incident": "incident-1",
            "last_seq": 6,
            "role": "commander",
            "started": 1000.0,
            "live": True,
            "heard": None,
            "can_post": False,
        }
        assert silent(ws)  # nothing until asked
        ws.send(json.dumps({"type": "catch_up", "after": 2}))
        frames = [ws.recv(timeout=5) for _ in range(4)]
    lines = (tmp_path / "incident-1" / "events.jsonl").read_text().splitlines()
    assert frames == lines[2:]


def test_live_events_follow_the_catch_up_with_no_gap_and_no_duplicate(incident: Incident, page: Path) -> None:
    def emit_many() -> None:
        for n in range(300):
            incident.emit(Transcript(t=300.0 + n, start=300.0 + n, end=300.5 + n, text=f"line {n}"))
            time.sleep(0.001)

    with serving(incident, page) as feed, contextlib.ExitStack() as connections:
        emitter = threading.Thread(target=emit_many)
        emitter.start()
        clients = []
        for join in range(4):  # joining ever later: from the start, from some seq, from the last one
            ws = connections.enter_context(client(feed))
            last_seq = recv(ws)["last_seq"]
            after = (0, 6, max(0, last_seq - 5), last_seq)[join]
            ws.send(json.dumps({"type": "catch_up", "after": after}))
            clients.append((after, ws))
            time.sleep(0.05)
        emitter.join()
        last = len(incident.history)
        for after, ws in clients:
            seqs = [recv(ws)["seq"] for _ in range(last - after)]
            assert seqs == list(range(after + 1, last + 1))
            assert silent(ws, 0.1)


def test_interim_text_reaches_caught_up_clients_only_and_is_never_logged(incident: Incident, page: Path) -> None:
    with serving(incident, page) as feed, client(feed) as ready, client(feed) as waiting:
        caught_up(ready)
        recv(waiting)
        incident.broadcast(Interim(t=250.0, start=249.0, end=250.0, text="we are seeing"))
        assert recv(ready) == {
            "type": "interim",
            "seq": 0,
            "t": 250.0,
            "wall": 0.0,
            "start": 249.0,
            "end": 250.0,
            "text": "we are seeing",
            "channel": None,
        }
        assert silent(waiting)
    assert not any(isinstance(e, Interim) for e in read_log(incident.log.path).events)
    assert len(incident.history) == 6


COMMANDS: list[tuple[dict[str, Any], dict[str, Any]]] = [
    ({"action": "acknowledge", "ref": 6}, {}),
    ({"action": "snooze", "ref": 5, "seconds": 60}, {"until": 360.0}),
    ({"action": "received", "ref": 5}, {}),
    ({"action": "confirm", "ref": 3}, {}),
    ({"action": "dismiss", "ref": 4}, {}),
    (
        {"action": "edit", "ref": 4, "text": "run it", "owner": "Maya", "due": 400},
        {"text": "run it", "owner": "Maya", "due": 400.0},
    ),
    ({"action": "edit", "ref": 3, "text": "fail over to B"}, {"text": "fail over to B"}),
    ({"action": "rename", "ref": 2, "speaker": "Rosa", "name": "Rosa Díaz"}, {"speaker": "Rosa", "name": "Rosa Díaz"}),
]


def test_each_command_round_trips_into_the_log(incident: Incident, page: Path) -> None:
    with serving(incident, page, now=lambda: 300.0) as feed, client(feed) as ws:
        caught_up(ws)
        for n, (command, _) in enumerate(COMMANDS):
            ws.send(json.dumps({"type": "command", "id": f"c{n}", **command}))
            event, ack = recv(ws), recv(ws)  # the event comes first, then the ack
            assert ack == {"type": "ack", "id": f"c{n}", "seq": event["seq"]}
            assert event["type"] == "correction" and event["action"] == command["action"]
    logged = [e for e in read_log(incident.log.path).events if isinstance(e, Correction)]
    expected = [
        Correction(seq=7 + n, wall=e.wall, t=300.0, action=c["action"], ref=c["ref"], by="commander", **fields)
        for n, ((c, fields), e) in enumerate(zip(COMMANDS, logged, strict=True))
    ]
    assert logged == expected


def test_a_correction_happens_at_the_incident_s_call_time(incident: Incident, page: Path) -> None:
    incident.call_time = 321.5
    with serving(incident, page) as feed, client(feed) as ws:
        caught_up(ws)
        ws.send(json.dumps({"type": "command", "id": "c1", "action": "confirm", "ref": 3}))
        assert recv(ws)["t"] == 321.5


def test_an_invalid_command_gets_an_error_to_that_client_only(incident: Incident, page: Path) -> None:
    with serving(incident, page) as feed, client(feed) as commander, client(feed) as other:
        caught_up(commander)
        caught_up(other)
        commander.send(json.dumps({"type": "command", "id": "c1", "action": "acknowledge", "ref": 5}))
        assert recv(commander) == {
            "type": "error",
            "id": "c1",
            "message": "acknowledge applies to an alert; event 5 is a status check",
        }
        assert silent(other)
        commander.send(json.dumps({"type": "command", "id": "c2", "action": "acknowledge", "ref": 6}))
        assert recv(commander)["type"] == "correction" and recv(commander)["type"] == "ack"
        assert recv(other)["type"] == "correction"
        assert silent(other)
    assert len(incident.history) == 7


@pytest.mark.parametrize(
    ("message", "says"),
    [
        (b"\x00binary", "a message is a JSON object"),
        ("not json", "a message is a JSON object"),
        ("[1, 2]", "a message is a JSON object"),
        ('{"type": "subscribe"}', "unknown type 'subscribe'"),
        ('{"type": "catch_up", "after": -1}', "catch_up: Expected `int` >= 0"),
        ('{"type": "catch_up", "after": 1, "x": 2}', "catch_up: Object contains unknown field `x`"),
    ],
)
def test_a_malformed_message_gets_an_error(incident: Incident, page: Path, message: str | bytes, says: str) -> None:
    with serving(incident, page) as feed, client(feed) as ws:
        recv(ws)
        ws.send(message)
        reply = recv(ws)
        assert reply["type"] == "error" and reply["id"] is None and reply["message"].startswith(says)


def test_a_second_catch_up_on_one_connection_is_refused(incident: Incident, page: Path) -> None:
    with serving(incident, page) as feed, client(feed) as ws:
        caught_up(ws, after=6)
        ws.send(json.dumps({"type": "catch_up", "after": 0}))
        assert recv(ws)["message"].startswith("already caught up")


def test_a_foreign_origin_is_refused(incident: Incident, page: Path) -> None:
    with serving(incident, page) as feed:
        with pytest.raises(InvalidStatus) as refused:
            client(feed, origin="http://evil.example")
        assert refused.value.response.status_code == 403
        assert refused.value.response.body == b"origin http://evil.example may not open this feed\n"
        with client(feed, origin=f"http://localhost:{feed.port}") as ws:
            assert recv(ws)["role"] == "commander"


def _outward_address() -> str | None:
    """This machine's own address on a network interface (read from the interface; nothing is sent):
    the shared feed binds it and the test connects to it, so no traffic leaves the machine."""
    for _, name in socket.if_nameindex():
        if name == "lo":
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            try:
                packed = fcntl.ioctl(probe.fileno(), 0x8915, struct.pack("256s", name[:15].encode()))  # SIOCGIFADDR
            except OSError:
                continue
        return socket.inet_ntoa(packed[20:24])
    return None


@pytest.mark.skipif(_outward_address() is None, reason="needs a network address other than loopback")
def test_a_shared_feed_needs_its_token_and_shared_viewers_are_read_only(incident: Incident, page: Path) -> None:
    address = _outward_address()
    assert address is not None
    with serving(incident, page, host=address, share=True) as feed:
        assert feed.token and feed.url == f"http://{address}:{feed.port}/?token={feed.token}"
        for query in ("", "?token=wrong", f"?token={feed.token[:-1]}"):
            with pytest.raises(InvalidStatus) as refused:
                client(feed, query, host=address)
            assert refused.value.response.status_code == 403
        assert get(feed, "/").status == 200  # the commander, on this machine
        with client(feed, f"?token={feed.token}", host=address) as viewer, client(feed) as commander:
            assert caught_up(viewer)["role"] == "viewer"
            assert caught_up(commander)["role"] == "commander"
            viewer.send(json.dumps({"type": "command", "id": "v1", "action": "acknowledge", "ref": 6}))
            assert recv(viewer) == {
                "type": "error",
                "id": "v1",
                "message": "this is a shared view: read-only unless the commander allows control",
            }
            commander.send(json.dumps({"type": "command", "id": "c1", "action": "acknowledge", "ref": 6}))
            assert recv(commander)["by"] == "commander"
            assert recv(viewer)["type"] == "correction"
    with serving(incident, page, host=address, share=True, allow_control=True) as feed:
        viewer = client(feed, f"?token={feed.token}", host=address)
        with viewer:
            assert caught_up(viewer)["role"] == "commander"
            viewer.send(json.dumps({"type": "command", "id": "v2", "action": "confirm", "ref": 3}))
            assert recv(viewer)["by"] == f"viewer@{address}"


def test_binding_beyond_loopback_needs_share_mode_and_a_busy_port_is_one_clear_error(
    incident: Incident, page: Path
) -> None:
    with pytest.raises(UsageError, match="not a loopback address"):
        Feed(incident, host="0.0.0.0")
    with serving(incident, page) as feed, pytest.raises(UsageError, match="choose another --port"):
        Feed(incident, port=feed.port).start()


def test_an_oversized_message_closes_the_connection_1009(incident: Incident, page: Path) -> None:
    with serving(incident, page) as feed, client(feed) as ws:
        recv(ws)
        ws.send(json.dumps({"type": "command", "id": "c1", "action": "edit", "ref": 3, "text": "x" * 70_000}))
        with pytest.raises(ConnectionClosed) as closed:
            recv(ws)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


def test_a_client_over_the_rate_limit_gets_errors_then_is_closed_1008(incident: Incident, page: Path) -> None:
    with serving(incident, page, rate=1.0, burst=2.0) as feed, client(feed, max_queue=100) as ws:
        caught_up(ws, after=6)
        replies = []
        with pytest.raises(ConnectionClosed) as closed:
            with contextlib.suppress(ConnectionClosed):
                for _ in range(30):
                    ws.send(json.dumps({"type": "catch_up", "after": 0}))
            while True:
                replies.append(recv(ws)["message"])
        assert closed.value.rcvd is not None
        assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (1008, "too many messages")
        assert replies[0] == "already caught up; a reconnecting client catches up on its new connection"
        assert set(replies[1:]) <= {"too many messages; at most 1 a second"}  # the close may overtake the last few


def test_a_finished_incident_is_served_read_only(incident: Incident, page: Path) -> None:
    incident.end(300.0, "finished")
    with serving(read_log(incident.log.path), page) as feed, client(feed) as ws:
        hello = caught_up(ws)
        assert (hello["live"], hello["role"], hello["last_seq"]) == (False, "viewer", 7)
        ws.send(json.dumps({"type": "command", "id": "c1", "action": "acknowledge", "ref": 6}))
        assert recv(ws)["message"] == "this incident is served read-only; commands are closed"


def test_after_the_call_corrections_are_taken_until_the_incident_is_closed(incident: Incident, page: Path) -> None:
    draft = DraftWriter(incident.log.path.parent, history=list(incident.history))
    incident.add_sink(draft)
    with serving(incident, page) as feed, client(feed) as ws:
        caught_up(ws)
        incident.end(300.0, "finished")
        assert recv(ws)["type"] == "end"
        assert "marked done by the commander" not in draft.path.read_text()
        ws.send(json.dumps({"type": "command", "id": "c1", "action": "done", "ref": 4}))
        correction = recv(ws)
        assert (correction["type"], correction["t"]) == (
            "correction",
            300.0,
        )  # at the call's end, as docs/protocol.md says
        assert recv(ws)["type"] == "ack"
        assert "marked done by the commander at 05:00" in draft.path.read_text()  # the draft follows the correction
        ws.send(json.dumps({"type": "command", "id": "c2", "action": "acknowledge", "ref": 6}))
        refused = recv(ws)
        assert (refused["type"], refused["id"]) == ("error", "c2")
        assert refused["message"].startswith("the call has ended; acknowledge is only for a call going on")
        with client(feed) as late:
            assert recv(late)["live"] is False
        incident.close()
        ws.send(json.dumps({"type": "command", "id": "c3", "action": "confirm", "ref": 3}))
        assert recv(ws)["message"] == "this incident is closed; its log takes no more corrections"


def test_stopping_the_feed_closes_its_clients_1001(incident: Incident, page: Path) -> None:
    with contextlib.ExitStack() as connections:
        with serving(incident, page) as feed:
            ws = connections.enter_context(client(feed))
            recv(ws)
        with pytest.raises(ConnectionClosed) as closed:
            recv(ws)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001


class StalledClient:
    """A websocket client that completes the handshake, asks to catch up, and then reads nothing."""

    def __init__(self, port: int) -> None:
        self.protocol = ClientProtocol(parse_uri(f"ws://127.0.0.1:{port}/ws"))
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.connect(("127.0.0.1", port))
        self.protocol.send_request(self.protocol.connect())
        self._flush()
        while self.protocol.state.name == "CONNECTING":
            self.protocol.receive_data(self.sock.recv(1))  # no further than the end of the response
        self.protocol.send_text(b'{"type": "catch_up", "after": 0}')
        self._flush()

    def _flush(self) -> None:
        self.sock.sendall(b"".join(self.protocol.data_to_send()))

    def read_to_close(self) -> tuple[list[dict[str, Any]], tuple[int, str]]:
        """Read at last: the messages that reached it, and how the server closed the connection."""
        self.sock.settimeout(5)
        messages = []
        while self.protocol.close_rcvd is None:
            data = self.sock.recv(65536)
            assert data, "the connection ended without a close frame"
            self.protocol.receive_data(data)
            frames = [f for f in self.protocol.events_received() if isinstance(f, Frame)]
            messages += [json.loads(bytes(f.data)) for f in frames if f.opcode is Opcode.TEXT]
        self.sock.close()
        return messages, (self.protocol.close_rcvd.code, self.protocol.close_rcvd.reason)


def test_a_stalled_client_is_dropped_with_4000_without_delaying_a_fast_one(incident: Incident, page: Path) -> None:
    emitted: dict[int, float] = {}
    received: dict[int, float] = {}
    with serving(incident, page, queue_limit=50) as feed, client(feed) as fast:
        caught_up(fast)
        stalled = StalledClient(feed.port)

        def read_fast() -> None:
            while True:
                message = recv(fast)
                received[message["seq"]] = time.perf_counter()
                if message["type"] == "notice":
                    return

        reader = threading.Thread(target=read_fast)
        reader.start()
        for n in range(5000):  # large transcripts fill the kernel's buffers; then the feed's queue fills
            start = time.perf_counter()
            emitted[incident.emit(Transcript(t=300.0 + n, start=300.0, end=301.0, text="x" * 2000)).seq] = start
            if feed.dropped:
                break
            if n % 10 == 0:
                time.sleep(0.001)
        start = time.perf_counter()
        done = incident.emit(Notice(t=9000.0, level="info", code="done", message="the test is done"))
        emitted[done.seq] = start
        reader.join(timeout=10)
        assert feed.dropped == 1
        messages, close = stalled.read_to_close()
        assert close == TOO_FAR_BEHIND
        seqs = [m["seq"] for m in messages if "seq" in m and m["type"] != "hello"]
        assert seqs == list(range(1, len(seqs) + 1)) and seqs[-1] < done.seq
        with client(feed) as back:  # reconnects, catches up from what it has, and misses nothing
            caught_up(back, after=seqs[-1])
            assert silent(back, 0.2)
    assert sorted(received) == list(range(7, len(incident.history) + 1))
    delays = [received[seq] - emitted[seq] for seq in emitted]
    p99 = statistics.quantiles(delays, n=100)[98]
    assert p99 < 0.25, f"the fast client's p99 delay was {p99 * 1000:.0f} ms while the stalled one filled up"


def test_the_protocol_document_shows_messages_the_feed_sends_and_takes() -> None:
    blocks = re.findall(r"```json\n(.*?)```", (ROOT / "docs" / "protocol.md").read_text(), re.S)
    hello, command = (json.loads(block) for block in blocks)
    assert msgspec.convert(hello, Hello).role == "commander"
    history: list[Event] = [transcript(seq) for seq in range(1, 12)]
    history.append(Alert(seq=12, t=12.0, kind="long_silence", message="quiet"))
    assert validate(command, history, 20.0) == Correction(t=20.0, action="acknowledge", ref=12)


def test_the_commander_posts_the_update_through_the_servers_webhook_and_the_log_says_so(
    incident: Incident, page: Path
) -> None:
    """The feed hands the log as it stands to its poster (which holds the URL) and logs what it said; a viewer
    is not told it may post and is refused, a failed post is one error line and logs nothing."""
    posted: list[list[Event]] = []

    def poster(events: Any) -> str:
        posted.append(list(events))
        if len(posted) > 1:
            raise PostError("the webhook refused the message: HTTP 500 …; the update is in x/update.txt")
        return "posted the update to the Mattermost webhook (HTTP 200); it is also in x/update.txt"

    address = _outward_address()
    assert address is not None
    with serving(incident, page, host=address, share=True, poster=poster) as feed:
        assert feed.token
        with client(feed) as commander, client(feed, f"?token={feed.token}", host=address) as viewer:
            assert caught_up(commander)["can_post"] is True
            assert caught_up(viewer)["can_post"] is False
            viewer.send(json.dumps({"type": "post", "id": "v1", "what": "update"}))
            assert recv(viewer) == {
                "type": "error",
                "id": "v1",
                "message": "only the commander posts to the incident channel",
            }
            commander.send(json.dumps({"type": "post", "id": "p1", "what": "update"}))
            notice = recv(commander)
            assert (notice["type"], notice["code"], notice["level"]) == ("notice", "posted", "info")
            assert notice["message"].startswith("posted the update to the Mattermost webhook (HTTP 200)")
            assert recv(commander) == {"type": "ack", "id": "p1", "seq": notice["seq"]}
            assert [e.seq for e in posted[0]] == list(range(1, 7))  # the log as it stood
            commander.send(json.dumps({"type": "post", "id": "p2"}))
            assert recv(commander) == {
                "type": "error",
                "id": "p2",
                "message": "the webhook refused the message: HTTP 500 …; the update is in x/update.txt",
            }
            commander.send(json.dumps({"type": "post", "id": "p3", "what": "timeline"}))
            assert "post takes what: update" in recv(commander)["message"]
    assert [e.code for e in incident.history if isinstance(e, Notice)] == ["posted"]
    with serving(incident, page) as feed, client(feed) as commander:
        assert caught_up(commander)["can_post"] is False
        commander.send(json.dumps({"type": "post", "id": "p4"}))
        assert "no webhook was given (--webhook)" in recv(commander)["message"]


def test_viewers_are_told_how_far_the_call_has_been_heard_while_it_goes_on(incident: Incident, page: Path) -> None:
    """`heard` (never logged) goes to caught-up clients when the call time heard moves on, and the hello of
    a client that connects later carries it; commands are stamped with it, not with the audio consumed."""
    with serving(incident, page) as feed:
        with client(feed) as ws:
            assert caught_up(ws)["heard"] is None
            incident.call_time = 300.0  # the audio consumed, far ahead of the words transcribed
            incident.advance(230.0)
            heard = recv(ws)
            assert (heard["type"], heard["seq"], heard["t"]) == ("heard", 0, 230.0)
            assert silent(ws, timeout=0.6)  # nothing new heard: nothing sent
            ws.send(json.dumps({"type": "command", "id": "c1", "action": "acknowledge", "ref": 6}))
            assert recv(ws)["t"] == 230.0
        with client(feed) as late:
            assert recv(late)["heard"] == 230.0
    lines = [json.loads(line) for line in incident.log.path.read_text().splitlines()]
    assert "heard" not in {e["type"] for e in lines}
