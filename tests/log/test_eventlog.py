import json
from pathlib import Path

import pytest

from bridge.errors import LogError
from bridge.events import Notice, Session, SourceInfo, Transcript
from bridge.log.eventlog import EventLog, read_log


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def session() -> Session:
    return Session(
        t=0.0,
        incident="i",
        started=1000.0,
        version="0",
        model=None,
        source=SourceInfo(uri="-", kind="stdin"),
    )


def test_append_stamps_seq_and_wall_and_writes_one_line_each(tmp_path: Path) -> None:
    clock = Clock()
    with EventLog(tmp_path / "events.jsonl", clock=clock) as log:
        first = log.append(session())
        clock.now = 1001.25
        second = log.append(Transcript(t=2.0, start=0.5, end=1.5, text="okay"))
    assert (first.seq, second.seq) == (1, 2)
    assert second.wall == 1001.25
    lines = (tmp_path / "events.jsonl").read_text().splitlines()
    assert [json.loads(line)["type"] for line in lines] == ["session", "transcript"]


def test_each_line_is_on_disk_as_soon_as_it_is_appended(tmp_path: Path) -> None:
    log = EventLog(tmp_path / "events.jsonl", clock=Clock())
    log.append(session())
    log.append(Notice(t=1.0, level="info", code="x", message="m"))
    assert len((tmp_path / "events.jsonl").read_text().splitlines()) == 2  # before close
    log.close()


def test_fsync_at_least_once_a_second(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[float] = []
    clock = Clock()
    monkeypatch.setattr("os.fsync", lambda fd: synced.append(clock.now))
    log = EventLog(tmp_path / "events.jsonl", clock=clock)
    log.append(session())
    clock.now += 0.5
    log.sync_if_due()
    assert synced == []
    clock.now += 0.6
    log.sync_if_due()
    assert synced == [1001.1]
    clock.now += 5
    log.sync_if_due()  # nothing new to sync
    assert synced == [1001.1]
    log.close()


def test_refuses_to_overwrite_an_existing_log(tmp_path: Path) -> None:
    (tmp_path / "events.jsonl").write_text("x\n")
    with pytest.raises(LogError, match="already exists"):
        EventLog(tmp_path / "events.jsonl")


def test_reader_leaves_out_a_torn_last_line(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    with EventLog(path) as log:
        log.append(session())
        log.append(Transcript(t=2.0, start=0.5, end=1.5, text="okay"))
    with open(path, "ab") as f:
        f.write(b'{"type":"transcript","seq":3,"t":4.0,"wa')
    contents = read_log(path)
    assert contents.torn
    assert [e.seq for e in contents.events] == [1, 2]


def test_reader_rejects_damage_in_the_middle(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    with EventLog(path) as log:
        log.append(session())
    path.write_text(path.read_text() + "garbage\n" + path.read_text())
    with pytest.raises(LogError, match=":2: not a JSON event"):
        read_log(path)


def test_reader_explains_a_log_from_a_newer_schema(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text(
        json.dumps({"type": "session", "seq": 1, "t": 0, "wall": 0, "schema_version": 99, "future_field": {"x": 1}})
        + "\n"
    )
    with pytest.raises(LogError, match="newer bridge"):
        read_log(path)


def test_reader_needs_a_session_first(tmp_path: Path) -> None:
    with pytest.raises(LogError, match="no event log"):
        read_log(tmp_path / "missing.jsonl")
    (tmp_path / "empty.jsonl").write_text("")
    with pytest.raises(LogError, match="session"):
        read_log(tmp_path / "empty.jsonl")
