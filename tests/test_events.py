import json

import msgspec

from bridge.events import Interim, LoggedEvent, Session, SessionOptions, SourceInfo, Transcript, json_schema
from tests.conftest import ROOT

SCHEMA = ROOT / "docs" / "events.schema.json"


def test_schema_file_is_current() -> None:
    # Regenerate with: .venv/bin/bridge schema > docs/events.schema.json
    assert json.loads(SCHEMA.read_text()) == json_schema()


def test_events_round_trip_with_their_type_tag() -> None:
    session = Session(
        t=0.0,
        incident="x",
        started=1.5,
        version="0",
        model=None,
        source=SourceInfo(uri="-", kind="stdin"),
        options=SessionOptions(speed="max"),
    )
    transcript = Transcript(seq=2, t=3.0, start=1.0, end=2.5, text="roll back now")
    for event in (session, transcript):
        data = msgspec.json.encode(event)
        assert json.loads(data)["type"] in ("session", "transcript")
        assert msgspec.json.decode(data, type=LoggedEvent) == event


def test_transcript_carries_the_contract_fields() -> None:
    data = json.loads(msgspec.json.encode(Transcript(t=3.0, start=1.0, end=2.5, text="hi")))
    assert {"seq", "type", "t", "wall", "start", "end", "text", "speaker", "channel"} <= data.keys()
    assert data["speaker"] is None and data["channel"] is None


def test_interim_is_in_the_feed_schema_but_not_the_log() -> None:
    data = msgspec.json.encode(Interim(t=1.0, start=0.5, end=1.0, text="rolling"))
    try:
        msgspec.json.decode(data, type=LoggedEvent)
    except msgspec.ValidationError:
        pass
    else:
        raise AssertionError("interim text must not decode as a logged event")
    assert "interim" in json.dumps(json_schema())
