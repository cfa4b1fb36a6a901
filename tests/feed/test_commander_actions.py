import math
from typing import Any, get_args

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.errors import CommandError
from bridge.events import (
    ActionItem,
    Alert,
    CheckMet,
    CommandAction,
    Correction,
    Decision,
    Event,
    LoggedEvent,
    Session,
    SourceInfo,
    StatusCheck,
    Transcript,
)
from bridge.feed.commander_actions import MAX_NAME, MAX_TEXT, command_id, validate

EVIDENCE: dict[str, Any] = {
    "start": 40.0,
    "end": 47.0,
    "quote": "q",
    "source": 2,
    "by": "Rosa",
    "confidence": 0.9,
    "category": "mitigation",
}


def logged(*events: Event) -> list[Event]:
    return [msgspec.structs.replace(e, seq=i) for i, e in enumerate(events, 1)]


HISTORY = logged(
    Session(
        t=0.0,
        incident="i",
        started=1000.0,
        version="0",
        model=None,
        source=SourceInfo(uri="-", kind="stdin"),
    ),
    Transcript(
        t=47.0, start=40.0, end=47.0, text="We fail over. Victor, run it and report in three minutes.", speaker="Rosa"
    ),
    Decision(t=47.0, text="fail over to the standby cache", **EVIDENCE),  # 3
    ActionItem(t=47.0, owner="Victor", task="run the failover", due=227.0, **EVIDENCE),  # 4
    StatusCheck(t=47.0, owner="Victor", due=227.0, **EVIDENCE),  # 5
    Alert(t=228.0, kind="status_overdue", message="No update from Victor", owner="Victor", ref=5),  # 6
    Transcript(t=230.0, start=229.0, end=230.0, text="hello?"),  # 7: nobody attributed
    StatusCheck(t=231.0, owner=None, due=400.0, **EVIDENCE),  # 8
    CheckMet(t=300.0, ref=8, source=7, by=None, late=0.0),  # 9
)
NOW = 250.0


def command(action: str, ref: Any, **fields: Any) -> dict[str, Any]:
    return {"type": "command", "id": "c1", "action": action, "ref": ref, **fields}


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (command("acknowledge", 6), Correction(t=NOW, action="acknowledge", ref=6)),
        (command("received", 5), Correction(t=NOW, action="received", ref=5)),
        (command("snooze", 5, until=300), Correction(t=NOW, action="snooze", ref=5, until=300.0)),
        (command("confirm", 3), Correction(t=NOW, action="confirm", ref=3)),
        (command("dismiss", 4), Correction(t=NOW, action="dismiss", ref=4)),
        (command("edit", 3, text="  fail over  to B "), Correction(t=NOW, action="edit", ref=3, text="fail over to B")),
        (
            command("edit", 4, text="run it", owner="Maya", due=600),
            Correction(t=NOW, action="edit", ref=4, text="run it", owner="Maya", due=600.0),
        ),
        (command("edit", 5, owner="Maya"), Correction(t=NOW, action="edit", ref=5, owner="Maya")),
        (command("edit", 5, due=500.5), Correction(t=NOW, action="edit", ref=5, due=500.5)),
        (
            command("rename", 2, name="Rosa Díaz"),
            Correction(t=NOW, action="rename", ref=2, speaker="Rosa", name="Rosa Díaz"),
        ),
    ],
)
def test_each_action_becomes_its_correction(message: dict[str, Any], expected: Correction) -> None:
    assert validate(message, HISTORY, NOW) == expected


