"""Speakers from words: each rule of bridge/speakers/attribution.py on short exchanges, through the real analyzer."""

from __future__ import annotations

import numpy as np
import pytest

from bridge.language.analysis import Analyzer
from bridge.speakers.attribution import Speakers, _soundex
from bridge.weights import resolve_spacy


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(resolve_spacy())


def attribute(
    analyzer: Analyzer, lines: list[tuple[float, float, str]], roster: tuple[str, ...] = ()
) -> list[str | None]:
    speakers = Speakers(roster)
    out = []
    for start, end, text in lines:
        sentences = analyzer.analyze(analyzer.clean(text), names=speakers.names)
        out.append(speakers.attribute(sentences, start, end).speaker)
    return out


def test_self_identification_and_the_commander(analyzer: Analyzer) -> None:
    said = attribute(
        analyzer,
        [
            (0, 4, "Hi all, this is Dana, I am the incident commander."),
            (6, 9, "Marcus here, from payments."),
            (11, 14, "Tom from the edge team. The CDN is degraded."),
            (16, 19, "Thanks. We will fail over to the backup CDN."),
        ],
    )
    assert said == ["Dana", "Marcus", "Tom", "Dana"]


def test_a_reply_comes_from_the_person_addressed(analyzer: Analyzer) -> None:
    said = attribute(
        analyzer,
        [
            (0, 3, "This is Dana, incident commander."),
            (5, 8, "Priya, what is the error rate?"),
            (10, 12, "About twelve percent."),
        ],
    )
    assert said[2] == "Priya"


def test_a_short_pause_continues_the_same_voice(analyzer: Analyzer) -> None:
    said = attribute(
        analyzer,
        [
            (0, 3, "This is Dana, incident commander."),
            (5, 6, "Priya."),
            (6.6, 9, "please check the replica lag."),
        ],
    )
    assert said == ["Dana", "Dana", "Dana"]


def test_a_report_about_an_open_task_is_from_its_owner(analyzer: Analyzer) -> None:
    speakers = Speakers(["Raj", "Sofia"])
    for start, end, text in [
        (0, 3, "This is Omar, incident commander."),
        (5, 9, "Raj, can you turn down the retry rate?"),
    ]:
        speakers.attribute(analyzer.analyze(text, names=speakers.names), start, end)
    speakers.assign("Raj", frozenset({"retry", "rate"}))
    report = analyzer.analyze("The retry rate change is deployed.", names=speakers.names)
    assert speakers.attribute(report, 60, 62).speaker == "Raj"


def test_the_floor_returns_to_the_commander(analyzer: Analyzer) -> None:
    said = attribute(
        analyzer,
        [
            (0, 3, "This is Dana, incident commander."),
            (5, 8, "Marcus, open a ticket for the review."),
            (9, 10, "Will do."),
            (11.5, 14, "I will send a summary to leadership."),
        ],
    )
    assert said == ["Dana", "Dana", "Marcus", "Dana"]


def test_nothing_to_go_on_is_unknown(analyzer: Analyzer) -> None:
    said = attribute(analyzer, [(0, 3, "The error rate is climbing."), (40, 42, "It is still high.")])
    assert said == [None, None]


def test_common_words_are_not_names(analyzer: Analyzer) -> None:
    said = attribute(
        analyzer,
        [
            (0, 3, "It is doing full table scans."),
            (10, 13, "Next, update on the bridge in two minutes."),
            (20, 23, "I'm looking at the logs."),
        ],
    )
    assert said == [None, None, None]


ROSTER = ("Kwabena", "Ines", "Tariq", "Mei")


@pytest.mark.parametrize(
    "asked",
    [
        "Blast Radio.",  # "Blast radius?" as Whisper heard it on a phone line
        "Numbers.",
        "Ken Kampin.",  # "Checkout on call."
    ],
)
def test_with_a_roster_a_word_that_looks_like_a_name_is_nobody_to_reply(analyzer: Analyzer, asked: str) -> None:
    said = attribute(
        analyzer,
        [
            (0, 3, "This is Kwabena, incident commander."),
            (5, 7, asked),
            (9, 12, "Checkout is fine, emails are late."),
        ],
        roster=ROSTER,
    )
    assert said[2] is None


def test_with_a_roster_the_person_addressed_is_still_the_one_who_replies(analyzer: Analyzer) -> None:
    # "Ines. Numbers.": the second sentence addresses nobody, so the reply is still Ines's.
    said = attribute(
        analyzer,
        [
            (0, 3, "This is Kwabena, incident commander."),
            (5, 5.6, "Ines."),
            (6.2, 6.8, "Numbers."),
            (9, 12, "Lag is at four hundred thousand."),
        ],
        roster=ROSTER,
    )
    assert said == ["Kwabena", "Kwabena", "Kwabena", "Ines"]


