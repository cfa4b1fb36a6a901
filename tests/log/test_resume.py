"""Resuming a killed incident from its log, with lists of events and a clock of our own: seq and call time go
on, the gap is logged, and the monitor and the extractor carry on as if never stopped (nothing raised twice)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
from _pulse import PulseServer, to_wav

from bridge.calltime import RATE
from bridge.errors import LogError, UsageError
from bridge.events import (
    ActionItem,
    Alert,
    AlertCleared,
    Event,
    Gap,
    ModelInfo,
    Notice,
    Session,
    SessionEnd,
    SessionOptions,
    SourceInfo,
    StatusCheck,
    Transcript,
)
from bridge.incident import Incident
from bridge.language.analysis import Analyzer
from bridge.language.extraction import Extractor
from bridge.log.eventlog import EventLog, read_log
from bridge.log.resume import RESUMED_CODE, Resumption, plan, read, resume
from bridge.monitor import Monitor, MonitorOptions
from bridge.pipeline import Pipeline, PipelineOptions
from bridge.sources.archive import end_of
from bridge.sources.source import BLOCK, Block
from bridge.speakers.attribution import Speakers
from bridge.weights import resolve_spacy
from tests.cli.test_main import assert_one_line_error
from tests.conftest import BRIDGE, REAL_ASR, ROOT, SAMPLE, Listening, played, run_bridge, text_of, wer, write_wav
from tests.scripted import LevelVad, ScriptedRecogniser, ScriptedSource

STARTED = 1000.0
FAR = 10_000.0
OPTIONS = MonitorOptions(silence_after=30, quiet_after=FAR, mitigation_after=FAR, grace=1)


class Clock:
    """The wall clock, at the call's pace: call time t is wall time STARTED + t (+ the time down)."""

    def __init__(self) -> None:
        self.now = STARTED

    def __call__(self) -> float:
        return self.now


class Call:
    """One incident's shell as the pipeline drives it, over a log in `folder`."""

    opened: ClassVar[list[Incident]] = []

    def __init__(self, folder: Path, clock: Clock, *, extractor: Extractor | None = None) -> None:
        self.clock = clock
        self.incident = Incident(
            EventLog(folder / "events.jsonl", clock=clock), extractor=extractor, monitor=Monitor(OPTIONS)
        )
        Call.opened.append(self.incident)
        self.incident.emit(
            Session(
                t=0.0,
                incident="i",
                started=STARTED,
                version="0",
                model=None,
                source=SourceInfo(uri="-", kind="stdin"),
            )
        )

    @classmethod
    def resumed(cls, folder: Path, clock: Clock, *, extractor: Extractor | None = None) -> tuple[Call, Resumption]:
        contents = read(folder)
        resumption = plan(contents, now=clock.now)
        call = cls.__new__(cls)
        call.clock = clock
        call.incident = Incident(
            EventLog(folder / "events.jsonl", clock=clock, after=contents),
            extractor=extractor,
            monitor=Monitor(OPTIONS),
        )
        Call.opened.append(call.incident)
        resume(call.incident, resumption)
        return call, resumption

    def at(self, t: float) -> None:
        """Call time reaches `t`: raise what is due, as the pipeline does."""
        self.clock.now = max(self.clock.now, STARTED + t)
        self.incident.advance(t)

    def say(self, start: float, end: float, text: str, speaker: str | None = None) -> None:
        self.at(start)
        self.clock.now = max(self.clock.now, STARTED + end)
        self.incident.transcript(Transcript(t=end, start=start, end=end, text=text, speaker=speaker))

    def kill(self) -> None:
        self.incident.log._file.close()  # no end event, no last sync: what kill -9 leaves (the lines are flushed)


@pytest.fixture(autouse=True)
def close_logs() -> Iterator[None]:
    yield
    while Call.opened:
        Call.opened.pop().close()


def logged(folder: Path) -> list[Event]:
    return list(read_log(folder / "events.jsonl").events)


def check(t: float, owner: str, due: float, source: int) -> StatusCheck:
    return StatusCheck(
        t=t,
        start=t - 2,
        end=t,
        quote="give us an update",
        source=source,
        by="Rosa",
        confidence=0.9,
        category="communication",
        owner=owner,
        due=due,
    )