@pytest.mark.parametrize(
    ("action", "ref", "says"),
    [
        ("acknowledge", 5, "applies to an alert; event 5 is a status check"),
        ("received", 6, "applies to a status check; event 6 is an alert"),
        ("snooze", 4, "applies to a status check; event 4 is an action item"),
        ("confirm", 5, "applies to a decision or an action item; event 5 is a status check"),
        ("dismiss", 2, "event 2 is a transcript"),
        ("edit", 6, "applies to a decision or an action item or a status check; event 6 is an alert"),
        ("rename", 3, "applies to a transcript; event 3 is a decision"),
        ("confirm", 1, "event 1 is a session"),
        ("confirm", 9, "event 9 is a check_met"),
    ],
)
def test_an_action_applies_only_to_its_kind_of_event(action: str, ref: int, says: str) -> None:
    with pytest.raises(CommandError, match=says):
        validate(command(action, ref), HISTORY, NOW)


@pytest.mark.parametrize(
    ("message", "says"),
    [
        ({"type": "catch_up", "after": 0}, "not a command"),
        ({**command("confirm", 3), "id": ""}, "'id' must be"),
        ({**command("confirm", 3), "id": "x" * 65}, "'id' must be"),
        ({**command("confirm", 3), "id": 7}, "'id' must be"),
        (command("approve", 3), "unknown action 'approve'"),
        (command("attribute", 2, speaker="Maya"), "unknown action 'attribute'"),  # the tool's own, after the call
        ({**command("confirm", 3), "action": None}, "unknown action None"),
        (command("confirm", 3, text="x"), "confirm takes no 'text'"),
        (command("acknowledge", 6, by="someone else"), "acknowledge takes no 'by'"),
        (command("edit", 4, seconds=5), "edit takes no 'seconds'"),
        (command("rename", 2, name="Rosa D", speaker="Maya"), "transcript 2 was said by 'Rosa', not 'Maya'"),
        (command("rename", 2, name="Rosa D", by="Maya"), "rename takes no 'by'"),
        (command("confirm", 0), "no logged event 0; the log holds 1 to 9"),
        (command("confirm", 10), "no logged event 10"),
        (command("confirm", True), "'ref' must be the seq"),
        (command("confirm", "3"), "'ref' must be the seq"),
        ({k: v for k, v in command("confirm", 3).items() if k != "ref"}, "'ref' must be the seq"),
    ],
)
def test_malformed_commands_are_refused_with_a_reason(message: dict[str, Any], says: str) -> None:
    with pytest.raises(CommandError, match=says):
        validate(message, HISTORY, NOW)


def test_a_line_attributed_after_the_call_is_renamed_as_its_new_speaker() -> None:
    history = logged(*HISTORY, Correction(t=NOW, action="attribute", ref=2, speaker="Speaker 4", by="bridge"))
    renamed = validate(command("rename", 2, name="Leo", speaker="Speaker 4"), history, NOW)
    assert renamed == Correction(t=NOW, action="rename", ref=2, speaker="Speaker 4", name="Leo")
    with pytest.raises(CommandError, match="transcript 2 was said by 'Speaker 4', not 'Rosa'"):
        validate(command("rename", 2, name="Leo", speaker="Rosa"), history, NOW)


def test_snooze_by_seconds_counts_from_the_due_time_or_from_now_when_overdue() -> None:
    assert validate(command("snooze", 8, seconds=60), HISTORY[:8], NOW).until == 460.0  # not yet due
    assert validate(command("snooze", 5, seconds=60), HISTORY, NOW).until == NOW + 60  # overdue since 227


