import json

import numpy as np
from faster_whisper.vad import get_vad_model

from bridge.sources.files import open_source
from bridge.speech.segmenter import Segmenter
from bridge.speech.vad import WINDOW, EnergyRise, SileroVad
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


def _narrowband_bursts(seconds: float, bursts: list[tuple[float, float]], level: float = 0.05) -> np.ndarray:
    """Phone-band hiss (300-3400 Hz) at -60 dB, louder in `bursts` (start, end seconds): radio speech's shape."""
    n = int(seconds * 16000) // WINDOW * WINDOW
    gain = np.full(n, 0.001)
    for start, end in bursts:
        gain[int(start * 16000) : int(end * 16000)] = level
    spectrum = np.fft.rfft(np.random.default_rng(7).normal(0, 1, n) * gain)
    freqs = np.fft.rfftfreq(n, 1 / 16000)
    spectrum[(freqs < 300) | (freqs > 3400)] = 0
    return np.fft.irfft(spectrum, n).astype(np.float32)


def test_loud_stretches_of_band_limited_audio_are_speech() -> None:
    audio = _narrowband_bursts(12, [(2, 4), (6, 6.5), (8, 11)])
    energy = EnergyRise()
    probs = energy(audio.reshape(-1, WINDOW))
    seconds = np.arange(len(probs)) * WINDOW / 16000
    assert energy.band_limited
    for start, end in [(2, 4), (6, 6.5), (8, 11)]:
        assert probs[(seconds > start + 0.05) & (seconds < end - 0.05)].min() > 0.9
    assert probs[(seconds > 4.1) & (seconds < 5.9)].max() < 0.1


def test_steady_hiss_is_not_speech() -> None:
    audio = _narrowband_bursts(10, [(0, 10)])
    probs = EnergyRise()(audio.reshape(-1, WINDOW))
    assert probs[16000 // WINDOW :].max() < 0.1


def test_energy_is_judged_the_same_whatever_the_blocks() -> None:
    windows = _narrowband_bursts(12, [(2, 4), (8, 11)]).reshape(-1, WINDOW)
    whole = EnergyRise()(windows)
    blocks, out, i = EnergyRise(), [], 0
    for n in np.random.default_rng(3).integers(1, 9, size=len(windows)):
        out.append(blocks(windows[i : i + n]))
        i += int(n)
    assert np.array_equal(np.concatenate(out), whole)


def test_wideband_audio_is_left_to_silero() -> None:
    audio = jfk()
    energy = EnergyRise()
    energy(audio.reshape(-1, WINDOW))
    assert not energy.band_limited
    assert np.array_equal(SileroVad()(audio), SileroVad(band_limited_fallback=False)(audio))


def test_band_limited_speech_silero_misses_is_heard() -> None:
    """Apollo 11 air-ground radio (8 kHz): speech Silero alone scores near zero, found by its level."""
    audio = np.concatenate([b.mono for b in open_source(str(REAL_ASR / "apollo11_air_ground.mp3")).blocks()])
    audio = audio[: len(audio) // WINDOW * WINDOW]
    seconds = np.arange(len(audio) // WINDOW) * WINDOW / 16000
    no_problem = (seconds > 74.1) & (seconds < 75.1)  # "Okay, no problem."
    assert SileroVad(band_limited_fallback=False)(audio)[no_problem].max() < 0.1
    assert SileroVad()(audio)[no_problem].max() > 0.8  # the segmenter's threshold is 0.5


def test_every_transmission_of_a_radio_loop_reaches_the_transcriber() -> None:
    """Apollo 11 air-ground (8-kHz MP3): each of the 15 transmissions that Whisper large hears is overlapped
    by an utterance the segmenter cuts for at least 0.3 s of it; Silero alone misses 5 outright."""
    path = REAL_ASR / "apollo11_air_ground.mp3"
    segments = json.loads((REAL_ASR / "apollo11_air_ground.whisper-large.segments.json").read_text())["segments"]

    def missed(vad: SileroVad) -> list[str]:
        segmenter = Segmenter(vad)
        cuts = [c for b in open_source(str(path)).blocks() for c in segmenter.push(b.mono)] + segmenter.finish()
        spans = [(c.start / 16000, c.end / 16000) for c in cuts if c.kind == "final"]
        heard = [sum(max(0.0, min(end, s["end"]) - max(start, s["start"])) for start, end in spans) for s in segments]
        return [s["text"] for s, h in zip(segments, heard, strict=True) if h < min(0.3, s["end"] - s["start"])]

    assert missed(SileroVad()) == []
    assert len(missed(SileroVad(band_limited_fallback=False))) >= 5


def test_every_turn_of_a_real_phone_call_reaches_the_transcriber() -> None:
    """pyannote's sample (two people on a band-limited line, RTTM reference): the audio the transcriber is
    given for the final utterances overlaps each of its 10 turns for at least 0.3 s of it, the opening
    "Hello?" included, which Silero alone gives only 0.13 s of speech before the call has proven band-limited."""
    diarization = REAL_ASR.parent / "audio_diarization"
    turns = []
    for line in (diarization / "pyannote_sample.rttm").read_text().splitlines():
        fields = line.split()
        turns.append((float(fields[3]), float(fields[3]) + float(fields[4])))
    segmenter = Segmenter(SileroVad())
    path = str(diarization / "pyannote_sample.wav")
    cuts = [c for b in open_source(path).blocks() for c in segmenter.push(b.mono)] + segmenter.finish()
    spans = [(c.audio_start / 16000, (c.audio_start + len(c.audio)) / 16000) for c in cuts if c.kind == "final"]
    heard = [sum(max(0.0, min(end, b) - max(start, a)) for start, end in spans) for a, b in turns]
    assert [turn for turn, h in zip(turns, heard, strict=True) if h < min(0.3, turn[1] - turn[0])] == []


def test_the_noise_floor_is_numpys_percentile_of_the_recent_levels() -> None:
    from bridge.speech.vad import _RunningQuantile

    values = np.random.default_rng(5).normal(-60, 10, 3000).round(1)  # rounded: ties, as quiet levels have
    floor = _RunningQuantile(937, 0.05)
    for i, value in enumerate(values.tolist()):
        floor.add(value)
        assert floor.value() == float(np.percentile(values[max(0, i - 936) : i + 1], 5))
