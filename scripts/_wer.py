"""Word error rate with Whisper's English normaliser, shared by the tests and the benchmarks."""

from __future__ import annotations

import jiwer
from whisper_normalizer.english import EnglishTextNormalizer

_normalise = EnglishTextNormalizer()


def wer(reference: str, hypothesis: str) -> float:
    ref, hyp = _normalise(reference), _normalise(hypothesis)
    if not ref.split():
        return float(bool(hyp.split()))
    return float(jiwer.wer(ref, hyp))
