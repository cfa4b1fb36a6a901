"""Bad options and inputs, each given to a real `bridge` process: one line on stderr saying what is wrong, no
traceback, the documented exit code (2: an option argparse refuses; 1: any other error), and no incident
folder left behind."""

from __future__ import annotations

import json
import socket
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import run_bridge, write_wav

USAGE, ERROR = 2, 1

Make = Callable[[Path], list[str]]
"""Writes what a case needs into the folder and gives the arguments after `bridge`."""


def assert_refused(done: subprocess.CompletedProcess[str], code: int, *words: str) -> None:
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert done.returncode == code, done.stderr
    for word in words:
        assert word in lines[0], lines[0]


def wav(tmp: Path) -> str:
    import numpy as np

    return str(write_wav(tmp / "quiet.wav", np.zeros(16000)))


def text_file(name: str, content: str) -> Callable[[Path], str]:
    def make(tmp: Path) -> str:
        path = tmp / name
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
        return str(path)

    return make


GOOD_LINE = '{"start": 1, "end": 2, "text": "we will roll back"}\n'
transcript = text_file("call.jsonl", GOOD_LINE)


def replay(*options: str, source: Callable[[Path], str] = wav) -> Make:
    return lambda tmp: ["replay", source(tmp), *options]


def patterns(content: object) -> Make:
    def make(tmp: Path) -> list[str]:
        path = tmp / "rules.json"
        path.write_text(json.dumps(content))
        return ["replay", transcript(tmp), "--patterns", str(path)]

    return make


OPTIONS: list[tuple[str, Make, int, list[str]]] = [
    ("port-99999", replay("--serve", "--port", "99999"), USAGE, ["--port", "0 to 65535"]),
    ("port-minus-1", replay("--serve", "--port", "-1"), USAGE, ["--port"]),
    ("threads-minus-1", replay("--threads", "-1"), USAGE, ["--threads"]),
    ("threads-zero", replay("--threads", "0"), USAGE, ["--threads"]),
    ("min-silence-nan", replay("--min-silence", "nan"), USAGE, ["--min-silence", "nan"]),
    ("min-silence-zero", replay("--min-silence", "0"), USAGE, ["--min-silence"]),
    ("silence-after-nan", replay("--silence-after", "nan"), USAGE, ["--silence-after"]),
    ("quiet-after-inf", replay("--quiet-after", "inf"), USAGE, ["--quiet-after"]),
    ("mitigation-after-minus", replay("--mitigation-after", "-5"), USAGE, ["--mitigation-after"]),
    ("speed-nan", replay("--speed", "nan"), USAGE, ["--speed", "'nan'"]),
    ("speed-inf", replay("--speed", "inf"), USAGE, ["--speed", "'inf'"]),
    ("speed-zero", replay("--speed", "0"), USAGE, ["--speed"]),
    ("speed-word", replay("--speed", "fast"), USAGE, ["--speed"]),
    ("channels-1000", lambda tmp: ["replay", "-", "--rate", "16000", "--channels", "1000"], USAGE, ["--channels"]),
    ("channels-8", lambda tmp: ["replay", "-", "--rate", "16000", "--channels", "8"], USAGE, ["1 to 7"]),
    ("rate-zero", lambda tmp: ["replay", "-", "--rate", "0"], USAGE, ["--rate"]),
    ("beam-size-zero", replay("--beam-size", "0"), USAGE, ["--beam-size"]),
    ("language-name", replay("--language", "english"), ERROR, ["--language 'english'", "en for English"]),
    ("language-unknown", replay("--language", "xx"), ERROR, ["not a Whisper language code"]),
    ("tz-unknown", replay("--tz", "Mars/Olympus"), ERROR, ["--tz"]),
    ("channel-out-of-range", replay("--channel", "3=Bob", "--no-voices"), ERROR, ["channel", "0 to 0"]),
    ("channel-without-name", replay("--channel", "0"), ERROR, ["--channel 0"]),
    ("vocab-missing", replay("--vocab", "nowhere.txt"), ERROR, ["--vocab"]),
    ("unknown-option", replay("--bogus"), USAGE, ["--bogus"]),
    ("share-loopback", replay("--serve", "--share", "127.0.0.2", source=transcript), ERROR, ["loopback"]),
    ("share-loopback-v6", replay("--serve", "--share", "::1", source=transcript), ERROR, ["--share ::1"]),
    ("missing-file", lambda tmp: ["replay", str(tmp / "missing.wav")], ERROR, ["no such file"]),
    ("not-audio", lambda tmp: ["replay", text_file("notes.txt", "hello\n")(tmp)], ERROR, ["not audio"]),
]

