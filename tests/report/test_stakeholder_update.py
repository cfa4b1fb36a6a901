import msgspec
import pytest

from bridge.events import ActionItem, Correction, Decision, StatusCheck
from bridge.report.stakeholder_update import stakeholder_update
from tests.golden import STARTED, assert_golden, numbered, said, sample_events, session


def test_update_at_the_end_of_the_sample_call_matches_the_golden_file() -> None:
    assert_golden("update.txt", stakeholder_update(sample_events()))


def test_at_the_end_of_the_sample_call() -> None:
    text = stakeholder_update(sample_events())
    assert text.startswith("[Mitigated] Incident update: sample-call, as of 07:32 UTC\n")
    assert "Status: Mitigated: declared on the incident bridge at 07:31 UTC." in text
    assert "Impact: Users are being signed out of the mobile app and cannot log back in. A third of logins" in text
    assert "Latest: “Login errors are down to 1%” (07:30 UTC)" in text
    assert "Cause: We have not confirmed the cause yet. Latest finding (07:31 UTC): “Sorry, I was deep" in text
    assert "What we did:\n- Decided at 07:28 UTC to fail over to the standby cache.\n" in text
    assert "- Run the failover (Victor): done at 07:30 UTC\n" in text
    assert "declaring the incident mitigated" not in text.split("What we did:")[1]
    assert text.endswith("Next update: within 30 minutes, by 08:02 UTC.\n")


def test_mid_call_it_says_the_cause_is_unknown_and_the_next_update_is_the_bridge_cadence() -> None:
    text = stakeholder_update(sample_events(), now=150.0)
    assert text.startswith("[Mitigating] Incident update: sample-call, as of 07:30 UTC\n")
    assert "Status: A mitigation is under way since 07:28 UTC; the incident is not yet resolved." in text
    assert "Cause: We don't know the cause yet.\n" in text
    assert "What we are doing:\n" in text
    assert text.endswith("Next update: by 07:32 UTC, as set on the bridge.\n")  # "next update in 2 minutes" at 02:14
    assert "summary to leadership" not in text  # said later


def test_before_anything_is_decided_it_is_investigating() -> None:
    text = stakeholder_update(sample_events(), now=40.0)
    assert "[Investigating]" in text
    assert "Status: We are investigating; no mitigation has been decided yet." in text
    assert "What we" not in text


def test_with_nothing_said_about_impact_or_cause() -> None:
    text = stakeholder_update(numbered([session(), said(0, 2, "Hello, who is on?", "Ann")]))
    assert text == (
        "[Investigating] Incident update: test, as of 00:00 UTC\n\n"
        "Status: We are investigating; no mitigation has been decided yet.\n"
        "Impact: not yet stated on the bridge.\n"
        "Cause: We don't know the cause yet.\n"
        "Next update: within 30 minutes, by 00:30 UTC.\n"
    )


def test_a_stated_cause_other_decisions_and_an_open_mitigation() -> None:
    events = numbered(
        [
            session(),
            said(0, 3, "Checkout is failing for everyone.", "Ann"),
            said(10, 14, "The root cause is the expired certificate on the gateway.", "Bob"),
            said(20, 24, "Bob, rotate the certificate. We will also tell the payments partner.", "Ann"),
            ActionItem(
                t=24.5,
                start=20,
                end=22,
                quote="Bob, rotate the certificate.",
                source=4,
                by="Ann",
                confidence=0.9,
                category="mitigation",
                owner="Bob",
                task="rotate the certificate",
            ),
            Decision(
                t=24.5,
                start=22,
                end=24,
                quote="We will also tell the payments partner.",
                source=4,
                by="Ann",
                confidence=0.9,
                category="communication",
                text="We will also tell the payments partner",
            ),
            said(30, 32, "Next update in ten minutes.", "Ann"),
            StatusCheck(
                t=32.5,
                start=30,
                end=32,
                quote="Next update in ten minutes.",
                source=7,
                by="Ann",
                confidence=0.9,
                category="communication",
                owner=None,
                due=632.0,
            ),
        ]
    )
    text = stakeholder_update(events)
    assert (
        "Cause: As stated on the bridge at 00:00 UTC: “The root cause is the expired certificate on the gateway.”"
        in text
    )
    assert "What we are doing:\n- Rotate the certificate (Bob): in progress\n" in text
    assert "Other decisions:\n- Decided at 00:00 UTC to tell the payments partner.\n" in text
    assert text.endswith("Next update: by 00:10 UTC, as set on the bridge.\n")


def test_a_dismissed_mitigation_is_not_reported_as_being_done() -> None:
    events = sample_events()
    dismiss = Correction(t=200, seq=100, action="dismiss", ref=27)
    text = stakeholder_update([*events[:-1], dismiss, events[-1]])
    assert "remember me" not in text


def test_the_update_reads_no_clock_but_the_session_start() -> None:
    events = sample_events()
    moved = [events[0], *(msgspec.structs.replace(e, wall=0.0) for e in events[1:])]
    assert stakeholder_update(moved, now=150.0) == stakeholder_update(events, now=150.0)


@pytest.mark.parametrize(
    "said, written",
    [
        ("We are going to fail over to the standby cache.", "Decided at 00:01 UTC to fail over to the standby cache."),
        ("Okay, let's roll back the deploy.", "Decided at 00:01 UTC to roll back the deploy."),
        ("Decision: we'll freeze all deploys", "Decided at 00:01 UTC to freeze all deploys."),
        ("We need to drain node seven now!", "Decided at 00:01 UTC to drain node seven now."),
        (
            "Nobody touches prod config until the rollback lands",
            "Decided at 00:01 UTC: “Nobody touches prod config until the rollback lands”",
        ),
        ("We stay on the standby.", "Decided at 00:01 UTC: “We stay on the standby”"),
    ],
)
def test_a_decision_is_written_in_a_stakeholders_words_or_quoted_as_said(said: str, written: str) -> None:
    """Not the commander's words passed off as prose under "What we did": "We are going to ..." reads as
    "decided to ...", and what cannot be read that way is quoted as it was said."""
    from bridge.report.stakeholder_update import _Draft
    from bridge.report.timeline import build

    draft = _Draft(build(numbered([session()])))
    assert draft.decided_at(said, STARTED + 60.0) == written
