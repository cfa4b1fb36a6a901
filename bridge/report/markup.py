"""A small document model with two renderers, Markdown and self-contained HTML.

The post-mortem draft is written once, as blocks, and rendered to either format, so both always say the
same thing. Text is plain text until rendered: each renderer escapes it for its format (a transcript may
hold `|`, `*` or `<`), so nothing said on the call can break a table or inject markup.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "Block",
    "Bullets",
    "Heading",
    "Inline",
    "Para",
    "Prompt",
    "Span",
    "Table",
    "md_escape",
    "to_html",
    "to_markdown",
]

Style = Literal["", "strong", "em", "quote"]


@dataclass(frozen=True)
class Span:
    text: str
    style: Style = ""


Inline = Sequence[Span | str]


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Para:
    content: Inline


@dataclass(frozen=True)
class Bullets:
    items: Sequence[Inline]
    numbered: bool = False


@dataclass(frozen=True)
class Table:
    header: Sequence[str]
    rows: Sequence[Sequence[Inline]]


@dataclass(frozen=True)
class Prompt:
    """What only a person can write: a clearly marked blank with a question."""

    who: str
    text: str


Block = Heading | Para | Bullets | Table | Prompt


def _spans(content: Inline) -> list[Span]:
    return [c if isinstance(c, Span) else Span(c) for c in content]


# -- Markdown --------------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def _flat(text: str) -> str:
    """One line: a newline in a quote would end a table row or a list item."""
    return re.sub(r"\s+", " ", text)


def md_escape(text: str) -> str:
    """`text` as one line of Markdown that shows it as it is."""
    return _MD_SPECIAL.sub(r"\\\1", _flat(text))


def _md_inline(content: Inline) -> str:
    out = []
    for span in _spans(content):
        text = md_escape(span.text)
        core = text.strip()
        if span.style and core:
            # Emphasis must hug its text: "**Note: **" is not bold in CommonMark.
            marked = {"strong": f"**{core}**", "em": f"_{core}_", "quote": f"“{core}”"}[span.style]
            text = text[: len(text) - len(text.lstrip())] + marked + text[len(text.rstrip()) :]
        out.append(text)
    return "".join(out)


def to_markdown(blocks: Sequence[Block]) -> str:
    parts = []
    for block in blocks:
        if isinstance(block, Heading):
            parts.append(f"{'#' * block.level} {md_escape(block.text)}")
        elif isinstance(block, Para):
            parts.append(_md_inline(block.content))
        elif isinstance(block, Bullets):
            parts.append(
                "\n".join(
                    f"{f'{n}.' if block.numbered else '-'} {_md_inline(item)}" for n, item in enumerate(block.items, 1)
                )
            )
        elif isinstance(block, Table):
            lines = [
                "| " + " | ".join(md_escape(h) for h in block.header) + " |",
                "|" + "|".join("---" for _ in block.header) + "|",
            ]
            lines += ["| " + " | ".join(_md_inline(cell) or " " for cell in row) + " |" for row in block.rows]
            parts.append("\n".join(lines))
        else:
            parts.append(f"> _TODO ({md_escape(block.who)}): {md_escape(block.text)}_")
    return "\n\n".join(parts) + "\n"


# -- HTML ------------------------------------------------------------------------------------------------

_CSS = """
body { font: 15px/1.5 system-ui, sans-serif; max-width: 72rem; margin: 2rem auto; padding: 0 1rem; color: #1d1d1f; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0; }
th, td { border: 1px solid #ddd; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f4f4f6; } tr:nth-child(even) td { background: #fafafa; }
q { font-style: italic; }
.todo { border-left: 4px solid #d97706; background: #fff7e6; margin: 0.5rem 0; padding: 0.4rem 0.8rem; }
""".strip()


def _html_inline(content: Inline) -> str:
    out = []
    for span in _spans(content):
        text = html.escape(_flat(span.text))
        if span.style == "strong":
            text = f"<strong>{text}</strong>"
        elif span.style == "em":
            text = f"<em>{text}</em>"
        elif span.style == "quote":
            text = f"<q>{text}</q>"
        out.append(text)
    return "".join(out)


def to_html(blocks: Sequence[Block], *, title: str) -> str:
    body = []
    for block in blocks:
        if isinstance(block, Heading):
            body.append(f"<h{block.level}>{html.escape(block.text)}</h{block.level}>")
        elif isinstance(block, Para):
            body.append(f"<p>{_html_inline(block.content)}</p>")
        elif isinstance(block, Bullets):
            tag = "ol" if block.numbered else "ul"
            items = "".join(f"<li>{_html_inline(item)}</li>" for item in block.items)
            body.append(f"<{tag}>{items}</{tag}>")
        elif isinstance(block, Table):
            head = "".join(f"<th>{html.escape(h)}</th>" for h in block.header)
            rows = "".join(
                "<tr>" + "".join(f"<td>{_html_inline(cell)}</td>" for cell in row) + "</tr>" for row in block.rows
            )
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        else:
            body.append(f'<p class="todo"><em>TODO ({html.escape(block.who)}): {html.escape(block.text)}</em></p>')
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{html.escape(title)}</title>\n'
        f"<style>\n{_CSS}\n</style>\n</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )
