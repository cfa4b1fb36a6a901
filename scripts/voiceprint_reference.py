#!/usr/bin/env python3
"""Make tests/data/voiceprint_reference.json: Resemblyzer's own embeddings of real recordings.

bridge.speakers.voiceprint runs Resemblyzer's voice encoder in numpy; tests/speakers/test_voiceprint.py checks it
against the vectors this script writes with the original (torch + librosa). Those are far too heavy for the
project's environment, so run this in a scratch one:

    python3 -m venv /tmp/rzvenv
    /tmp/rzvenv/bin/pip install torch librosa "setuptools<81" webrtcvad
    /tmp/rzvenv/bin/pip install --no-deps Resemblyzer==0.1.4
    /tmp/rzvenv/bin/python scripts/voiceprint_reference.py

Both sides get the same audio: 16-bit 16 kHz mono WAV as float32 (int / 32768), volume raised to -30 dBFS
as Resemblyzer's preprocess_wav does, but without its webrtcvad silence trimming (bridge's segmenter has
already cut the speech).
"""

from __future__ import annotations

import json
import platform
import wave
from pathlib import Path

import librosa
import numpy as np
import torch
from resemblyzer import VoiceEncoder, normalize_volume

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT.parent / "shared" / "data" / "real"
OUT = ROOT / "tests" / "data" / "voiceprint_reference.json"

# (file under shared/data/real, start s, end s, speaker): single-speaker stretches from the RTTMs, one of
# them shorter than a 1.6 s window so that the zero-padded path is checked too.
CLIPS = [
    ("audio_asr/jfk.wav", 0.0, 11.0, "jfk"),
    ("audio_diarization/picovoice_falcon_test.wav", 1.7, 3.9, "speaker1"),
    ("audio_diarization/picovoice_falcon_test.wav", 6.2, 11.1, "speaker2"),
    ("audio_diarization/picovoice_falcon_test.wav", 12.8, 18.0, "speaker3"),
    ("audio_diarization/pyannote_sample.wav", 10.7, 14.49, "speaker90"),
    ("audio_diarization/pyannote_sample.wav", 14.7, 17.92, "speaker91"),
    ("audio_diarization/pyannote_sample.wav", 21.93, 27.8, "speaker91"),
    ("audio_diarization/pyannote_sample.wav", 7.55, 8.32, "speaker91"),
]


def read(path: Path, start: float, end: float) -> np.ndarray:
    with wave.open(str(path)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (16000, 1, 2), path
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    return (pcm[round(start * 16000) : round(end * 16000)] / 32768).astype(np.float32)


def main() -> None:
    encoder = VoiceEncoder("cpu", verbose=False)
    items = []
    for name, start, end, speaker in CLIPS:
        wav = normalize_volume(read(REAL / name, start, end), -30, increase_only=True)
        embedding = encoder.embed_utterance(wav.astype(np.float32))
        items.append(
            {
                "file": name,
                "start": start,
                "end": end,
                "speaker": speaker,
                "embedding": [round(float(x), 6) for x in embedding],
            }
        )
    made = (
        "scripts/voiceprint_reference.py: resemblyzer 0.1.4 VoiceEncoder('cpu').embed_utterance, "
        f"torch {torch.__version__}, librosa {librosa.__version__}, numpy {np.__version__}, "
        f"Python {platform.python_version()}; audio int16/32768, normalize_volume(-30, increase_only), no trimming"
    )
    OUT.write_text(json.dumps({"made_with": made, "clips": items}) + "\n")
    print(f"{OUT}: {len(items)} clips")


if __name__ == "__main__":
    main()
