"""The reply classifier on general bridge-call English, written the way Whisper writes it (lowercase, no
punctuation, fillers, digits) as well as clean. The monitor only trusts "update", so the table leans on
the border between a report and a promise."""

from __future__ import annotations

import time

import pytest

from bridge.language.replies import Reply, classify

CASES: list[tuple[str, Reply]] = [
    # acknowledgements and promises: never an update
    ("Okay.", "ack"),
    ("okay", "ack"),
    ("Will check.", "ack"),
    ("Will do.", "ack"),
    ("On it.", "ack"),
    ("Got it.", "ack"),
    ("Sure.", "ack"),
    ("Copy that", "ack"),
    ("Roger, on it.", "ack"),
    ("Understood, I'll report back.", "ack"),
    ("Sounds good, thank you.", "ack"),
    ("Yes, I will change the retry setting now", "ack"),
    ("Okay, starting the rollback now", "ack"),
    ("okay starting the rollback now", "ack"),
    ("Uh, will check.", "ack"),
    ("um okay will do", "ack"),
    ("I'm on it.", "ack"),
    ("Looking into it now.", "ack"),
    ("Working on it.", "ack"),
    ("Let me check the dashboards.", "ack"),
    ("I'm checking the logs now.", "ack"),
    ("Failing over now.", "ack"),
    ("Sure, I will post the status page update in the next five minutes.", "ack"),
    ("I'll have the fix out in 10 minutes.", "ack"),
    ("I need to check with the network team first.", "ack"),
    ("we're going to restart the pods", "ack"),
    ("Ok will report back in 5", "ack"),
    ("I'll let you know when it's done.", "ack"),
    ("Acknowledged, checking now.", "ack"),
    ("We can do that.", "ack"),
    # reports of state or progress
    ("Error rate is back to normal, zero point one percent", "update"),
    ("error rate is back to normal 0.1%", "update"),
    ("The failover is complete.", "update"),
    ("No change yet, still looking", "update"),
    ("no change yet still looking", "update"),
    ("Error rate is still at twelve percent, nothing has changed yet.", "update"),
    ("Traffic is shifting to the backup CDN, about half of Europe is moved.", "update"),
    ("Sorry, I was deep in the logs. Uploads are not affected.", "update"),
    ("sorry i was deep in the logs uploads are not affected", "update"),
    ("The retry rate change is deployed.", "update"),
    ("The status page notice is up", "update"),
    ("Done.", "update"),
    ("Rollback's done, all pods on the old version.", "update"),
    ("Nothing yet.", "update"),
    ("Still seeing errors in EU West.", "update"),
    ("I'm still digging through the logs.", "update"),
    ("We're seeing recovery in all regions.", "update"),
    ("Latency is down to 200 ms.", "update"),
    ("Looks like the cache warmed up.", "update"),
    ("We rolled back ten minutes ago and errors dropped.", "update"),
    ("I've restarted all the pods.", "update"),
    ("It's working now.", "update"),
    ("Looking good now, errors are at baseline.", "update"),
    ("Okay, starting the failover now. The first nodes are already back.", "update"),
    ("Yeah, I can confirm the deploy went out at three fifteen.", "update"),
    ("Uh, the fix will be out in about five minutes, it's building.", "update"),
    ("Okay. Um, so the replica has caught up.", "update"),
    ("Nope, nothing on our side.", "update"),
    ("Everything is back up.", "update"),
    ("Still working on it.", "update"),
    ("Not yet.", "update"),
    ("Status update: all regions are green.", "update"),
    ("Rolling back now, errors are already dropping.", "update"),
    ("Halfway through the rollback.", "update"),
    ("So, um, the error rate, uh, it is at like five percent", "update"),
    # questions
    ("What is the error rate now?", "question"),
    ("Lena, is the status page updated?", "question"),
    ("is the failover done", "question"),
    ("Any update on the rollback?", "question"),
    ("Where are we on the uploads, Felix?", "question"),
    ("Has anyone looked at the database?", "question"),
    ("Okay, how long until the rollback finishes?", "question"),
    # requests and commands
    ("Priya, please check the payments dashboard.", "request"),
    ("Next update in two minutes", "request"),
    ("Next update on this bridge in five minutes.", "request"),
    ("Kill the batch job", "request"),
    ("Roll back the deploy now.", "request"),
    ("Let's fail over to the replica.", "request"),
    ("Don't touch the primary until we know more.", "request"),
    ("Can you turn down the retry rate?", "request"),
    ("Tom, you own that change.", "request"),
    ("Please send a holding reply, saying we are aware and working on it.", "request"),
    ("Chen, go ahead and stop it.", "request"),
    # neither: talk about the call, introductions
    ("Priya, I have not heard from you.", "other"),
    ("Sorry, you're on mute.", "other"),
    ("Marcus here.", "other"),
    ("This is Priya.", "other"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_classify(text: str, expected: Reply) -> None:
    assert classify(text) == expected


def test_the_table_is_big_and_covers_every_kind() -> None:
    assert len(CASES) >= 40
    assert {kind for _, kind in CASES} == {"update", "ack", "question", "request", "other"}


def test_empty_and_filler_only_text_is_other() -> None:
    assert classify("") == "other"
    assert classify("  uh, um...  ") == "other"


def test_curly_apostrophes_are_read_like_straight_ones() -> None:
    assert classify("It\u2019s done.") == classify("It's done.") == "update"
    assert classify("I\u2019m on it.") == "ack"


def test_fast_enough_to_run_on_every_transcript() -> None:
    texts = [text for text, _ in CASES] * 20
    began = time.perf_counter()
    for text in texts:
        classify(text)
    assert (time.perf_counter() - began) / len(texts) < 0.001
