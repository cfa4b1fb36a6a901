"""Extraction against a table of hand-written bridge-call utterances, through the real spaCy pipeline.

Each case is what one person says (after the commander, Dana, has introduced herself); the expected
items are written as short tags: `decision`, `action:Owner` (`@N` adds a due time N seconds after the
words), `check:Owner@N` or `check:bridge@N`. An empty set means nothing may be extracted.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bridge.calltime import zone
from bridge.events import ActionItem, Decision, Extracted, StatusCheck, Transcript
from bridge.language.analysis import Analyzer
from bridge.language.extraction import Extractor
from bridge.speakers.attribution import Speakers
from bridge.weights import resolve_spacy

ROSTER = ["Dana", "Priya", "Marcus", "Lena", "Tom", "Chen", "Sofia", "Raj"]

CASES: list[tuple[str, set[str]]] = [
    # Decisions
    ("We will roll back the search deploy now.", {"decision"}),
    ("we're going to fail over to the secondary region", {"decision"}),
    ("Decision: we keep the feature flag off until Monday.", {"decision"}),
    ("Okay, decision is we freeze all deploys for today.", {"decision"}),
    ("Let's do it. We are rolling back the config change.", {"decision"}),
    ("Alright, let's go with the failover.", {"decision"}),
    ("Kill the import job.", {"decision"}),
    ("Restart the payment workers.", {"decision"}),
    ("We've decided to drain the eu-west cluster.", {"decision"}),
    ("We'll disable the recommendations widget for now.", {"decision"}),
    ("We are switching traffic to the old load balancer.", {"decision"}),
    ("Let's scale the API pool up to twenty nodes.", {"decision"}),
    ("We are declaring this resolved.", {"decision"}),
    ("We are not going to wait for the vendor, we will revert the certificate now.", {"decision"}),
    # Prohibitions, deferrals and state calls in everyday words
    ("No deploys to the billing services until the rollback lands.", {"decision"}),
    ("While the restore runs, no changes to the ledger database.", {"decision"}),
    ("Let's not restart anything until the vendor calls back.", {"decision"}),
    ("Feature flags stay disabled for now.", {"decision"}),
    ("The canary stays off until the review.", {"decision"}),
    ("Ship the patch on Monday, not today.", {"decision"}),
    ("We're calling the incident resolved.", {"decision"}),
    ("Okay. Mitigated.", {"decision"}),
    ("Okay so that's what we'll do.", {"decision"}),
    ("We'll go with the second processor, it's the safer option.", {"decision"}),
    ("Marcus, move the reports onto the replica.", {"action:Marcus", "decision"}),
    ("Lena, grow the disk to two terabytes.", {"action:Lena", "decision"}),
    ("Resolved?", set()),
    ("Is the flag staying off?", set()),
    ("The rollback is merged. The worker stays off.", set()),
    ("Priya, move on to the customer list.", {"action:Priya"}),
    ("Marcus, resize the volume anyway.", {"action:Marcus", "decision"}),
    ("Lena, cut the batch job over to the replica.", {"action:Lena", "decision"}),
    ("Tom, set the pool size back to forty.", {"action:Tom"}),
    ("Marcus, we put the fix in yesterday.", set()),
    ("Chen, I read the logs already.", set()),
    ("I'm going to run this call myself today.", set()),
    ("I'll take the bridge from here because Sofia has to drop.", set()),
    ("Hi all, I'll lead the bridge from here.", set()),
    ("This is Raj. I'll run the refund script on the duplicates.", {"action:Raj"}),
    ("This is Raj, I'm going to run this call while Dana is away.", set()),
    ("We'll leave this call open until the vendor is back.", {"decision"}),
    # Cadence said by whoever owes it, in ordinary words
    ("Priya, get back to me in five if the queue drains.", {"check:Priya@300"}),
    ("Tom, I want the error numbers from you within fifteen minutes.", {"check:Tom@900"}),
    ("I'll be back on the bridge in twenty minutes.", {"check:Dana@1200"}),
    ("Right, I'll be back in ten.", {"check:Dana@600"}),
    ("Sure, I'll give you a shout in fifteen once it's done.", {"check:Dana@900"}),
    # Not decisions: questions, proposals, status reports, acknowledgements
    ("Should we roll back?", set()),
    ("Do we want to fail over?", set()),
    ("We could fail over to the other region.", set()),
    ("Maybe we should restart the workers.", set()),
    ("I recommend we revert the change.", set()),
    ("One option is to drain the node.", set()),
    ("The rollback is complete.", set()),
    ("Rollback finished, error rate is dropping.", set()),
    ("We are seeing timeouts on the login page.", set()),
    ("We have elevated latency since noon.", set()),
    ("Okay.", set()),
    ("Okay, got it.", set()),
    ("Sounds good.", set()),
    ("Thanks everyone.", set()),
    ("If the errors keep climbing we might need to fail over.", set()),
    ("What if we restart the cache?", set()),
    # Action items: addressed requests
    ("Priya, can you check the database connection pool?", {"action:Priya"}),
    ("Marcus, please restart the canary and tell me what you see.", {"action:Marcus"}),
    ("Lena, could you draft a note for the support team?", {"action:Lena"}),
    ("Tom, look into the CDN logs.", {"action:Tom"}),
    ("Chen, I need you to pull the slow query log.", {"action:Chen"}),
    ("Sofia, you own the customer communication.", {"action:Sofia"}),
    ("Raj, go ahead and stop the cron job.", {"action:Raj"}),
    ("Thanks Priya. Please keep an eye on the replication lag.", {"action:Priya"}),
    ("Can you open a ticket for the review, Marcus?", {"action:Marcus"}),
    ("priya can you check the dashboards", {"action:Priya"}),
    ("marcus, please page the database on-call", {"action:Marcus"}),
    ("Lena, please post an update on the status page within ten minutes.", {"action:Lena@600"}),
    ("Tom, please have the fix reviewed in the next 15 minutes.", {"action:Tom@900"}),
    ("Chen, can you get me the error budget numbers in a couple of minutes?", {"action:Chen@120", "check:Chen@120"}),
    # Action items: taken on by the speaker
    ("This is Raj. I will write up the timeline for the postmortem.", {"action:Raj"}),
    ("Marcus here, I'll restart the queue consumers.", {"action:Marcus"}),
    ("Priya here. I am going to check the replica lag in five minutes.", {"action:Priya@300"}),
    ("This is Lena, I can take the status page.", {"action:Lena"}),
    # Not action items
    ("Priya, what are you seeing?", set()),
    ("Marcus, is the deploy finished?", set()),
    ("Tom, can we route traffic to the backup?", set()),
    ("Lena, you are on the support side, right?", set()),
    ("Everyone, thanks for joining.", set()),
    ("I think the cache is the problem.", set()),
    ("I am still looking at the logs.", set()),
    ("I will be the incident commander today.", set()),
    ("I can confirm the deploy went out at noon.", set()),
    ("Will do.", set()),
    ("On it.", set()),
    # Radio-loop talk (after the Apollo 13 Flight Director loop): floor handoffs and predictions
    ("Go ahead, FLIGHT.", set()),
    ("Got that, Jack?", set()),
    ("Can you tell?", set()),
    ("Okay, let's be clear what we're doing here.", set()),
    ("As soon as you take that amplifier off we're going to lose data.", set()),
    ("I don't know how long we'll be able to keep that up.", set()),
    ("Standby, we'll take a look.", set()),
    ("We're using the entry batteries, too.", set()),
    ("Okay, I'll tell you what.", set()),
    ("We'll do.", set()),
    ("See that the pressure is still going down there, EECOM.", set()),
    ("Turn battery A off, CAPCOM.", {"action:CAPCOM", "decision"}),  # an order that changes the spacecraft
    # Status checks
    ("Next update in two minutes.", {"check:bridge@120"}),
    ("next update in 5 minutes", {"check:bridge@300"}),
    ("Everyone, let's regroup in ten minutes.", {"check:bridge@600"}),
    ("We will reconvene in half an hour.", {"check:bridge@1800"}),
    # Asked only to report: the status check is the whole of it (corpus/README.md), no action item beside it.
    ("Priya, please report back in three minutes.", {"check:Priya@180"}),
    ("Marcus, ping me in 90 seconds with the success rate.", {"check:Marcus@90"}),
    ("Lena, give us an update in four minutes.", {"check:Lena@240"}),
    ("Tom, check back in a couple of minutes.", {"check:Tom@120", "action:Tom@120"}),
    ("I'll report back in five minutes. This is Chen.", {"check:Chen@300"}),  # reporting is the check's
    ("Let's sync again in fifteen minutes.", {"check:bridge@900"}),
    ("Next update on this bridge in twenty minutes.", {"check:bridge@1200"}),
    # Not status checks
    ("I will post the status page update in ten minutes. This is Lena.", {"action:Lena@600"}),
    ("The update went out two minutes ago.", set()),
    ("It takes about five minutes to propagate.", set()),
    ("We had an update from the vendor.", set()),
    ("Let's wait for five minutes and see.", set()),
    # Multi-sentence utterances
    (
        "Good. We will roll back now. Marcus, please start it and report back in two minutes.",
        {"decision", "action:Marcus@120", "check:Marcus@120"},
    ),
    ("Kill the batch job. Chen, go ahead and stop it.", {"decision", "action:Chen"}),
    (
        "Thanks. Tom, please update the customers. Next update in ten minutes.",
        {"action:Tom", "check:bridge@600"},
    ),
    (
        "Okay. Priya, can you check the error rate? Lena, please draft the notice.",
        {"action:Priya", "action:Lena"},
    ),
    ("Um, we will, uh, fail over to the replica. Sofia, run the failover.", {"decision", "action:Sofia"}),
    (
        "Let's do it. We are moving Europe to the backup CDN. Tom, you own that change.",
        {"decision", "action:Tom"},
    ),
    ("Good news. The errors are gone. We are declaring the incident mitigated.", {"decision"}),
    ("So the cache is full. I recommend we flush it. What do you think?", set()),
    ("priya please check the replica and report back in 2 minutes", {"action:Priya@120", "check:Priya@120"}),
    ("Raj, please write up the timeline. Next update in five minutes.", {"action:Raj", "check:bridge@300"}),
    ("Errors are at five percent. Marcus, roll it back.", {"action:Marcus", "decision"}),
]

CATEGORIES = [
    ("Marcus, please roll back the checkout deploy.", "mitigation"),
    ("Priya, can you look into the slow queries?", "investigation"),
    ("Lena, please update the status page.", "communication"),
    ("Raj, please open a ticket for the review.", "follow-up"),
    ("Tom, please drain the node.", "mitigation"),
    ("Chen, find out why the pods restart.", "investigation"),
    ("Sofia, please tell the stakeholders we are mitigating.", "communication"),
    ("Marcus, please write up the post-mortem.", "follow-up"),
]


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(resolve_spacy())


def extract(analyzer: Analyzer, text: str) -> list[object]:
    extractor = Extractor(analyzer, Speakers(ROSTER), started=datetime(2026, 11, 27, 14, 0, tzinfo=UTC).timestamp())
    intro = Transcript(seq=1, t=3.0, start=0.0, end=3.0, text="This is Dana, I am the incident commander.")
    extractor.extract(extractor.attribute(intro))
    said = extractor.attribute(Transcript(seq=2, t=20.0, start=12.0, end=20.0, text=text))
    return extractor.extract(said)  # type: ignore[return-value]


def tags(items: list[object], end: float = 20.0) -> set[str]:
    out = set()
    for item in items:
        if isinstance(item, Decision):
            out.add("decision")
        elif isinstance(item, ActionItem):
            due = f"@{round(item.due - end, -1 if item.due - end > 60 else 0):g}" if item.due is not None else ""
            out.add(f"action:{item.owner}{due}")
        elif isinstance(item, StatusCheck):
            out.add(f"check:{item.owner or 'bridge'}@{round(item.due - end, -1 if item.due - end > 60 else 0):g}")
    return out


def _approx(expected: set[str]) -> set[str]:
    return {
        t
        if "@" not in t
        else t.split("@")[0] + "@" + f"{round(float(t.split('@')[1]), -1 if float(t.split('@')[1]) > 60 else 0):g}"
        for t in expected
    }


@pytest.mark.parametrize("text, expected", CASES)
def test_extraction_table(analyzer: Analyzer, text: str, expected: set[str]) -> None:
    assert tags(extract(analyzer, text)) == _approx(expected)


def test_the_table_is_big_enough() -> None:
    assert len(CASES) >= 80


@pytest.mark.parametrize("text, category", CATEGORIES)
def test_categories(analyzer: Analyzer, text: str, category: str) -> None:
    (item,) = extract(analyzer, text)
    assert item.category == category  # type: ignore[attr-defined]


def test_every_item_carries_its_evidence(analyzer: Analyzer) -> None:
    items = extract(analyzer, "Okay. We will roll back now. Marcus, please start it and report back in two minutes.")
    assert items
    for item in items:
        assert isinstance(item, Extracted)
        assert 12.0 <= item.start < item.end <= 20.0
        assert item.source == 2 and item.by == "Dana" and 0 < item.confidence <= 1
        said = "Okay. We will roll back now. Marcus, please start it and report back in two minutes."
        assert item.quote and item.quote in said


def test_a_request_and_its_acceptance_are_one_item(analyzer: Analyzer) -> None:
    extractor = Extractor(analyzer, Speakers(ROSTER))
    said = [
        ("This is Dana, incident commander.", 0),
        ("Marcus, please start the rollback.", 5),
        ("Okay, I will start the rollback now.", 9),
    ]
    found = []
    for seq, (text, at) in enumerate(said, 1):
        t = extractor.attribute(Transcript(seq=seq, t=at + 3.0, start=float(at), end=at + 2.5, text=text))
        found += extractor.extract(t)
    assert [(type(i).__name__, getattr(i, "owner", None)) for i in found] == [("ActionItem", "Marcus")]


def test_an_acceptance_that_sets_a_deadline_adds_it(analyzer: Analyzer) -> None:
    extractor = Extractor(analyzer, Speakers(ROSTER))
    said = [
        ("This is Dana, incident commander.", 0),
        ("Lena, can you draft a customer notice?", 5),
        ("Sure, I will post the notice in the next ten minutes.", 9),
    ]
    found = []
    for seq, (text, at) in enumerate(said, 1):
        t = extractor.attribute(Transcript(seq=seq, t=at + 3.0, start=float(at), end=at + 2.5, text=text))
        found += extractor.extract(t)
    assert [(getattr(i, "owner", None), getattr(i, "due", None)) for i in found] == [
        ("Lena", None),
        ("Lena", 611.5),
    ]


def test_several_people_asked_for_updates_in_one_breath_owe_one_each(analyzer: Analyzer) -> None:
    for text, expected in [
        (
            "Priya, holler in five. Marcus, get back to me in ten. Lena, I want the numbers from you in fifteen.",
            [("Lena", 900), ("Marcus", 600), ("Priya", 300)],
        ),
        (
            "Okay. Tom, come back to me in three on the queue. Chen, tell me in two if it drained.",
            [
                ("Chen", 120),
                ("Tom", 180),
            ],
        ),
        ("Marcus, report back in five. And report back again in ten.", [("Marcus", 300)]),
    ]:
        checks = [i for i in extract(analyzer, text) if isinstance(i, StatusCheck)]
        assert sorted((c.owner, round(c.due - c.end)) for c in checks) == expected, text


def test_a_promise_to_report_back_accepts_without_a_task_deadline(analyzer: Analyzer) -> None:
    for reply in ["No bother, I'll give you a shout in twenty when it's done.", "Sure, I'll get back to you in ten."]:
        extractor = Extractor(analyzer, Speakers(ROSTER))
        said = [
            ("This is Dana, incident commander.", 0),
            ("Lena, can you rebuild the export on the old version?", 5),
            (reply, 9),
        ]
        found = []
        for seq, (text, at) in enumerate(said, 1):
            t = extractor.attribute(Transcript(seq=seq, t=at + 3.0, start=float(at), end=at + 2.5, text=text))
            found += extractor.extract(t)
        assert [(type(i).__name__, getattr(i, "owner", None), getattr(i, "due", None) is not None) for i in found] == [
            ("ActionItem", "Lena", False),
            ("StatusCheck", "Lena", True),
        ], reply


def test_spoken_clock_times_resolve_against_the_session_start(analyzer: Analyzer) -> None:
    items = extract(analyzer, "Priya, please report back at two thirty.")
    check = next(i for i in items if isinstance(i, StatusCheck))
    assert check.owner == "Priya" and check.due == pytest.approx(20.0 + 30 * 60 - 20.0, abs=1)


def test_spoken_clock_times_are_meant_in_the_calls_timezone(analyzer: Analyzer) -> None:
    # 14:00 UTC is 15:00 in Paris in November: "by 15:30" there is half an hour away, whatever the machine's zone.
    extractor = Extractor(analyzer, Speakers(ROSTER), started=datetime(2026, 11, 27, 14, 0, tzinfo=UTC).timestamp())
    extractor.zone = zone("Europe/Paris")
    said = extractor.attribute(Transcript(seq=1, t=20.0, start=12.0, end=20.0, text="Priya, report back by 15:30."))
    check = next(i for i in extractor.extract(said) if isinstance(i, StatusCheck))
    assert check.due == pytest.approx(30 * 60, abs=1)


@pytest.mark.parametrize(
    "text",
    [
        "Откатываем деплой сейчас, Марк, проверь логи через пять минут.",
        "次の更新は五分後です。ロールバックします。",
        "سنقوم بالتراجع الآن",
    ],
)
def test_words_in_a_language_it_does_not_read_decide_nothing(analyzer: Analyzer, text: str) -> None:
    assert extract(analyzer, text) == []


def test_a_promise_to_deliver_what_was_asked_is_the_task_with_its_deadline(analyzer: Analyzer) -> None:
    extractor = Extractor(analyzer, Speakers(ROSTER))
    said = [
        ("This is Dana, incident commander.", 0),
        ("Lena, can you pull the error counts for the last hour?", 5),
        ("Let me get that for you in a minute.", 9),
    ]
    found = []
    for seq, (text, at) in enumerate(said, 1):
        t = extractor.attribute(Transcript(seq=seq, t=at + 3.0, start=float(at), end=at + 2.5, text=text))
        found += extractor.extract(t)
    items = [(getattr(i, "owner", None), getattr(i, "due", None)) for i in found if isinstance(i, ActionItem)]
    assert items == [("Lena", None), ("Lena", 71.5)]
