from datetime import datetime

import pytest

from bridge.language.durations import find_time, parse_number

AT = datetime(2026, 11, 27, 14, 50)


@pytest.mark.parametrize(
    "text, seconds",
    [
        ("next update in two minutes", 120),
        ("report back in 3 minutes", 180),
        ("within ten minutes please", 600),
        ("in the next five minutes", 300),
        ("in a couple of minutes", 120),
        ("in a few minutes", 180),
        ("in half an hour", 1800),
        ("ping me in 90 seconds", 90),
        ("in about twenty five minutes", 1500),
        ("in one and a half minutes", 90),
        ("in an hour", 3600),
        ("in 5 mins", 300),
        ("in a minute", 60),
        ("in another 10 minutes", 600),
        ("at three thirty", 40 * 60),
        ("by 3:30", 40 * 60),
        ("at the top of the hour", 600),
        ("at half past three", 40 * 60),
        ("at 15:10", 20 * 60),
        ("at four o'clock", 70 * 60),
        ("by 3 pm", 10 * 60),
    ],
)
def test_spoken_times(text: str, seconds: float) -> None:
    found = find_time(text, AT)
    assert found is not None and found.seconds == seconds
    assert found.phrase in text


@pytest.mark.parametrize(
    "text",
    [
        "error rate is around twelve percent",
        "at three percent",
        "for five minutes we wait",
        "by the end of the day",
        "it takes about five minutes to propagate at most",
        "the deploy at noon",
        "",
    ],
)
def test_not_deadlines(text: str) -> None:
    found = find_time(text, AT)
    assert found is None


def test_clock_times_need_the_wall_clock() -> None:
    assert find_time("report back at three thirty") is None


def test_numbers() -> None:
    assert [parse_number(w) for w in ["twenty five", "90", "a", "one hundred and twenty", "zero", "seven"]] == [
        25,
        90,
        1,
        120,
        0,
        7,
    ]
    assert parse_number("lots") is None
