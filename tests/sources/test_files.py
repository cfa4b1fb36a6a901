from __future__ import annotations

import io
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from bridge.calltime import RATE
from bridge.errors import InputError
from bridge.sources.files import RawSource, open_source
from bridge.sources.source import BLOCK
from tests.conftest import REAL_ASR, SAMPLE, write_wav


def decode(path: Path) -> tuple[np.ndarray, list[int]]:
    blocks = list(open_source(str(path)).blocks())
    return np.concatenate([b.channels for b in blocks], axis=1), [b.start for b in blocks]


@pytest.mark.parametrize(
    "name, seconds, channels",
    [
        ("jfk.flac", 11.0, 2),
        ("jfk.wav", 11.0, 1),
        ("OSR_us_000_0034_8k.wav", 35.548, 1),
        ("apollo11_air_ground.mp3", None, None),
        ("stereo_diarization.wav", 5.0, 2),
    ],
)
def test_any_rate_and_layout_becomes_16k_blocks(name: str, seconds: float | None, channels: int | None) -> None:
    source = open_source(str(REAL_ASR / name))
    audio, starts = decode(REAL_ASR / name)
    assert audio.dtype == np.float32
    assert starts == [i * BLOCK for i in range(len(starts))]
    if seconds is not None:
        assert abs(audio.shape[1] / RATE - seconds) < 0.01
    if channels is not None:
        assert audio.shape[0] == channels == source.info.channels


def test_opus_sample_decodes_to_its_reference_length(sample_ref: dict[str, float]) -> None:
    audio, _ = decode(SAMPLE)
    assert abs(audio.shape[1] / RATE - sample_ref["duration"]) < 0.03


def test_stereo_keeps_channels_and_mixes_down() -> None:
    block = next(open_source(str(REAL_ASR / "stereo_diarization.wav")).blocks())
    assert block.channels.shape == (2, BLOCK)
    assert np.allclose(block.mono, block.channels.mean(axis=0))


def test_raw_pcm_matches_the_same_audio_from_a_file(tmp_path: Path) -> None:
    audio, _ = decode(REAL_ASR / "jfk.wav")
    pcm = (audio[0] * 32768).round().astype("<i2").tobytes()
    raw = np.concatenate([b.mono for b in RawSource(io.BytesIO(pcm), rate=16000, channels=1, fmt="s16le").blocks()])
    assert raw.shape == audio[0].shape
    assert np.abs(raw - audio[0]).max() < 1e-4


def test_raw_float_stereo_at_another_rate(tmp_path: Path) -> None:
    t = np.arange(48000) / 48000
    stereo = np.stack([np.sin(2 * np.pi * 440 * t), np.zeros_like(t)], axis=1).astype("<f4")
    blocks = list(RawSource(io.BytesIO(stereo.tobytes()), rate=48000, channels=2, fmt="f32le").blocks())
    audio = np.concatenate([b.channels for b in blocks], axis=1)
    assert audio.shape[0] == 2 and abs(audio.shape[1] - RATE) <= 32
    assert np.abs(audio[1]).max() < 1e-3 < np.abs(audio[0]).max()


def test_bad_files_say_what_is_wrong(tmp_path: Path) -> None:
    (tmp_path / "empty.wav").write_bytes(b"")
    (tmp_path / "notes.wav").write_text("this is not audio\n" * 50)
    cases = {
        tmp_path / "missing.wav": "no such file",
        tmp_path / "empty.wav": "is empty",
        tmp_path / "notes.wav": "not audio",
        tmp_path: "is a folder",
    }
    for path, message in cases.items():
        with pytest.raises(InputError, match=message):
            list(open_source(str(path)).blocks())


@pytest.mark.parametrize("suffix", ["flac", "wav"])
def test_truncated_file_yields_what_decodes_and_warns(tmp_path: Path, suffix: str) -> None:
    whole = tmp_path / f"whole.{suffix}"
    subprocess.run(["sox", str(REAL_ASR / "jfk.wav"), str(whole)], check=True)
    cut = tmp_path / f"cut.{suffix}"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    source = open_source(str(cut))
    audio = np.concatenate([b.mono for b in source.blocks()])
    assert 5 < len(audio) / RATE < 6
    assert len(source.warnings) == 1 and "ended early at 5." in source.warnings[0]


def test_whole_files_give_no_warning() -> None:
    for name in ("jfk.flac", "jfk.wav", "OSR_us_000_0034_8k.wav"):
        source = open_source(str(REAL_ASR / name))
        list(source.blocks())
        assert source.warnings == []


def test_silence_file_is_fine(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "silence.wav", np.zeros(RATE * 2))
    audio, _ = decode(path)
    assert audio.shape == (1, RATE * 2) and not audio.any()


def _tagged(path: Path, codec: str, tag: str | None, *, on_stream: bool = False) -> Path:
    """One second of silence in `path`, its creation_time tag `tag` on the container (or on its stream)."""
    import av

    rate = 48000 if codec == "libopus" else 16000
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=rate, layout="mono")
        assert isinstance(stream, av.AudioStream)
        if tag is not None:
            (stream if on_stream else container).metadata["creation_time"] = tag
        frame = av.AudioFrame.from_ndarray(np.zeros((1, rate), np.float32), format="flt", layout="mono")
        frame.sample_rate = rate
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            container.mux(packet)
    return path


def test_a_recordings_creation_time_is_read_from_its_container(tmp_path: Path) -> None:
    """Where the file says when it was made, that is when the call took place (`bridge replay` makes it call
    time 0 unless --started says otherwise); a missing, unreadable or zero tag says nothing."""
    when = datetime(2026, 3, 4, 14, 2, tzinfo=UTC).timestamp()
    made = "2026-03-04T14:02:00.000000Z"
    assert open_source(str(_tagged(tmp_path / "a.m4a", "aac", made))).info.created == when
    assert open_source(str(_tagged(tmp_path / "b.ogg", "libopus", made, on_stream=True))).info.created == when
    assert open_source(str(_tagged(tmp_path / "c.m4a", "aac", "2026-03-04 15:02:00+01:00"))).info.created == when
    assert open_source(str(_tagged(tmp_path / "d.m4a", "aac", None))).info.created is None
    assert open_source(str(_tagged(tmp_path / "e.m4a", "aac", "sometime in March"))).info.created is None
    assert open_source(str(_tagged(tmp_path / "f.mka", "aac", "1970-01-01T00:00:00Z"))).info.created is None
    write_wav(tmp_path / "g.wav", np.zeros(RATE, np.float32))
    assert open_source(str(tmp_path / "g.wav")).info.created is None
