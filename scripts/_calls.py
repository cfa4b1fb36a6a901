"""The scripted calls the benchmark and the evaluation run on: the bundled sample, ../shared/calls and the
development corpus (corpus/calls).

Each call comes with its audio, its reference lines (who said what, when) and its gold annotations.
Scripted calls are rendered into .cache/calls/ the first time they are needed (sox, espeak-ng and
hibari-tts: scripts/setup), with the flags the first line of the script asks for.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

__all__ = [
    "APOLLO",
    "CACHE",
    "CORPUS_CALLS",
    "DIALOGUE",
    "SAMPLES",
    "SHARED_CALLS",
    "Call",
    "apollo",
    "calls",
    "real_recordings",
]

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SHARED_CALLS = ROOT.parent / "shared" / "calls"
CORPUS_CALLS = ROOT / "corpus" / "calls"
APOLLO = ROOT / "corpus" / "apollo"
DIALOGUE = ROOT.parent / "shared" / "data" / "real" / "incident_dialogue"
CACHE = ROOT / ".cache" / "calls"
REAL = ROOT.parent / "shared" / "data" / "real"


@dataclass
class Call:
    name: str
    audio: Path | None
    """None: real dialogue known only as a transcript."""
    lines: list[dict[str, object]]
    """The reference lines: `i`, `speaker`, `text`, `start`, `end` (call seconds)."""
    duration: float
    gold: dict[str, Any] = field(default_factory=dict)
    """What a good companion should extract (format: ../shared/calls/README.md)."""
    roster: list[str] = field(default_factory=list)
    """The people on the call, as a commander would list them for --vocab (the script's voices)."""
    channels: dict[str, int] = field(default_factory=dict)
    """Speakers alone on a channel of the rendered audio (the script's `# channel NAME=INDEX` lines)."""
    started: float | None = None
    """Unix time at call time 0, when the script says (`# started ISO-TIME`): clock times said on it need it."""

    @property
    def reference(self) -> str:
        return " ".join(str(line["text"]) for line in self.lines)


def calls(names: list[str], *, corpus: bool = False) -> list[Call]:
    """The calls named, or with no names the sample and every shared call (and every corpus call too with
    `corpus`), rendering any scripted call not rendered yet."""
    scripts = sorted(SHARED_CALLS.glob("*.call")) + sorted(CORPUS_CALLS.glob("*.call"))
    unknown = set(names) - {"sample-call"} - {s.stem for s in scripts}
    if unknown:
        known = ", ".join(["sample-call", *(s.stem for s in scripts)])
        raise SystemExit(f"unknown call {sorted(unknown)[0]!r}; known: {known}")
    out = []
    if not names or "sample-call" in names:
        ref = _load(SAMPLES / "sample-call.ref.json")
        gold = _load(SAMPLES / "sample-call.gold.json")
        roster = _roster(SAMPLES / "sample-call.call")
        out.append(Call("sample-call", SAMPLES / "sample-call.opus", ref["lines"], ref["duration"], gold, roster))
    for script in scripts:
        name = script.stem
        if (names and name not in names) or (not names and script.parent == CORPUS_CALLS and not corpus):
            continue
        wav, ref_path = CACHE / f"{name}.wav", CACHE / f"{name}.ref.json"
        if not (wav.exists() and ref_path.exists()):
            _render(script, CACHE / name)
        ref = _load(ref_path)
        gold = _load(script.with_suffix(".gold.json"))
        out.append(
            Call(name, wav, ref["lines"], ref["duration"], gold, _roster(script), _channels(script), _started(script))
        )
    return out


def apollo(names: list[str] | None = None) -> list[Call]:
    """The annotated stretches of the Apollo 13 Flight Director loop (corpus/apollo), as calls known only by
    their transcript: line times from the mission clock (corpus/README.md says how), speakers the call signs.
    Stretches whose name starts with "agreement-b" annotate a stretch twice (to measure agreement) and are
    left out unless named."""
    out = []
    for path in sorted(APOLLO.glob("*.gold.json")):
        name = "apollo/" + path.name.removesuffix(".gold.json")
        if (names and name not in names) or (not names and "agreement-b" in name):
            continue
        gold = _load(path)
        records = [json.loads(line) for line in (DIALOGUE / gold["source"]).read_text().splitlines()]
        stretch = records[gold["first"] : gold["last"] + 1]
        origin = next(r["start_s"] for r in stretch if r["start_s"] is not None)
        lines: list[dict[str, object]] = []
        end = 0.0
        for i, r in enumerate(stretch):
            start = float(r["start_s"] - origin) if r["start_s"] is not None else end
            end = float(r["end_s"] - origin) if r["end_s"] is not None else start + 1.0
            lines.append({"i": i, "speaker": r["speaker"], "text": r["text"], "start": start, "end": max(end, start)})
        roster = sorted({str(line["speaker"]) for line in lines})
        out.append(Call(name, None, lines, max(float(str(x["end"])) for x in lines), gold, roster))
    return out


def _roster(script: Path) -> list[str]:
    return re.findall(r"^#\s*voice\s+([^=\s]+)=", script.read_text(), re.M)


def _started(script: Path) -> float | None:
    found = re.search(r"^#\s*started\s+(\S+)", script.read_text(), re.M)
    return datetime.fromisoformat(found.group(1)).timestamp() if found else None


def _channels(script: Path) -> dict[str, int]:
    """A script's `# channel` lines hold only when it is rendered in stereo (its first line says so)."""
    text = script.read_text()
    if "stereo" not in text.splitlines()[0]:
        return {}
    return {name: int(i) for name, i in re.findall(r"^#\s*channel\s+([^=\s]+)=(\d+)", text, re.M)}


def _render(script: Path, out: Path) -> None:
    head = script.read_text().splitlines()[0]
    flags = ["--stereo"] if "stereo" in head else ["--phone", "--noise", "20"] if "phone" in head else []
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "render_call.py"), str(script), str(out), *flags],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _load(path: Path) -> Any:
    return json.loads(path.read_text())