def test_with_a_roster_someone_who_introduced_themselves_can_be_replied_to(analyzer: Analyzer) -> None:
    said = attribute(
        analyzer,
        [
            (0, 3, "This is Kwabena, incident commander."),
            (5, 8, "Hi, this is Dana from finance."),
            (10, 13, "Dana, what do customers see?"),
            (15, 18, "Payments fail at checkout."),
        ],
        roster=ROSTER,
    )
    assert said == ["Kwabena", "Dana", "Kwabena", "Dana"]


def test_without_a_roster_anyone_addressed_may_reply(analyzer: Analyzer) -> None:
    said = attribute(
        analyzer,
        [(0, 3, "This is Kwabena, incident commander."), (5, 7, "Numbers, go ahead."), (9, 12, "Lag is falling.")],
    )
    assert said[2] == "Numbers"


@pytest.mark.parametrize(
    "answer, who",
    [
        ("Ines, streaming.", "Ines"),
        ("Tariq, platform.", "Tariq"),
        ("Mei, checkout on call.", "Mei"),
        ("Babajide, release engineering.", "Babajide"),
        ("Kenji, customer support", "Kenji"),
        ("Esi, comms.", "Esi"),
    ],
)
def test_a_name_and_a_team_answering_a_roll_call_is_an_introduction(analyzer: Analyzer, answer: str, who: str) -> None:
    said = attribute(
        analyzer,
        [(0, 3, "This is Kwabena, incident commander. Who's on?"), (5, 7, answer)],
        roster=(*ROSTER, "Babajide", "Kenji", "Esi"),
    )
    assert said == ["Kwabena", who]


@pytest.mark.parametrize(
    "said_to",
    [
        "Ines, watch lag.",
        "Tariq, node seven?",
        "Mei, hold the email retry job.",
        "Ines, thanks.",
        "Tariq, you there?",
        "Mei, node 7 first.",
    ],
)
def test_a_name_and_words_to_them_is_no_introduction(analyzer: Analyzer, said_to: str) -> None:
    said = attribute(analyzer, [(0, 3, "This is Kwabena, incident commander."), (5, 7, said_to)], roster=ROSTER)
    assert said == ["Kwabena", "Kwabena"]


def test_misheard_names_take_the_roster_spelling() -> None:
    speakers = Speakers(["Sofia", "Lena", "Ana", "Dana", "Daniel"])
    assert [speakers.canonical(n) for n in ["Sophia", "laina", "Anna", "Priya"]] == ["Sofia", "Lena", "Ana", "Priya"]
    assert [_soundex(n) for n in ["Robert", "Rupert", "Ashcraft", "Tymczak", "Pfister"]] == [
        "R163",
        "R163",
        "A261",
        "T522",
        "P236",
    ]


def test_a_rename_applies_from_then_on(analyzer: Analyzer) -> None:
    speakers = Speakers()
    first = analyzer.analyze("This is Pria from the database team.", names=speakers.names)
    assert speakers.attribute(first, 0, 3).speaker == "Pria"
    speakers.rename("Pria", "Priya")
    again = analyzer.analyze("Pria here. The replica caught up.", names=speakers.names)
    assert speakers.attribute(again, 60, 63).speaker == "Priya"


# Voices: each utterance may come with its voiceprint; these are unit vectors standing for three people.


def _voice(i: int, jitter: float = 0.0) -> np.ndarray:
    v = np.zeros(8, dtype=np.float32)
    v[i] = 1.0
    v[(i + 1) % 8] = jitter
    return v / np.linalg.norm(v)


def heard(analyzer: Analyzer, speakers: Speakers, lines: list[tuple[float, float, str, int]]) -> list[str | None]:
    out = []
    for start, end, text, who in lines:
        sentences = analyzer.analyze(analyzer.clean(text), names=speakers.names)
        out.append(
            speakers.attribute(
                sentences, start, end, voiceprint=_voice(who, 0.1 * (start % 3)), seconds=end - start
            ).speaker
        )
    return out


def test_a_voice_keeps_the_name_it_introduced_itself_with(analyzer: Analyzer) -> None:
    said = heard(
        analyzer,
        Speakers(),
        [
            (0, 4, "Hi all, this is Dana, I am the incident commander.", 0),
            (6, 9, "Marcus here, from payments.", 1),
            (11, 14, "The error rate is still climbing on the checkout service.", 1),  # no reply, no continuation
            (30, 34, "The error rate is back to normal.", 1),
            (36, 39, "Good.", 0),
        ],
    )
    assert said == ["Dana", "Marcus", "Marcus", "Marcus", "Dana"]


