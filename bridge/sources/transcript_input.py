"""Transcripts as input: JSON lines or WebVTT (as Zoom and Teams export it), read into utterances.

Everything after the transcriber can run on a transcript instead of audio. A JSON-lines transcript has
one `{"start": 1.0, "end": 2.5, "text": "...", "speaker": "..."}` object per line (times in call seconds,
`speaker` optional). A WebVTT file gives each cue's speaker as a voice tag (`<v Name>text</v>`, Teams) or
as a `Name: text` prefix (Zoom).

Zoom's prefix is ambiguous on its own: "Decision: we keep deploys frozen" is speech, not a speaker called
Decision. So a prefix counts as a speaker only in a file where at least half of the cues carry one, as
every cue does in a Zoom export.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError

__all__ = ["Utterance", "is_transcript", "read_transcript"]

SUFFIXES = frozenset({".jsonl", ".json", ".vtt"})
JSONL_EXAMPLE = '{"start": 12.0, "end": 15.5, "text": "..."}'
VTT_TIMING_EXAMPLE = "00:01:02.500 --> 00:01:05.000"
MAX_SECONDS = 30 * 86400.0
"""Call seconds beyond a month are a mistake (an epoch time, a typo), and far enough on they are past the
year 9999, where no clock can show them."""
MAX_TEXT = 100_000
"""Characters in one utterance: a whole paragraph is a few thousand; spaCy refuses a million."""


@dataclass(frozen=True)
class Utterance:
    start: float
    end: float
    """Call seconds."""
    text: str
    """Whitespace normalised; never empty."""
    speaker: str | None = None


def is_transcript(path: Path) -> bool:
    """Whether `path` names a transcript rather than audio: by its suffix, else by its first bytes."""
    if path.suffix.lower() in SUFFIXES:
        return True
    try:
        with open(path, "rb") as f:
            head = f.read(64)
    except OSError:  # missing, a folder, stdin's "-": not ours to explain
        return False
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    return head.startswith((b"WEBVTT", b"{"))


def read_transcript(path: Path) -> list[Utterance]:
    """Every utterance with text, sorted by start. Raises InputError naming the file and line."""
    text = _read_text(path)
    if not text.strip():
        raise InputError(f"{path} is empty; a transcript needs at least one line of {JSONL_EXAMPLE}, or a cue")
    if text.startswith("WEBVTT"):
        utterances = _parse_vtt(path, text)
    elif path.suffix.lower() == ".vtt":
        raise InputError(_not_vtt(path, text))
    elif text.lstrip().startswith(("{", "[")) or path.suffix.lower() in SUFFIXES:
        utterances = _parse_jsonl(path, text)
    else:
        raise InputError(f"{path} is neither JSON lines nor WebVTT; give {JSONL_EXAMPLE} per line, or a .vtt file")
    if not utterances:
        raise InputError(f"{path} holds no spoken text: no line or cue has any")
    return sorted(utterances, key=lambda u: (u.start, u.end))


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder; give a transcript file") from None
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InputError(f"{path}:{line}: not UTF-8 text; save the transcript as UTF-8") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _normalise(text: str) -> str:
    return " ".join(text.split())


# JSON lines


def _parse_jsonl(path: Path, text: str) -> list[Utterance]:
    utterances = []
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            raise InputError(_not_json(path, text, number, e)) from None
        except ValueError:  # an integer of thousands of digits, which Python refuses to convert
            raise InputError(
                f"{path}:{number}: a number too long to read; call seconds are a number from 0 up"
            ) from None
        except RecursionError:
            raise InputError(
                f"{path}:{number}: nested too deeply to read; write one {JSONL_EXAMPLE} per line"
            ) from None
        where = f"{path}:{number}"
        if not isinstance(record, dict):
            raise InputError(f"{where}: a JSON {_json_type(record)}, not an object; write one {JSONL_EXAMPLE} per line")
        utterance = _utterance(where, record)
        if utterance is not None:
            utterances.append(utterance)
    return utterances


def _utterance(where: str, record: dict[str, Any]) -> Utterance | None:
    for key in ("start", "end", "text"):
        if key not in record:
            raise InputError(f"{where}: missing {key!r}; each line needs start, end and text")
    start, end = _seconds(where, record, "start"), _seconds(where, record, "end")
    if end < start:
        raise InputError(f"{where}: end ({end:g}) before start ({start:g}); times are call seconds")
    text, speaker = record["text"], record.get("speaker")
    if not isinstance(text, str):
        raise InputError(f"{where}: 'text' is a JSON {_json_type(text)}; it must be a string")
    if speaker is not None and not isinstance(speaker, str):
        raise InputError(f"{where}: 'speaker' is a JSON {_json_type(speaker)}; give a name, or null")
    _check_text(where, "text", text)
    if speaker is not None:
        _check_text(where, "speaker", speaker)
    text = _normalise(text)
    if not text:
        return None
    return Utterance(start, end, text, (_normalise(speaker) or None) if speaker else None)


def _check_text(where: str, key: str, text: str) -> None:
    if len(text) > MAX_TEXT:
        raise InputError(
            f"{where}: {key!r} is {len(text)} characters long; split it into utterances of at most {MAX_TEXT}"
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise InputError(
            f"{where}: {key!r} holds a lone surrogate (\\u{ord(text[e.start]):04x}), not Unicode text; fix its escapes"
        ) from None


def _seconds(where: str, record: dict[str, Any], key: str) -> float:
    value = record[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"{where}: {key!r} is {_short(json.dumps(value))}; give call seconds as a number")
    try:
        seconds = float(value)
    except OverflowError:
        seconds = math.inf
    if not math.isfinite(seconds) or not 0 <= seconds <= MAX_SECONDS:
        shown = _short(str(value)) if isinstance(value, int) else f"{value:g}"
        raise InputError(
            f"{where}: {key!r} is {shown}; call seconds are a number from 0 to {MAX_SECONDS:.0f} (30 days)"
        )
    return seconds


def _short(text: str) -> str:
    return text if len(text) <= 40 else f"{text[:20]}…({len(text)} characters)"


def _not_json(path: Path, text: str, number: int, error: json.JSONDecodeError) -> str:
    if number == 1:
        try:
            whole = json.loads(text)
        except json.JSONDecodeError:
            pass
        else:
            return (
                f"{path}: one JSON {_json_type(whole)} over several lines, not JSON lines; "
                f"write one {JSONL_EXAMPLE} per line"
            )
    return f"{path}:{number}: not JSON ({error.msg}); write one {JSONL_EXAMPLE} per line"


def _json_type(value: object) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")


# WebVTT

_TIMING = re.compile(r"\s*(\S+?)\s*-->\s*(\S+)")
_TIMESTAMP = re.compile(r"(?:(\d+):)?(\d+):(\d\d)(?:[.,](\d{1,3}))?")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?[ \t]+([^>]*)>")
_TAG = re.compile(r"</?[A-Za-z][^>]*>|</>|<\d[^>]*>")
"""Voice, class, italic, bold, language and ruby tags, and karaoke timestamps such as <00:00:01.250>."""
_PREFIX = re.compile(r"([^\s:<>][^:<>]{0,48}?)[ \t]*:[ \t]+(?=\S)")
"""`Name: text`; a name of at most about 50 characters and 6 words, with no colon in it."""
_MAX_NAME_WORDS = 6


@dataclass(frozen=True)
class _Cue:
    start: float
    end: float
    lines: tuple[str, ...]


def _parse_vtt(path: Path, text: str) -> list[Utterance]:
    rows = text.split("\n")
    if not re.match(r"WEBVTT(?:[ \t]|$)", rows[0]):
        raise InputError(f"{path}:1: the header is {rows[0][:20]!r}; a WebVTT file starts with a line WEBVTT")
    cues = list(_cues(path, rows))
    prefixed = sum(1 for cue in cues if _VOICE.search(cue.lines[0]) is None and _prefix(cue.lines[0]))
    names_in_prefix = bool(cues) and prefixed * 2 >= len(cues)
    return [u for cue in cues for u in _cue_utterances(cue, names_in_prefix)]


def _cues(path: Path, rows: list[str]) -> Iterator[_Cue]:
    for first, block in _blocks(rows):
        head = block[0]
        if re.match(r"(?:NOTE|STYLE|REGION)(?:[ \t]|$)", head):
            continue
        timing = 0 if "-->" in head else 1 if len(block) > 1 and "-->" in block[1] else None
        if timing is None:
            continue  # text outside a cue: WebVTT readers ignore it, and so do we
        number = first + timing
        match = _TIMING.match(block[timing])
        if match is None:
            raise InputError(f"{path}:{number}: cannot read the cue timing; write it as {VTT_TIMING_EXAMPLE}")
        start, end = (_timestamp(path, number, stamp) for stamp in match.groups())
        if end < start:
            raise InputError(
                f"{path}:{number}: the cue ends ({match[2]}) before it starts ({match[1]}); fix its timing"
            )
        yield _Cue(start, end, tuple(block[timing + 1 :]) or ("",))


def _blocks(rows: list[str]) -> Iterator[tuple[int, list[str]]]:
    """Blocks of non-blank lines after the header, each with the line number of its first line.

    A blank line ends a block. So does a timing line that cannot belong to the block it follows (one
    right under the header, or a second timing line), as some exporters leave out the blank line.
    """
    block: list[str] = []
    first = 0
    in_header = True
    for number, row in enumerate(rows, 1):
        starts_cue = "-->" in row and (in_header or any("-->" in line for line in block))
        if block and (not row.strip() or starts_cue):
            if not in_header:
                yield first, block
            block, in_header = [], False
        if row.strip():
            if not block:
                first = number
            block.append(row)
    if block and not in_header:
        yield first, block


def _timestamp(path: Path, number: int, stamp: str) -> float:
    match = _TIMESTAMP.fullmatch(stamp)
    if match is None or int(match[3]) >= 60 or (match[1] is not None and int(match[2]) >= 60):
        raise InputError(
            f"{path}:{number}: {stamp!r} is not a timestamp; write hh:mm:ss.mmm or mm:ss.mmm, "
            f"as in {VTT_TIMING_EXAMPLE}"
        )
    hours, minutes, seconds, fraction = match.groups()
    if len(hours or "") + len(minutes) > 8:
        raise InputError(f"{path}:{number}: {_short(stamp)} is more than 30 days into the call; fix the cue timing")
    whole = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    if whole > MAX_SECONDS:
        raise InputError(f"{path}:{number}: {_short(stamp)} is more than 30 days into the call; fix the cue timing")
    return whole + (float(f"0.{fraction}") if fraction else 0.0)


def _cue_utterances(cue: _Cue, names_in_prefix: bool) -> list[Utterance]:
    """One utterance per run of text in the same voice: a cue with two voices gives two, with its times."""
    runs: list[tuple[str | None, list[str]]] = []
    for index, line in enumerate(cue.lines):
        for speaker, part in _voiced(line, names_in_prefix and index == 0):
            text = _normalise(html.unescape(_TAG.sub("", part)))
            if runs and (speaker is None or speaker == runs[-1][0]):
                runs[-1][1].append(text)
            else:
                runs.append((speaker, [text]))
    return [
        Utterance(cue.start, cue.end, text, speaker) for speaker, texts in runs if (text := _normalise(" ".join(texts)))
    ]


def _voiced(line: str, prefix_names: bool) -> Iterator[tuple[str | None, str]]:
    """The line cut at each voice tag, with its speaker (None: whoever spoke before)."""
    voices = list(_VOICE.finditer(line))
    if not voices:
        prefix = _prefix(line) if prefix_names else None
        yield prefix if prefix else (None, line)
        return
    if voices[0].start():
        yield None, line[: voices[0].start()]
    for voice, following in zip(voices, [*voices[1:], None], strict=True):
        yield _normalise(voice[1]) or None, line[voice.end() : following.start() if following else None]


def _prefix(line: str) -> tuple[str, str] | None:
    """(name, rest) of `Name: rest`, if the line starts with something that could be a name."""
    match = _PREFIX.match(line)
    if match is None:
        return None
    name = _normalise(match[1])
    if len(name.split()) > _MAX_NAME_WORDS or name[-1].isdigit():  # "at 10: 30" is a time, not a name
        return None
    return name, line[match.end() :]


def _not_vtt(path: Path, text: str) -> str:
    rows = text.lstrip().split("\n")
    if len(rows) > 1 and rows[0].strip().isdigit() and "-->" in rows[1]:
        return f"{path}:1: this is SubRip (.srt), not WebVTT; export the transcript as .vtt"
    return f"{path}:1: no WEBVTT header; a WebVTT file starts with a line WEBVTT (export it again as .vtt)"