_TIMED = re.compile(r"\[\s*([\d.]+)\s*-\s*([\d.]+)\]\s*[^:]+:\s*(.*)")


def real_recordings() -> list[Call]:
    """The real recordings with a transcript: timed lines where it has them (pyannote's sample; Apollo 11's,
    a silver transcript by Whisper large), else one untimed line (times 0) per line of text. The stereo
    recording is left out: its two channels talk at once, so no one order of their words is the reference."""
    asr, out = REAL / "audio_asr", []
    silver = json.loads((asr / "apollo11_air_ground.whisper-large.segments.json").read_text())["segments"]
    out.append(Call("apollo11 (silver ref)", asr / "apollo11_air_ground.mp3", silver, 89.0))
    for path in [
        REAL / "audio_diarization" / "pyannote_sample.txt",
        REAL / "audio_diarization" / "picovoice_leopard_diarization_test.txt",
    ]:
        lines: list[dict[str, object]] = []
        for text in path.read_text().splitlines():
            timed = _TIMED.match(text)
            if timed:
                lines.append({"start": float(timed[1]), "end": float(timed[2]), "text": timed[3]})
            elif text.strip():
                lines.append({"start": 0.0, "end": 0.0, "text": text.split(":", 1)[-1].strip()})
        out.append(Call(path.stem[:20], path.with_suffix(".wav"), lines, 0.0))
    for path in [asr / "OSR_us_000_0034_8k.wav", asr / "jfk.wav", asr / "picovoice_leopard_test.wav"]:
        out.append(
            Call(path.stem[:20], path, [{"start": 0.0, "end": 0.0, "text": path.with_suffix(".txt").read_text()}], 0.0)
        )
    for path in sorted((asr / "librivox_pocketsphinx").glob("*.wav")):
        text = path.with_suffix(".txt").read_text()
        out.append(Call("librivox-" + path.stem[-4:], path, [{"start": 0.0, "end": 0.0, "text": text}], 0.0))
    return out
