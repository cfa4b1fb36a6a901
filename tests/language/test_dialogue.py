"""Extraction across turns, through the real spaCy pipeline: what a line means depends on who spoke before.

Each case is a short exchange (speaker, words), two seconds a line, with Dana running the call; the expected
items, over the whole exchange, use the tags of test_extraction.py (`action:Owner@N`, `check:Owner@N`,
`decision`), with N counted from the end of the line that says it. Every kind of mistake is tested in several
phrasings, so that no rule passes for one sentence.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bridge.events import ActionItem, StatusCheck, Transcript
from bridge.language.analysis import Analyzer
from bridge.language.extraction import Extractor
from bridge.speakers.attribution import Speakers
from bridge.weights import resolve_spacy

ROSTER = ["Dana", "Priya", "Marcus", "Lena", "Sung-min", "Joon-ho", "Tevita", "Aroha"]
Exchange = list[tuple[str, str]]

CASES: list[tuple[str, Exchange, set[str]]] = [
    # Thanks and acknowledgements are no orders, whoever is named in them.
    (
        "thanks",
        [("Dana", "Priya, what are you seeing?"), ("Priya", "Errors at two percent."), ("Dana", "Thank you Priya.")],
        set(),
    ),
    ("love it", [("Marcus", "The rollback is done and errors are flat."), ("Dana", "Love it, thanks.")], set()),
    (
        "got it",
        [("Dana", "Short version, the cache is full and we are flushing it."), ("Lena", "Got it, thanks.")],
        set(),
    ),
    ("roger", [("Dana", "Pause the batch job."), ("Marcus", "Pausing, roger that.")], {"decision"}),
    ("interjection", [("Priya", "Did you want the graphs?"), ("Dana", "Wait, I was asking.")], set()),
    ("hold on", [("Priya", "Should I restart it?"), ("Dana", "Hold on, let me check.")], set()),
    # A verb-looking subject is no order.
    ("subject", [("Lena", "Spend on that account is up about three hundred dollars an hour.")], set()),
    # Promising the bridge an update is the status check, not an action item beside it.
    ("update everyone", [("Dana", "I'll give everyone an update at the top of the hour.")], {"check:Dana@3590"}),
    ("come back", [("Dana", "I'll come back to everyone in ten minutes.")], {"check:Dana@600"}),
    (
        "update leadership",
        [("Dana", "And I'll give leadership and all of you an update in fifteen minutes.")],
        {"check:Dana@900"},
    ),
    (
        "a task still is one",
        [("Lena", "I will update the customer care team by the end of the day.")],
        {"action:Lena@10790"},
    ),
    ("staying on", [("Marcus", "I'll stay on for ten minutes in case you need me.")], set()),
    # The person just asked answers with a duration: their task's deadline.
    (
        "bare duration",
        [("Dana", "Aroha, can you ask the provider for a quota raise?"), ("Aroha", "Yes. Twenty minutes.")],
        {"action:Aroha", "action:Aroha@1200"},
    ),
    (
        "give me",
        [("Dana", "Lena, can you get a banner on the login page?"), ("Lena", "Yes. Give me five minutes.")],
        {"action:Lena", "action:Lena@300"},
    ),
    (
        "need",
        [("Dana", "Marcus, please pull the slow query log."), ("Marcus", "Sure, I need ten minutes.")],
        {"action:Marcus", "action:Marcus@600"},
    ),
    (
        "a moment is no deadline",
        [("Dana", "Marcus, please pull the slow query log."), ("Marcus", "Give me a second.")],
        {"action:Marcus"},
    ),
    # ...but an answer to "what's the ETA?" is the answerer's check, not a second item.
    (
        "eta",
        [("Dana", "Tevita, the volume's yours. What's the ETA?"), ("Tevita", "Ten, give or take.")],
        {"action:Tevita", "check:Tevita@600"},
    ),
    (
        "how long",
        [("Dana", "Tevita, how long for the drain?"), ("Tevita", "Twenty minutes, give or take.")],
        {"check:Tevita@1200"},
    ),
    # A deadline in the sentence after the task is the task's.
    (
        "by a day",
        [("Dana", "Marcus, write up why nobody was paged. By tomorrow, please.")],
        {"action:Marcus@68390"},
    ),
    (
        "report back",
        [("Dana", "Priya, I want to know whether node four is going to fail. Report back in four minutes.")],
        {"action:Priya@240", "check:Priya@240"},
    ),
    ("need to know", [("Dana", "Lena, I need to know which customers are affected.")], {"action:Lena"}),
    ("like to know", [("Dana", "Marcus, I'd like to know if the replica caught up.")], {"action:Marcus"}),
    ("knowing is no task", [("Dana", "I want to know what changed.")], set()),
    (
        "give us a bell",
        [("Dana", "Marcus, you dig into the backup provider in parallel. Give us a bell in three.")],
        {"action:Marcus@180", "check:Marcus@180"},
    ),
    # ...but the bridge's own cadence is not.
    (
        "cadence",
        [("Dana", "Lena, please draft the customer notice. Next update in five minutes.")],
        {"action:Lena", "check:bridge@300"},
    ),
    # "NAME, you VERB ..." is an order; "NAME, you were right" is not.
    ("you start", [("Dana", "Tevita, you start the drain.")], {"action:Tevita"}),
    ("you lift", [("Dana", "Marcus, you lift the lock when Lena says so.")], {"action:Marcus"}),
    ("you were", [("Dana", "Marcus, you were right about the cache.")], set()),
    ("you think", [("Dana", "Priya, you think it's the certificate.")], set()),
    # Hyphenated names are one name.
    ("hyphen", [("Dana", "Sung-min, compare the new certificate with the old one.")], {"action:Sung-min"}),
    ("hyphen request", [("Dana", "Joon-ho, please page the database team.")], {"action:Joon-ho"}),
    # Carrying out the decision just taken, by name.
    (
        "go ahead",
        [("Dana", "Okay. We are rolling back to the old certificate. Sung-min, go ahead.")],
        {"decision", "action:Sung-min"},
    ),
    (
        "do it now",
        [("Dana", "Then we swap back to yesterday's index. Joon-ho, do it now.")],
        {"decision", "action:Joon-ho"},
    ),
    (
        "the needful",
        [("Dana", "We will do the rollback now itself. Priya, please do the needful.")],
        {"decision", "action:Priya"},
    ),
    # ...while "go ahead" with nothing decided gives the floor.
    ("floor", [("Priya", "Dana, I have a question about the cache."), ("Dana", "Priya, go ahead.")], set()),
    # Prohibitions and calls said as a noun phrase.
    (
        "no changes",
        [("Marcus", "Should we add partitions?"), ("Dana", "No. No partition changes during the incident.")],
        {"decision"},
    ),
    (
        "no scaling",
        [("Marcus", "Should we scale up the consumers?"), ("Dana", "Agreed, no scaling for now.")],
        {"decision"},
    ),
    ("no more deploys", [("Dana", "No more deploys today.")], {"decision"}),
    ("don't touch", [("Dana", "Don't touch the load balancer.")], {"decision"}),
    ("it is", [("Marcus", "We could fail over or wait."), ("Dana", "Okay, failover it is.")], {"decision"}),
    ("rollback it is", [("Priya", "Roll back or fix forward?"), ("Dana", "Right, rollback it is.")], {"decision"}),
    ("not it is", [("Dana", "That's what it is.")], set()),
    ("like it is", [("Priya", "How is the dashboard?"), ("Dana", "Just like it is.")], set()),
]


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(resolve_spacy())


def run(analyzer: Analyzer, exchange: Exchange) -> set[str]:
    extractor = Extractor(analyzer, Speakers(ROSTER), started=datetime(2026, 11, 27, 14, 0, tzinfo=UTC).timestamp())
    said = [("Dana", "This is Dana, I am the incident commander."), *exchange]
    out: set[str] = set()
    for seq, (speaker, text) in enumerate(said, 1):
        start = seq * 2.0
        t = Transcript(seq=seq, t=start + 2.0, start=start, end=start + 1.5, text=text, speaker=speaker)
        for item in extractor.extract(extractor.attribute(t)):
            if not isinstance(item, ActionItem | StatusCheck):
                out.add("decision")
                continue
            due = "" if item.due is None else f"@{round(item.due - t.end, -1 if item.due - t.end > 60 else 0):g}"
            if isinstance(item, ActionItem):
                out.add(f"action:{item.owner}{due}")
            elif isinstance(item, StatusCheck):
                out.add(f"check:{item.owner or 'bridge'}{due}")
    return out


@pytest.mark.parametrize("exchange, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_dialogue(analyzer: Analyzer, exchange: Exchange, expected: set[str]) -> None:
    assert run(analyzer, exchange) == expected