def test_seq_and_call_time_go_on_after_the_time_down_with_a_gap_and_a_notice(tmp_path: Path) -> None:
    clock = Clock()
    call = Call(tmp_path, clock)
    call.say(0.0, 2.0, "This is Rosa.", "Rosa")
    call.say(5.0, 8.0, "Okay.", "Rosa")
    call.kill()
    clock.now = STARTED + 8.0 + 95.0  # down 95 s after the last line was written
    call, resumption = Call.resumed(tmp_path, clock)
    assert (resumption.heard, resumption.down, resumption.start) == (8.0, 95.0, 103.0)
    events = logged(tmp_path)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert sum(isinstance(e, Session) for e in events) == 1
    notice, gap = events[-2:]
    assert isinstance(notice, Notice) and notice.code == RESUMED_CODE and notice.t == 103.0
    assert "kept up to 00:08, 95 s ago" in notice.message
    assert isinstance(gap, Gap) and (gap.reason, gap.start, gap.end, gap.t) == ("resume", 8.0, 103.0, 103.0)
    assert call.incident.history == events and call.incident.transcripts == 2
    assert call.incident.call_time == 103.0


def test_an_alert_raised_before_the_kill_is_not_raised_again_and_a_deadline_still_fires(tmp_path: Path) -> None:
    clock = Clock()
    call = Call(tmp_path, clock)
    call.say(0.0, 2.0, "Maya, give us an update in one minute.", "Rosa")
    call.incident.emit(check(2.0, "Maya", 62.0, source=2))
    call.at(40.0)  # the bridge went quiet: a silence alert at 33
    call.kill()
    before = logged(tmp_path)
    silence = next(e for e in before if isinstance(e, Alert))
    assert (silence.kind, silence.t) == ("long_silence", 33.0)

    clock.now += 10.0
    call, resumption = Call.resumed(tmp_path, clock)
    call.at(resumption.start)
    call.at(80.0)
    call.say(85.0, 88.0, "Nodes are back, the rollback worked.", "Maya")
    after = logged(tmp_path)[len(before) :]
    alerts = [e for e in after if isinstance(e, Alert)]
    assert [(a.kind, a.t, a.ref) for a in alerts] == [("status_overdue", 63.0, 3)]  # the check's seq, before the kill
    cleared = [e for e in after if isinstance(e, AlertCleared)]
    assert sorted(c.ref for c in cleared) == sorted([silence.seq, alerts[0].seq])  # both known by their seq


def test_the_silence_and_quiet_timers_count_from_the_end_of_the_gap(tmp_path: Path) -> None:
    clock = Clock()
    call = Call(tmp_path, clock)
    call.say(0.0, 10.0, "This is Rosa, I am the incident commander.", "Rosa")
    call.kill()
    clock.now = STARTED + 10.0 + 50.0
    call, resumption = Call.resumed(tmp_path, clock)
    assert resumption.start == 60.0
    call.at(90.9)  # the silence before the kill would have been due at 41: nobody knows what was said meanwhile
    assert not any(isinstance(e, Alert) for e in call.incident.history)
    call.at(91.0)
    alert = call.incident.history[-1]
    assert isinstance(alert, Alert) and alert.kind == "long_silence" and alert.since == 60.0


def test_a_torn_last_line_is_cut_off_and_seq_goes_on_from_the_last_whole_event(tmp_path: Path) -> None:
    clock = Clock()
    call = Call(tmp_path, clock)
    call.say(0.0, 2.0, "Okay.", "Rosa")
    call.kill()
    with open(tmp_path / "events.jsonl", "ab") as f:
        f.write(b'{"type":"transcript","seq":3,"t":4.0,"wa')
    clock.now += 1.0
    _, resumption = Call.resumed(tmp_path, clock)
    assert resumption.contents.torn
    contents = read_log(tmp_path / "events.jsonl")
    assert not contents.torn
    assert [e.seq for e in contents.events] == [1, 2, 3, 4]
    assert "cut short" in next(e for e in contents.events if isinstance(e, Notice)).message


def test_an_incident_that_ended_is_not_continued(tmp_path: Path) -> None:
    clock = Clock()
    call = Call(tmp_path, clock)
    call.incident.emit(SessionEnd(t=5.0, reason="interrupted", duration=5.0))
    call.kill()
    with pytest.raises(UsageError, match="ended at 00:05 \\(interrupted\\) and is not continued"):
        plan(read(tmp_path), now=clock.now)