def test_an_answer_out_of_turn_goes_to_the_voice_not_the_person_addressed(analyzer: Analyzer) -> None:
    said = heard(
        analyzer,
        Speakers(),
        [
            (0, 4, "This is Dana, incident commander.", 0),
            (5, 8, "Priya here, I am on the database.", 1),
            (9, 12, "Marcus here, payments.", 2),
            (14, 17, "Priya, what is the error rate?", 0),
            (18, 21, "About twelve percent on payments.", 2),  # Marcus answers for her
        ],
    )
    assert said[4] == "Marcus"


def test_an_unnamed_voice_is_a_stable_label_until_words_name_it(analyzer: Analyzer) -> None:
    speakers = Speakers()
    said = heard(
        analyzer,
        speakers,
        [
            (0, 4, "This is Dana, incident commander.", 0),
            (10, 14, "The deploy finished at ten past.", 1),
            (20, 24, "And the error rate is flat since.", 1),
            (30, 33, "Priya, can you confirm that?", 0),
            (34, 37, "Yes, confirmed, it is flat.", 1),  # a reply to Dana names the voice
            (50, 53, "The replica lag is down to zero as well.", 1),
        ],
    )
    assert said[1] == said[2] and said[1] is not None and said[1].startswith("Speaker ")
    assert said[4:] == ["Priya", "Priya"]


def test_the_commander_renames_a_voice_for_good(analyzer: Analyzer) -> None:
    speakers = Speakers()
    said = heard(
        analyzer,
        speakers,
        [(0, 4, "This is Dana, incident commander.", 0), (10, 14, "The deploy finished at ten past.", 1)],
    )
    speakers.rename(said[1] or "", "Priya")
    assert heard(analyzer, speakers, [(20, 24, "Rolling back now.", 1)]) == ["Priya"]


def test_a_speaker_pinned_to_a_channel_is_not_guessed_on_another(analyzer: Analyzer) -> None:
    speakers = Speakers(["Omar", "Sofia"])
    intro = analyzer.analyze("Omar here, I will be incident commander.", names=speakers.names)
    speakers.attribute(intro, 0, 3, known="Omar", channel=0, pinned=True)
    order = analyzer.analyze("We will fail over to the replica.", names=speakers.names)
    assert speakers.attribute(order, 10, 13, channel=1).speaker is None  # commanding, but Omar is on channel 0
    assert speakers.attribute(order, 20, 23, known="Omar", channel=0, pinned=True).speaker == "Omar"


def test_a_voice_shown_by_its_label_is_reported_once_named(analyzer: Analyzer) -> None:
    speakers = Speakers()
    heard(
        analyzer,
        speakers,
        [(0, 4, "This is Dana, incident commander.", 0), (10, 14, "The deploy finished at ten past.", 1)],
    )
    assert speakers.named == []
    heard(analyzer, speakers, [(20, 24, "Priya here. The error rate is flat.", 1)])
    assert speakers.named == [("Speaker 2", "Priya")]


def test_renaming_a_voice_to_someone_who_has_one_merges_the_two(analyzer: Analyzer) -> None:
    speakers = Speakers()
    said = heard(
        analyzer,
        speakers,
        [
            (0, 4, "This is Dana, incident commander.", 0),
            (6, 9, "Priya here, on the database.", 1),
            (12, 15, "The replica lag is at four minutes.", 2),
        ],
    )
    assert said[2] == "Speaker 3"
    speakers.rename("Speaker 3", "Priya")  # the commander: that was Priya too
    assert speakers.voices is not None
    assert [(v.label, v.merged_into) for v in speakers.voices.voices][2] == ("Speaker 3", "Speaker 2")
    assert heard(analyzer, speakers, [(20, 23, "Lag is down to one minute now.", 2)]) == ["Priya"]


# With a roster, only its names name anyone.


@pytest.mark.parametrize(
    ("answer", "who"),
    [("Connor, Security.", "Connor"), ("Ines, Treming.", "Ines"), ("Ikaika, Capacity Planning.", "Ikaika")],
)
def test_with_a_roster_a_team_heard_as_a_name_does_not_introduce_anyone(
    analyzer: Analyzer, answer: str, who: str
) -> None:
    said = attribute(analyzer, [(0, 4, "This is Piotr, incident commander."), (6, 8, answer)], ("Piotr", who))
    assert said[1] == who


