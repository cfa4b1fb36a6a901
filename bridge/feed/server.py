"""The live feed: the overlay page and the incident's events over a websocket, on one port.

The protocol is in docs/protocol.md. The deciding parts touch no socket, clock or thread and live beside
this module: who may fetch what and as whom (access.py, `Policy`), what each client is owed and in which
order (fanout.py, `Subscriber`), how often a client may speak (`RateLimit`). `Feed` is the shell around
them: an asyncio loop on its own thread, running the `websockets` server. The pipeline hands it events
through `Feed.__call__` (a sink), which never blocks: it encodes the event once and passes it to the loop,
which fans it out to a bounded queue per client; a client too far behind is disconnected and catches up
when it reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import mimetypes
import re
import secrets
import socket
import threading
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlsplit

import msgspec
from websockets.asyncio.server import Server, ServerConnection, broadcast, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from ..errors import BridgeError, ClientError, CommandError, UsageError
from ..events import SCHEMA_VERSION, Event, Heard, Interim, Notice, Session
from ..log.eventlog import LogContents
from .access import Admission, Policy, Refusal, Role, bracket, ip_address, is_loopback, is_wildcard
from .commander_actions import command_id, validate
from .fanout import RateLimit, Subscriber

if TYPE_CHECKING:
    from ..incident import Incident

__all__ = [
    "OVERLAY",
    "TOO_FAR_BEHIND",
    "Ack",
    "Admission",
    "CatchUp",
    "ErrorReply",
    "Feed",
    "Hello",
    "Policy",
    "RateLimit",
    "Refusal",
    "Role",
    "Subscriber",
    "View",
]

log = logging.getLogger(__name__)

OVERLAY = Path(__file__).parent / "overlay"
TOO_FAR_BEHIND = (4000, "too far behind; reconnect and catch up")

HEARD_EVERY = 0.25
"""Wall seconds between `heard` messages (only when call time heard moved on)."""
View = Callable[[], tuple[str, bytes]]
Poster = Callable[[Sequence[Event]], str]
"""Posts the stakeholder update drafted from these events to the incident channel; the line that says so, or
PostError. The webhook's URL stays inside it: the feed never sees, logs or shows it."""
"""Renders a page on request: (content type, body)."""

_encoder = msgspec.json.Encoder()


# -- messages that are not events ------------------------------------------------------------------


class Hello(msgspec.Struct, frozen=True, kw_only=True, tag_field="type", tag="hello"):
    schema_version: int = SCHEMA_VERSION
    incident: str
    last_seq: int
    role: Role
    started: float | None
    """Unix time at call time 0; null until the session has begun."""
    live: bool
    """Whether events may still come: false once the call has ended, and for an incident served from its log."""
    heard: float | None = None
    """Call time heard so far (what `heard` messages then carry), while the call goes on and once it is known."""
    can_post: bool = False
    """Whether a `post` message is taken: the server was given the incident channel's webhook (--webhook)."""


class Ack(msgspec.Struct, frozen=True, kw_only=True, tag_field="type", tag="ack"):
    id: str
    seq: int
    """`seq` of the logged correction (for a post, of the notice that says it was posted)."""


class ErrorReply(msgspec.Struct, frozen=True, kw_only=True, tag_field="type", tag="error"):
    id: str | None
    message: str


class CatchUp(msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag_field="type", tag="catch_up"):
    after: Annotated[int, msgspec.Meta(ge=0)]


# -- the shell --------------------------------------------------------------------------------------

_STATIC_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".md": "text/markdown; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


def content_type(path: Path) -> str:
    return _TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


@dataclass(eq=False)
class _Client:
    ws: ServerConnection
    sub: Subscriber
    rate: RateLimit
    admission: Admission
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    writer: asyncio.Task[None] | None = None
    closing: bool = False