def test_a_folder_without_a_log_or_with_only_a_torn_first_line_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"no events\.jsonl there"):
        read(tmp_path)
    (tmp_path / "events.jsonl").write_bytes(b'{"type":"session","seq":1,')
    with pytest.raises(LogError, match="no whole event"):
        read(tmp_path)


def test_the_call_time_goes_on_after_the_archived_audio_when_it_reaches_further(tmp_path: Path) -> None:
    clock = Clock()
    call = Call(tmp_path, clock)
    call.say(0.0, 2.0, "Okay.", "Rosa")
    call.kill()
    clock.now = STARTED + 2.0 + 3.0
    assert plan(read(tmp_path), now=clock.now, archived=40.0).start == 43.0


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(resolve_spacy())


@pytest.mark.parametrize("restored", [True, False])
def test_a_request_before_the_kill_is_accepted_after_it_as_one_item(
    tmp_path: Path, analyzer: Analyzer, restored: bool
) -> None:
    def extractor() -> Extractor:
        return Extractor(analyzer, Speakers(["Rosa", "Victor"]), started=STARTED)

    clock = Clock()
    call = Call(tmp_path, clock, extractor=extractor())
    call.say(0.0, 3.0, "This is Rosa, I am the incident commander.")
    call.say(4.0, 7.0, "Victor, please run the failover.")
    call.kill()
    clock.now += 2.0
    if restored:
        call, _ = Call.resumed(tmp_path, clock, extractor=extractor())
    else:  # what a resume that only appended to the log would do
        contents = read(tmp_path)
        call.incident = Incident(
            EventLog(tmp_path / "events.jsonl", clock=clock, after=contents),
            extractor=extractor(),
            monitor=Monitor(OPTIONS),
        )
        Call.opened.append(call.incident)
    call.say(10.0, 12.0, "Okay, I will run the failover now.")
    events = logged(tmp_path)
    items = [e for e in events if isinstance(e, ActionItem)]
    reply = [e for e in events if isinstance(e, Transcript)][-1]
    if restored:
        assert [(i.owner, i.task) for i in items] == [("Victor", "run the failover")]
        assert reply.speaker == "Victor"
    else:
        assert reply.speaker is None  # nobody known to have been asked: the acceptance is no one's


# -- the command line: a real session killed with SIGKILL mid-call, then resumed -------------------------------------


