from bridge.calltime import clock


def test_call_time_as_minutes_and_seconds_and_past_an_hour() -> None:
    assert [clock(t) for t in (0, 339.9, 3599.9, 3725)] == ["00:00", "05:39", "59:59", "1:02:05"]
    assert clock(-1.0) == "00:00"  # before the call started is its start


def test_tenths_round_without_showing_sixty_seconds() -> None:
    assert [clock(t, tenths=True) for t in (83.44, 59.96, 3599.96)] == ["01:23.4", "01:00.0", "1:00:00.0"]
