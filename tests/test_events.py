import json

import msgspec
import numpy as np

from bridge.events import Interim, LoggedEvent, Session, SessionOptions, SourceInfo, Transcript, json_schema
from bridge.speakers.offline import pack, unpack
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


def test_a_transcript_keeps_its_voice_and_an_older_line_without_one_still_reads() -> None:
    vector = np.linspace(-1, 1, 256) / np.linalg.norm(np.linspace(-1, 1, 256))
    said = Transcript(seq=2, t=3.0, start=1.0, end=2.5, text="roll back now", voiceprint=pack(vector))
    back = msgspec.json.decode(msgspec.json.encode(said), type=LoggedEvent)
    assert back == said and isinstance(back, Transcript) and back.voiceprint is not None
    assert np.allclose(unpack(back.voiceprint), vector, atol=1e-3)
    old = b'{"type":"transcript","seq":2,"t":3.0,"wall":0.0,"start":1.0,"end":2.5,"text":"hi","speaker":null}'
    older = msgspec.json.decode(old, type=LoggedEvent)
    assert isinstance(older, Transcript) and older.voiceprint is None


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
