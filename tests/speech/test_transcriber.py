from __future__ import annotations

import msgspec
import numpy as np
import pytest

from bridge.events import Transcript
from bridge.sources.files import open_source
from bridge.speech.transcriber import Transcriber, TranscriberOptions, _looped, collapse_repeats
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


@pytest.mark.parametrize(
    "seconds, frames",
    [
        (0.5, 3000),
        (1.99, 3000),
        (2.0, 1500),
        (13.0, 1500),
        (13.01, 1501),
        (15.0, 1700),
        (27.9, 2990),
        (28.5, 3000),
        (40.0, 3000),
    ],
)
def test_the_encoder_window_fits_the_utterance(seconds: float, frames: int) -> None:
    assert TranscriberOptions().window(seconds) == frames


def test_a_30_second_floor_is_faster_whispers_window() -> None:
    assert {TranscriberOptions(window_floor=30.0).window(s) for s in (0.5, 12.0, 29.0)} == {3000}


@pytest.mark.parametrize(
    "text, seconds, looped",
    [
        (
            "The primary is at 100% CPU and lag is four minutes. The primary is at 100% CPU and lag is four minutes.",
            7,
            True,
        ),
        ("Rolling back the deploy now, rolling back the deploy now.", 4, True),
        ("next update in five minutes", 2, False),
        ("okay okay", 1, False),
        ("roll back, roll back now", 2, False),
        ("one two three four five six seven eight nine ten eleven twelve thirteen", 2, True),
        ("one two three four five six seven eight nine ten eleven twelve thirteen", 4, False),
    ],
)
def test_a_short_window_that_ran_on_is_decoded_again(text: str, seconds: float, looped: bool) -> None:
    assert _looped(text, seconds) is looped


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
def test_word_times_are_in_call_seconds_and_can_be_logged() -> None:
    audio = np.concatenate([b.mono for b in open_source(str(REAL_ASR / "jfk.flac")).blocks()])
    timed = Transcriber(resolve_whisper("base").path, TranscriberOptions(word_timestamps=True))
    result = timed.transcribe(audio, 100.0)
    assert result.words and " ".join(w.text for w in result.words) == result.text
    assert all(100.0 <= w.start <= w.end <= 100.0 + len(audio) / 16000 for w in result.words)
    assert [w.start for w in result.words] == sorted(w.start for w in result.words)
    said = Transcript(t=112.0, start=100.0, end=111.0, text=result.text, words=result.words)
    assert msgspec.json.decode(msgspec.json.encode(said), type=Transcript) == said  # plain numbers, as the log needs
    assert timed.transcribe(audio, 100.0, interim=True).words == []  # interim text needs no times


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


@pytest.mark.slow
def test_a_fitted_window_hears_what_the_30_second_one_does(transcriber: Transcriber) -> None:
    """jfk.flac (11 s) and a short line cut from it: the same words whether the encoder sees 15 s or 30 s."""
    padded = Transcriber(resolve_whisper("base").path, TranscriberOptions(window_floor=30.0))
    audio = np.concatenate([b.mono for b in open_source(str(REAL_ASR / "jfk.flac")).blocks()])
    for clip in (audio, audio[int(16000 * 3.6) : int(16000 * 6.6)]):
        fitted = transcriber.transcribe(clip).text
        assert transcriber._model.frames < 3000
        assert fitted and wer(padded.transcribe(clip).text, fitted) <= 0.1, fitted


@pytest.mark.slow
def test_noise_bursts_on_a_phone_line_give_no_words(transcriber: Transcriber) -> None:
    """What the band-limited fallback lets through when no one speaks: clicks and hiss bursts, 300-3400 Hz."""
    rng = np.random.default_rng(5)
    for seconds in (0.5, 2, 6):
        n = int(16000 * seconds)
        spectrum = np.fft.rfft(rng.normal(0, 0.05, n))
        freqs = np.fft.rfftfreq(n, 1 / 16000)
        spectrum[(freqs < 300) | (freqs > 3400)] = 0
        result = transcriber.transcribe(np.fft.irfft(spectrum, n).astype(np.float32))
        assert result.text == "", result.text
