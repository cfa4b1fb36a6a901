"""`bridge post`: the incident's update, summary or timeline to the channel's incoming webhook.

The shell around `report.channel_message`: the text is written to the incident folder first, so a webhook
that cannot be reached loses nothing, then posted with the standard library's `urllib` (no client library
for three JSON POSTs). The URL is a secret (whoever has it can post to the channel): it is never printed
or logged, and an error says what went wrong without it.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import cast
from urllib.parse import urlsplit

from .. import __version__
from ..errors import PostError, UsageError
from ..events import LoggedEvent
from ..log.incident_folder import load
from ..report.channel_message import Format, What, format_for, message, payload

__all__ = ["ENV", "deliver", "post", "send", "webhook"]

ENV = "BRIDGE_WEBHOOK"
"""Where the URL may be given instead of on the command line (which shell history and `ps` show)."""

_NAMES: dict[Format, str] = {"slack": "Slack", "teams": "Teams", "mattermost": "Mattermost"}


def post(folder: Path, *, url: str | None, what: str, fmt: str | None, timeout: float) -> int:
    said = deliver(folder, load(folder), url=webhook(url), what=cast(What, what), fmt=fmt, timeout=timeout)
    print(said, file=sys.stderr)
    return 0


def webhook(url: str | None) -> str:
    """The webhook URL given, else $BRIDGE_WEBHOOK, checked before anything is drafted; UsageError if unusable."""
    url = url or os.environ.get(ENV)
    if not url:
        raise UsageError(f"give --webhook URL, or set {ENV}: the incoming webhook of the incident channel")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError("the webhook must be an http:// or https:// URL (it is not shown here: it is a secret)")
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when asked
    except ValueError:
        raise UsageError("the webhook URL cannot be used: its port is not a number from 0 to 65535") from None
    return url


def deliver(
    folder: Path, events: Sequence[LoggedEvent], *, url: str, what: What, fmt: str | None, timeout: float
) -> str:
    """Draft `what` from `events`, keep it in FOLDER/WHAT.txt, post it; the line that says so, or `PostError`
    (saying where the text is kept) when the webhook cannot be reached or refuses it."""
    m = message(events, what)
    kept = folder / f"{what}.txt"
    try:
        kept.write_text(m.text(), encoding="utf-8")
    except OSError as e:
        raise PostError(f"cannot write {kept}: {e.strerror}; nothing was posted") from None
    service = cast(Format, fmt) if fmt is not None else format_for(url)
    try:
        status = send(url, payload(m, service), timeout=timeout)
    except PostError as e:
        raise PostError(f"{e}; the {what} is in {kept}") from None
    return f"posted the {what} to the {_NAMES[service]} webhook (HTTP {status}); it is also in {kept}"


def send(url: str, body: object, *, timeout: float) -> int:
    """POST `body` as JSON to `url`; its HTTP status, or `PostError` saying why not (never with the URL)."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": f"bridge/{__version__}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as e:
        raise PostError(f"the webhook refused the message: HTTP {e.code} {_secret_free(str(e.reason), url)}") from None
    except urllib.error.URLError as e:
        raise PostError(f"could not reach the webhook: {_secret_free(str(e.reason), url)}") from None
    except (TimeoutError, OSError) as e:
        raise PostError(f"could not reach the webhook: {_secret_free(str(e) or type(e).__name__, url)}") from None
    except ValueError as e:  # a URL urllib cannot use (a bad port)
        raise PostError(f"the webhook URL cannot be used: {_secret_free(str(e), url)}") from None


def _secret_free(text: str, url: str) -> str:
    """`text` without the URL or its path and query, which carry the webhook's secret."""
    parts = urlsplit(url)
    for secret in (url, parts.path + (f"?{parts.query}" if parts.query else ""), parts.path, parts.query):
        if len(secret) > 1:
            text = text.replace(secret, "…")
    return text
