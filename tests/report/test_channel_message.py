import json

import pytest

from bridge.report.channel_message import FORMATS, WHATS, format_for, message, payload
from tests.golden import assert_golden, numbered, said, sample_events, session


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_update_payloads_match_the_golden_files(fmt: str) -> None:
    body = payload(message(sample_events(), "update"), fmt)  # type: ignore[arg-type]
    assert_golden(f"post-update.{fmt}.json", json.dumps(body, indent=2, ensure_ascii=False) + "\n")


@pytest.mark.parametrize("what", WHATS)
def test_each_message_matches_its_golden_text(what: str) -> None:
    assert_golden(f"post-{what}.txt", message(sample_events(), what).text())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("url", "fmt"),
    [
        ("https://hooks.slack.com/services/T0/B0/x", "slack"),
        ("https://HOOKS.SLACK.COM/services/T0/B0/x", "slack"),
        ("https://contoso.webhook.office.com/webhookb2/x", "teams"),
        ("https://outlook.office.com/webhook/x", "teams"),
        ("https://chat.example.com/hooks/x", "mattermost"),
        ("https://hooks.slack.com.example.com/x", "mattermost"),  # not Slack's host, whatever it starts with
        ("https://evilwebhook.office.com/x", "mattermost"),
    ],
)
def test_the_format_is_told_by_the_urls_host(url: str, fmt: str) -> None:
    assert format_for(url) == fmt


def test_words_said_on_the_call_never_become_slack_mentions_or_links() -> None:
    events = numbered(
        [session(), said(0, 2, "Users <!channel> see errors & timeouts on <https://x.example|login>.", "Ann")]
    )
    body = payload(message(events, "timeline"), "slack")
    assert "<!channel>" not in body["text"] and "<https" not in body["text"]
    assert "&lt;!channel&gt;" in body["text"] and "&amp; timeouts" in body["text"]
