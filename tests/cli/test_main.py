"""The command line as a user meets it: real processes, real audio, the real model."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from bridge.log.eventlog import read_log
from tests.conftest import BRIDGE, REAL_ASR, ROOT, run_bridge, transcripts, write_wav


def assert_one_line_error(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    for word in words:
        assert word in lines[0]


def test_help_is_complete() -> None:
    top = run_bridge("--help")
    assert top.returncode == 0 and "replay" in top.stdout and "models" in top.stdout
    replay = run_bridge("replay", "--help").stdout
    for option in ("--out", "--model", "--speed", "--vocab", "--rate", "--channels", "--format"):
        assert option in replay


@pytest.mark.parametrize(
    "args, words",
    [
        (["replay", "missing.wav"], ["missing.wav", "no such file"]),
        (["replay", "pyproject.toml"], ["not audio"]),
        (["replay", "x.wav", "--bogus"], ["unrecognized arguments: --bogus"]),
        (["replay", "x.wav", "--speed", "fast"], ["--speed"]),
        (["replay", "x.wav", "--started", "yesterday"], ["--started", "ISO 8601", "'yesterday'"]),
        (
            ["timeline", "tests/golden/incident", "--template", "google", "--format", "json"],
            ["--template", "md or html"],
        ),
        (["timeline", "tests/golden/incident", "--template", "itil"], ["--template", "invalid choice"]),
        (["replay", "samples/sample-call.opus", "--share", "0.0.0.0"], ["--share is for the overlay", "--serve"]),
        (["replay", "samples/sample-call.opus", "--webhook"], ["--webhook is for the overlay", "--serve"]),
        (["replay", "samples/sample-call.opus", "--allow-control"], ["--allow-control is for the overlay"]),
        (["replay", "-"], ["--rate"]),
        (["models", "install", "huge"], ["unknown model 'huge'"]),
    ],
)
def test_bad_input_is_one_line(args: list[str], words: list[str]) -> None:
    assert_one_line_error(run_bridge(*args), *words)


@pytest.mark.parametrize(
    "option, words",
    [
        (["--language", "english"], ["--language 'english'", "en for English"]),
        (["--language", "xx"], ["--language 'xx'", "not a Whisper language code"]),
        (["--beam-size", "0"], ["--beam-size", "from 1"]),
    ],
)
def test_options_the_model_cannot_take_are_refused_before_the_call(
    tmp_path: Path, option: list[str], words: list[str]
) -> None:
    out, wav = tmp_path / "o", write_wav(tmp_path / "tone.wav", np.zeros(16000))
    assert_one_line_error(run_bridge("replay", str(wav), "--out", str(out), *option), *words)
    assert not out.exists()


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.wav").write_bytes(b"")
    assert_one_line_error(run_bridge("replay", str(tmp_path / "empty.wav"), "--out", str(tmp_path / "o")), "empty")
    assert not (tmp_path / "o").exists()


def test_missing_model_says_how_to_install(tmp_path: Path) -> None:
    env = {**os.environ, "BRIDGE_MODELS": str(tmp_path)}
    done = run_bridge("replay", str(REAL_ASR / "jfk.wav"), "--out", str(tmp_path / "o"), env=env)
    assert_one_line_error(done, "bridge models install base")
    done = run_bridge("replay", str(REAL_ASR / "jfk.wav"), "--model", "large-v9", env=env)
    assert_one_line_error(done, "unknown model 'large-v9'")


def test_existing_log_is_never_overwritten(tmp_path: Path) -> None:
    out = tmp_path / "o"
    out.mkdir()
    (out / "events.jsonl").write_text("precious\n")
    assert_one_line_error(run_bridge("replay", str(REAL_ASR / "jfk.wav"), "--out", str(out)), "already exists")
    assert (out / "events.jsonl").read_text() == "precious\n"


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["silence", "noise"])
def test_sixty_seconds_of_silence_or_noise_give_a_valid_log_without_words(tmp_path: Path, kind: str) -> None:
    rng = np.random.default_rng(0)
    audio = np.zeros(60 * 16000) if kind == "silence" else rng.uniform(-0.5, 0.5, 60 * 16000)
    path = write_wav(tmp_path / f"{kind}.wav", audio)
    done = run_bridge("replay", str(path), "--out", str(tmp_path / "o"))
    assert done.returncode == 0, done.stderr
    contents = read_log(tmp_path / "o" / "events.jsonl")
    assert [type(e).__name__ for e in contents.events] == ["Session", "SessionEnd"]
    assert contents.events[-1].t == 60.0


@pytest.mark.slow
def test_truncated_file_is_transcribed_up_to_the_cut_with_a_warning(tmp_path: Path) -> None:
    whole = (REAL_ASR / "jfk.wav").read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    done = run_bridge("replay", str(cut), "--out", str(tmp_path / "o"))
    assert done.returncode == 0
    assert "ended early at 7.3 s" in done.stderr and "Traceback" not in done.stderr
    events = [json.loads(line) for line in (tmp_path / "o" / "events.jsonl").read_text().splitlines()]
    assert any(e["type"] == "notice" and "ended early" in e["message"] for e in events)
    assert "fellow americans" in " ".join(str(e["text"]) for e in transcripts(tmp_path / "o" / "events.jsonl")).lower()


@pytest.mark.slow
def test_same_final_events_at_full_speed_and_at_four_times_real_time(tmp_path: Path) -> None:
    audio = REAL_ASR / "OSR_us_000_0034_8k.wav"
    runs = {}
    for speed in ("max", "4"):
        done = run_bridge("replay", str(audio), "--speed", speed, "--out", str(tmp_path / speed))
        assert done.returncode == 0, done.stderr
        runs[speed] = [
            (e["t"], e["start"], e["end"], e["text"]) for e in transcripts(tmp_path / speed / "events.jsonl")
        ]
    assert len(runs["max"]) >= 8
    assert runs["max"] == runs["4"]


@pytest.mark.slow
def test_raw_pcm_on_stdin(tmp_path: Path) -> None:
    pcm = subprocess.run(
        ["sox", str(REAL_ASR / "jfk.wav"), "-t", "raw", "-r", "22050", "-e", "signed", "-b", "16", "-c", "2", "-"],
        capture_output=True,
        check=True,
    ).stdout
    done = subprocess.run(
        [*BRIDGE, "replay", "-", "--rate", "22050", "--channels", "2", "--out", str(tmp_path / "o")],
        input=pcm,
        capture_output=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    said = " ".join(str(e["text"]) for e in transcripts(tmp_path / "o" / "events.jsonl"))
    assert "ask what you can do" in said.lower()


@pytest.mark.slow
def test_kill_9_loses_at_most_the_last_second(tmp_path: Path) -> None:
    from tests.conftest import SAMPLE

    log = tmp_path / "o" / "events.jsonl"
    proc = subprocess.Popen(
        [*BRIDGE, "replay", str(SAMPLE), "--speed", "2", "--out", str(tmp_path / "o")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(transcripts(log) if log.exists() else []) < 6:
            time.sleep(0.2)
        time.sleep(1.0)
        seen = log.read_bytes()  # what had been written a second before the kill
        time.sleep(1.0)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    after = log.read_bytes()
    assert after.startswith(seen[: seen.rfind(b"\n") + 1])
    contents = read_log(log)
    assert len(contents.events) >= seen.count(b"\n") >= 7
    assert [e.seq for e in contents.events] == list(range(1, len(contents.events) + 1))


@pytest.mark.slow
def test_the_sample_call_raises_the_same_events_at_full_speed_and_at_eight_times_real_time(tmp_path: Path) -> None:
    from tests.conftest import SAMPLE

    def events(speed: str) -> list[tuple[object, ...]]:
        out = tmp_path / speed
        done = run_bridge("replay", str(SAMPLE), "--speed", speed, "--vocab", "samples/roster.txt", "--out", str(out))
        assert done.returncode == 0, done.stderr
        logged = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
        return [tuple(v for k, v in e.items() if k not in ("wall", "started", "options")) for e in logged[1:]]

    fast, paced = events("max"), events("8")
    assert fast == paced
    kinds = [e[0] for e in fast]
    assert kinds.count("alert") == 3 and kinds.count("decision") == 4 and kinds.count("status_check") == 3


def test_the_calls_timezone_is_logged_and_an_unknown_one_refused(tmp_path: Path) -> None:
    said = tmp_path / "call.jsonl"
    said.write_text(json.dumps({"start": 0.0, "end": 2.0, "text": "Priya, report back by 15:30."}) + "\n")
    done = run_bridge("replay", str(said), "--tz", "Europe/Paris", "--out", str(tmp_path / "o"))
    assert done.returncode == 0, done.stderr
    session = json.loads((tmp_path / "o" / "events.jsonl").read_text().splitlines()[0])
    assert session["options"]["tz"] == "Europe/Paris"
    bad = run_bridge("replay", str(said), "--tz", "Mars/Olympus_Mons", "--out", str(tmp_path / "b"))
    assert_one_line_error(bad, "--tz", "Mars/Olympus_Mons", "IANA")
    assert not (tmp_path / "b" / "events.jsonl").exists()


def test_started_sets_call_time_0_of_a_recording_in_the_calls_timezone(tmp_path: Path) -> None:
    """A recording replayed later keeps the call's clock: the session says when call time 0 was and who said
    so, the terminal gives due times on that clock, the post-mortem's UTC column is the call's (no "counts
    from when it was replayed" note), and a clock time said on the call resolves against it."""
    said = tmp_path / "call.jsonl"
    lines = [
        {"start": 1.0, "end": 3.0, "speaker": "Dana", "text": "Maya, give me an update in two minutes."},
        {"start": 5.0, "end": 7.0, "speaker": "Dana", "text": "Priya, report back by 14:30."},
    ]
    said.write_text("".join(json.dumps(line) + "\n" for line in lines))
    # without an offset, the time is read in the call's timezone: 14:02 in New York is 19:02 UTC
    args = ["replay", str(said), "--tz", "America/New_York", "--started", "2026-03-04T14:02:00"]
    done = run_bridge(*args, "--out", str(tmp_path / "o"))
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in (tmp_path / "o" / "events.jsonl").read_text().splitlines()]
    session = events[0]
    assert session["started"] == datetime(2026, 3, 4, 19, 2, tzinfo=UTC).timestamp()
    assert session["options"]["started_by"] == "option"
    assert "Maya owes an update by 14:04:03 (02:03.0)" in done.stdout
    checks = {e["owner"]: e["due"] for e in events if e["type"] == "status_check"}
    assert checks == {"Maya": 123.0, "Priya": 28 * 60.0}  # 14:30 in New York, 28 minutes after 14:02 there
    assert "Priya owes an update by 14:30:00 (28:00.0)" in done.stdout
    postmortem = (tmp_path / "o" / "postmortem.md").read_text()
    assert "19:02:00 UTC" in postmortem and "when it was replayed" not in postmortem
    # with an offset, the offset counts; a resumed incident keeps its own call time 0
    done = run_bridge("replay", str(said), "--started", "2026-03-04T14:02:00+01:00", "--out", str(tmp_path / "p"))
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "p" / "events.jsonl").read_text().splitlines()[0])["started"] == (
        datetime(2026, 3, 4, 13, 2, tzinfo=UTC).timestamp()
    )
    refused = run_bridge("replay", "x.wav", "--started", "2026-03-04T14:02:00", "--resume", str(tmp_path / "o"))
    assert_one_line_error(refused, "--resume", "--started")
    # without --started, a replay's clock is the replay's, and the post-mortem says so
    done = run_bridge("replay", str(said), "--out", str(tmp_path / "q"))
    assert "when it was replayed" in (tmp_path / "q" / "postmortem.md").read_text()


@pytest.mark.slow
def test_a_recording_that_says_when_it_was_made_keeps_that_clock(tmp_path: Path) -> None:
    from tests.sources.test_files import _tagged

    audio = _tagged(tmp_path / "call.m4a", "aac", "2026-03-04T14:02:00.000000Z")
    done = run_bridge("replay", str(audio), "--out", str(tmp_path / "o"))
    assert done.returncode == 0, done.stderr
    session = json.loads((tmp_path / "o" / "events.jsonl").read_text().splitlines()[0])
    assert (session["started"], session["options"]["started_by"]) == (1772632920.0, "file")
    assert "when it was replayed" not in (tmp_path / "o" / "postmortem.md").read_text()
