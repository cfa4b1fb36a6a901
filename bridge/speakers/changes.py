"""Where the speaker changes inside one utterance: the pure core that splits a final transcript in two.

People answer within half a second, and the segmenter ends an utterance only after a longer silence, so one
utterance often holds the commander's question and the responder's answer. The places a change can be are
few: the gaps between the words of the final decode. Only the widest few of them are tried; the speech
between them is embedded once, piece by piece (not a sliding window), and the utterance is split where
the voices on either side are far apart and each side is long enough to be told by its voice.

Vectors in, decisions out: no model, no audio. `spans` says which stretches of speech to embed, `splits`
where to cut, given their embeddings; `parts` cuts the words there.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..events import Word

__all__ = ["ChangeOptions", "candidates", "parts", "spans", "splits"]


@dataclass(frozen=True)
class ChangeOptions:
    min_gap: float = 0.15
    """Seconds between two words at or above which a change of speaker is looked for."""
    candidates: int = 3
    """At most this many gaps are tried, the widest ones: each adds a stretch of speech to embed."""
    min_side: float = 1.0
    """Seconds of speech each part must span: a shorter one is too short for its voice to be told
    (bridge.speakers.voices.VoicesOptions.min_seconds)."""
    threshold: float = 0.75
    """Cosine similarity between the two sides' voices below which they are two speakers."""


def candidates(words: Sequence[Word], options: ChangeOptions | None = None) -> list[int]:
    """The indices i (in order) where a new part could begin at `words[i]`: the widest gaps of at least
    `min_gap`, with at least `min_side` seconds of words on either side."""
    o = options or ChangeOptions()
    if len(words) < 2:
        return []
    first, last = words[0].start, words[-1].end
    gaps = [
        (words[i].start - words[i - 1].end, i)
        for i in range(1, len(words))
        if words[i].start - words[i - 1].end >= o.min_gap
        and words[i - 1].end - first >= o.min_side
        and last - words[i].start >= o.min_side
    ]
    widest = sorted(gaps, key=lambda g: (-g[0], g[1]))[: o.candidates]
    return sorted(i for _, i in widest)


def spans(words: Sequence[Word], cuts: Sequence[int], start: float, end: float) -> list[tuple[float, float]]:
    """The stretches (seconds) between the cuts, from `start` to `end`, each cut at the middle of its gap."""
    bounds = [start, *((words[i - 1].end + words[i].start) / 2 for i in cuts), end]
    return [(a, b) for a, b in itertools.pairwise(bounds)]


def splits(
    vectors: np.ndarray, seconds: Sequence[float], cuts: Sequence[int], options: ChangeOptions | None = None
) -> list[int]:
    """The cuts (of `cuts`, one between each two consecutive stretches) where the speaker changes, given each
    stretch's embedding (`vectors`, a row each) and its `seconds` of speech.

    The utterance is cut in two where the two sides (each the mean of its stretches, weighted by length)
    are least alike, if they are less alike than `threshold` and each side is long enough; each part is
    then tried again on its own."""
    o = options or ChangeOptions()
    x = np.asarray(vectors, dtype=np.float64)
    x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    w = np.asarray(seconds, dtype=np.float64)
    if len(x) != len(cuts) + 1 or len(w) != len(x):
        raise ValueError("one vector and one length per stretch, one stretch more than cuts")
    chosen: list[int] = []

    def side(a: int, b: int) -> np.ndarray:
        v = (x[a:b] * w[a:b, None]).sum(axis=0)
        return np.asarray(v / max(float(np.linalg.norm(v)), 1e-12))

    def divide(a: int, b: int) -> None:  # stretches a..b-1; cut k lies between stretch k and k + 1
        best, at = o.threshold, None
        for k in range(a, b - 1):
            if w[a : k + 1].sum() < o.min_side or w[k + 1 : b].sum() < o.min_side:
                continue
            similarity = float(side(a, k + 1) @ side(k + 1, b))
            if similarity < best:
                best, at = similarity, k
        if at is None:
            return
        chosen.append(cuts[at])
        divide(a, at + 1)
        divide(at + 1, b)

    divide(0, len(x))
    return sorted(chosen)


def parts(words: Sequence[Word], cuts: Sequence[int]) -> list[list[Word]]:
    """The words, cut before each index in `cuts`."""
    bounds = [0, *cuts, len(words)]
    return [list(words[a:b]) for a, b in itertools.pairwise(bounds)]
