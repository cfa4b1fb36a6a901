"""The evaluation's scoring, on hand-built events: no model, no audio."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from bridge.events import ActionItem, Alert, Decision, LoggedEvent, StatusCheck
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from _calls import SHARED_CALLS, Call, calls
from evaluate import (
    TARGETS,
    Gold,
    Results,
    Runner,
    Score,
    as_json,
    folds,
    line_of,
    overdue_times,
    reference,
    score_action_items,
    score_call,
    score_decisions,
    score_due_times,
    score_overdue,
    score_silences,
    score_status_checks,
    silence_times,
    table,
)

from bridge.language.analysis import Analyzer
from bridge.weights import resolve_spacy

# Five lines: 0-10, 12-20, 21-30, then a 40 s gap, 70-80, then a 29.9 s gap, 109.9-115.
LINES = [(0.0, 10.0), (12.0, 20.0), (21.0, 30.0), (70.0, 80.0), (109.9, 115.0)]
GOLD_JSON = {
    "decisions": [1],
    "action_items": [{"line": 1, "owner": "Priya", "due_s": 120}, {"line": 2, "owner": "Marcus"}],
    "status_checks": [{"line": 1, "due_s": 120, "owner": "Priya"}, {"line": 3, "due_s": 60, "owner": None}],
    "alerts": [
        {"kind": "status_overdue", "after_line": 1, "due_s": 120, "owner": "Priya"},
        {"kind": "long_silence", "after_line": 2, "min_s": 40},
    ],
}
GOLD = Gold.from_json(
    GOLD_JSON, [{"i": i, "text": f"line {i}", "start": s, "end": e} for i, (s, e) in enumerate(LINES)]
)


def decision(start: float, end: float) -> Decision:
    return Decision(t=end, start=start, end=end, quote="q", source=1, by=None, confidence=1.0, category=None, text="d")


def action(start: float, end: float, owner: str | None, due: float | None = None) -> ActionItem:
    return ActionItem(
        t=end,
        start=start,
        end=end,
        quote="q",
        source=1,
        by=None,
        confidence=1.0,
        category=None,
        owner=owner,
        task="t",
        due=due,
    )


def check(start: float, end: float, due: float, owner: str | None = None) -> StatusCheck:
    return StatusCheck(
        t=end, start=start, end=end, quote="q", source=1, by=None, confidence=1.0, category=None, owner=owner, due=due
    )


def alert(kind: str, t: float, owner: str | None = None) -> Alert:
    return Alert(t=t, kind=kind, message="m", owner=owner)  # type: ignore[arg-type]


def pr(score: Score) -> tuple[float | None, float | None, float | None]:
    return score.precision, score.recall, score.f1


def test_an_item_belongs_to_the_line_it_overlaps_most() -> None:
    lines = GOLD.lines
    assert line_of(2.0, 5.0, lines) == 0
    assert line_of(8.0, 16.0, lines) == 1  # 2 s on line 0, 4 s on line 1
    assert line_of(10.0, 12.0, lines) is None  # only the pause between them
    assert line_of(40.0, 50.0, lines) is None
    assert line_of(75.0, 75.0, lines) == 3  # an instant falls in a line
    assert line_of(-5.0, 200.0, lines) == 0  # lines 0 and 3 are both 10 s long: the earlier wins


def test_nothing_to_find_and_nothing_found_is_not_a_division_by_zero() -> None:
    assert pr(Score()) == (None, None, None)
    assert pr(Score(extracted=0, gold=2)) == (None, 0.0, 0.0)
    assert pr(Score(extracted=3, gold=0)) == (0.0, None, 0.0)
    assert pr(Score(extracted=2, correct=0, gold=2, found=0)) == (0.0, 0.0, 0.0)
    assert Score(4, 3, 2, 1) + Score(1, 1, 2, 2) == Score(5, 4, 4, 3)


def test_decisions_count_events_for_precision_and_lines_for_recall() -> None:
    right_twice = [decision(12.5, 15.0), decision(15.0, 19.0)]
    assert pr(score_decisions(right_twice, GOLD)) == (1.0, 1.0, 1.0)
    score = score_decisions([decision(12.5, 15.0), decision(22.0, 25.0), decision(40.0, 45.0)], GOLD)
    assert (score.correct, score.extracted, score.found, score.gold) == (1, 3, 1, 1)
    assert score.precision == pytest.approx(1 / 3)
    missed = score_decisions([decision(0.0, 9.0)], GOLD)
    assert pr(missed) == (0.0, 0.0, 0.0)
    assert any("missed decision, line 1" in note for note in missed.notes)


def test_action_items_need_line_and_owner_compared_case_insensitively() -> None:
    events = [action(12.0, 20.0, "priya"), action(21.0, 30.0, "MARCUS ")]
    assert pr(score_action_items(events, GOLD)) == (1.0, 1.0, 1.0)
    wrong_owner = score_action_items([action(12.0, 20.0, "Marcus"), action(21.0, 30.0, None)], GOLD)
    assert pr(wrong_owner) == (0.0, 0.0, 0.0)
    assert any("gold says 'Priya'" in note for note in wrong_owner.notes)


def test_due_times_within_15_percent_of_the_delay_after_the_line() -> None:
    end = 20.0  # line 1 ends; gold: 120 s for its action item and its status check, 60 s after line 3
    on_the_edge = score_due_times([action(12, 20, "Priya", end + 120 * 1.15)], GOLD)
    assert pr(on_the_edge) == (1.0, 1 / 3, 0.5)
    late = score_due_times([action(12, 20, "Priya", end + 120 * 1.16)], GOLD)
    assert (late.correct, late.extracted) == (0, 1)
    both: list[LoggedEvent] = [
        action(12, 20, "Priya", end + 105),
        check(12, 20, end + 135),
        check(70, 80, 140),
    ]
    assert pr(score_due_times(both, GOLD)) == (1.0, 1.0, 1.0)


def test_due_times_leave_out_items_without_a_gold_due_to_compare_with() -> None:
    no_due = action(12, 20, "Priya")  # carries no due
    other_line = action(21, 30, "Marcus", 90.0)  # gold has no due on line 2
    score = score_due_times([no_due, other_line], GOLD)
    assert (score.extracted, score.gold, score.found) == (0, 3, 0)
    assert pr(score) == (None, 0.0, 0.0)


def test_a_due_counts_for_its_own_kind_only() -> None:
    check_due_on_action_line = score_due_times([check(21, 30, 30 + 120)], GOLD)  # line 2: an action, no due
    assert check_due_on_action_line.extracted == 0


def test_status_checks_need_line_and_due_and_report_owners_apart() -> None:
    score, owners = score_status_checks([check(12, 20, 140.0, "PRIYA"), check(70, 80, 140.0)], GOLD)
    assert pr(score) == (1.0, 1.0, 1.0)
    assert (owners.right, owners.of) == (2, 2)
    score, owners = score_status_checks([check(12, 20, 140.0, "Marcus"), check(70, 80, 200.0)], GOLD)
    assert (score.correct, score.extracted, score.found, score.gold) == (1, 2, 1, 2)
    assert (owners.right, owners.of) == (0, 1)


def test_overdue_alerts_within_five_seconds_after_never_before_with_owner() -> None:
    assert overdue_times(GOLD) == [(140.0, "Priya")]
    for t in (140.0, 142.5, 145.0):
        assert pr(score_overdue([alert("status_overdue", t, "priya")], GOLD)) == (1.0, 1.0, 1.0)
    for t in (139.5, 145.5):
        assert pr(score_overdue([alert("status_overdue", t, "Priya")], GOLD)) == (0.0, 0.0, 0.0)
    assert pr(score_overdue([alert("status_overdue", 141.0, "Marcus")], GOLD)) == (0.0, 0.0, 0.0)
    twice = score_overdue([alert("status_overdue", 141.0, "Priya"), alert("status_overdue", 142.0, "Priya")], GOLD)
    assert (twice.correct, twice.extracted, twice.found, twice.gold) == (1, 2, 1, 1)
    assert pr(score_overdue([alert("long_silence", 141.0)], GOLD)) == (None, 0.0, 0.0)


def test_one_long_silence_for_every_gap_of_at_least_the_threshold() -> None:
    assert silence_times(GOLD, 30.0) == [60.0]  # 40 s after line 2; the 29.9 s gap after line 3 is short
    assert silence_times(GOLD, 29.9) == pytest.approx([59.9, 109.9])
    assert pr(score_silences([alert("long_silence", 61.0)], GOLD, 30.0)) == (1.0, 1.0, 1.0)
    extra = score_silences([alert("long_silence", 61.0), alert("long_silence", 109.0)], GOLD, 30.0)
    assert (extra.precision, extra.recall) == (0.5, 1.0)
    assert extra.f1 == pytest.approx(2 / 3)
    assert pr(score_silences([], GOLD, 30.0)) == (None, 0.0, 0.0)
    assert pr(score_silences([], GOLD, 50.0)) == (None, None, None)


def perfect_events(call: Call, silence_after: float) -> list[LoggedEvent]:
    """What a perfect run would log for a call, built from its gold."""
    gold = Gold.from_json(call.gold, call.lines)

    def span(i: int) -> tuple[float, float]:
        return gold.lines[i].start, gold.lines[i].end

    events: list[LoggedEvent] = [decision(*span(i)) for i in gold.decisions]
    for g in gold.action_items:
        due = gold.lines[g.line].end + g.due_s if g.due_s is not None else None
        events.append(action(*span(g.line), g.owner and g.owner.upper(), due))
    for g in gold.status_checks:
        assert g.due_s is not None
        events.append(check(*span(g.line), gold.lines[g.line].end + g.due_s * 1.1, g.owner))
    events += [alert("status_overdue", t + 1.0, owner) for t, owner in overdue_times(gold)]
    events += [alert("long_silence", t + 0.5) for t in silence_times(gold, silence_after)]
    return events


def scripted(script: Path) -> Call:
    """A shared call without rendering it: its lines 5 s long, after the pauses its script gives."""
    lines: list[dict[str, object]] = []
    end = 0.0
    for row in script.read_text().splitlines():
        match = re.match(r"(\d+(?:\.\d+)?)\s+([^:#]+?)\s*:\s*(.+)", row.strip())
        if match:
            start, end = end + float(match[1]), end + float(match[1]) + 5.0
            lines.append({"i": len(lines), "speaker": match[2], "text": match[3], "start": start, "end": end})
    gold = json.loads(script.with_suffix(".gold.json").read_text())
    return Call(script.stem, script.with_suffix(".wav"), lines, end, gold)


GOLD_CALLS = [*calls(["sample-call"]), *(scripted(s) for s in sorted(SHARED_CALLS.glob("*.call")))]


@pytest.mark.parametrize("call", GOLD_CALLS, ids=lambda call: call.name)
def test_a_perfect_run_scores_one_on_every_real_gold(call: Call) -> None:
    score = score_call(perfect_events(call, 30.0), Gold.from_json(call.gold, call.lines), 30.0)
    for measure in ("decisions", "action_items", "due_times", "status_checks", "overdue", "silences"):
        assert pr(getattr(score, measure)) == (1.0, 1.0, 1.0), measure
        assert TARGETS["text"][measure].met(getattr(score, measure))
    assert score.status_owner.value == 1.0


@pytest.mark.parametrize("call", GOLD_CALLS, ids=lambda call: call.name)
def test_the_silences_from_the_gaps_are_the_ones_the_gold_lists(call: Call) -> None:
    gold = Gold.from_json(call.gold, call.lines)
    listed = [a["after_line"] for a in call.gold["alerts"] if a["kind"] == "long_silence"]
    assert silence_times(gold, 30.0) == [gold.lines[i].end + 30.0 for i in listed]


def test_a_text_run_understands_the_reference_lines_with_the_real_pipeline(analyzer: Analyzer) -> None:
    call = calls(["sample-call"])[0]
    runner = Runner(analyzer, 30.0)
    said = reference(call, speakers=True)
    assert [t.speaker for t in said] == [line["speaker"] for line in call.lines]
    score = runner.score(call, said, use="rules", acts=None, reference=True)
    assert score.decisions.f1 == score.status_checks.f1 == score.silences.f1 == 1.0
    assert (score.action_items.f1 or 0) >= 0.9
    unnamed = runner.score(call, reference(call, speakers=False), use="rules", acts=None, reference=True)
    assert unnamed.speakers.value is not None and unnamed.speakers.value < 1.0  # the words alone must guess


def test_folds_keep_whole_calls_apart_and_the_real_dialogue_as_its_own() -> None:
    scripted_calls = [Call(f"c{i:02d}", Path(f"c{i:02d}.wav"), [], 0.0) for i in range(7)]
    real = [Call(f"apollo/s{i}", None, [], 0.0) for i in range(2)]
    made = folds([*real, *scripted_calls], 3)
    assert [[c.name for c in f] for f in made] == [
        ["c00", "c03", "c06"],
        ["c01", "c04"],
        ["c02", "c05"],
        ["apollo/s0", "apollo/s1"],
    ]


def test_empty_results_print_as_not_applicable() -> None:
    assert "n/a" in table("text", Results(), k=5)
    assert as_json("text", Results())["held_out"]["both"]["decisions"]["f1"] is None


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(resolve_spacy())
