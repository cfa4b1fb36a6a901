import json
import shutil
from pathlib import Path

import pytest

from bridge.errors import LogError
from bridge.events import Notice, Session
from bridge.log.incident_folder import TORN_CODE, load
from bridge.report.postmortem import to_markdown
from bridge.report.timeline import build
from tests.golden import INCIDENT


def copy(tmp_path: Path) -> Path:
    folder = tmp_path / "incident"
    shutil.copytree(INCIDENT, folder)
    return folder


def refused(folder: Path) -> str:
    with pytest.raises(LogError) as caught:
        load(folder)
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def test_a_good_folder_loads_every_event(tmp_path: Path) -> None:
    events = load(copy(tmp_path))
    assert isinstance(events[0], Session) and len(events) == 66
    assert not any(isinstance(e, Notice) for e in events)


def test_a_missing_folder(tmp_path: Path) -> None:
    assert (
        refused(tmp_path / "nope")
        == f"no incident folder at {tmp_path / 'nope'}; give the --out folder of a `bridge replay`"
    )


def test_a_file_instead_of_a_folder(tmp_path: Path) -> None:
    (tmp_path / "events.jsonl").write_text("")
    assert "is a file, not an incident folder" in refused(tmp_path / "events.jsonl")


def test_a_folder_without_a_log(tmp_path: Path) -> None:
    assert refused(tmp_path) == f"{tmp_path} holds no events.jsonl; is it an incident folder?"


def test_an_empty_log(tmp_path: Path) -> None:
    (tmp_path / "events.jsonl").write_text("")
    assert refused(tmp_path).endswith("events.jsonl is empty: the session wrote nothing before it stopped")


def test_a_torn_last_line_still_makes_a_draft_with_a_visible_note(tmp_path: Path) -> None:
    folder = copy(tmp_path)
    log = folder / "events.jsonl"
    data = log.read_bytes()
    log.write_bytes(data[: len(data) - 40])  # the end event, cut mid-line
    events = load(folder)
    assert isinstance(events[-1], Notice) and events[-1].code == TORN_CODE
    assert len(events) == 66  # 65 whole events and the note
    md = to_markdown(build(events))
    assert "**Note:** 03:53 warning: the last line of events.jsonl was cut short" in md
    assert "**Note:** The call is still going on" in md  # the end event was the torn line


def test_a_log_that_is_only_a_torn_line(tmp_path: Path) -> None:
    (tmp_path / "events.jsonl").write_text('{"type":"session","seq":1,"t":0.0,"wa')
    assert "holds only a torn first line" in refused(tmp_path)


def test_a_log_from_a_newer_schema_version(tmp_path: Path) -> None:
    folder = copy(tmp_path)
    log = folder / "events.jsonl"
    lines = log.read_text().splitlines(keepends=True)
    head = json.loads(lines[0])
    head["schema_version"] = 2
    lines[0] = json.dumps(head) + "\n"
    lines.insert(3, json.dumps({"type": "hunch", "seq": 3, "t": 9.0, "wall": 0.0}) + "\n")
    log.write_text("".join(lines))
    assert refused(folder) == (
        f"{log} was written by a newer bridge (schema 2, this one reads 1); upgrade bridge to read it"
    )


def test_a_damaged_line_in_the_middle(tmp_path: Path) -> None:
    folder = copy(tmp_path)
    log = folder / "events.jsonl"
    lines = log.read_text().splitlines(keepends=True)
    lines[5] = "{not json\n"
    log.write_text("".join(lines))
    assert refused(folder) == f"{log}:6: not a JSON event; the log is damaged"


def test_a_file_that_is_not_an_event_log(tmp_path: Path) -> None:
    (tmp_path / "events.jsonl").write_text('{"type":"transcript","t":1,"start":0,"end":1,"text":"hi"}\n')
    assert "does not start with a session event" in refused(tmp_path)
