#!/usr/bin/env python3
"""Render a scripted bridge call (.call text) to a 16 kHz WAV, with hibari-tts or espeak-ng voices and sox.

Script format (the same as shared/tools/render_call.py), one spoken line per row:

    # voice IC=hibari:-300,1.1   hibari-tts voice, pitch shift in cents, speed factor (both optional)
    # voice Raj=en-gb,165         or an espeak-ng voice and words per minute
    # channel IC=0                channel for --stereo (0 = left; default 1 = right)
    2.0 IC: Okay, this is the incident commander ...

The number is the silence in seconds before the line starts; a negative number starts the line that many
seconds before the previous one ends (cross-talk: the two are mixed). A speaker without a voice gets
espeak-ng en-us.
Writes OUT.wav (16 kHz, 16-bit) and OUT.ref.json: {"script", "rate", "duration", "stereo",
"lines": [{"i", "speaker", "text", "start", "end"}]} with times in seconds. Output is deterministic
(hibari seed 0, seeded noise, no dither).

Usage: render_call.py SCRIPT.call OUT [--stereo] [--noise SNR_DB] [--phone] [--encode opus|flac]
  --stereo   two channels: "# channel NAME=0" speakers on the left, the others on the right
  --noise    add white noise this many dB below the speech level (measured before --phone)
  --phone    band-limit to 300-3400 Hz through 8 kHz, as a phone bridge would
  --encode   also write OUT.opus (Ogg Opus, 24 kbit/s, mono) or OUT.flac with PyAV
Needs sox (and espeak-ng for espeak voices) on PATH, and hibari-tts for hibari voices.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

RATE = 16000
HIBARI_RATE = 24000
OPUS_BITRATE = 24000
LINE = re.compile(r"(-?\d+(?:\.\d+)?)\s+([^:]+?)\s*:\s*(.+)")
DIRECTIVE = re.compile(r"#\s*(voice|channel)\s+([^=]+?)\s*=\s*(\S+)")
HIBARI = re.compile(r"hibari(?::([+-]?\d+(?:\.\d+)?))?(?:,(\d+(?:\.\d+)?))?")
ESPEAK = re.compile(r"[A-Za-z][\w-]*(?:,\d+)?")
RAW_FLOAT = ["-t", "raw", "-e", "floating-point", "-b", "32"]
PHONE = ["sinc", "300-3400", "rate", "8000", "rate", str(RATE)]  # zero-delay: sox compensates both


@dataclass(frozen=True)
class Line:
    gap: float
    speaker: str
    text: str


def fail(message: str) -> NoReturn:
    sys.exit(f"render_call.py: {message}")


def parse(path: Path) -> tuple[list[Line], dict[str, str], dict[str, int]]:
    """Spoken lines, speaker -> voice spec, speaker -> channel; exits on the first malformed row."""
    try:
        rows = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        fail(f"cannot read {path}: {e.strerror}")
    lines: list[Line] = []
    voices: dict[str, str] = {}
    channels: dict[str, int] = {}
    for n, raw in enumerate(rows, 1):
        row = raw.strip()
        if row.startswith("#"):
            m = DIRECTIVE.match(row)
            if m and m[1] == "voice":
                if not (HIBARI.fullmatch(m[3]) or ESPEAK.fullmatch(m[3])):
                    fail(f"{path}:{n}: bad voice {m[3]!r}, want hibari[:CENTS][,SPEED] or ESPEAK_VOICE[,WPM]")
                voices[m[2]] = m[3]
            elif m:
                if m[3] not in ("0", "1"):
                    fail(f"{path}:{n}: bad channel {m[3]!r}, expected 0 or 1")
                channels[m[2]] = int(m[3])
        elif row:
            m = LINE.fullmatch(row)
            if not m:
                fail(f"{path}:{n}: expected 'GAP SPEAKER: text', got {raw!r}")
            lines.append(Line(float(m[1]), m[2], m[3]))
    if not lines:
        fail(f"{path}: no spoken lines")
    return lines, voices, channels


def run(cmd: list[str], data: bytes) -> bytes:
    """Run a tool with data on stdin and return its stdout; exits with a one-line error on failure."""
    try:
        done = subprocess.run(cmd, input=data, capture_output=True, check=False)
    except FileNotFoundError:
        fail(f"{cmd[0]} not found on PATH (Debian: apt-get install {cmd[0]})")
    if done.returncode:
        last = (done.stderr.decode(errors="replace").strip().splitlines() or ["no message"])[-1]
        fail(f"{cmd[0]} failed: {last}")
    return done.stdout


def sox(source: list[str], data: bytes, effects: list[str], channels: int = 1) -> np.ndarray:
    """Pipe audio through sox; returns float32 samples at RATE, interleaved when channels > 1."""
    out = ["-r", str(RATE), "-c", str(channels)]
    return np.frombuffer(run(["sox", "-V1", *source, "-", *RAW_FLOAT, *out, "-", *effects], data), np.float32)


class Voices:
    """Synthesizes one line in a voice spec; loads hibari once, on first use."""

    def __init__(self) -> None:
        self._hibari: Any = None

    def __call__(self, text: str, spec: str) -> np.ndarray:
        m = HIBARI.fullmatch(spec)
        if m is None:
            name, _, wpm = spec.partition(",")
            wav = run(["espeak-ng", "-v", name, "-s", wpm or "165", "--stdout"], text.encode())
            return sox(["-t", "wav"], wav, [])
        if self._hibari is None:
            try:
                from hibari import Hibari
            except ImportError:
                fail("hibari-tts is not installed (pip install hibari-tts)")
            self._hibari = Hibari()
        audio = np.clip(self._hibari(text, speed=float(m[2] or 1.0), seed=0), -1.0, 1.0).astype(np.float32)
        pitch = ["pitch", m[1]] if m[1] and float(m[1]) else []
        return sox([*RAW_FLOAT, "-r", str(HIBARI_RATE), "-c", "1"], audio.tobytes(), pitch)


def to_pcm(audio: np.ndarray) -> np.ndarray:
    """float32 [channels, n] -> int16 [n, channels] (interleaved)."""
    pcm: np.ndarray = np.round(np.clip(audio, -1.0, 1.0) * 32767).astype("<i2").T.copy()
    return pcm


def encode(audio: np.ndarray, path: Path, codec: str) -> None:
    """Write Ogg Opus (mono, OPUS_BITRATE) or FLAC (same channels) with PyAV."""
    import av

    if codec == "opus":
        if "libopus" not in av.codecs_available:
            fail("PyAV's ffmpeg has no libopus encoder; use --encode flac")
        audio = audio.mean(axis=0, keepdims=True)
    layout = "stereo" if audio.shape[0] == 2 else "mono"
    container = "ogg" if codec == "opus" else "flac"  # bitexact: fixed Ogg serial number, so reruns match
    with av.open(str(path), "w", format=container, options={"fflags": "+bitexact"}) as box:
        stream = box.add_stream("libopus" if codec == "opus" else "flac", rate=RATE, layout=layout)
        if codec == "opus":
            stream.bit_rate = OPUS_BITRATE
            stream.codec_context.options = {"application": "voip"}
        frame = av.AudioFrame.from_ndarray(to_pcm(audio).reshape(1, -1), format="s16", layout=layout)
        frame.rate = RATE
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            box.mux(packet)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("script", type=Path)
    ap.add_argument("out", help="output path without extension")
    ap.add_argument("--stereo", action="store_true")
    ap.add_argument("--noise", type=float, metavar="SNR_DB")
    ap.add_argument("--phone", action="store_true")
    ap.add_argument("--encode", choices=["opus", "flac"])
    args = ap.parse_args()
    lines, voices, channels = parse(args.script)
    speak = Voices()
    clips = [speak(ln.text, voices.get(ln.speaker, "en-us")) for ln in lines]
    starts: list[int] = []
    ref: list[dict[str, Any]] = []
    t = last = 0  # the end of the line before, and of the last audio
    for i, (ln, clip) in enumerate(zip(lines, clips, strict=True)):
        t = max(0, t + int(ln.gap * RATE))
        starts.append(t)
        start, t = round(t / RATE, 3), t + len(clip)
        last = max(last, t)
        ref.append({"i": i, "speaker": ln.speaker, "text": ln.text, "start": start, "end": round(t / RATE, 3)})
    n, width = last + RATE, 2 if args.stereo else 1  # one second of tail
    audio = np.zeros((width, n), np.float32)
    for ln, clip, start in zip(lines, clips, starts, strict=True):
        audio[channels.get(ln.speaker, 1) if args.stereo else 0, start : start + len(clip)] += clip  # mixed
    if args.noise is not None:
        level = float(np.sqrt(np.mean(np.square(np.concatenate(clips))))) * 10 ** (-args.noise / 20)
        audio += (np.random.default_rng(0).standard_normal(audio.shape) * level).astype(np.float32)
    if args.phone:
        source = [*RAW_FLOAT, "-r", str(RATE), "-c", str(width)]
        band = sox(source, audio.T.tobytes(), PHONE, width).reshape(-1, width).T[:, :n]
        audio = np.pad(band, ((0, 0), (0, n - band.shape[1])))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(f"{out}.wav", "wb") as w:
        w.setnchannels(width)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(to_pcm(audio).tobytes())
    meta = {
        "script": args.script.name,
        "rate": RATE,
        "duration": round(n / RATE, 3),
        "stereo": args.stereo,
        "lines": ref,
    }
    Path(f"{out}.ref.json").write_text(json.dumps(meta, indent=1) + "\n")
    if args.encode:
        encode(audio, Path(f"{out}.{args.encode}"), args.encode)
    extra = f", {out}.{args.encode}" if args.encode else ""
    print(f"{out}.wav: {n / RATE:.1f} s, {len(ref)} lines{extra}")


if __name__ == "__main__":
    main()