@pytest.fixture(scope="module")
def killed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample call replayed at 4x with --record, killed with SIGKILL just after Maya is asked for an update
    in two minutes (a status check due at 03:06)."""
    out = tmp_path_factory.mktemp("killed") / "call"
    log = out / "events.jsonl"
    command = [
        *BRIDGE,
        "replay",
        str(SAMPLE),
        "--speed",
        "4",
        "--vocab",
        "samples/roster.txt",
        "--record",
        "--out",
        str(out),
    ]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not (
            log.exists() and b'"status_check"' in log.read_bytes() and b'"owner":"Maya"' in log.read_bytes()
        ):
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    return out


def copy(folder: Path, tmp_path: Path) -> Path:
    shutil.copytree(folder, tmp_path / folder.name)
    return tmp_path / folder.name


def lines(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_bytes().split(b"\n") if line.endswith(b"}")]


@pytest.mark.slow
def test_kill_9_leaves_chunks_that_retranscribe_reads(killed: Path, tmp_path: Path) -> None:
    out = copy(killed, tmp_path)
    original = (out / "events.jsonl").read_bytes()
    archived = end_of(out / "audio") / RATE
    assert archived >= 60.0  # whole chunks up to the kill
    done = run_bridge("retranscribe", str(out), "--model", "tiny.en")
    assert done.returncode == 0, done.stderr
    again = lines(out / "retranscribed-tiny.en" / "events.jsonl")
    said = [e for e in again if e["type"] == "transcript"]
    assert len(said) >= 10 and all(e["end"] <= archived for e in said)
    assert "Maya" in " ".join(e["text"] for e in said)
    assert again[0]["options"]["roster"] == lines(out / "events.jsonl")[0]["options"]["roster"]
    assert again[-1]["type"] == "end" and again[-1]["duration"] == archived
    assert (out / "events.jsonl").read_bytes() == original


@pytest.mark.slow
def test_kill_9_then_resume_continues_seq_and_call_time_and_a_deadline_set_before_the_kill_fires(
    killed: Path, tmp_path: Path
) -> None:
    out = copy(killed, tmp_path)
    before = lines(out / "events.jsonl")
    check = next(e for e in before if e["type"] == "status_check" and e["owner"] == "Maya")
    assert check["due"] == pytest.approx(186.176, abs=0.5)
    assert not any(e["type"] == "alert" and e["kind"] == "status_overdue" for e in before)
    archived = end_of(out / "audio") / RATE
    silence = write_wav(tmp_path / "silence.wav", np.zeros(150 * RATE))
    time.sleep(2.0)

    done = run_bridge("replay", str(silence), "--resume", str(out), "--record")
    assert done.returncode == 0, done.stderr
    events = lines(out / "events.jsonl")
    assert read_log(out / "events.jsonl").events  # every line whole
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert events[: len(before)] == before
    assert sum(e["type"] == "session" for e in events) == 1
    new = events[len(before) :]
    notice, gap = new[0], new[1]
    assert notice["type"] == "notice" and notice["code"] == "resumed"
    assert gap["type"] == "gap" and gap["reason"] == "resume"
    assert gap["start"] == round(max(max(e["t"] for e in before), archived), 3)  # as far as the log or audio went
    assert gap["end"] - gap["start"] >= 2.0 and gap["t"] == gap["end"] == notice["t"]
    overdue = [e for e in new if e["type"] == "alert" and e["kind"] == "status_overdue" and e["ref"] == check["seq"]]
    assert len(overdue) == 1 and overdue[0]["t"] == pytest.approx(check["due"] + 1.0)
    alerts = [(e["kind"], e["ref"], e["t"]) for e in events if e["type"] == "alert"]
    assert len(alerts) == len(set(alerts))  # nothing raised twice
    end = events[-1]
    assert end["type"] == "end" and end["duration"] == pytest.approx(gap["end"] + 150.0, abs=0.01)
    draft = (out / "postmortem.md").read_text()
    assert "Maya" in draft and "failover" in draft.lower()  # the whole incident, from before the kill

    done = run_bridge("retranscribe", str(out), "--model", "tiny.en")
    assert done.returncode == 0, done.stderr
    again = lines(out / "retranscribed-tiny.en" / "events.jsonl")
    assert again[-1]["duration"] == end["duration"]  # the gap is silence: call times stay where they were
    assert not [e for e in again if e["type"] == "transcript" and e["start"] > gap["start"]]
    assert [(e["start"], e["end"], e["reason"]) for e in again if e["type"] == "gap"] == [
        (gap["start"], gap["end"], "resume")
    ]  # so the silence filling it is nothing heard, as it was
    silences = [e["t"] for e in again if e["type"] == "alert" and e["kind"] == "long_silence"]
    assert not [t for t in silences if gap["start"] < t < gap["end"] + 30]


def test_resume_errors_are_one_line(tmp_path: Path) -> None:
    clock = Clock()
    call = Call(tmp_path / "ended", clock)
    call.incident.emit(SessionEnd(t=65.0, reason="finished", duration=65.0))
    done = run_bridge("replay", str(REAL_ASR / "jfk.wav"), "--resume", str(tmp_path / "ended"))
    assert_one_line_error(done, "ended at 01:05 (finished) and is not continued")
    done = run_bridge("replay", str(REAL_ASR / "jfk.wav"), "--resume", str(tmp_path / "nothing"))
    assert_one_line_error(done, "no events.jsonl there")
    done = run_bridge("replay", str(REAL_ASR / "jfk.wav"), "--resume", str(tmp_path / "ended"), "--out", "elsewhere")
    assert_one_line_error(done, "leave out --out")
    (tmp_path / "said.jsonl").write_text('{"start": 0, "end": 1, "text": "Okay."}\n')
    done = run_bridge("replay", str(tmp_path / "said.jsonl"), "--record")
    assert_one_line_error(done, "--record and --resume are for audio")


@pytest.mark.slow
def test_listen_killed_then_resumed_goes_on_with_the_same_incident(pulse: PulseServer, tmp_path: Path) -> None:
    out = tmp_path / "live"
    jfk = to_wav(REAL_ASR / "jfk.flac", tmp_path / "jfk.wav")
    first = Listening(pulse, out, "--device", "pulse", "--record")
    played(pulse, jfk)
    reference = (REAL_ASR / "jfk.txt").read_text()
    first.wait_for(lambda events: wer(reference, text_of(events)) <= 0.1, 30)
    time.sleep(1.5)  # the log is fsynced at least once a second
    first.kill()  # SIGKILL
    before = first.events()
    archived = end_of(out / "audio") / RATE  # whole chunks only: the one being gathered is lost
    assert before[-1]["type"] != "end"
    time.sleep(2.0)

    second = Listening(pulse, out, "--device", "pulse", "--record", "--resume", str(out))
    second.wait_for(lambda events: any(e["type"] == "notice" and e["code"] == "resumed" for e in events), 60)
    time.sleep(2.0)  # the devices open after the incident is restored
    played(pulse, jfk)
    gap_end = next(e["end"] for e in second.events() if e["type"] == "gap")
    second.wait_for(lambda events: any(e["type"] == "transcript" and e["start"] > gap_end for e in events), 30)
    time.sleep(2.0)
    code, _ = second.stop(signal.SIGINT)
    events = second.events()
    assert code == 130
    assert events[: len(before)] == before
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert [e["type"] for e in events].count("session") == 1
    gap = next(e for e in events if e["type"] == "gap")
    assert gap["reason"] == "resume" and gap["end"] - gap["start"] >= 2.0
    assert events[-1]["type"] == "end" and events[-1]["reason"] == "interrupted"
    for part in ([e for e in events if e["seq"] < gap["seq"]], [e for e in events if e["seq"] > gap["seq"]]):
        assert wer(reference, text_of(part)) <= 0.1
    assert (out / "postmortem.md").read_text().startswith("#")

    done = run_bridge("retranscribe", str(out), "--model", "base")
    assert done.returncode == 0, done.stderr
    again = lines(out / "retranscribed-base" / "events.jsonl")
    assert again[-1]["duration"] == events[-1]["duration"]
    assert not [e for e in again if e["type"] == "transcript" and gap["start"] < e["start"] < gap["end"]]
    said = [(e["start"], e["end"], e["text"]) for e in again if e["type"] == "transcript"]
    heard = [(e["start"], e["end"], e["text"]) for e in before if e["type"] == "transcript"]
    kept = [line for line in heard if line[1] + 0.7 <= archived]  # decided before the archive ends
    assert kept and [line for line in said if line[1] <= archived][: len(kept)] == kept
    after = [e for e in again if e["type"] == "transcript" and e["start"] >= gap["end"]]
    assert wer(reference, text_of(after)) <= 0.1


def test_a_resumed_pipeline_moves_the_sources_blocks_and_events_to_the_incidents_call_time(tmp_path: Path) -> None:
    clock = Clock()
    call = Call(tmp_path, clock)
    call.say(0.0, 2.0, "Okay.", "Rosa")
    call.kill()
    clock.now += 98.0
    call, resumption = Call.resumed(tmp_path, clock)
    assert resumption.start == 100.0
    lost = "no audio from mic (USB Headset) since 00:01.0"
    back = [
        Gap(t=2.0, start=1.0, end=2.0, reason="device", device="mic"),
        Notice(t=2.0, level="warning", code="device_lost", message=lost, device="mic"),
    ]
    source = ScriptedSource(30, {10: back}, {})
    archived: list[Block] = []

    class Sink:
        def __call__(self, block: Block) -> None:
            archived.append(block)

        def close(self) -> None:
            archived.append(Block(-1, np.zeros((1, 0), np.float32)))

    model = ModelInfo(name="none", path="", sha256=None)
    Pipeline(
        source=source,
        recogniser=ScriptedRecogniser({}),
        vad=LevelVad,
        incident=call.incident,
        model=model,
        options=PipelineOptions(start=100 * RATE),
        session=SessionOptions(),
        block_sinks=[Sink()],
    ).run()
    assert [b.start for b in archived] == [100 * RATE + i * BLOCK for i in range(30)] + [-1]  # then closed
    new = read_log(tmp_path / "events.jsonl").events[2:]  # after the session and what was said
    assert [(type(e).__name__, e.t) for e in new] == [
        ("Notice", 100.0),
        ("Gap", 100.0),
        ("Gap", 102.0),
        ("Notice", 102.0),
        ("Alert", 102.0),  # audio_lost, raised by the monitor from the notice
        ("SessionEnd", 103.0),
    ]
    device = new[2]
    assert isinstance(device, Gap) and (device.start, device.end) == (101.0, 102.0)
