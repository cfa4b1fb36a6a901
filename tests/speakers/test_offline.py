"""The after-call pass: every voice clustered again at once, mapped back to the names the call gave them."""

from __future__ import annotations

import numpy as np

from bridge.events import Correction, LoggedEvent, Transcript
from bridge.speakers.offline import after_call, pack, placed, recluster, unpack


def voices(*counts: int, seed: int = 0, spread: float = 0.02) -> tuple[np.ndarray, list[int]]:
    """`counts[k]` utterances of speaker k, interleaved in call order: each speaker a random direction, each
    utterance it plus a little noise (about 0.9 against each other, as real utterances of one voice score)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(len(counts), 256))
    who = [k for n in range(max(counts)) for k, count in enumerate(counts) if n < count]
    x = centres[who] / 16 + rng.normal(0, spread, (len(who), 256))
    return x / np.linalg.norm(x, axis=1, keepdims=True), who


def test_one_voice_split_in_two_online_is_one_again() -> None:
    x, who = voices(6, 5)
    # Rosa's voice drifted after her third line and was heard as a new "Speaker 3" from then on.
    online = ["Victor" if k else ("Rosa" if i < 5 else "Speaker 3") for i, k in enumerate(who)]
    after = recluster(x, online, [3.0] * len(who))
    assert after == ["Victor" if k else "Rosa" for k in who]


def test_two_voices_merged_online_are_told_apart() -> None:
    x, who = voices(6, 3, 4, seed=1)
    online = ["Speaker 2" if k == 2 else "Maya" for k in who]  # Maya and Leo heard as one voice
    after = recluster(x, online, [2.5] * len(who), taken=["Speaker 4"])
    assert after == [["Maya", "Speaker 5", "Speaker 2"][k] for k in who]  # numbered after every label used


def test_the_names_stay_with_their_voices() -> None:
    x, who = voices(5, 5, 5, seed=2)
    names = ["Priya", "Omar", "Sofia R"]
    online = [names[k] for k in who]
    online[4] = "Sofia R"  # one line of Omar's given to Sofia
    after = recluster(x, online, [4.0] * len(who))
    assert after == [names[k] for k in who]


def test_no_change_when_the_call_was_right() -> None:
    for seed in range(5):
        x, who = voices(4, 7, 2, 5, seed=seed)
        online = [f"Speaker {k + 1}" for k in who]
        assert recluster(x, online, [1.5 + (i % 4) for i in range(len(who))]) == online


def test_short_lines_keep_their_label_unless_it_is_gone() -> None:
    x, who = voices(5, 5, seed=3)
    online = ["Ana" if k else "Speaker 2" for k in who]
    online[2] = "Speaker 3"  # a short "Yes." of Speaker 2's voice, heard as someone else
    online[7] = "Speaker 4"  # a line of Ana's heard as a new voice, and a short one of it after
    online[9] = "Speaker 4"
    seconds = [3.0] * len(who)
    seconds[2] = seconds[9] = 0.6
    after = recluster(x, online, seconds)
    expected = ["Ana" if k else "Speaker 2" for k in who]
    expected[2] = "Speaker 3"  # too short to be sure of: left as it was
    assert after == expected  # Speaker 4's long line went to Ana, and its short one followed


def test_too_few_long_lines_change_nothing() -> None:
    x, _ = voices(1, 1)
    assert recluster(x, ["A", "B"], [3.0, 0.5]) == ["A", "B"]


def test_a_voice_kept_in_the_log_is_the_voice() -> None:
    x, _ = voices(1)
    packed = pack(x[0])
    assert len(packed) == 684 and packed.isascii()
    assert float(unpack(packed) @ x[0]) > 0.9999


def said(seq: int, vector: np.ndarray, speaker: str, source: str = "voice", seconds: float = 3.0) -> Transcript:
    return Transcript(
        seq=seq,
        t=seq * 5.0,
        start=seq * 5.0 - seconds,
        end=seq * 5.0,
        text=f"line {seq}",
        speaker=speaker,
        speaker_source=source,  # type: ignore[arg-type]
        voice=speaker if speaker.startswith("Speaker") else "Speaker 1",
        voiceprint=pack(vector),
    )


def test_after_call_attributes_again_and_leaves_channels_and_the_commanders_lines_alone() -> None:
    x, who = voices(5, 5, seed=4)
    events: list[LoggedEvent] = [said(i + 1, x[i], "Omar" if k else "Speaker 2") for i, k in enumerate(who)]
    events[4] = said(5, x[4], "Speaker 3")  # one of Speaker 2's lines heard as a new voice: the pass mends it
    events[6] = said(7, x[6], "Speaker 2")  # heard on the wrong voice, but the commander named that line
    events[8] = said(9, x[8], "Speaker 2", source="channel")  # a channel says who: never changed
    events += [
        Correction(t=60.0, action="rename", ref=7, name="Omar"),
        Correction(t=60.0, action="rename", ref=2, speaker="Speaker 2", name="Lena"),
    ]
    fixes = after_call(events, 61.0)
    assert fixes == [Correction(t=61.0, action="attribute", ref=5, speaker="Lena", by="bridge")]
    assert after_call([*events, *fixes], 62.0) == []  # once per log


def test_after_call_leaves_what_the_words_said_and_names_no_line_anew() -> None:
    x, who = voices(5, 5, 3, seed=5)
    names = ["Omar", "Lena", "Speaker 3"]
    events: list[LoggedEvent] = [said(i + 1, x[i], names[k]) for i, k in enumerate(who)]
    events[4] = said(5, x[4], "Omar", source="words")  # Lena's voice, but a reply to Omar: the words decide
    events[5] = said(6, x[5], "Lena")  # a third voice's line given to Lena: left to her, not made "Speaker 4"
    events[6] = said(7, x[6], "Lena")  # Omar's voice heard as Lena's: the pass mends it
    assert after_call(events, 70.0) == [Correction(t=70.0, action="attribute", ref=7, speaker="Omar", by="bridge")]


def test_after_call_on_a_log_without_voices_does_nothing() -> None:
    events: list[LoggedEvent] = [Transcript(seq=1, t=2.0, start=0.0, end=2.0, text="Hello.", speaker="Rosa")]
    assert after_call(events, 3.0) == []


def placing(seq: int, voice: str, speaker: str, source: str = "voice") -> Transcript:
    return Transcript(
        seq=seq,
        t=seq * 5.0,
        start=seq * 5.0 - 2,
        end=seq * 5.0,
        text=f"line {seq}",
        speaker=speaker,
        speaker_source=source,  # type: ignore[arg-type]
        voice=voice,
    )


def test_placed_names_the_lines_the_voice_decided_and_nothing_else() -> None:
    events: list[LoggedEvent] = [
        placing(1, "Speaker 1", "Omar", "words"),
        placing(2, "Speaker 2", "Speaker 2"),  # shown by its label to the end: placed as Lena
        placing(3, "Speaker 2", "Omar", "words"),  # the words named this line: left alone
        placing(4, "Speaker 3", "Lena"),  # a voice named Lena live, placed as Ines after the call
        placing(5, "Speaker 2", "Speaker 2"),  # the commander named this line
        placing(6, "Speaker 2", "Speaker 2", "channel"),
        placing(7, "Speaker 2", "Speaker 2"),  # moved to another voice by the re-clustering
        Correction(t=40.0, action="rename", ref=5, name="Omar"),
        Correction(t=41.0, action="attribute", ref=7, speaker="Speaker 3", by="bridge"),
    ]
    fixes = placed(events, {"Speaker 1": "Omar", "Speaker 2": "Lena", "Speaker 3": "Ines"}, 42.0)
    assert fixes == [
        Correction(t=42.0, action="attribute", ref=2, speaker="Lena", by="bridge"),
        Correction(t=42.0, action="attribute", ref=4, speaker="Ines", by="bridge"),
    ]
    assert placed(events, {}, 42.0) == []