PATTERNS: list[tuple[str, Make, int, list[str]]] = [
    ("not-json", lambda tmp: [*patterns({})(tmp)[:-1], text_file("bad.json", "{")(tmp)], ERROR, ["--patterns"]),
    ("not-an-object", patterns([1, 2]), ERROR, ["a JSON list", "give an object"]),
    ("unknown-key", patterns({"bogus": []}), ERROR, ["unknown key 'bogus'", "fillers"]),
    ("wrong-type-list", patterns({"fillers": 5}), ERROR, ["'fillers' must be a list of strings", "number"]),
    ("wrong-type-items", patterns({"acknowledgements": [1, 2]}), ERROR, ["'acknowledgements' must be a list"]),
    ("wrong-type-patterns", patterns({"patterns": ["REQUEST"]}), ERROR, ["'patterns' must be an object"]),
    ("wrong-type-categories", patterns({"categories": {"mitigation": "x"}}), ERROR, ["categories.mitigation"]),
    ("unknown-category", patterns({"categories": {"chores": ["mop"]}}), ERROR, ["'chores' is not one of"]),
    ("bad-regex", patterns({"status_phrases": ["(unclosed"]}), ERROR, ["status_phrases", "not a regular expression"]),
    ("regex-without-group", patterns({"owners_after_verb": [r"get (\w+)"]}), ERROR, ["(?P<name>...)"]),
    ("bad-operator", patterns({"patterns": {"REQUEST": [[{"LOWER": "x", "OP": "x"}]]}}), ERROR, ["REQUEST", "OP"]),
    ("bad-attribute", patterns({"patterns": {"REQUEST": [[{"LOWERR": "x"}]]}}), ERROR, ["REQUEST", "LOWERR"]),
    ("pattern-not-tokens", patterns({"patterns": {"REQUEST": ["abc"]}}), ERROR, ["REQUEST"]),
]

TRANSCRIPTS: list[tuple[str, Make, int, list[str]]] = [
    (name, replay(source=text_file(file, content)), ERROR, words)
    for name, file, content, words in [
        ("400-digit-number", "a.jsonl", '{"start": 1' + "0" * 400 + ', "end": 2, "text": "hi"}\n', ["'start'"]),
        ("5000-digit-number", "a.jsonl", '{"start": 1' + "0" * 5000 + ', "end": 2, "text": "hi"}\n', ["too long"]),
        ("past-year-9999", "a.jsonl", '{"start": 1e12, "end": 1.1e12, "text": "hi"}\n', ["'start'", "30 days"]),
        ("infinite", "a.jsonl", '{"start": 1, "end": 1e999, "text": "hi"}\n', ["'end'"]),
        ("lone-surrogate", "a.jsonl", '{"start": 1, "end": 2, "text": "hi \\ud800"}\n', ["surrogate"]),
        ("surrogate-speaker", "a.jsonl", '{"start": 1, "end": 2, "text": "hi", "speaker": "\\udfff"}\n', ["speaker"]),
        ("over-spacy-limit", "a.jsonl", json.dumps({"start": 1, "end": 2, "text": "word " * 250_000}), ["split it"]),
        ("deeply-nested", "a.jsonl", "[" * 100_000 + "\n", ["nested"]),
        ("end-before-start", "a.jsonl", '{"start": 5, "end": 2, "text": "hi"}\n', ["before start"]),
        ("vtt-past-year-9999", "a.vtt", "WEBVTT\n\n99999999:00:00.000 --> 99999999:00:01.000\nhi\n", ["30 days"]),
        ("vtt-huge-hours", "a.vtt", "WEBVTT\n\n" + "9" * 5000 + ":00:00.000 --> 00:00:01.000\nhi\n", ["30 days"]),
        ("vtt-bad-timing", "a.vtt", "WEBVTT\n\n00:00:01.000 -> 00:00:02.000\nhi\n", []),
        ("srt-as-vtt", "a.vtt", "1\n00:00:01,000 --> 00:00:02,000\nhi\n", ["SubRip"]),
        ("empty", "a.jsonl", "", ["empty"]),
        ("not-utf8", "a.jsonl", "\udcff\n", ["UTF-8"]),
    ]
]


@pytest.mark.parametrize(
    "make, code, words",
    [pytest.param(m, c, w, id=i) for i, m, c, w in OPTIONS + PATTERNS + TRANSCRIPTS],
)
def test_bad_input_is_one_line_and_leaves_no_folder(tmp_path: Path, make: Make, code: int, words: list[str]) -> None:
    out = tmp_path / "incident"
    done = run_bridge(*make(tmp_path), "--out", str(out), input="", timeout=120)  # a refusal never serves on
    assert_refused(done, code, *words)
    assert not out.exists()


def test_a_start_that_fails_leaves_no_log_to_block_the_next(tmp_path: Path) -> None:
    """The port in use is found after the log is created: the log, and the folder made for it, are removed."""
    out = tmp_path / "incident"
    path = transcript(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        assert_refused(run_bridge("replay", path, "--out", str(out), "--serve", "--port", port), ERROR, port)
    assert not out.exists()
    out.mkdir()
    (out / "notes.md").write_text("mine\n")  # a folder the user made keeps what it holds
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        assert_refused(run_bridge("replay", path, "--out", str(out), "--serve", "--port", port), ERROR, port)
    assert sorted(p.name for p in out.iterdir()) == ["notes.md"]
    done = run_bridge("replay", path, "--out", str(out))
    assert done.returncode == 0, done.stderr
