"""The development corpus holds together: every gold file names lines its call has, owners its call has,
checks that are met after they are set; and no Apollo stretch touches the two kept for evaluation."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, SHARED

sys.path.insert(0, str(ROOT / "scripts"))
from _calls import APOLLO, CORPUS_CALLS, DIALOGUE

LINE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s+([^:]+):\s*(.+?)\s*$")
KEYS = {"note", "decisions", "action_items", "status_checks", "updates", "alerts", "source", "first", "last"}
KEPT = [(56 * 3600 + 14 * 60 + 10, 56 * 3600 + 34 * 60 + 24), (57 * 3600 + 34 * 60 + 20, 57 * 3600 + 47 * 60 + 51)]
"""GET seconds of the two Flight Director stretches ../shared/data/real/incident_dialogue/SOURCES.md keeps for
evaluation."""


def script(path: Path) -> tuple[list[tuple[str, str]], list[str], str]:
    """(speaker, text) per spoken line, the voices, and the first line."""
    text = path.read_text()
    lines = [m for raw in text.splitlines() if (m := LINE.match(raw)) and not raw.lstrip().startswith("#")]
    voices = re.findall(r"^#\s*voice\s+([^=\s]+)=", text, re.M)
    return [(m[2].strip(), m[3]) for m in lines], voices, text.splitlines()[0]


def check_gold(gold: dict[str, Any], n: int, people: set[str]) -> None:
    assert set(gold) <= KEYS, set(gold) - KEYS
    assert all(0 <= i < n for i in gold.get("decisions", []) + gold.get("updates", []))
    for kind in ("action_items", "status_checks"):
        for item in gold.get(kind, []):
            assert 0 <= item["line"] < n
            assert item.get("owner") is None or item["owner"] in people, item
            assert item.get("due_s") is None or item["due_s"] > 0
    for check in gold.get("status_checks", []):
        met = check.get("satisfied_by_line")
        assert met is None or check["line"] < met < n
    for alert in gold.get("alerts", []):
        assert alert["kind"] in ("status_overdue", "long_silence") and 0 <= alert["after_line"] < n


CALLS = sorted(CORPUS_CALLS.glob("*.call"))


def test_the_corpus_is_big_enough() -> None:
    lines = sum(len(script(p)[0]) for p in CALLS)
    apollo = sum(
        json.loads(p.read_text())["last"] - json.loads(p.read_text())["first"] + 1 for p in APOLLO.glob("*.json")
    )
    assert len(CALLS) >= 30 and lines >= 1000 and apollo >= 600


@pytest.mark.parametrize("path", CALLS, ids=lambda p: p.stem)
def test_every_corpus_call_says_how_to_render_it_and_its_gold_fits_it(path: Path) -> None:
    lines, voices, head = script(path)
    assert re.search(r"Render:\s*(clean|phone|stereo)\b", head), head
    assert {speaker for speaker, _ in lines} <= set(voices)
    check_gold(json.loads(path.with_suffix(".gold.json").read_text()), len(lines), set(voices))


@pytest.mark.parametrize("path", sorted(APOLLO.glob("*.gold.json")), ids=lambda p: p.stem)
def test_apollo_stretches_fit_their_source_and_keep_out_of_the_evaluation_stretches(path: Path) -> None:
    gold = json.loads(path.read_text())
    records = [json.loads(line) for line in (DIALOGUE / gold["source"]).read_text().splitlines()]
    stretch = records[gold["first"] : gold["last"] + 1]
    assert len(stretch) == gold["last"] - gold["first"] + 1
    times = [r["start_s"] for r in stretch if r["start_s"] is not None] + [r["end_s"] for r in stretch if r["end_s"]]
    assert not [t for t in times for a, b in KEPT if a <= t <= b]
    check_gold(gold, len(stretch), {r["speaker"] for r in stretch})


def test_the_shared_calls_are_where_the_loader_looks() -> None:
    assert sorted(p.stem for p in (SHARED / "calls").glob("*.call"))
