import pytest

from bridge.events import Gap
from bridge.report.airtime import participants, silences
from tests.golden import said


def test_speaking_time_and_share_per_person_unattributed_last() -> None:
    lines = [said(0, 4, "a", "Ann"), said(5, 6, "b"), said(7, 10, "c", "bob"), said(11, 13, "d", "Bob")]
    got = participants(lines)
    assert [(p.name, p.spoke, p.lines) for p in got] == [("bob", 5.0, 2), ("Ann", 4.0, 1), (None, 1.0, 1)]
    assert sum(p.share for p in got) == pytest.approx(1.0)


def test_no_speech_no_participants() -> None:
    assert participants([]) == []


def test_silences_between_speech_and_at_the_end() -> None:
    lines = [said(0, 5, "a"), said(2, 8, "b"), said(40, 41, "c"), said(50, 52, "d")]
    got = silences(lines, now=100.0, after=30.0, started=1000.0)
    assert [(s.start, s.end, s.length, s.wall, s.until_end) for s in got] == [
        (8, 40, 32.0, 1008.0, False),
        (52, 100.0, 48.0, 1052.0, True),
    ]


def test_overlapping_speech_is_not_silence() -> None:
    lines = [said(0, 50, "a long one"), said(10, 12, "b"), said(60, 61, "c")]
    assert silences(lines, now=61, after=30.0, started=0.0) == []


def test_a_gap_is_not_silence_but_nothing_heard() -> None:
    lines = [said(0, 10, "x"), said(190, 200, "y")]
    gap = Gap(t=150, start=60, end=150, reason="resume")
    got = silences(lines, now=260.0, after=30.0, started=0.0, gaps=[gap])
    assert [(s.start, s.end) for s in got] == [(10, 60), (150, 190), (200, 260)]