@pytest.mark.parametrize(
    "report", ["Loss from Singapore is under one percent.", "Traffic from Asia is back to normal."]
)
def test_with_a_roster_a_word_read_as_an_introduction_is_nobody(analyzer: Analyzer, report: str) -> None:
    said = attribute(analyzer, [(0, 4, "This is Piotr, incident commander."), (20, 23, report)], ("Piotr", "Adaeze"))
    assert said[1] in (None, "Piotr")


@pytest.mark.parametrize(
    ("answer", "who"),
    [
        ("Dmitri Edge", "Dmitri"),
        ("Tariq Platform", "Tariq"),
        ("Samir, I'm on the carrier side.", "Samir"),
        ("Samir, I manage the carrier relationships.", "Samir"),
    ],
)
def test_with_a_roster_a_name_and_words_that_ask_nothing_answer_a_roll_call(
    analyzer: Analyzer, answer: str, who: str
) -> None:
    said = attribute(analyzer, [(0, 4, "This is Hamid, incident commander."), (30, 32, answer)], ("Hamid", who))
    assert said[1] == who


@pytest.mark.parametrize(
    "asked",
    ["Tariq, node seven?", "Tariq, watch the lag.", "Tariq, we have not heard from you.", "Tariq.", "Tariq, thanks."],
)
def test_the_commander_turning_to_someone_is_no_roll_call_answer(analyzer: Analyzer, asked: str) -> None:
    said = attribute(analyzer, [(0, 4, "This is Hamid, incident commander."), (30, 32, asked)], ("Hamid", "Tariq"))
    assert said[1] != "Tariq"


# After the call: names placed on voices one to one, by everything the words said about them.


def test_a_voice_never_named_live_is_placed_by_the_replies_it_gave(analyzer: Analyzer) -> None:
    speakers = Speakers(["Dana", "Priya", "Marcus"])
    heard(
        analyzer,
        speakers,
        [
            (0, 4, "This is Dana, incident commander.", 0),
            (10, 14, "The deploy finished at ten past.", 1),
            (20, 23, "Priya, what is the error rate?", 0),
            (24.5, 24.9, "Flat.", 1),  # too short to be sure of the voice: no vote live
            (40, 43, "Marcus, is checkout healthy?", 0),
            (44.5, 45.0, "Yes.", 2),
        ],
    )
    placed = speakers.placement()
    assert placed["Speaker 2"] == "Priya"
    assert placed["Speaker 3"] == "Marcus"
    assert "Dana" not in placed.values() or placed.get("Speaker 1") == "Dana"


def test_an_introduction_outweighs_being_addressed_and_a_name_goes_on_one_voice(analyzer: Analyzer) -> None:
    speakers = Speakers(["Dana", "Priya", "Marcus"])
    heard(
        analyzer,
        speakers,
        [
            (0, 4, "This is Dana, incident commander.", 0),
            (6, 9, "Priya here, on the database.", 1),
            (12, 15, "Priya, how is the replica?", 0),
            (16, 19, "Checkout looks fine from here.", 2),  # out of turn: the words say Priya, the voice is Marcus's
            (22, 25, "Marcus here, from payments.", 2),
        ],
    )
    placed = speakers.placement()
    assert placed["Speaker 2"] == "Priya" and placed["Speaker 3"] == "Marcus"
    assert list(placed.values()).count("Priya") == 1


def test_no_words_about_a_voice_leave_it_unplaced(analyzer: Analyzer) -> None:
    speakers = Speakers(["Dana", "Priya"])
    heard(
        analyzer,
        speakers,
        [(0, 4, "This is Dana, incident commander.", 0), (30, 34, "The deploy finished at ten past.", 1)],
    )
    assert "Speaker 2" not in speakers.placement()


def test_a_voice_that_addresses_someone_is_not_placed_as_them(analyzer: Analyzer) -> None:
    speakers = Speakers(["Dana", "Priya"])
    heard(
        analyzer,
        speakers,
        [
            (0, 3, "Priya, what is the error rate?", 0),
            (4, 7, "About twelve percent.", 1),
            (20, 23, "Priya, and the latency?", 0),
            (24, 27, "Back to normal.", 1),
        ],
    )
    assert speakers.placement().get("Speaker 1") != "Priya"
    assert speakers.placement()["Speaker 2"] == "Priya"


def test_two_people_introduced_in_one_voice_place_neither_there(analyzer: Analyzer) -> None:
    speakers = Speakers(["Dana", "Priya", "Marcus"])
    heard(
        analyzer,
        speakers,
        [
            (0, 4, "This is Dana, incident commander.", 0),
            (6, 9, "Priya here, on the database.", 1),
            (12, 15, "Marcus here, from payments.", 1),  # two alike voices heard as one
        ],
    )
    assert "Speaker 2" not in speakers.placement()
