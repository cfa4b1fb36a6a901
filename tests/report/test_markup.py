from markdown_it import MarkdownIt

from bridge.report.markup import Bullets, Heading, Para, Prompt, Span, Table, to_html, to_markdown


def render(markdown: str) -> str:
    return str(MarkdownIt("commonmark").enable("table").render(markdown))


def test_markdown_blocks() -> None:
    md = to_markdown(
        [
            Heading(2, "Decisions"),
            Para(["At ", Span("00:49", "strong"), " Rosa said ", Span("fail over", "quote"), "."]),
            Bullets([["one"], ["two"]], numbered=True),
            Table(("A", "B"), [[["x"], []]]),
            Prompt("commander", "What went well?"),
        ]
    )
    assert md == (
        "## Decisions\n\n"
        "At **00:49** Rosa said “fail over”.\n\n"
        "1. one\n2. two\n\n"
        "| A | B |\n|---|---|\n| x |   |\n\n"
        "> _TODO (commander): What went well?_\n"
    )


def test_emphasis_hugs_its_text_so_commonmark_sees_it() -> None:
    html = render(to_markdown([Para([Span("Note: ", "strong"), "it", Span(" works ", "em"), "."])]))
    assert html == "<p><strong>Note:</strong> it <em>works</em> .</p>\n"


def test_said_text_is_escaped_for_markdown() -> None:
    said = "a | b *c* _d_ [e](f) <b>g</b> `h` # i \\ j"
    md = to_markdown([Table(("Quote",), [[[Span(said, "quote")]]])])
    html = render(md)
    assert "<td>“a | b *c* _d_ [e](f) &lt;b&gt;g&lt;/b&gt; `h` # i \\ j”</td>" in html


def test_a_newline_in_what_was_said_cannot_end_a_row() -> None:
    md = to_markdown([Table(("A", "B"), [[["one\ntwo"], ["three"]]])])
    assert md.splitlines()[2] == "| one two | three |"


def test_html_escapes_and_is_one_page() -> None:
    page = to_html([Heading(1, "<x>"), Para([Span("<script>", "quote")]), Prompt("commander", "a & b")], title="t<")
    assert page.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert "<title>t&lt;</title>" in page and "<h1>&lt;x&gt;</h1>" in page
    assert "<p><q>&lt;script&gt;</q></p>" in page
    assert '<p class="todo"><em>TODO (commander): a &amp; b</em></p>' in page
