"""Utterance audio in, text out: faster-whisper, guarded against its known failures.

Whisper invents words on silence and noise and loops on a phrase. The segmenter keeps most silence away;
what gets through is judged here, per segment, on the model's own evidence: the no-speech probability
together with a low log-probability, a very low log-probability alone, a compression ratio that betrays a
loop, and a phrase said three times over. Decoding is at temperature 0 only, with no fallback to
sampling, so the same audio always gives the same text.

Whisper was trained on 30-second windows and faster-whisper pads every input to one, so a 2-second line
paid for a 30-second encoder pass. CTranslate2 takes a shorter window; here the encoder sees the utterance
plus a margin, never less than a floor, because windows much shorter than that make Whisper loop or drop
words (both chosen by measurement: `scripts/benchmark_window.py`); a line under two seconds, where a short
window misheard most, keeps the whole 30 s.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..calltime import RATE
from ..errors import ModelError, UsageError
from ..events import Word

__all__ = [
    "Recogniser",
    "Recognition",
    "Transcriber",
    "TranscriberOptions",
    "collapse_repeats",
    "language_code",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TranscriberOptions:
    language: str | None = "en"
    beam_size: int = 5
    """For final text; interim text is always greedy, for speed."""
    hotwords: str | None = None
    """Names and terms to bias recognition toward (--vocab)."""
    word_timestamps: bool = False
    no_speech_threshold: float = 0.6
    log_prob_threshold: float = -1.0
    sure_no_speech: float = 0.9
    """A segment the model thinks this likely to be silence is dropped whatever it says."""
    reject_log_prob: float = -1.5
    """A segment this unsure is dropped whatever its no-speech probability."""
    compression_ratio_threshold: float = 2.4
    cpu_threads: int = 2
    compute_type: str = "int8"
    window_floor: float = 15.0
    """Seconds: the shortest encoder window. 30 decodes as faster-whisper does (every input padded to 30 s)."""
    window_margin: float = 2.0
    """Seconds of window kept beyond the utterance's end."""
    full_window_below: float = 2.0
    """Seconds: shorter utterances get the whole 30 s. A one-second "Will do" came out "What do you" in a
    15-s window, twice in one call, and an owner's reply is the line least to be lost."""

    def window(self, seconds: float) -> int:
        """Encoder frames (100 a second, at most Whisper's 3000) for an utterance of `seconds`."""
        if seconds < self.full_window_below:
            return _FRAMES
        return min(_FRAMES, math.ceil(max(self.window_floor, seconds + self.window_margin) * 100))


@dataclass(frozen=True)
class Recognition:
    text: str
    confidence: float | None
    words: list[Word] | None = None
    dropped: list[str] = field(default_factory=list)
    """Why segments were left out, for the debug log."""
    error: str | None = None
    """The recogniser failed on this audio (and `text` is empty): what went wrong, in one line."""


class Recogniser(Protocol):
    """What the pipeline needs of a recogniser: the text of some audio. Each utterance is read on its own:
    prompted with the text before it, as Whisper does within a file, one speaker's style and errors were
    carried into the next speaker's words."""

    def transcribe(self, audio: np.ndarray, offset: float = 0.0, *, interim: bool = False) -> Recognition:
        """The text of `audio` (16 kHz float32), word times from `offset`; `interim`: speech still in progress."""
        ...


def language_code(value: str) -> str:
    """`value` as the Whisper language code the model takes; UsageError, at start-up, for anything else: the
    model only finds out on the first utterance, and every utterance would then fail."""
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    code = value.strip().lower()
    if code in _LANGUAGE_CODES:
        return code
    hint = " (en for English)" if code.startswith("en") else ""
    raise UsageError(
        f"--language {value!r} is not a Whisper language code; give one such as en, de, fr, es{hint} "
        f"(all: {', '.join(sorted(_LANGUAGE_CODES))})"
    )


