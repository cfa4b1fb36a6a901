"""Random transcripts (JSON lines, WebVTT) and --patterns files, each given to a real `bridge replay`, and a
replay killed with SIGKILL at a seeded moment. Whatever the input, the process either refuses it in one
line (no traceback, exit 1 or 2) or runs it (no traceback, exit 0) to a log whose every line parses and whose
last event is `end`; a killed replay leaves only whole lines but perhaps the last, and `--resume` goes on.

Bounded so the fault suite stays under two minutes: each example is a process start (about 2 s)."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import BRIDGE, ROOT, run_bridge, wait_for_session, write_wav

FUZZ = settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)

times = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(min_value=0, max_value=600),
    st.text(max_size=5),
    st.none(),
)
words = st.text(st.characters(codec="utf-8"), max_size=60)
row = st.fixed_dictionaries(
    {"start": times, "end": times, "text": st.one_of(words, st.integers(), st.none())},
    optional={"speaker": st.one_of(words, st.integers())},
)
good_row = st.builds(
    lambda start, length, text, speaker: {"start": start, "end": start + length, "text": text, "speaker": speaker},
    st.floats(0, 600),
    st.floats(0, 30),
    words,
    st.one_of(st.none(), words),
)
"""Well-formed but for what is said: so that most examples run the whole pipeline, not only the refusals."""
jsonl_line = st.one_of(good_row.map(json.dumps), good_row.map(json.dumps), row.map(json.dumps), st.text(max_size=40))
stamp = st.builds(
    lambda h, m, s, ms: f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}",
    st.one_of(st.integers(0, 2), st.integers(0, 10**6)),
    st.one_of(st.integers(0, 59), st.integers(0, 99)),
    st.one_of(st.integers(0, 59), st.integers(0, 99)),
    st.one_of(st.integers(0, 999), st.integers(0, 9999)),
)
cue = st.builds(lambda a, b, text: f"{a} --> {b}\n{text}\n", stamp, stamp, words)
vtt = st.lists(cue, max_size=5).map(lambda cues: "WEBVTT\n\n" + "\n".join(cues))
json_value: st.SearchStrategy[Any] = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=12)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=8,
)
KEYS = ["fillers", "acknowledgements", "status_phrases", "owners_after_verb", "categories", "patterns", "bogus"]
patterns_file = st.dictionaries(st.sampled_from(KEYS), json_value, max_size=3)


def check(done: subprocess.CompletedProcess[str], out: Path) -> None:
    assert "Traceback" not in done.stderr, done.stderr
    if done.returncode != 0:
        assert done.returncode in (1, 2), done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert not out.exists(), "a refused start left its folder behind"
        return
    lines = (out / "events.jsonl").read_bytes().splitlines()
    events = [json.loads(line) for line in lines]
    assert events[-1]["type"] == "end"


def replayed(tmp: Path, name: str, content: str, *options: str) -> None:
    folder = tmp / f"case-{time.monotonic_ns()}"
    folder.mkdir()
    path = folder / name
    path.write_text(content, encoding="utf-8", errors="surrogatepass")
    out = folder / "incident"
    check(run_bridge("replay", str(path), "--out", str(out), *options, timeout=120), out)


@FUZZ
@given(lines=st.lists(jsonl_line, min_size=1, max_size=4))
def test_any_json_lines_transcript(tmp_path_factory: Any, lines: list[str]) -> None:
    replayed(tmp_path_factory.mktemp("jsonl"), "call.jsonl", "\n".join(lines) + "\n")


@FUZZ
@given(content=vtt)
def test_any_webvtt_transcript(tmp_path_factory: Any, content: str) -> None:
    replayed(tmp_path_factory.mktemp("vtt"), "call.vtt", content)


@FUZZ
@given(rules=patterns_file)
def test_any_patterns_file(tmp_path_factory: Any, rules: dict[str, Any]) -> None:
    tmp = tmp_path_factory.mktemp("patterns")
    (tmp / "rules.json").write_text(json.dumps(rules))
    call = '{"start": 1, "end": 2, "text": "Priya, update us in five minutes; we will roll back"}\n'
    replayed(tmp, "call.jsonl", call, "--patterns", str(tmp / "rules.json"))


@pytest.mark.parametrize("seed", [17, 23, 41])
def test_kill_9_during_a_paced_replay_loses_only_the_last_line_and_resume_goes_on(tmp_path: Path, seed: int) -> None:
    """At a few seeded moments (the same every run): what was in the log a second before the kill is all still
    there, every line parses, and --resume goes on from it."""
    audio = str(write_wav(tmp_path / "quiet.wav", np.zeros(16000 * 60)))
    args = ["--no-voices", "--model", "tiny.en"]
    out = tmp_path / "incident"
    log = out / "events.jsonl"
    process = subprocess.Popen(
        [*BRIDGE, "replay", audio, "--speed", "4", "--out", str(out), *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_session(log, process)
    time.sleep(random.Random(seed).uniform(1.0, 4.0))  # seeded: a moment that is the same every run
    before = log.read_bytes()  # a second before the kill
    time.sleep(1.0)
    process.send_signal(signal.SIGKILL)
    process.wait()
    data = log.read_bytes()
    assert data.startswith(before[: before.rfind(b"\n") + 1])  # at most the last second is missing
    whole = data[: data.rfind(b"\n") + 1]
    events = [json.loads(line) for line in whole.splitlines()]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert events[-1]["type"] != "end"
    resumed = run_bridge("replay", audio, "--resume", str(out), *args, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    events = [json.loads(line) for line in log.read_text().splitlines()]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert any(e["type"] == "gap" and e["reason"] == "resume" for e in events)
    assert events[-1]["type"] == "end"
