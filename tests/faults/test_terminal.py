"""What a transcript says reaches the terminal as text: its control characters (an escape sequence that
recolours, clears or retitles the terminal, a bell, backspaces that hide what came before) are
written out, not obeyed. The log keeps the words as they were said."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_bridge

SAID = "we roll back\x1b[2J\x1b]0;owned\x07 now\x08\x08\x08hidden\x9b"


def test_control_characters_from_a_transcript_are_escaped_on_the_terminal(tmp_path: Path) -> None:
    call = tmp_path / "call.jsonl"
    row = {"start": 1, "end": 2, "text": SAID, "speaker": "Sam\x1b[31m"}
    call.write_text(json.dumps(row) + "\n")
    out = tmp_path / "incident"
    done = run_bridge("replay", str(call), "--out", str(out))
    assert done.returncode == 0, done.stderr
    for stream in (done.stdout, done.stderr):
        assert not any((ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) <= 0x9F for c in stream), repr(stream)
    assert "Sam\\x1b[31m: we roll back\\x1b[2J\\x1b]0;owned\\x07 now\\x08\\x08\\x08hidden\\x9b" in done.stdout
    logged = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    assert [e["text"] for e in logged if e["type"] == "transcript"] == [SAID]
