from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.events import Word
from bridge.speakers.changes import ChangeOptions, candidates, parts, spans, splits

DIM = 256


def unit(v: np.ndarray) -> np.ndarray:
    return np.asarray(v / np.linalg.norm(v))


def person(seed: int) -> np.ndarray:
    return unit(np.random.default_rng(seed).standard_normal(DIM))


def alike(voice: np.ndarray, cosine: float, seed: int) -> np.ndarray:
    """Another voice at exactly `cosine` to `voice`."""
    other = np.random.default_rng(seed).standard_normal(DIM)
    other = unit(other - (other @ voice) * voice)
    return np.asarray(cosine * voice + np.sqrt(1 - cosine**2) * other)


def said(*timed: tuple[float, float, str]) -> list[Word]:
    return [Word(a, b, text, 0.9) for a, b, text in timed]


# "Priya, can you check the pool?" then, 0.3 s later, "Checking it now."
QUESTION_AND_ANSWER = said(
    (10.0, 10.4, "Priya,"),
    (10.5, 10.7, "can"),
    (10.7, 10.9, "you"),
    (10.9, 11.2, "check"),
    (11.2, 11.4, "the"),
    (11.4, 11.9, "pool?"),
    (12.2, 12.7, "Checking"),
    (12.7, 12.9, "it"),
    (12.9, 13.4, "now."),
)


def test_candidates_are_gaps_with_enough_speech_on_both_sides() -> None:
    assert candidates(QUESTION_AND_ANSWER) == [6]
    # The 0.1 s after "Priya," is under min_gap; with a lower one it is too near the start to be a part.
    assert candidates(QUESTION_AND_ANSWER, ChangeOptions(min_gap=0.05)) == [6]
    assert candidates(QUESTION_AND_ANSWER, ChangeOptions(min_side=1.5)) == []
    assert candidates(QUESTION_AND_ANSWER[:1]) == []


def test_only_the_widest_gaps_are_tried() -> None:
    words = said(*((float(i), i + 0.6 + 0.02 * (i % 3), f"w{i}") for i in range(12)))
    tried = candidates(words, ChangeOptions(candidates=2, min_side=0.5))
    assert len(tried) == 2
    gaps = {i: words[i].start - words[i - 1].end for i in range(1, len(words))}
    assert min(gaps[i] for i in tried) >= max(g for i, g in gaps.items() if i not in tried and 0 < i < 11)


def test_spans_cover_the_utterance_cut_in_the_middle_of_each_gap() -> None:
    assert spans(QUESTION_AND_ANSWER, [6], 9.8, 13.6) == [(9.8, pytest.approx(12.05)), (pytest.approx(12.05), 13.6)]
    assert spans(QUESTION_AND_ANSWER, [], 9.8, 13.6) == [(9.8, 13.6)]


def test_two_voices_either_side_of_the_gap_are_split() -> None:
    a = person(1)
    b = alike(a, 0.5, seed=2)
    assert splits(np.stack([a, b]), [2.2, 1.5], [6]) == [6]
    assert parts(QUESTION_AND_ANSWER, [6]) == [QUESTION_AND_ANSWER[:6], QUESTION_AND_ANSWER[6:]]


def test_one_voice_either_side_is_not_split() -> None:
    a = person(1)
    assert splits(np.stack([a, alike(a, 0.9, seed=3)]), [2.2, 1.5], [6]) == []


def test_a_side_too_short_to_tell_is_not_split_off() -> None:
    a, b = person(1), person(2)
    assert splits(np.stack([a, b]), [2.2, 0.6], [6]) == []


def test_the_change_is_found_among_several_gaps_by_the_sides_means() -> None:
    a, b = person(1), person(2)
    # Three stretches of the commander, then two of the responder: only the cut between them.
    vectors = np.stack([alike(a, 0.95, 10 + i) for i in range(3)] + [alike(b, 0.95, 20 + i) for i in range(2)])
    assert splits(vectors, [1.2] * 5, [3, 6, 9, 12]) == [9]


def test_three_speakers_give_two_cuts() -> None:
    a, b, c = person(1), person(2), person(3)
    assert splits(np.stack([a, b, c]), [1.5, 1.5, 1.5], [4, 8]) == [4, 8]


def test_a_vector_for_each_stretch() -> None:
    with pytest.raises(ValueError, match="one vector"):
        splits(np.stack([person(1)]), [1.0], [3])


@given(st.lists(st.tuples(st.floats(0.05, 1.0), st.floats(0.0, 0.8)), min_size=1, max_size=30), st.integers(0, 5))
def test_parts_keep_every_word_once_in_order_and_cuts_leave_long_enough_sides(
    timing: list[tuple[float, float]], seed: int
) -> None:
    words, t = [], 0.0
    for i, (length, gap) in enumerate(timing):
        words.append(Word(round(t, 3), round(t + length, 3), f"w{i}", 0.9))
        t += length + gap
    o = ChangeOptions(min_side=0.5)
    cuts = candidates(words, o)
    assert cuts == sorted(set(cuts)) and len(cuts) <= o.candidates
    for i in cuts:
        assert words[i].start - words[i - 1].end >= o.min_gap
        assert words[i - 1].end - words[0].start >= o.min_side and words[-1].end - words[i].start >= o.min_side
    stretches = spans(words, cuts, words[0].start, words[-1].end)
    rng = np.random.default_rng(seed)
    chosen = splits(rng.standard_normal((len(stretches), DIM)), [b - a for a, b in stretches], cuts, o)
    assert set(chosen) <= set(cuts)
    pieces = parts(words, chosen)
    assert [w for p in pieces for w in p] == words and all(pieces)