def test_snooze_needs_a_later_deadline_than_the_current_one() -> None:
    with pytest.raises(CommandError, match=r"later than the check's due time \(227.0 s\)"):
        validate(command("snooze", 5, until=227), HISTORY, NOW)
    snoozed = [*HISTORY, msgspec.structs.replace(validate(command("snooze", 5, until=300), HISTORY, NOW), seq=10)]
    with pytest.raises(CommandError, match=r"due time \(300.0 s\)"):
        validate(command("snooze", 5, until=290), snoozed, NOW)
    edited = [*snoozed, Correction(seq=11, t=NOW, action="edit", ref=5, due=250.0)]
    assert validate(command("snooze", 5, until=260), edited, NOW).until == 260.0


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({}, "either 'until'"),
        ({"until": 300, "seconds": 10}, "either 'until'"),
        ({"seconds": 0}, "more than 0"),
        ({"seconds": 2 * 24 * 3600}, "at most 86400"),
        ({"until": 10**9}, "within 604800 s"),
        ({"seconds": True}, "must be a number"),
        ({"seconds": "60"}, "must be a number"),
        ({"until": math.nan}, "must be a number"),
        ({"until": math.inf}, "must be a number"),
    ],
)
def test_snooze_arguments_are_checked(fields: dict[str, Any], says: str) -> None:
    with pytest.raises(CommandError, match=says):
        validate(command("snooze", 5, **fields), HISTORY, NOW)


def test_a_check_that_got_its_update_cannot_be_received_or_snoozed_again() -> None:
    for action, fields in (("received", {}), ("snooze", {"seconds": 30})):
        with pytest.raises(CommandError, match="status check 8 already got its update"):
            validate(command(action, 8, **fields), HISTORY, NOW)
    received = [*HISTORY, Correction(seq=10, t=NOW, action="received", ref=5)]
    with pytest.raises(CommandError, match="status check 5 already got its update"):
        validate(command("received", 5), received, NOW)


def test_an_alert_is_acknowledged_once() -> None:
    acknowledged = [*HISTORY, Correction(seq=10, t=NOW, action="acknowledge", ref=6)]
    with pytest.raises(CommandError, match="already acknowledged"):
        validate(command("acknowledge", 6), acknowledged, NOW)


@pytest.mark.parametrize(
    ("ref", "fields", "says"),
    [
        (3, {}, "edit needs at least one of text"),
        (3, {"owner": "Maya"}, "a decision has no owner to edit; it has text"),
        (5, {"text": "x"}, "a status check has no text to edit; it has owner, due"),
        (4, {"text": "   "}, "'text' must not be empty"),
        (4, {"text": "x" * (MAX_TEXT + 1)}, "at most 500"),
        (4, {"text": 5}, "'text' must be a string"),
        (4, {"owner": None}, "'owner' must be a string"),
        (4, {"owner": "M" * (MAX_NAME + 1)}, "at most 100"),
        (4, {"text": "a\x00b"}, "control characters"),
        (4, {"due": -1}, "from 0 to"),
        (4, {"due": False}, "must be a number"),
    ],
)
def test_edits_are_checked(ref: int, fields: dict[str, Any], says: str) -> None:
    with pytest.raises(CommandError, match=says):
        validate(command("edit", ref, **fields), HISTORY, NOW)


def test_rename_needs_a_speaker_and_a_new_name() -> None:
    with pytest.raises(CommandError, match="transcript 7 has no speaker"):
        validate(command("rename", 7, name="Maya"), HISTORY, NOW)
    with pytest.raises(CommandError, match="'Rosa' is already called 'Rosa'"):
        validate(command("rename", 2, name=" Rosa "), HISTORY, NOW)
    with pytest.raises(CommandError, match="'name' must not be empty"):
        validate(command("rename", 2, name=""), HISTORY, NOW)


def test_a_renamed_speaker_may_be_renamed_again_or_back_by_the_label_the_transcript_has() -> None:
    renamed = [*HISTORY, Correction(seq=10, t=NOW, action="rename", ref=2, speaker="Rosa", name="Rosa Díaz")]
    with pytest.raises(CommandError, match="'Rosa' is already called 'Rosa Díaz'"):
        validate(command("rename", 2, speaker="Rosa", name="Rosa Díaz"), renamed, NOW)
    back = validate(command("rename", 2, speaker="Rosa", name="Rosa"), renamed, NOW)
    assert (back.speaker, back.name) == ("Rosa", "Rosa")


