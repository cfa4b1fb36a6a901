import pytest

from bridge.language.findings import cause, impact, level, mitigated, sentences, severity


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


@pytest.mark.parametrize(
    "text, named",
    [
        ("Bumping this to SEV1.", "SEV1"),
        ("Okay everyone, we are declaring a sev two.", "SEV2"),
        ("This is a severity one incident as of now.", "SEV1"),
        ("Moving it from SEV-2 to SEV-1, the whole EU region is down.", "SEV1"),
        ("Let's call it a P1 and page the database team.", "P1"),
        ("Sev 3, nobody outside the team is affected.", "SEV3"),
    ],
)
def test_a_declared_severity_is_found_with_its_level(text: str, named: str) -> None:
    (sentence,) = severity(text)
    assert level(sentence) == named


@pytest.mark.parametrize(
    "text",
    [
        "Is this a SEV1?",
        "This is not a SEV1 yet.",
        "If it spreads we may go to SEV1.",
        "Latency p99 is at two seconds.",
        "Error rate is 5 percent on p 2.",
        "Step one, restart the pods.",
    ],
)
def test_questions_hedges_and_lookalikes_declare_no_severity(text: str) -> None:
    assert severity(text) == []
