import pytest

from bridge.language.findings import cause, impact, mitigated, sentences


def test_sentences_split_on_stops_and_keep_the_words() -> None:
    assert sentences("Okay.  We are   going to fail over! Why? Fine; go") == [
        "Okay.",
        "We are going to fail over!",
        "Why?",
        "Fine;",
        "go",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "users are being signed out of the mobile app and cannot log back in.",
        "A third of logins are failing since the session cache was resized.",
        "Error rate on checkout is around twelve percent.",
        "Login errors are down to 1%",
        "Customers are reporting timeouts on the orders page.",
        "Uploads are not affected.",
        "The CDN provider shows a partial outage in Frankfurt.",
    ],
)
def test_impact_reports(text: str) -> None:
    assert impact(text) == [text]


@pytest.mark.parametrize(
    "text",
    [
        "Leo here, customer support",
        "Who is on from the edge team?",
        "Are users failing to log in?",
        "The cache nodes keep restarting since the resize",
    ],
)
def test_not_impact_reports(text: str) -> None:
    assert impact(text) == []


def test_impact_takes_only_the_sentences_that_report_it() -> None:
    assert impact("This is Grace, incident commander. Our static assets are failing to load in Europe.") == [
        "Our static assets are failing to load in Europe."
    ]


@pytest.mark.parametrize(
    "text",
    [
        "The root cause is the nightly batch job.",
        "It turns out the certificate expired.",
        "The errors are caused by the new deploy.",
        "That's why the nodes keep restarting.",
    ],
)
def test_stated_causes(text: str) -> None:
    assert cause(text) == [text]


@pytest.mark.parametrize(
    "text",
    [
        "We stay on the standby until we understand the root cause.",
        "I am still looking at the logs for the root cause.",
        "The root cause is unclear.",
        "The cause is not known yet.",
        "Maybe the cause is the deploy.",
        "Is the cause the deploy?",
        "We will not chase the root cause right now.",
    ],
)
def test_not_stated_causes(text: str) -> None:
    assert cause(text) == []


@pytest.mark.parametrize(
    "text", ["We are declaring the incident mitigated.", "Yes, it is resolved now.", "The incident is resolved."]
)
def test_said_mitigated(text: str) -> None:
    assert mitigated(text) == [text]


@pytest.mark.parametrize(
    "text",
    [
        "Is it resolved?",
        "It is not mitigated yet.",
        "Once it is resolved we stand down.",
        "We stay here until it is mitigated.",
        "The failover is complete.",
    ],
)
def test_not_said_mitigated(text: str) -> None:
    assert mitigated(text) == []
