"""The audio archive: blocks in, whole chunks on disk, the same blocks back on the same call time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bridge.archive import ArchiveSource, Recorder, chunks, end_of
from bridge.errors import InputError
from bridge.source import BLOCK, RATE, Block


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