class Feed:
    """Serves `incident` live (or a finished incident's log, read-only) at `start()`'s URL until `stop()`.

    Register it as a sink (`incident.add_sink(feed)`). The commander's corrections happen at `now()`, by
    default the call time heard (`incident.heard`, else `call_time`); it is called from a worker thread while
    the incident's lock is held.
    """

    def __init__(
        self,
        incident: Incident | LogContents,
        *,
        host: str = "127.0.0.1",
        port: int = 8765,
        share: bool = False,
        allow_control: bool = False,
        read_only: bool = False,
        static_dir: Path = OVERLAY,
        views: Mapping[str, View] | None = None,
        now: Callable[[], float] | None = None,
        queue_limit: int = 1000,
        max_size: int = 64 * 1024,
        rate: float = 10.0,
        burst: float = 20.0,
        close_timeout: float = 5.0,
        poster: Poster | None = None,
    ) -> None:
        if share and is_loopback(host):
            raise UsageError(
                f"--share {host} is a loopback address, which no other machine reaches, and the overlay serves this "
                "machine without it; to share the feed give an address others reach (e.g. --share 0.0.0.0)"
            )
        if not share and not is_loopback(host):
            raise UsageError(f"{host} is not a loopback address; share the feed to serve other machines (--share)")
        self._incident = None if isinstance(incident, LogContents) else incident
        self._history: Sequence[Event] = incident.events if isinstance(incident, LogContents) else incident.history
        self.read_only = read_only or self._incident is None
        self.host, self.share, self.allow_control = host, share, allow_control
        self.token = secrets.token_urlsafe(24) if share else None
        self.static_dir = static_dir
        self.views = dict(views or {})
        self._poster = poster
        self._now = now or self._call_time
        self._port = port
        self._queue_limit, self._max_size, self._close_timeout = queue_limit, max_size, close_timeout
        self._rate, self._burst = rate, burst
        self._policy = Policy(host, port)
        self._frames: dict[int, bytes] = {}
        self._clients: set[_Client] = set()
        self._admitted: weakref.WeakKeyDictionary[ServerConnection, Admission] = weakref.WeakKeyDictionary()
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self.dropped = 0
        """Clients disconnected for falling too far behind."""

    # -- the caller's side (any thread) --

    @property
    def port(self) -> int:
        return self._port

    @property
    def local_url(self) -> str:
        """The commander's URL on this machine."""
        return f"http://127.0.0.1:{self._port}/"

    @property
    def url(self) -> str:
        """The URL to print: with the token when shared."""
        if not self.share:
            return f"http://{bracket(self.host)}:{self._port}/"
        host = _reachable_address() if is_wildcard(self.host) else self.host
        return f"http://{bracket(host)}:{self._port}/?token={self.token}"

    @property
    def clients(self) -> int:
        return len(self._clients)

    def start(self) -> str:
        socks = self._bind()
        self._port = socks[0].getsockname()[1]
        self._policy = Policy(self.host, self._port, self.token, self.allow_control, self.read_only)
        ready = threading.Event()
        self._thread = threading.Thread(target=asyncio.run, args=(self._main(socks, ready),), name="feed", daemon=True)
        self._thread.start()
        ready.wait()
        if self._loop is None:
            raise UsageError(f"the live feed could not start on port {self._port}; see the log above")
        return self.url

    def stop(self) -> None:
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None:
            loop.call_soon_threadsafe(stopping.set)
        if self._thread is not None:
            self._thread.join(timeout=self._close_timeout + 5)

    def __call__(self, event: Event) -> None:
        """The sink: never blocks the thread that emits."""
        loop = self._loop
        if loop is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop closed under us: the feed is stopping
            loop.call_soon_threadsafe(self._fanout, event, _encoder.encode(event))

    def _bind(self) -> list[socket.socket]:
        hosts = [self.host]
        if self.share and not is_loopback(self.host) and not is_wildcard(self.host):
            hosts.append("127.0.0.1")  # the commander's own view, without the token
        socks: list[socket.socket] = []
        port = self._port
        try:
            for host in hosts:
                ip = ip_address(host)
                family = socket.AF_INET6 if ip is not None and ip.version == 6 else socket.AF_INET
                socks.append(socket.create_server((host, port), family=family))
                port = socks[0].getsockname()[1]
        except OSError as e:
            for sock in socks:
                sock.close()
            raise UsageError(f"cannot serve on {host}:{port}: {e.strerror}; choose another --port or --host") from None
        return socks

    def _call_time(self) -> float:
        """When a command happens: the call time heard, which the commander's clock shows and the monitor
        judges on (the audio consumed runs ahead of it while words are being transcribed)."""
        incident = self._incident
        return 0.0 if incident is None else incident.heard or incident.call_time

    # -- the loop's side --

    async def _main(self, socks: list[socket.socket], ready: threading.Event) -> None:
        self._stopping = asyncio.Event()
        servers: list[Server] = []
        try:
            for sock in socks:
                servers.append(
                    await serve(
                        self._serve_client,
                        sock=sock,
                        process_request=self._http,
                        max_size=self._max_size,
                        compression=None,
                        close_timeout=self._close_timeout,
                        server_header=None,
                    )
                )
            self._loop = asyncio.get_running_loop()
        finally:
            ready.set()
        clock = asyncio.create_task(self._heard())
        await self._stopping.wait()
        clock.cancel()
        self._loop = None
        for server in servers:
            server.close(close_connections=False)
        await asyncio.gather(*(self._close(client.ws, 1001, "the server is stopping") for client in self._clients))
        for server in servers:
            await server.wait_closed()

    async def _heard(self) -> None:
        """Tell viewers, four times a second while the call goes on, how far it has been heard (`Heard`)."""
        incident, told = self._incident, 0.0
        while incident is not None and not incident.ended:
            await asyncio.sleep(HEARD_EVERY)
            heard = incident.heard
            if heard > told:
                told = heard
                event = Heard(t=round(heard, 3), wall=round(time.time(), 3))
                self._fanout(event, _encoder.encode(event))

    async def _http(self, connection: ServerConnection, request: Request) -> Response | None:
        url = urlsplit(request.path)
        guarded = url.path in ("/", "/ws") or url.path in self.views
        if guarded:
            verdict = self._policy.admit(
                query=url.query,
                host=request.headers.get("Host"),
                origins=request.headers.get_all("Origin"),
                peer=str(connection.remote_address[0]),
                websocket=url.path == "/ws",
            )
            if isinstance(verdict, Refusal):
                log.info("refused %s: %s", url.path, verdict.reason)
                return connection.respond(verdict.status, verdict.reason + "\n")
            if url.path == "/ws":
                self._admitted[connection] = verdict
                return None
        if url.path in self.views:
            ctype, body = await asyncio.to_thread(self.views[url.path])
            return _response(ctype, body)
        name = "index.html" if url.path == "/" else url.path[1:]
        path = self.static_dir / name
        if _STATIC_NAME.fullmatch(name) and path.is_file():
            return _response(content_type(path), path.read_bytes())
        what = "the overlay page is not installed" if url.path == "/" else "not found"
        return connection.respond(404, what + "\n")

    async def _serve_client(self, ws: ServerConnection) -> None:
        admission = self._admitted.pop(ws)
        client = _Client(
            ws, Subscriber(self._history, self._frame, self._queue_limit), RateLimit(self._rate, self._burst), admission
        )
        client.sub.reply(_encoder.encode(self._hello(admission.role)))
        client.writer = asyncio.create_task(self._write(client))
        self._clients.add(client)
        try:
            async for raw in ws:  # read to the end, even while closing, so that the client's close frame is seen
                if not client.closing:
                    await self._receive(client, raw)
        except ConnectionClosed:
            pass
        finally:
            self._clients.discard(client)
            client.writer.cancel()

    async def _write(self, client: _Client) -> None:
        try:
            while True:
                frame = client.sub.pop()
                if frame is None:
                    client.wake.clear()
                    await client.wake.wait()
                else:
                    await client.ws.send(frame, text=True)
        except ConnectionClosed:
            pass

    def _fanout(self, event: Event, frame: bytes) -> None:
        """Offer an event to every client. Where it is the only thing a client is owed and the client's socket
        is keeping up, write it at once, to all such clients in one pass; the others' writers take it in turn.
        Either way it is written after everything queued before it."""
        if not isinstance(event, Interim | Heard):
            self._frames[event.seq] = frame
        direct = []
        for client in list(self._clients):
            owed = len(client.sub)
            if not client.sub.offer(event, frame):
                self._drop(client)
            elif owed == 0 and len(client.sub) == 1 and not _congested(client.ws):
                client.sub.pop()
                direct.append(client.ws)
            elif len(client.sub) > owed:
                client.wake.set()
        broadcast(direct, frame, text=True)

    def _frame(self, event: Event) -> bytes:
        frame = self._frames.get(event.seq)
        if frame is None:
            frame = self._frames[event.seq] = _encoder.encode(event)
        return frame

    def _drop(self, client: _Client) -> None:
        log.info("disconnecting %s: more than %d messages behind", client.ws.remote_address, self._queue_limit)
        self.dropped += 1
        self._disconnect(client, *TOO_FAR_BEHIND)

    def _disconnect(self, client: _Client, code: int, reason: str) -> None:
        """Stop sending to `client` and close its connection with `code`, without waiting for it."""
        client.closing = True
        self._clients.discard(client)
        client.sub.clear()
        if client.writer is not None:
            client.writer.cancel()
        task = asyncio.create_task(self._close(client.ws, code, reason))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _close(self, ws: ServerConnection, code: int, reason: str) -> None:
        """Close, and give up on a client that does not read the close frame within the timeout."""
        try:
            async with asyncio.timeout(self._close_timeout):
                await ws.close(code, reason)
        except TimeoutError:
            ws.transport.abort()

    async def _receive(self, client: _Client, raw: str | bytes) -> None:
        verdict = client.rate.take(asyncio.get_running_loop().time())
        if verdict == "close":
            self._disconnect(client, 1008, "too many messages")
            return
        if verdict == "refuse":
            self._reply(client, ErrorReply(id=None, message=f"too many messages; at most {self._rate:g} a second"))
            return
        try:
            message = msgspec.json.decode(raw)
        except msgspec.DecodeError:
            message = None
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            self._reply(client, ErrorReply(id=None, message="a message is a JSON object with a 'type'"))
        elif message["type"] == "catch_up":
            self._catch_up(client, message)
        elif message["type"] == "command":
            self._reply(client, await self._command(client, message))
        elif message["type"] == "post":
            self._reply(client, await self._post(client, message))
        else:
            kinds = "catch_up, command or post"
            self._reply(client, ErrorReply(id=None, message=f"unknown type {message['type']!r}; {kinds}"))

    def _catch_up(self, client: _Client, message: dict[str, Any]) -> None:
        try:
            client.sub.catch_up(msgspec.convert(message, CatchUp).after)
        except msgspec.ValidationError as e:
            self._reply(client, ErrorReply(id=None, message=f"catch_up: {e}"))
        except ClientError as e:
            self._reply(client, ErrorReply(id=None, message=str(e)))
        client.wake.set()

    async def _command(self, client: _Client, message: dict[str, Any]) -> Ack | ErrorReply:
        cid = command_id(message)
        if self.read_only:
            return ErrorReply(id=cid, message="this incident is served read-only; commands are closed")
        if client.admission.role != "commander":
            return ErrorReply(id=cid, message="this is a shared view: read-only unless the commander allows control")
        try:
            logged = await asyncio.to_thread(self._log_command, message, client.admission.by)
        except CommandError as e:
            return ErrorReply(id=cid, message=str(e))
        except (BridgeError, OSError, ValueError) as e:
            log.error("could not log a command: %s", e)
            return ErrorReply(id=cid, message=f"could not log the command: {e}")
        return Ack(id=cid or "", seq=logged.seq)

    async def _post(self, client: _Client, message: dict[str, Any]) -> Ack | ErrorReply:
        """The stakeholder update, as the log stands, to the incident channel; logged as a notice."""
        cid = command_id(message)
        if self._poster is None:
            return ErrorReply(id=cid, message="no webhook was given (--webhook): post with `bridge post` instead")
        if client.admission.role != "commander":
            return ErrorReply(id=cid, message="only the commander posts to the incident channel")
        if message.get("what", "update") != "update":
            return ErrorReply(id=cid, message="post takes what: update (the stakeholder update)")
        try:
            seq = await asyncio.to_thread(self._deliver, self._poster, client.admission.by)
        except BridgeError as e:
            return ErrorReply(id=cid, message=str(e))
        return Ack(id=cid or "", seq=seq)

    def _deliver(self, poster: Poster, by: str) -> int:
        """Post, then log that it was done (when the log still takes events); the notice's `seq`, else the
        last one's. The post happens outside the incident's lock: a slow webhook holds up nothing else."""
        incident = self._incident
        assert incident is not None  # an incident served from its log has only viewers
        with incident.lock:
            events = list(incident.history)
        said = poster(events)
        with incident.lock:
            if incident.log.closed:
                return len(incident.history)
            by_whom = "" if by == "commander" else f" (by {by})"
            notice = Notice(t=round(self._now(), 3), level="info", code="posted", message=said + by_whom)
            return incident.emit(notice).seq

    def _log_command(self, message: dict[str, Any], by: str) -> Event:
        incident = self._incident
        assert incident is not None
        with incident.lock:
            if incident.log.closed:
                raise CommandError("this incident is closed; its log takes no more corrections")
            correction = validate(message, incident.history, self._now())
            return incident.emit(msgspec.structs.replace(correction, by=by))

    def _reply(self, client: _Client, message: msgspec.Struct) -> None:
        client.sub.reply(_encoder.encode(message))
        client.wake.set()

    def _hello(self, role: Role) -> Hello:
        history = self._history
        session = history[0] if history and isinstance(history[0], Session) else None
        name = session.incident if session else self._incident.log.path.parent.name if self._incident else ""
        live = self._incident is not None and not self._incident.ended
        return Hello(
            incident=name,
            last_seq=len(history),
            role=role,
            started=session.started if session else None,
            live=live,
            heard=round(self._incident.heard, 3) if live and self._incident and self._incident.heard else None,
            can_post=self._poster is not None and role == "commander",
        )


def _congested(ws: ServerConnection) -> bool:
    """Whether the connection's write buffer is past its high-water mark (its writer waits for it to drain)."""
    transport = ws.transport
    return bool(transport.get_write_buffer_size() >= transport.get_write_buffer_limits()[1])


def _response(ctype: str, body: bytes) -> Response:
    headers = Headers(
        [
            ("Content-Type", ctype),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "no-referrer"),
            ("X-Frame-Options", "DENY"),
            ("Connection", "close"),
        ]
    )
    return Response(200, "OK", headers, body)


def _reachable_address() -> str:
    """This machine's address on its default route, for a URL to share (a UDP connect sends nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
            return str(probe.getsockname()[0])
        except OSError:
            return socket.gethostname()
