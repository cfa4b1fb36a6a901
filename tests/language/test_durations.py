from datetime import datetime, timedelta

import pytest

from bridge.language.durations import find_answer, find_time, parse_number

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
        "in five percent of requests",
        "the end of the day is when it runs",
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
    assert find_time("have it done by close of business") is None


@pytest.mark.parametrize(
    "text, at",
    [
        ("by the end of the day", "2026-11-27 17:00"),
        ("have the write-up done by close of business", "2026-11-27 17:00"),
        ("I'll send it by close of play", "2026-11-27 17:00"),
        ("by EOD", "2026-11-27 17:00"),
        ("by tomorrow morning", "2026-11-28 09:00"),
        ("the review is on Monday", "2026-11-30 00:00"),
        ("by Friday", "2026-12-04 00:00"),
        ("by the end of the week", "2026-11-27 17:00"),
    ],
)
def test_deadlines_named_by_day_resolve_to_the_next_such_time(text: str, at: str) -> None:
    found = find_time(text, AT)  # said on Friday 2026-11-27 at 14:00
    assert found is not None and (AT + timedelta(seconds=found.seconds)).strftime("%Y-%m-%d %H:%M") == at


@pytest.mark.parametrize(
    "text, seconds",
    [
        ("let's sync again in fifteen", 900),
        ("holler in five", 300),
        ("get back to me in two", 120),
        ("next update in another ten", 600),
        ("come back to me in five on the gateway", 300),
        ("tell me in three if the retries are off", 180),
        ("give us a shout in twenty when it's built", 1200),
        ("ring me in ten once the export is done", 600),
    ],
)
def test_a_bare_number_means_minutes_only_where_a_report_is_asked_for(text: str, seconds: float) -> None:
    found = find_time(text, AT, bare=True)
    assert found is not None and found.seconds == seconds
    assert find_time(text, AT) is None  # elsewhere "in five" is not a time


@pytest.mark.parametrize(
    "text", ["report back in five nodes", "check in ten percent of the fleet", "sync in two regions"]
)
def test_a_bare_number_before_a_noun_is_no_time(text: str) -> None:
    assert find_time(text, AT, bare=True) is None


@pytest.mark.parametrize(
    "text, seconds",
    [
        ("Ten, give or take.", 600),
        ("About twenty minutes.", 1200),
        ("Maybe fifteen.", 900),
        ("Five minutes tops.", 300),
        ("Um, call it thirty seconds.", 30),
        ("half an hour", None),
        ("Two hundred.", None),
        ("It takes about ten minutes to roll back.", None),
        ("Three shards are red.", None),
    ],
)
def test_an_answer_to_how_long_starts_with_the_duration(text: str, seconds: float | None) -> None:
    found = find_answer(text)
    assert (found.seconds if found is not None else None) == seconds


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
