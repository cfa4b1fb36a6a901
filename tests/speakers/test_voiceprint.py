from __future__ import annotations

import itertools
import json
import pickle
import struct
import wave
from pathlib import Path

import numpy as np
import pytest

from bridge import weights as models
from bridge.errors import ModelError
from bridge.speakers.voiceprint import DIMENSIONS, VoiceEncoder, load_weights
from tests.conftest import ROOT, SHARED

REAL = SHARED / "data" / "real"
REFERENCE = ROOT / "tests" / "data" / "voiceprint_reference.json"
LIBRIVOX = REAL / "audio_asr" / "librivox_pocketsphinx"


def read(path: Path, start: float = 0.0, end: float | None = None) -> np.ndarray:
    """A 16-bit 16 kHz mono WAV as float32, the way scripts/voiceprint_reference.py read it for Resemblyzer."""
    with wave.open(str(path)) as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    stop = None if end is None else round(end * 16000)
    return (pcm[round(start * 16000) : stop] / 32768).astype(np.float32)


# A legacy torch.save file written opcode by opcode (pickle protocol 2), so that the loader is tested
# without torch: the header pickles, the state dict naming storages by persistent id, the storage keys,
# then each storage as an int64 count and its float32 values.


def _str(s: str) -> bytes:
    return b"X" + struct.pack("<I", len(s)) + s.encode()


def _int(n: int) -> bytes:
    return b"J" + struct.pack("<i", n)


def _global(module: str, name: str) -> bytes:
    return b"c" + f"{module}\n{name}\n".encode()


def _tuple(items: list[bytes]) -> bytes:
    return b"(" + b"".join(items) + b"t"


def _tensor(key: str, size: int, offset: int, shape: tuple[int, ...], stride: tuple[int, ...]) -> bytes:
    storage = _tuple([_str("storage"), _global("torch", "FloatStorage"), _str(key), _str("cpu"), _int(size), b"N"])
    hooks = _global("collections", "OrderedDict") + b")R"
    args = [storage + b"Q", _int(offset), _tuple([_int(n) for n in shape]), _tuple([_int(s) for s in stride])]
    return _global("torch._utils", "_rebuild_tensor_v2") + _tuple([*args, b"\x89", hooks]) + b"R"


def legacy_file(path: Path, tensors: dict[str, bytes], storages: dict[str, np.ndarray]) -> Path:
    header = pickle.dumps(0x1950A86A20F9469CFC6C, 2) + pickle.dumps(1001, 2)
    header += pickle.dumps({"protocol_version": 1001, "little_endian": True}, 2)
    state = b"".join(_str(name) + t for name, t in tensors.items())
    main = b"\x80\x02}(" + _str("model_state") + _global("collections", "OrderedDict") + b")R(" + state + b"uu."
    data = b"".join(struct.pack("<q", len(v)) + v.astype("<f4").tobytes() for v in storages.values())
    path.write_bytes(header + main + pickle.dumps(list(storages), 2) + data)
    return path


def test_a_legacy_torch_file_is_read_without_torch(tmp_path: Path) -> None:
    flat = np.arange(12, dtype=np.float32)
    path = legacy_file(
        tmp_path / "w.pt",
        {"a": _tensor("k1", 12, 2, (2, 3), (3, 1)), "b": _tensor("k1", 12, 0, (3, 2), (1, 3))},
        {"k1": flat},
    )
    weights = load_weights(path)
    np.testing.assert_array_equal(weights["a"], flat[2:8].reshape(2, 3))
    np.testing.assert_array_equal(weights["b"], flat[:6].reshape(2, 3).T)  # a transposed view of the storage
    assert weights["a"].dtype == np.float32 and weights["a"].flags.writeable


def test_a_tensor_reaching_past_its_storage_is_refused(tmp_path: Path) -> None:
    path = legacy_file(tmp_path / "w.pt", {"a": _tensor("k", 4, 2, (2, 2), (2, 1))}, {"k": np.zeros(4, np.float32)})
    with pytest.raises(ModelError, match="outside its storage"):
        load_weights(path)


