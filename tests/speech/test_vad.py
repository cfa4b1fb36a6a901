import numpy as np
from faster_whisper.vad import get_vad_model

from bridge.sources.files import open_source
from bridge.speech.vad import WINDOW, SileroVad
from tests.conftest import REAL_ASR


def jfk() -> np.ndarray:
    audio = np.concatenate([b.mono for b in open_source(str(REAL_ASR / "jfk.flac")).blocks()])
    return audio[: len(audio) // WINDOW * WINDOW]


def test_streaming_gives_the_whole_file_probabilities() -> None:
    audio = jfk()
    whole = get_vad_model()(audio).reshape(-1)
    vad = SileroVad()
    rng = np.random.default_rng(1)
    out, i = [], 0
    while i < len(audio):
        n = int(rng.integers(1, 12)) * WINDOW
        out.append(vad(audio[i : i + n]))
        i += n
    assert np.allclose(np.concatenate(out), whole, atol=1e-6)


def test_speech_is_likely_and_silence_is_not() -> None:
    vad = SileroVad()
    probs = vad(jfk())
    assert probs[20:60].mean() > 0.7  # "And so my fellow Americans"
    vad.reset()
    assert vad(np.zeros(WINDOW * 50, dtype=np.float32)).max() < 0.1