def test_command_id_is_echoed_only_when_it_is_sane() -> None:
    assert command_id({"id": "c1"}) == "c1"
    assert command_id({"id": "x" * 65}) is None
    assert command_id({"id": "a\nb"}) is None
    assert command_id({}) is None


_decoder = msgspec.json.Decoder(LoggedEvent)
_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 20),
    st.floats(allow_nan=True),
    st.text(max_size=8),
    st.lists(st.integers(), max_size=2),
)


@given(
    st.fixed_dictionaries(
        {"type": st.just("command"), "id": st.sampled_from(["c1", "", 3])},
        optional={
            "action": st.sampled_from([*get_args(CommandAction), "x"]),  # "attribute" is the tool's alone
            "ref": _values,
            "until": _values,
            "seconds": _values,
            "text": _values,
            "owner": _values,
            "due": _values,
            "name": _values,
            "speaker": _values,
            "by": _values,
        },
    ),
    st.floats(0, 10_000),
)
def test_any_message_is_a_valid_correction_or_a_command_error(message: dict[str, Any], now: float) -> None:
    try:
        correction = validate(message, HISTORY, now)
    except CommandError as e:
        assert str(e)
        return
    assert _decoder.decode(msgspec.json.encode(correction)) == correction  # the log can read back what is logged
    assert 1 <= correction.ref <= len(HISTORY)
    assert correction.by == "commander"


def test_done_reopen_and_restore_follow_what_the_log_says_of_the_item() -> None:
    from bridge.events import ItemDone

    assert validate(command("done", 4), HISTORY, NOW) == Correction(t=NOW, action="done", ref=4)
    with pytest.raises(CommandError, match="action item 4 is not done; nothing to reopen"):
        validate(command("reopen", 4), HISTORY, NOW)
    with pytest.raises(CommandError, match="applies to an action item; event 3 is a decision"):
        validate(command("done", 3), HISTORY, NOW)
    reported = [*HISTORY, ItemDone(t=240.0, seq=10, ref=4, source=7, by="Victor")]
    with pytest.raises(CommandError, match="action item 4 is already done"):
        validate(command("done", 4), reported, NOW)
    assert validate(command("reopen", 4), reported, NOW) == Correction(t=NOW, action="reopen", ref=4)
    reopened = [*reported, Correction(t=NOW, seq=11, action="reopen", ref=4)]
    assert validate(command("done", 4), reopened, NOW).action == "done"
    with pytest.raises(CommandError, match="decision 3 is not dismissed; nothing to restore"):
        validate(command("restore", 3), HISTORY, NOW)
    dismissed = [*HISTORY, Correction(t=NOW, seq=10, action="dismiss", ref=4)]
    assert validate(command("restore", 4), dismissed, NOW) == Correction(t=NOW, action="restore", ref=4)
    with pytest.raises(CommandError, match="action item 4 is dismissed; restore it first"):
        validate(command("done", 4), dismissed, NOW)


def test_after_the_end_the_record_stays_correctable_at_the_end_time_and_the_live_actions_are_refused() -> None:
    from bridge.events import SessionEnd

    ended = [*HISTORY, SessionEnd(t=320.0, seq=10, reason="finished", duration=320.0)]
    later = 900.0  # the clock goes on after the call; the corrections are timed at its end all the same
    for message in (
        command("done", 4),
        command("confirm", 3),
        command("dismiss", 3),
        command("edit", 4, owner="Victor Li"),
        command("rename", 2, name="Rosa Diaz"),
    ):
        correction = validate(message, ended, later)
        assert (correction.action, correction.t) == (message["action"], 320.0)
    for message in (command("acknowledge", 6), command("received", 5), command("snooze", 5, seconds=60)):
        with pytest.raises(CommandError, match=f"^the call has ended; {message['action']} is only for a call going on"):
            validate(message, ended, later)
    assert validate(command("acknowledge", 6), HISTORY, NOW).t == NOW  # while it goes on, as before