class Transcriber:
    """One faster-whisper model. Not thread-safe: use it from one worker thread."""

    def __init__(
        self, path: Path, options: TranscriberOptions | None = None, *, interim_path: Path | None = None
    ) -> None:
        """`interim_path`: a smaller model for text still in progress, decoded about once a second of speech."""
        self.options = o = options or TranscriberOptions()
        self._model = self._load(path)
        if o.language and o.language != "en" and not self._model.model.is_multilingual:
            raise ModelError(f"this model is English-only; it cannot transcribe language {o.language!r}")
        self._interim_model = self._model
        if interim_path is not None and interim_path != path and (o.language in (None, "en")):
            self._interim_model = self._load(interim_path)

    def _load(self, path: Path) -> Any:
        o = self.options
        try:
            return _fitted_whisper()(
                str(path), device="cpu", compute_type=o.compute_type, cpu_threads=o.cpu_threads, local_files_only=True
            )
        except (RuntimeError, ValueError, OSError) as e:
            raise ModelError(f"cannot load the Whisper model in {path}: {e}") from None

    def transcribe(self, audio: np.ndarray, offset: float = 0.0, *, interim: bool = False) -> Recognition:
        """Text of one utterance; word times (if asked for) are in call seconds from `offset`."""
        frames = self.options.window(len(audio) / RATE)
        segments = self._decode(audio, frames, interim=interim)
        if frames < _FRAMES and _looped(" ".join(s.text for s in segments), len(audio) / RATE):
            # A short window's known failure: the line said twice, or more words than anyone says in the time.
            segments = self._decode(audio, _FRAMES, interim=interim)
        texts, logprobs, lengths, dropped = [], [], [], []
        words: list[Word] = []
        for s in segments:
            reason = self._reject(s.text, s.no_speech_prob, s.avg_logprob, s.compression_ratio)
            if reason:
                dropped.append(f"{reason}: {s.text.strip()!r}")
                continue
            texts.append(s.text.strip())
            logprobs.append(s.avg_logprob)
            lengths.append(max(1, len(s.tokens)))
            for w in s.words or []:  # faster-whisper's times are numpy numbers, which the log cannot encode
                words.append(
                    Word(
                        round(offset + float(w.start), 3),
                        round(offset + float(w.end), 3),
                        w.word.strip(),
                        round(float(w.probability), 3),
                    )
                )
        text = collapse_repeats(" ".join(t for t in texts if t))
        if dropped:
            log.debug("dropped %s", "; ".join(dropped))
        confidence = None
        if texts:
            mean = sum(lp * n for lp, n in zip(logprobs, lengths, strict=True)) / sum(lengths)
            confidence = round(math.exp(mean), 3)
        o = self.options
        return Recognition(text, confidence if text else None, words if o.word_timestamps else None, dropped)

    def _decode(self, audio: np.ndarray, frames: int, *, interim: bool) -> list[Any]:
        """faster-whisper's segments for `audio`, its encoder given `frames`."""
        o = self.options
        model = self._interim_model if interim else self._model
        model.frames = frames
        segments, _ = model.transcribe(
            _silence_to(audio, frames),
            language=o.language,
            beam_size=1 if interim else o.beam_size,
            temperature=0.0,
            condition_on_previous_text=False,
            hotwords=o.hotwords,
            word_timestamps=o.word_timestamps and not interim,
            no_speech_threshold=o.no_speech_threshold,
            log_prob_threshold=o.log_prob_threshold,
            compression_ratio_threshold=o.compression_ratio_threshold,
            vad_filter=False,
            without_timestamps=not o.word_timestamps or interim,
        )
        return list(segments)

    def _reject(self, text: str, no_speech: float, logprob: float, ratio: float) -> str | None:
        o = self.options
        if not re.search(r"\w", text):
            return "no words"
        if no_speech > o.no_speech_threshold and (logprob < o.log_prob_threshold or len(text.split()) <= 3):
            return "no speech"  # Whisper's "You" / "Thank you." on silence: sure of little, likely nothing said
        if no_speech > o.sure_no_speech:
            return "no speech"
        if logprob < o.reject_log_prob:
            return "unsure"
        if ratio > o.compression_ratio_threshold:
            return "repetitive"
        return None


_FRAMES = 3000
"""Whisper's window: 30 s of 10-ms frames."""


def _fitted_whisper() -> type:
    from faster_whisper import WhisperModel

    class FittedWhisper(WhisperModel):  # type: ignore[misc]
        """faster-whisper, its encoder run on the first `frames` of the 30-s window it pads every input to."""

        frames = _FRAMES

        def encode(self, features: np.ndarray) -> Any:
            return super().encode(features[..., : self.frames])

    return FittedWhisper


def _silence_to(audio: np.ndarray, frames: int) -> np.ndarray:
    """`audio` with silence after it up to `frames` (less the frame faster-whisper adds). faster-whisper
    pads features with zeros, which are not what silence looks like to the model: in a 30-s window the
    speech outweighs them, in a 10-s one short lines came out wrong ("I'll do it" heard as "What do you")."""
    missing = frames * RATE // 100 - RATE // 100 - len(audio)
    return np.pad(audio, (0, missing)) if missing > 0 and frames < _FRAMES else audio


_TWICE = re.compile(r"\b((?:\w+\W+){3,}?\w+)\W+\1\b", re.IGNORECASE)
_MOST_WORDS_A_SECOND = 5.0
"""Fast speech is about 4 words a second; more than this in an utterance is the decoder running on."""


def _looped(text: str, seconds: float) -> bool:
    """`text` says a phrase of four words or more twice in a row, or more words than `seconds` can hold."""
    return bool(_TWICE.search(text)) or len(text.split()) > _MOST_WORDS_A_SECOND * seconds + 2


_REPEAT = re.compile(r"\b((?:\S+\s+){0,5}?\S+?)(?:[\s,.!?]+\1\b){2,}", re.IGNORECASE)


def collapse_repeats(text: str) -> str:
    """A phrase of up to six words said three or more times in a row is kept once."""
    return _REPEAT.sub(r"\1", text)