class _Exploit:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        import os

        return (os.system, ("touch PWNED",))


def test_a_weights_file_that_would_run_code_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "evil.pt"
    path.write_bytes(b"".join(pickle.dumps(x, 2) for x in (0x1950A86A20F9469CFC6C, 1001, {"little_endian": True})))
    with open(path, "ab") as f:
        f.write(pickle.dumps({"model_state": _Exploit()}, 2))
    with pytest.raises(ModelError, match=r"(posix|os)\.system is not allowed.*bridge models install voice"):
        load_weights(path)
    assert not (tmp_path / "PWNED").exists()


def test_a_file_that_is_not_weights_says_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "w.pt").write_bytes(b"PK\x03\x04 not a legacy pickle")
    with pytest.raises(ModelError, match="bridge models install voice"):
        load_weights(tmp_path / "w.pt")
    with pytest.raises(ModelError, match="bridge models install voice"):
        load_weights(tmp_path / "missing.pt")


@pytest.fixture(scope="module")
def encoder() -> VoiceEncoder:
    return VoiceEncoder(models.resolve_voice())


@pytest.mark.slow
def test_embeddings_match_resemblyzer_on_real_recordings(encoder: VoiceEncoder) -> None:
    clips = json.loads(REFERENCE.read_text())["clips"]
    ours = encoder.embed_many([read(REAL / c["file"], c["start"], c["end"]) for c in clips])
    for clip, mine in zip(clips, ours, strict=True):
        theirs = np.array(clip["embedding"])
        cosine = float(mine @ theirs / np.linalg.norm(theirs))
        assert cosine >= 0.999, (clip["file"], clip["start"], cosine)


@pytest.mark.slow
def test_one_reader_is_closer_to_herself_than_to_anyone_else(encoder: VoiceEncoder) -> None:
    same = encoder.embed_many([read(p) for p in sorted(LIBRIVOX.glob("*.wav"))])
    others = encoder.embed_many(
        [read(REAL / "audio_asr" / "jfk.wav"), read(REAL / "audio_asr" / "picovoice_leopard_test.wav")]
        + [read(REAL / "audio_diarization" / "picovoice_falcon_test.wav", a, b) for a, b in [(6.2, 11.1), (12.8, 18)]]
    )
    within = [float(a @ b) for a, b in itertools.combinations(same, 2)]
    between = (same @ others.T).ravel()
    assert min(within) > float(between.max()) + 0.05


def test_batching_changes_nothing_and_vectors_are_unit(encoder: VoiceEncoder) -> None:
    jfk = read(REAL / "audio_asr" / "jfk.wav")
    pieces = [jfk[:8000], jfk[:40000], jfk]
    batch = encoder.embed_many(pieces)
    assert batch.shape == (3, DIMENSIONS) and batch.dtype == np.float32
    for piece, row in zip(pieces, batch, strict=True):
        np.testing.assert_allclose(encoder.embed(piece), row, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(batch, axis=1), 1, atol=1e-5)
    assert encoder.embed_many([]).shape == (0, DIMENSIONS)


def test_silence_and_quiet_speech(encoder: VoiceEncoder) -> None:
    assert np.isfinite(encoder.embed(np.zeros(16000, np.float32))).all()
    jfk = read(REAL / "audio_asr" / "jfk.wav")
    # jfk.wav is at -17 dBFS: a line 20 or 40 dB quieter is raised to -30 dBFS, so both sound alike to the
    # encoder; louder audio is left as it is (as Resemblyzer does), so level above -30 dBFS still counts.
    assert float(encoder.embed(jfk * 0.01) @ encoder.embed(jfk * 0.1)) > 0.999


def test_a_missing_model_names_the_command_that_installs_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIDGE_MODELS", str(tmp_path))
    with pytest.raises(ModelError, match="bridge models install voice"):
        models.resolve_voice()
