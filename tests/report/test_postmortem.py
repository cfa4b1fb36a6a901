import re
from html.parser import HTMLParser

import msgspec
import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from bridge.calltime import clock
from bridge.events import Correction, Decision
from bridge.report.postmortem import TIMELINE_HEADER, Template, to_html, to_markdown
from bridge.report.timeline import Timeline, build
from tests.golden import assert_golden, numbered, said, sample_events, session

SECTIONS = [
    "Summary",
    "Impact",
    "Timeline",
    "Decisions",
    "Action items",
    "Follow-ups",
    "Status cadence",
    "Long silences",
    "Participants",
    "What went well",
    "What went badly",
    "Where we got lucky",
]


@pytest.fixture(scope="module")
def sample() -> Timeline:
    return build(sample_events())


def parse(markdown: str) -> list[Token]:
    return MarkdownIt("commonmark").enable("table").parse(markdown)


def headings(tokens: list[Token], level: int) -> list[str]:
    return [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == f"h{level}"]


def tables(tokens: list[Token]) -> list[tuple[list[str], list[list[str]]]]:
    """Each table as (header cells, body rows of cells), from the parsed tokens."""
    out: list[tuple[list[str], list[list[str]]]] = []
    header: list[str] = []
    rows: list[list[str]] = []
    row: list[str] | None = None
    for i, t in enumerate(tokens):
        if t.type == "table_open":
            header, rows = [], []
        elif t.type == "tr_open":
            row = []
        elif t.type in ("th_open", "td_open"):
            assert row is not None
            row.append(tokens[i + 1].content if tokens[i + 1].type == "inline" else "")
        elif t.type == "tr_close":
            assert row is not None
            if header:
                rows.append(row)
            else:
                header = row
        elif t.type == "table_close":
            out.append((header, rows))
    return out


def test_markdown_matches_the_golden_file(sample: Timeline) -> None:
    assert_golden("postmortem.md", to_markdown(sample))


def test_html_matches_the_golden_file(sample: Timeline) -> None:
    assert_golden("postmortem.html", to_html(sample))


@pytest.mark.parametrize("template", ["google", "pagerduty", "atlassian"])
def test_each_template_matches_its_golden_file_and_loses_no_fact(sample: Timeline, template: Template) -> None:
    """Another team's template takes the same facts in its own sections and order: every quote and every
    prompt of bridge's own draft is still there (a template only adds prompts), and nothing is written twice."""
    md = to_markdown(sample, template)
    assert_golden(f"postmortem-{template}.md", md)
    ours = to_markdown(sample)
    quotes = set(re.findall(r"“[^”]+”", ours))
    assert quotes <= set(re.findall(r"“[^”]+”", md))
    prompts = re.findall(r"^> _TODO \(commander\): .+_$", ours, flags=re.MULTILINE)
    assert set(prompts) <= set(re.findall(r"^> _TODO \(commander\): .+_$", md, flags=re.MULTILINE))
    sections = headings(parse(md), 2)
    assert len(sections) == len(set(sections))
    assert to_html(sample, template).count("<h2") == len(sections)


def test_markdown_has_the_post_mortem_sections_in_order(sample: Timeline) -> None:
    tokens = parse(to_markdown(sample))
    assert headings(tokens, 1) == ["Post-mortem draft: sample-call"]
    assert headings(tokens, 2) == SECTIONS


def test_one_timeline_row_per_timeline_event_and_no_broken_table(sample: Timeline) -> None:
    found = tables(parse(to_markdown(sample)))
    timeline = [rows for header, rows in found if tuple(header) == TIMELINE_HEADER]
    assert len(timeline) == 1 and len(timeline[0]) == len(sample.rows)
    for header, rows in found:
        assert all(len(row) == len(header) for row in rows), header
    for cells, row in zip(timeline[0], sample.rows, strict=True):
        assert (cells[0], cells[2]) == (clock(row.at), row.who or "—")


