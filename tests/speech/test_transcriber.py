from __future__ import annotations

import numpy as np
import pytest

from bridge.sources.files import open_source
from bridge.speech.transcriber import Transcriber, collapse_repeats
from bridge.weights import resolve_whisper
from tests.conftest import REAL_ASR, wer


@pytest.mark.parametrize(
    "text, expected",
    [
        ("thank you thank you thank you thank you", "thank you"),
        ("I see. I see. I see.", "I see."),
        ("we will roll back, roll back, roll back now", "we will roll back now"),
        ("okay okay", "okay okay"),  # twice is speech, not a loop
        ("the rollback is the rollback is the rollback is done", "the rollback is done"),
        ("next update in two minutes", "next update in two minutes"),
    ],
)
def test_collapse_repeats(text: str, expected: str) -> None:
    assert collapse_repeats(text) == expected


@pytest.fixture(scope="module")
def transcriber() -> Transcriber:
    return Transcriber(resolve_whisper("base").path)


@pytest.mark.slow
def test_real_speech(transcriber: Transcriber) -> None:
    audio = np.concatenate([b.mono for b in open_source(str(REAL_ASR / "jfk.flac")).blocks()])
    result = transcriber.transcribe(audio)
    assert wer((REAL_ASR / "jfk.txt").read_text(), result.text) < 0.1
    assert result.confidence is not None and 0.3 < result.confidence <= 1


@pytest.mark.slow
@pytest.mark.parametrize("seconds", [1, 5, 20])
def test_silence_and_noise_alone_give_no_words(transcriber: Transcriber, seconds: int) -> None:
    rng = np.random.default_rng(seconds)
    for audio in (
        np.zeros(16000 * seconds),
        rng.normal(0, 0.1, 16000 * seconds),
        rng.normal(0, 0.01, 16000 * seconds),
    ):
        result = transcriber.transcribe(audio.astype(np.float32))
        assert result.text == "", result.text
        assert result.confidence is None
