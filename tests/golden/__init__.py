"""Golden files: the views of one fixed event log, and the helpers the view tests share.

`incident/events.jsonl` is the log of a real replay of the bundled sample call (`bridge replay
samples/sample-call.opus --vocab samples/roster.txt`), committed once so that the views are tested on real
extraction output without running the model; its session names it `sample-call`. The other files are what
the views make of it. When a view changes on purpose, regenerate them and read the diff:

    BRIDGE_GOLDEN=update .venv/bin/python -m pytest tests/report/test_timeline.py tests/report/test_postmortem.py \
        tests/report/test_transcript_output.py tests/report/test_stakeholder_update.py \
        tests/report/test_action_items.py tests/report/test_channel_message.py
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import msgspec
import pytest

from bridge.events import (
    LoggedEvent,
    Session,
    SessionOptions,
    SourceInfo,
    Transcript,
)
from bridge.log.incident_folder import load

__all__ = ["GOLDEN", "INCIDENT", "assert_golden", "numbered", "said", "sample_events", "session"]

GOLDEN = Path(__file__).parent
INCIDENT = GOLDEN / "incident"
REGENERATE = (
    "BRIDGE_GOLDEN=update .venv/bin/python -m pytest tests/report/test_timeline.py tests/report/test_postmortem.py "
    "tests/report/test_transcript_output.py tests/report/test_stakeholder_update.py tests/report/test_action_items.py "
    "tests/report/test_channel_message.py"
)


def sample_events() -> list[LoggedEvent]:
    return load(INCIDENT)


def assert_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("BRIDGE_GOLDEN") == "update":
        path.write_text(actual, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"no golden file {path}; make it with:\n  {REGENERATE}")
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = difflib.unified_diff(
            expected.splitlines(), actual.splitlines(), f"tests/golden/{name}", "output", lineterm="", n=1
        )
        shown = "\n".join(list(diff)[:60])
        pytest.fail(
            f"the output differs from tests/golden/{name}:\n{shown}\n\n"
            f"If the change is intended, regenerate the golden files and review the diff:\n  {REGENERATE}"
        )


# Hand-made logs: a session and events numbered as the log numbers them.

STARTED = 1_767_225_600.0
"""2026-01-01 00:00:00 UTC."""


def session(**options: Any) -> Session:
    return Session(
        t=0.0,
        incident="test",
        started=STARTED,
        version="0",
        model=None,
        source=SourceInfo(uri="-", kind="device"),
        options=msgspec.convert(options, SessionOptions),
    )


def said(start: float, end: float, text: str, speaker: str | None = None) -> Transcript:
    return Transcript(t=end + 0.5, start=start, end=end, text=text, speaker=speaker)


def numbered(events: Iterable[LoggedEvent]) -> list[LoggedEvent]:
    """`events` with `seq` 1, 2, 3, ... and `wall` at the session's start plus call time, as a live log has them."""
    return [msgspec.structs.replace(e, seq=n, wall=round(STARTED + e.t, 3)) for n, e in enumerate(events, 1)]
