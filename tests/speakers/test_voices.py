from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.speakers.voices import Voices, VoicesOptions

DIM = 256


def unit(v: np.ndarray) -> np.ndarray:
    return np.asarray(v / np.linalg.norm(v))


def person(seed: int) -> np.ndarray:
    return unit(np.random.default_rng(seed).standard_normal(DIM))


def utterance(voice: np.ndarray, rng: np.random.Generator, noise: float = 0.3) -> np.ndarray:
    """An utterance of `voice`: its direction plus noise of norm `noise` (cosine to the voice about 0.96)."""
    return unit(voice + unit(rng.standard_normal(DIM)) * noise)


def alike(voice: np.ndarray, cosine: float, seed: int) -> np.ndarray:
    """Another voice at exactly `cosine` to `voice`."""
    other = np.random.default_rng(seed).standard_normal(DIM)
    other = unit(other - (other @ voice) * voice)
    return np.asarray(cosine * voice + np.sqrt(1 - cosine**2) * other)


def test_two_voices_two_speakers_in_order_of_first_appearance() -> None:
    rng = np.random.default_rng(0)
    a, b = person(1), person(2)
    voices = Voices()
    labels = [voices.assign(utterance(v, rng), 2.0).label for v in (a, b, a, a, b, b, a)]
    assert labels == ["Speaker 1", "Speaker 2", "Speaker 1", "Speaker 1", "Speaker 2", "Speaker 2", "Speaker 1"]
    assert [(v.label, v.utterances) for v in voices.voices] == [("Speaker 1", 4), ("Speaker 2", 3)]


def test_similar_voices_below_the_threshold_stay_apart() -> None:
    rng = np.random.default_rng(0)
    a = person(1)
    b = alike(a, 0.7, seed=2)  # as close as two different real voices get; 0.8 is the threshold
    voices = Voices()
    matches = [voices.assign(utterance(v, rng, noise=0.15), 3.0) for v in (a, b, b, a, a, b)]
    assert [m.label[-1] for m in matches] == list("122112")
    assert [m.new for m in matches] == [True, True, False, False, False, False]


def test_a_new_speaker_and_a_confident_match() -> None:
    rng = np.random.default_rng(0)
    a = person(1)
    voices = Voices()
    first = voices.assign(utterance(a, rng), 2.0)
    assert first.new and first.similarity == 0.0 and first.confidence == 1.0
    again = voices.assign(utterance(a, rng), 2.0)
    assert not again.new and again.similarity > 0.85 and again.confidence > 0.5


def test_short_utterances_match_with_less_confidence_and_do_not_move_the_centroid() -> None:
    rng = np.random.default_rng(0)
    a, b = person(1), person(2)
    voices = Voices()
    voices.assign(utterance(a, rng), 2.0)
    # A short utterance somewhat like the speaker, but below the threshold: not a new speaker.
    near = alike(a, 0.65, seed=3)
    short = voices.assign(near, 0.5)
    assert short.label == "Speaker 1" and not short.new and short.confidence <= 0.5
    assert voices.voices[0].utterances == 1  # the centroid did not move
    # A short utterance clearly unlike everyone does open a speaker.
    assert voices.assign(utterance(b, rng), 0.5).new
    # The same utterance as a long one would have opened a speaker.
    assert Voices().assign(utterance(a, rng), 2.0).new


def test_merge_sends_later_utterances_to_the_speaker_kept() -> None:
    rng = np.random.default_rng(0)
    a, b = person(1), person(2)
    voices = Voices()
    voices.assign(utterance(a, rng), 2.0)
    voices.assign(utterance(b, rng), 2.0)
    voices.merge("Speaker 1", "Speaker 2")
    later = voices.assign(utterance(b, rng), 2.0)
    assert later.label == "Speaker 1" and not later.new
    assert [(v.label, v.merged_into) for v in voices.voices] == [("Speaker 1", None), ("Speaker 2", "Speaker 1")]
    voices.merge("Speaker 2", "Speaker 1")  # already one: nothing to do
    # A new voice still gets the next number: labels are never reused.
    assert voices.assign(utterance(person(3), rng), 2.0).label == "Speaker 3"


def test_unknown_labels_are_refused() -> None:
    voices = Voices()
    voices.assign(person(1), 2.0)
    with pytest.raises(ValueError, match="no speaker 'Speaker 9'"):
        voices.merge("Speaker 1", "Speaker 9")


# A call: which of a few voices speaks each utterance, how long, and a seed for its noise.
calls = st.lists(st.tuples(st.integers(0, 4), st.floats(0.2, 8.0), st.integers(0, 2**16)), max_size=40)


def play(call: list[tuple[int, float, int]], options: VoicesOptions | None = None, scale: float = 1.0) -> list:  # type: ignore[type-arg]
    base = [person(s) for s in range(5)]
    voices = Voices(options)
    return [
        voices.assign(utterance(base[who], np.random.default_rng(seed), noise=0.6) * scale, seconds)
        for who, seconds, seed in call
    ]


@settings(max_examples=60, deadline=None)
@given(calls, st.floats(0.5, 0.95))
def test_labels_are_given_in_order_and_never_change(call: list[tuple[int, float, int]], threshold: float) -> None:
    options = VoicesOptions(threshold=threshold)
    matches = play(call, options)
    seen: list[str] = []
    for m in matches:
        assert 0.0 <= m.confidence <= 1.0
        if m.new:
            assert m.label == f"Speaker {len(seen) + 1}"
            seen.append(m.label)
        else:
            assert m.label in seen
    # Online: what the first utterances were given does not depend on what came after.
    cut = len(call) // 2
    assert [m.label for m in play(call[:cut], options)] == [m.label for m in matches[:cut]]


@settings(max_examples=30, deadline=None)
@given(calls)
def test_only_the_direction_of_a_vector_counts(call: list[tuple[int, float, int]]) -> None:
    assert [m.label for m in play(call, scale=3.0)] == [m.label for m in play(call)]


@settings(max_examples=30, deadline=None)
@given(calls)
def test_short_utterances_never_shape_a_centroid(call: list[tuple[int, float, int]]) -> None:
    voices = Voices()
    base = [person(s) for s in range(5)]
    for who, seconds, seed in call:
        before = {v.label: v.utterances for v in voices.voices}
        m = voices.assign(utterance(base[who], np.random.default_rng(seed), noise=0.6), seconds)
        after = {v.label: v.utterances for v in voices.voices}
        if seconds < voices.options.min_seconds:
            assert m.confidence <= 0.5
            assert after == {**before, **({m.label: 1} if m.new else {})}


def test_reserved_labels_are_never_given_again() -> None:
    voices = Voices()
    voices.reserve("Speaker 4")  # used before the incident was resumed
    voices.reserve("Speaker 2")
    first = voices.assign(np.eye(8, dtype=np.float32)[0], 3.0)
    assert first.new and first.label == "Speaker 5"