def test_every_entry_carries_its_call_time_and_quote(sample: Timeline) -> None:
    md = to_markdown(sample)
    decision = (
        "1. **We are going to fail over to the standby cache** (mitigation) at 00:49 (07:28:59 UTC). "
        "Rosa: “We are going to fail over to the standby cache.”"
    )
    assert decision in md
    assert (
        "| Victor | run the failover | mitigation | 03:55 (07:32:06 UTC) | **done** at 01:57 Victor: "
        "“The failover is complete." in md
    )
    assert "- **Time to first mitigation decision:** 00:49 into the call (07:28:59 UTC), Rosa:" in md
    assert "**24 s late**" in md


def test_what_only_the_commander_knows_is_a_marked_prompt(sample: Timeline) -> None:
    md = to_markdown(sample)
    prompts = re.findall(r"^> _TODO \(commander\): .+_$", md, flags=re.MULTILINE)
    assert len(prompts) == 7  # summary, impact, timeline, follow-ups, and the three lessons
    sections = re.split(r"^## ", md, flags=re.MULTILINE)
    for title in ("Summary", "Impact", "What went well", "What went badly", "Where we got lucky"):
        section = next(s for s in sections if s.startswith(title))
        assert "> _TODO (commander):" in section


def test_a_replayed_call_says_whose_wall_clock_it_shows(sample: Timeline) -> None:
    assert "**Note:** Made from a recording (samples/sample-call.opus)" in to_markdown(sample)


def test_corrections_show_in_the_draft() -> None:
    events = sample_events()
    fixes = [
        Correction(t=230, seq=100, action="edit", ref=29, owner="Maya"),
        Correction(t=230, seq=101, action="dismiss", ref=27),
    ]
    md = to_markdown(build([*events[:-1], *fixes, events[-1]]))
    assert "| Maya | warn the support team to expect more tickets (edited by the commander) |" in md
    assert "remember me" not in md


class _Tags(HTMLParser):
    VOID = frozenset({"meta", "br", "hr", "img", "link", "input"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.seen: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append(tag)
        self.attrs += attrs
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, (tag, self.open[-3:])
        self.open.pop()


def test_html_is_self_contained_and_well_nested(sample: Timeline) -> None:
    page = to_html(sample)
    tags = _Tags()
    tags.feed(page)
    assert tags.open == []
    assert not {"script", "link", "img", "iframe"} & set(tags.seen)
    assert not any(name in ("src", "href") for name, _ in tags.attrs)
    assert "http" not in page
    assert tags.seen.count("h2") == len(SECTIONS)
    md_rows = sum(1 + len(rows) for _, rows in tables(parse(to_markdown(sample))))
    assert page.count("<tr>") == md_rows


def test_what_was_said_cannot_break_the_markdown_or_inject_html() -> None:
    evil = "Errors | at 50% <script>alert(1)</script> *now* _here_ [x](y) `z`"
    events = numbered(
        [
            session(),
            said(0, 4, evil, "Ann"),
            Decision(
                t=4.5,
                start=0,
                end=4,
                quote=evil,
                source=2,
                by="Ann",
                confidence=0.9,
                category="mitigation",
                text="roll back | now",
            ),
        ]
    )
    tl = build(events)
    tokens = parse(to_markdown(tl))
    for header, rows in tables(tokens):
        assert all(len(row) == len(header) for row in rows)
    rendered = MarkdownIt("commonmark").enable("table").render(to_markdown(tl))
    assert "<script>" not in rendered and "<em>now</em>" not in rendered and "<a " not in rendered
    assert "<script>" not in to_html(tl) and "&lt;script&gt;" in to_html(tl)


def test_a_call_still_going_on_says_so() -> None:
    events = sample_events()[:30]
    md = to_markdown(build(events))
    assert "**Note:** The call is still going on: this draft covers its first 01:19." in md
    assert "- **Bridge call:** 2026-11-27 07:28:10 UTC, still going on (01:19 so far)." in md


def test_the_same_log_gives_the_same_draft() -> None:
    a, b = sample_events(), [msgspec.structs.replace(e) for e in sample_events()]
    assert to_markdown(build(a)) == to_markdown(build(b)) and to_html(build(a)) == to_html(build(b))
