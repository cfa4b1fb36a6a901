"""Precision is never bought with recall silently: the evaluation's scores on every annotated call, from the
reference text, are a test. A measure (precision, recall or F1, per group of calls, for the word rules alone
and for the shipped rules + act classifier) that falls more than 0.02 below `corpus/scores.json` fails it.

When a change moves the scores on purpose, `BRIDGE_GOLDEN=update` rewrites the file, and its diff (in the
commit) shows every figure that moved. The held-out figures the README quotes come from
`scripts/evaluate.py`, which trains a classifier per fold; this test uses the rules alone (which no call
trained) and the shipped classifier (trained on every call), so it runs in a minute."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from _calls import apollo, calls
from evaluate import MEASURES, CallScore, Runner, Use, groups, reference

from bridge.language.acts import Acts
from bridge.language.analysis import Analyzer
from bridge.weights import resolve_spacy

BASELINE = ROOT / "corpus" / "scores.json"
SLACK = 0.02


def scores() -> dict[str, dict[str, dict[str, float | None]]]:
    """{"rules: corpus calls": {"decisions": {"precision", "recall", "f1"}, ...}, ...}"""
    everything = [*calls([], corpus=True), *apollo()]
    runner = Runner(Analyzer(resolve_spacy()), silence_after=30.0)
    said = {call.name: reference(call, speakers=True) for call in everything}
    systems: list[tuple[Use, Acts | None]] = [("rules", None), ("both", Acts())]
    out: dict[str, dict[str, dict[str, float | None]]] = {}
    for use, acts in systems:
        per_call = {c.name: runner.score(c, said[c.name], use=use, acts=acts, reference=True) for c in everything}
        for group, members in groups(per_call).items():
            total = sum((per_call[n] for n in members), CallScore())
            out[f"{use}: {group.strip()}"] = {
                m: {"precision": s.precision, "recall": s.recall, "f1": s.f1}
                for m in MEASURES
                for s in [getattr(total, m)]
            }
    return out


def drops(baseline: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """Every figure of `baseline` that `now` lacks or has more than SLACK lower."""
    out = []
    for group, measures in baseline.items():
        for measure, figures in measures.items():
            for name, was in figures.items():
                new = now.get(group, {}).get(measure, {}).get(name)
                if was is not None and (new is None or new < was - SLACK):
                    out.append(f"{group}, {measure} {name}: {was:.3f} → {'n/a' if new is None else f'{new:.3f}'}")
    return out


def test_drops_are_found() -> None:
    was = {"rules: corpus calls": {"decisions": {"precision": 0.9, "recall": 0.8, "f1": 0.85}}}
    same = {"rules: corpus calls": {"decisions": {"precision": 0.89, "recall": 0.8, "f1": 0.85}}}
    traded = {"rules: corpus calls": {"decisions": {"precision": 1.0, "recall": 0.7, "f1": 0.82}}}
    assert drops(was, same) == []
    assert drops(was, traded) == [
        "rules: corpus calls, decisions recall: 0.800 → 0.700",
        "rules: corpus calls, decisions f1: 0.850 → 0.820",
    ]
    assert drops(was, {}) == [
        "rules: corpus calls, decisions precision: 0.900 → n/a",
        "rules: corpus calls, decisions recall: 0.800 → n/a",
        "rules: corpus calls, decisions f1: 0.850 → n/a",
    ]


@pytest.mark.slow
def test_no_measure_drops() -> None:
    now = scores()
    if os.environ.get("BRIDGE_GOLDEN") == "update":
        BASELINE.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n")
    lost = drops(json.loads(BASELINE.read_text()), now)
    assert not lost, "fell by more than 0.02 (BRIDGE_GOLDEN=update if on purpose):\n" + "\n".join(lost)
