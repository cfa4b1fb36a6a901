"""The segmenter core, with lists in and lists out: a loudness 'VAD' stands in for Silero's judgement
(the real model is tested in test_vad.py), so each case says exactly where speech is."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.speech.segmenter import Cut, Segmenter, SegmenterOptions
from bridge.speech.vad import WINDOW

RATE = 16000


def loudness(audio: np.ndarray) -> np.ndarray:
    return np.asarray(np.abs(audio.reshape(-1, WINDOW)).mean(axis=1) > 0.05, np.float32)


def call(*parts: tuple[str, float]) -> np.ndarray:
    """('speech', 1.5), ('silence', 0.3), ... -> audio; speech is a 0.5-amplitude tone."""
    out = []
    for kind, seconds in parts:
        n = int(seconds * RATE)
        out.append(0.5 * np.sin(np.arange(n) * 0.1) if kind == "speech" else np.zeros(n))
    return np.concatenate(out).astype(np.float32)


def run(audio: np.ndarray, options: SegmenterOptions | None = None, block: int = 1600) -> list[Cut]:
    seg = Segmenter(loudness, options)
    cuts = []
    for i in range(0, len(audio), block):
        cuts += seg.push(audio[i : i + block])
    return cuts + seg.finish()


def finals(cuts: list[Cut]) -> list[tuple[float, float]]:
    return [(round(c.start / RATE, 2), round(c.end / RATE, 2)) for c in cuts if c.kind == "final"]


def test_two_utterances_split_by_a_pause() -> None:
    cuts = run(call(("silence", 1), ("speech", 2), ("silence", 1), ("speech", 1), ("silence", 2)))
    assert finals(cuts) == [(0.99, 3.01), (4.0, 5.02)]  # window-aligned: 32 ms steps


def test_final_is_decided_after_min_silence_and_carries_padding() -> None:
    cuts = run(call(("silence", 1), ("speech", 2), ("silence", 2)))
    final = next(c for c in cuts if c.kind == "final")
    assert abs(final.at / RATE - (final.end / RATE + 0.5)) < 0.04
    assert final.audio_start == final.start - int(0.4 * RATE)
    assert len(final.audio) == final.end + int(0.2 * RATE) - final.audio_start


def test_tentative_comes_before_its_final_with_the_same_audio() -> None:
    cuts = run(call(("silence", 1), ("speech", 2), ("silence", 2)))
    kinds = [c.kind for c in cuts]
    assert kinds.index("tentative") < kinds.index("final")
    tentative, final = (next(c for c in cuts if c.kind == k) for k in ("tentative", "final"))
    assert tentative.key == final.key
    assert np.array_equal(tentative.audio, final.audio)


def test_a_short_pause_does_not_end_the_utterance_but_resets_the_tentative() -> None:
    cuts = run(call(("speech", 1), ("silence", 0.3), ("speech", 1), ("silence", 1)))
    assert len(finals(cuts)) == 1
    tentatives = [c for c in cuts if c.kind == "tentative"]
    assert len(tentatives) == 2 and tentatives[-1].key == next(c for c in cuts if c.kind == "final").key


def test_interim_at_most_once_per_second_of_speech() -> None:
    cuts = run(call(("speech", 3.5), ("silence", 1)))
    interims = [c for c in cuts if c.kind == "interim"]
    assert len(interims) == 3
    assert all(b.at - a.at >= RATE for a, b in itertools.pairwise(interims))
    assert all(c.start == interims[0].start for c in interims)


def test_silence_and_clicks_give_nothing() -> None:
    assert run(call(("silence", 60))) == []
    assert finals(run(call(("silence", 1), ("speech", 0.05), ("silence", 2)))) == []


def test_a_monologue_is_cut_at_its_last_pause_before_the_limit() -> None:
    parts = [("speech", 4.0), ("silence", 0.2)] * 5 + [("silence", 1)]
    cuts = run(call(*parts))
    spans = finals(cuts)
    assert all(end - start <= 15.0 for start, end in spans)
    assert len(spans) == 2
    assert 12 < spans[0][1] < 13.0  # the pause after the third sentence


def test_a_monologue_without_pauses_is_cut_hard_at_the_limit() -> None:
    spans = finals(run(call(("speech", 40), ("silence", 1))))
    assert [round(b - a) for a, b in spans] == [15, 15, 10]
    assert all(b[0] == a[1] for a, b in itertools.pairwise(spans))  # no audio lost or doubled


def test_speech_running_at_the_end_of_the_stream_is_final() -> None:
    assert finals(run(call(("silence", 1), ("speech", 1.5)))) == [(0.99, 2.5)]


def test_audio_is_never_shared_between_utterances() -> None:
    cuts = [c for c in run(call(("speech", 1), ("silence", 0.55), ("speech", 1), ("silence", 1))) if c.kind == "final"]
    assert len(cuts) == 2
    assert cuts[0].audio_start + len(cuts[0].audio) <= cuts[1].audio_start


@settings(max_examples=30, deadline=None)
@given(
    st.integers(min_value=200, max_value=9000),
    st.lists(
        st.tuples(st.sampled_from(["speech", "silence"]), st.floats(min_value=0.05, max_value=3)),
        min_size=1,
        max_size=12,
    ),
)
def test_cuts_do_not_depend_on_block_size(block: int, parts: list[tuple[str, float]]) -> None:
    audio = call(*parts)
    reference = [(c.kind, c.start, c.end, c.at) for c in run(audio, block=1600)]
    assert [(c.kind, c.start, c.end, c.at) for c in run(audio, block=block)] == reference
    times = [c.at for c in run(audio, block=block)]
    assert times == sorted(times)
    for c in run(audio, block=block):
        assert c.audio_start <= c.start <= c.end <= c.audio_start + len(c.audio) or c.kind == "interim"


def test_a_segmenter_started_later_in_call_time_cuts_the_same_audio_later() -> None:
    audio = call(("silence", 1), ("speech", 2), ("silence", 1), ("speech", 20), ("silence", 2))
    later = Segmenter(loudness, start=123_457)  # a resumed incident goes on from there
    moved = [c for i in range(0, len(audio), 1600) for c in later.push(audio[i : i + 1600])] + later.finish()
    reference = run(audio)
    assert len(moved) == len(reference) > 3
    for a, b in zip(moved, reference, strict=True):
        assert (a.kind, a.start, a.end, a.audio_start, a.at) == (
            b.kind,
            b.start + 123_457,
            b.end + 123_457,
            b.audio_start + 123_457,
            b.at + 123_457,
        )
        assert np.array_equal(a.audio, b.audio)
