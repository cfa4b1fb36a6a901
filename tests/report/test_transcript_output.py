import html
import io

import msgspec
import webvtt

from bridge.events import Correction, Transcript
from bridge.report.transcript_output import to_srt, to_txt, to_vtt
from tests.golden import assert_golden, numbered, said, sample_events, session


def transcripts() -> list[Transcript]:
    return [e for e in sample_events() if isinstance(e, Transcript)]


def test_exports_match_the_golden_files() -> None:
    events = sample_events()
    assert_golden("transcript.vtt", to_vtt(events))
    assert_golden("transcript.srt", to_srt(events))
    assert_golden("transcript.txt", to_txt(events))


def test_vtt_parses_with_one_cue_per_utterance_in_order_with_voices() -> None:
    captions = webvtt.from_buffer(io.StringIO(to_vtt(sample_events())), strict=True).captions
    said = transcripts()
    assert len(captions) == len(said)
    starts = [c.start_in_seconds + c.start_time.milliseconds / 1000 for c in captions]
    assert starts == sorted(starts)
    assert all(c.end_in_seconds >= c.start_in_seconds for c in captions)
    assert [c.voice for c in captions] == [s.speaker for s in said]
    assert [c.text for c in captions] == [s.text for s in said]
    assert captions[0].start == "00:00:01.344" and captions[0].end == "00:00:04.672"


def test_srt_parses_with_speaker_prefixes_in_order() -> None:
    captions = webvtt.from_buffer(io.StringIO(to_srt(sample_events())), format="srt").captions
    said = transcripts()
    assert len(captions) == len(said)
    assert [c.start for c in captions] == sorted(c.start for c in captions)
    assert [c.text for c in captions] == [f"{s.speaker}: {s.text}" if s.speaker else s.text for s in said]


def test_txt_is_one_line_per_utterance_with_call_time_and_speaker() -> None:
    lines = to_txt(sample_events()).splitlines()
    assert len(lines) == len(transcripts())
    assert lines[0] == "[00:01] Rosa: Hello everyone, this is Rosa, I am the Incident Commander."
    assert lines[2] == "[00:11] Who do we have from the identity team?"


def test_renames_apply_to_every_format() -> None:
    events = sample_events()
    rename = Correction(t=100, seq=100, action="rename", ref=5, speaker="Victor", name="Viktor")
    events = [*events[:-1], rename, events[-1]]
    for text in (to_vtt(events), to_srt(events), to_txt(events)):
        assert "Viktor: " in text or "<v Viktor>" in text
        assert "Victor:" not in text and "<v Victor>" not in text


def test_cues_are_ordered_by_call_time_whatever_the_log_order() -> None:
    events = numbered(
        [
            session(),
            said(5, 6, "second", "Bob"),
            said(1, 2, "first", "Ann"),
            said(3, 3, "no length"),
        ]
    )
    captions = webvtt.from_buffer(io.StringIO(to_vtt(events))).captions
    assert [c.text for c in captions] == ["first", "no length", "second"]
    assert captions[1].start == "00:00:03.000" and captions[1].end == "00:00:03.001"


def test_vtt_escapes_what_would_read_as_markup() -> None:
    events = numbered([session(), said(1, 2, "latency <50 ms & rising --> alert", "R&D <team>")])
    vtt = to_vtt(events)
    assert "<v R&amp;D &lt;team&gt;>latency &lt;50 ms &amp; rising --&gt; alert" in vtt
    caption = webvtt.from_buffer(io.StringIO(vtt), strict=True).captions[0]
    assert html.unescape(caption.text) == "latency <50 ms & rising --> alert"


def test_an_hour_long_call_keeps_hours_in_its_timings() -> None:
    events = numbered([session(), msgspec.structs.replace(said(3725.5, 3727.25, "still here"), speaker="Ann")])
    assert "01:02:05.500 --> 01:02:07.250" in to_vtt(events)
    assert "01:02:05,500 --> 01:02:07,250" in to_srt(events)
    assert to_txt(events) == "[1:02:05] Ann: still here\n"


def test_a_log_with_nothing_said_exports_empty_transcripts() -> None:
    events = numbered([session()])
    assert to_vtt(events) == "WEBVTT\n"
    assert to_srt(events) == "" and to_txt(events) == ""
