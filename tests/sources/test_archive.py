"""The audio archive: blocks in, whole chunks on disk, the same blocks back on the same call time."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _pulse import PulseServer, to_wav

from bridge.calltime import RATE
from bridge.errors import InputError
from bridge.events import Gap, Session, SessionEnd, SessionOptions, SourceInfo
from bridge.log.eventlog import EventLog
from bridge.sources.archive import ArchiveSource, Recorder, chunks, end_of
from bridge.sources.source import BLOCK, Block
from tests.cli.test_main import assert_one_line_error
from tests.conftest import REAL_ASR, Listening, played, run_bridge, transcripts, wer


def audio(channels: int, seconds: float, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1, 1, (channels, int(seconds * RATE))).astype(np.float32)


def record(folder: Path, signal: np.ndarray, *, start: int = 0, skip: tuple[int, int] | None = None) -> Recorder:
    """Feed `signal` as the pipeline does, in blocks from call-time sample `start`; `skip` (from, samples) jumps
    call time ahead before the block at `from`, as a resumed session does."""
    recorder = Recorder(folder)
    offset = start
    for i in range(0, signal.shape[1], BLOCK):
        if skip is not None and i == skip[0]:
            offset += skip[1]
        recorder(Block(offset + i, signal[:, i : i + BLOCK]))
    recorder.close()
    return recorder


def read_back(folder: Path) -> tuple[np.ndarray, list[int], ArchiveSource]:
    source = ArchiveSource(folder)
    blocks = list(source.blocks())
    return np.concatenate([b.channels for b in blocks], axis=1), [b.start for b in blocks], source


def test_chunks_of_ten_seconds_named_by_their_first_sample_hold_exactly_what_was_consumed(tmp_path: Path) -> None:
    signal = audio(2, 25.05)
    recorder = record(tmp_path, signal)
    assert [c.start for c in chunks(tmp_path)] == [0, 10 * RATE, 20 * RATE]
    assert [c.path.name for c in chunks(tmp_path)][1] == "0000160000.wav"
    assert recorder.written == 3
    back, starts, source = read_back(tmp_path)
    assert np.array_equal(back, signal)  # bit for bit: the same model gives the same text
    assert starts == [i * BLOCK for i in range(len(starts))]
    assert source.info.channels == 2 and source.info.rate == RATE and source.info.duration == pytest.approx(25.05)
    assert end_of(tmp_path) == signal.shape[1]


def test_a_jump_in_call_time_starts_a_new_chunk_and_reads_back_as_silence(tmp_path: Path) -> None:
    signal = audio(1, 12.0)
    record(tmp_path, signal, start=5 * RATE, skip=(8 * RATE, 30 * RATE + 37))
    starts = [c.start for c in chunks(tmp_path)]
    assert starts == [5 * RATE, 13 * RATE + 30 * RATE + 37]  # the first chunk ends where call time jumped
    back, blocks, _ = read_back(tmp_path)
    assert blocks == [i * BLOCK for i in range(len(blocks))]
    assert not back[:, : 5 * RATE].any()
    assert np.array_equal(back[:, 5 * RATE : 13 * RATE], signal[:, : 8 * RATE])
    assert not back[:, 13 * RATE : 43 * RATE + 37].any()
    assert np.array_equal(back[:, 43 * RATE + 37 :], signal[:, 8 * RATE :])


def test_a_damaged_or_missing_chunk_is_silence_with_a_warning_and_the_rest_is_read(tmp_path: Path) -> None:
    signal = audio(1, 30.0)
    record(tmp_path, signal)
    _, second, third = chunks(tmp_path)
    second.path.write_bytes(second.path.read_bytes()[:5000])  # cut short on disk
    back, _, source = read_back(tmp_path)
    assert back.shape == signal.shape
    assert np.array_equal(back[:, : 10 * RATE], signal[:, : 10 * RATE])
    assert not back[:, 10 * RATE : 20 * RATE].any()
    assert np.array_equal(back[:, 20 * RATE :], signal[:, 20 * RATE :])
    assert len(source.warnings) == 1 and "0000160000.wav is damaged" in source.warnings[0]

    second.path.write_bytes(b"not audio at all" * 100)
    third.path.unlink()
    back, _, source = read_back(tmp_path)
    assert back.shape[1] == 10 * RATE and "is damaged" in source.warnings[0]


def test_no_archive_and_nothing_readable_are_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no audio archive"):
        ArchiveSource(tmp_path / "audio")
    (tmp_path / "audio").mkdir()
    (tmp_path / "audio" / "0000000000.wav").write_bytes(b"garbage")
    with pytest.raises(InputError, match="all damaged"):
        ArchiveSource(tmp_path / "audio")


def test_a_chunk_being_written_when_killed_is_never_a_chunk(tmp_path: Path) -> None:
    record(tmp_path, audio(1, 10.0))
    (tmp_path / ".0000160000.wav.part").write_bytes(b"RIFF half a chunk")
    assert [c.start for c in chunks(tmp_path)] == [0]
    Recorder(tmp_path)  # the next session clears it away
    assert not list(tmp_path.glob(".*"))


def test_an_existing_chunk_is_never_overwritten(tmp_path: Path) -> None:
    record(tmp_path, audio(1, 10.0, seed=1))
    before = (tmp_path / "0000000000.wav").read_bytes()
    warned: list[str] = []
    recorder = Recorder(tmp_path, warn=warned.append)
    recorder(Block(0, audio(1, 0.1, seed=2)))
    recorder.close()
    assert (tmp_path / "0000000000.wav").read_bytes() == before
    assert "already exists" in warned[0]


def test_a_failed_write_is_reported_once_and_recording_stops(tmp_path: Path) -> None:
    warned: list[str] = []
    recorder = Recorder(tmp_path / "audio", chunk_seconds=0.1, warn=warned.append)
    (tmp_path / "audio").rmdir()
    (tmp_path / "audio").write_bytes(b"")  # the folder is gone (even root cannot write into a file)
    for i in range(3):
        recorder(Block(i * BLOCK, audio(1, 0.1)))
    recorder.close()
    assert recorder.written == 0
    assert len(warned) == 1 and "recording stopped, the call goes on" in warned[0]


# -- the command line: --record, then `bridge retranscribe` -------------------------------------------------------


def texts(log: Path) -> list[tuple[Any, ...]]:
    return [(e["start"], e["end"], e["text"], e["speaker"], e["channel"]) for e in transcripts(log)]


@pytest.mark.slow
def test_record_then_retranscribe_with_the_same_model_gives_the_same_text(tmp_path: Path) -> None:
    out = tmp_path / "call"
    done = run_bridge("replay", str(REAL_ASR / "OSR_us_000_0034_8k.wav"), "--record", "--out", str(out))
    assert done.returncode == 0, done.stderr
    session = json.loads((out / "events.jsonl").read_text().splitlines()[0])
    assert session["options"]["record"] == {"folder": "audio", "format": "wav f32le", "chunk_seconds": 10.0}
    assert [c.start for c in chunks(out / "audio")] == [0, 160000, 320000, 480000]
    original = (out / "events.jsonl").read_bytes()

    done = run_bridge("retranscribe", str(out), "--model", "base")
    assert done.returncode == 0, done.stderr
    again = out / "retranscribed-base"
    assert len(texts(out / "events.jsonl")) >= 8
    assert texts(again / "events.jsonl") == texts(out / "events.jsonl")
    assert (again / "postmortem.md").exists()
    assert (out / "events.jsonl").read_bytes() == original  # never touched
    echo = json.loads((again / "events.jsonl").read_text().splitlines()[0])
    assert echo["options"]["retranscribed"] == str(out) and echo["started"] == session["started"]


@pytest.mark.slow
def test_every_channel_is_archived_and_retranscribed_with_the_incidents_own_channels(tmp_path: Path) -> None:
    out = tmp_path / "call"
    done = run_bridge(
        "replay",
        str(REAL_ASR / "stereo_diarization.wav"),
        "--channel",
        "0=Ann",
        "--channel",
        "1=Bob",
        "--record",
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    assert ArchiveSource(out / "audio").info.channels == 2
    done = run_bridge("retranscribe", str(out), "--model", "base", "--out", str(tmp_path / "again"))
    assert done.returncode == 0, done.stderr
    said = texts(tmp_path / "again" / "events.jsonl")
    assert said == texts(out / "events.jsonl")
    assert {(s[3], s[4]) for s in said} == {("Ann", 0), ("Bob", 1)}


def incident(folder: Path, *, chunk_audio: np.ndarray | None = None) -> Path:
    """An incident folder as `bridge replay --record` leaves it, without running a model."""
    with EventLog(folder / "events.jsonl") as log:
        options = SessionOptions(roster=["Ann"])
        source = SourceInfo(uri="x.wav", kind="file")
        log.append(
            Session(
                t=0.0, incident=folder.name, started=1000.0, version="0", model=None, source=source, options=options
            )
        )
        log.append(SessionEnd(t=30.0, reason="finished", duration=30.0))
    if chunk_audio is not None:
        record(folder / "audio", chunk_audio)
    return folder


@pytest.mark.parametrize(
    "case, words",
    [
        ("no folder", ["no incident folder"]),
        ("no archive", ["holds no audio archive", "--record"]),
        ("unknown model", ["unknown model 'large-v9'"]),
        ("all damaged", ["all damaged"]),
        ("out is the original", ["never touched"]),
    ],
)
def test_retranscribe_errors_are_one_line(tmp_path: Path, case: str, words: list[str]) -> None:
    folder = tmp_path / "call"
    if case != "no folder":
        incident(folder, chunk_audio=None if case == "no archive" else audio(1, 1.0))
    if case == "all damaged":
        (folder / "audio" / "0000000000.wav").write_bytes(b"garbage")
    extra = {"unknown model": ["--model", "large-v9"], "out is the original": ["--out", str(folder)]}.get(case, [])
    done = run_bridge("retranscribe", str(folder), *extra)
    assert_one_line_error(done, *words)
    assert not (folder / "retranscribed-base").exists()


@pytest.mark.slow
def test_a_damaged_chunk_is_a_warning_in_the_new_log_and_the_rest_is_transcribed(tmp_path: Path) -> None:
    out = tmp_path / "call"
    done = run_bridge("replay", str(REAL_ASR / "OSR_us_000_0034_8k.wav"), "--record", "--out", str(out))
    assert done.returncode == 0, done.stderr
    (out / "audio" / "0000160000.wav").write_bytes(b"RIFF" + bytes(300))
    (out / "audio" / "0000480000.wav").unlink()
    done = run_bridge("retranscribe", str(out), "--model", "base")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    log = out / "retranscribed-base" / "events.jsonl"
    events = [json.loads(line) for line in log.read_text().splitlines()]
    notices = [e for e in events if e["type"] == "notice"]
    assert len(notices) == 1 and "0000160000.wav is damaged" in notices[0]["message"]
    kept = [s for s in texts(out / "events.jsonl") if s[1] < 10 or (s[0] > 20 and s[1] < 30)]
    again = [s for s in texts(log) if s[:2] in {k[:2] for k in kept}]
    assert len(again) == len(kept) >= 4  # every line wholly in a readable chunk, at its call time
    # A chunk boundary moves where a line is cut, which may change a word of it.
    assert wer(" ".join(str(k[2]) for k in kept), " ".join(str(a[2]) for a in again)) < 0.1
    assert not [s for s in texts(log) if 10.5 < s[0] < 19.5 or s[0] > 30.5]  # nothing from silence
    assert events[-1]["type"] == "end" and events[-1]["duration"] == 30.0


@pytest.mark.slow
def test_listen_with_record_then_retranscribe_gives_the_same_text_as_the_live_call(
    pulse: PulseServer, tmp_path: Path
) -> None:
    out = tmp_path / "live"
    listening = Listening(pulse, out, "--device", "pulse", "--record")
    played(pulse, to_wav(REAL_ASR / "OSR_us_000_0034_8k.wav", tmp_path / "osr.wav"))
    time.sleep(2.0)
    code, _ = listening.stop(signal.SIGINT)
    assert code == 130
    live = [(e["start"], e["end"], e["text"]) for e in listening.events() if e["type"] == "transcript"]
    assert len(live) >= 8
    assert end_of(out / "audio") / RATE == listening.events()[-1]["duration"]  # the last chunk is written at the end

    done = run_bridge("retranscribe", str(out), "--model", "base")
    assert done.returncode == 0, done.stderr
    again = [(e["start"], e["end"], e["text"]) for e in transcripts(out / "retranscribed-base" / "events.jsonl")]
    assert again == live


def test_the_original_logs_gaps_are_handed_on_as_call_time_reaches_them(tmp_path: Path) -> None:
    record(tmp_path, audio(1, 4.0), skip=(2 * RATE, 10 * RATE))
    gap = Gap(seq=7, t=12.0, wall=5.0, start=2.0, end=12.0, reason="resume")
    source = ArchiveSource(tmp_path, gaps=[gap])
    seen = []
    for block in source.blocks():
        if source.events:
            seen.append((block.end, source.events.pop()))
    assert seen == [(2 * RATE, Gap(t=12.0, start=2.0, end=12.0, reason="resume"))]
