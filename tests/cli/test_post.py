"""`bridge post` in a real process, against a real HTTP server on loopback standing in for the webhook."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bridge.report.channel_message import message, payload
from tests.golden import INCIDENT, sample_events

SECRET = "/hooks/T0SECRET/B0SECRET/xoxSECRETtoken"


class Webhook:
    """An incoming webhook: records every POST (path, headers, JSON body) and answers with `status`."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.received: list[dict[str, Any]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.received.append({"path": self.path, "headers": dict(self.headers), "body": json.loads(body)})
                self.send_response(hook.status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if hook.status == 200 else b"invalid_payload")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{SECRET}"

    def __enter__(self) -> Webhook:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    copy = tmp_path / "sample-call"
    shutil.copytree(INCIDENT, copy)
    return copy


def bridge(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bridge.cli.main", "-v", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.parametrize("fmt", ["slack", "teams", "mattermost"])
def test_the_update_arrives_in_the_services_format_and_stays_in_the_folder(folder: Path, fmt: str) -> None:
    with Webhook() as hook:
        done = bridge("post", str(folder), "--webhook", hook.url, "--format", fmt)
    assert done.returncode == 0, done.stderr
    [got] = hook.received
    assert got["path"] == SECRET and got["headers"]["Content-Type"].startswith("application/json")
    assert got["body"] == payload(message(sample_events(), "update"), fmt)  # type: ignore[arg-type]
    assert (folder / "update.txt").read_text() == message(sample_events(), "update").text()
    assert "SECRET" not in done.stdout + done.stderr  # the URL is never shown, not even with -v
    service = {"slack": "Slack", "teams": "Teams", "mattermost": "Mattermost"}[fmt]
    kept = folder / "update.txt"
    assert done.stderr.splitlines() == [f"posted the update to the {service} webhook (HTTP 200); it is also in {kept}"]


def test_the_url_may_come_from_the_environment_and_what_is_posted_is_chosen(folder: Path) -> None:
    with Webhook() as hook:
        done = bridge("post", str(folder), "--what", "summary", env={"BRIDGE_WEBHOOK": hook.url})
    assert done.returncode == 0, done.stderr
    [got] = hook.received
    assert got["body"]["text"].startswith("**Incident summary: sample-call**")  # a loopback host: Mattermost
    assert "Status checks: 3 set, 2 on time, 1 late" in got["body"]["text"]
    assert (folder / "summary.txt").exists()


def test_a_refusing_webhook_is_one_line_and_the_text_is_kept(folder: Path) -> None:
    with Webhook(status=400) as hook:
        done = bridge("post", str(folder), "--webhook", hook.url, "--what", "timeline")
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "bridge: error: the webhook refused the message: HTTP 400 Bad Request; "
        f"the timeline is in {folder / 'timeline.txt'}"
    ]
    assert "SECRET" not in done.stdout + done.stderr
    assert (folder / "timeline.txt").read_text() == message(sample_events(), "timeline").text()


def test_an_unreachable_webhook_is_one_line_and_the_text_is_kept(folder: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    done = bridge("post", str(folder), "--webhook", f"http://127.0.0.1:{port}{SECRET}")
    assert done.returncode == 1
    [line] = done.stderr.splitlines()
    assert line.startswith("bridge: error: could not reach the webhook: ") and "refused" in line
    assert line.endswith(f"; the update is in {folder / 'update.txt'}") and "SECRET" not in line
    assert (folder / "update.txt").exists()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ((), "give --webhook URL, or set BRIDGE_WEBHOOK"),
        (("--webhook", "ftp://example.com/SECRET"), "the webhook must be an http:// or https:// URL"),
        (("--webhook", "http://127.0.0.1:99999/SECRET"), "the webhook URL cannot be used"),
    ],
)
def test_a_bad_webhook_is_one_line_that_never_shows_it(folder: Path, args: tuple[str, ...], says: str) -> None:
    done = bridge("post", str(folder), *args, env={"BRIDGE_WEBHOOK": ""})
    assert done.returncode == 1
    [line] = done.stderr.splitlines()
    assert says in line and "SECRET" not in line and "Traceback" not in done.stderr
