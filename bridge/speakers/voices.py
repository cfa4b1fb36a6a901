"""Who is speaking, by voice: the pure core that groups utterance embeddings into speakers, online.

Vectors in, decisions out: no model, no audio, no clock. Each utterance's voice (a unit vector from
bridge.voiceprint) joins the most similar speaker heard so far if it is close enough, or opens a new one.
A speaker keeps a running centroid of its utterances, and its label ("Speaker 3") is given once, in order
of first appearance, and never renumbered, so every view can keep what it showed.

Short utterances ("Yes.", "Okay, thanks.") make unreliable embeddings: they are matched with lower
confidence, and they neither move a centroid nor open a speaker unless they are clearly unlike everyone.
Words can say what a voice cannot: `merge` joins two speakers the voice split (the commander renamed one to
the other). Names are not kept here: bridge.attribution decides who a voice is, from the words.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Voice", "VoiceMatch", "Voices", "VoicesOptions"]


@dataclass(frozen=True)
class VoicesOptions:
    threshold: float = 0.80
    """Cosine similarity to a speaker's centroid at or above which an utterance is that speaker's.

    Tuned with scripts/evaluate_diarization.py (Resemblyzer's encoder, bridge.voiceprint): on the four
    rendered calls the share of lines right was 0.87 / 0.92 / 0.89 / 0.89 at 0.76 / 0.78 / 0.80 / 0.82,
    and on 24 single-speaker stretches of real recordings (14 speakers, 20 shuffled orders) 0.86 / 0.87 /
    0.90 / 0.88. 0.80 is best on the real voices, and errs toward splitting one person in two (which
    `merge` repairs once words say so) rather than joining two people (which nothing repairs).
    Pitch-shifted copies of one synthetic voice score 0.83-0.92 against each other, as high as one real
    voice against itself: no threshold separates those."""
    min_seconds: float = 1.0
    """Utterances shorter than this are too short for a reliable embedding: a real caller's 0.8 s "Hello?"
    scores 0.58-0.64 against her own longer utterances and up to 0.53 against other voices: too close."""
    far: float = 0.5
    """A short utterance opens a new speaker only if no centroid is at least this similar (different real
    speakers' long utterances mostly score 0.45-0.7 against each other)."""
    sure: float = 0.15
    """How far from a decision boundary (in cosine) a similarity must be to be fully confident."""


@dataclass(frozen=True)
class VoiceMatch:
    """The decision for one utterance."""

    label: str
    """The speaker it was given to: "Speaker N", stable for the whole call (after a merge, the one kept)."""
    similarity: float
    """Cosine similarity to the centroid it matched, before it joined (0 for a new speaker)."""
    new: bool
    """The utterance opened this speaker."""
    confidence: float
    """0 to 1: how far the similarities were from the thresholds that decided; halved for a short utterance."""


@dataclass(frozen=True)
class Voice:
    label: str
    utterances: int
    """Utterances that shaped this voice's centroid (short ones matched to it do not)."""
    merged_into: str | None
    """Set once `merge` sent this voice to another speaker: its later utterances are given that label."""


@dataclass
class _Cluster:
    label: str
    total: np.ndarray
    """Sum of the unit embeddings; its direction is the centroid."""
    count: int = 0
    merged_into: _Cluster | None = field(default=None, repr=False)

    @property
    def centroid(self) -> np.ndarray:
        return self.total / max(float(np.linalg.norm(self.total)), 1e-12)

    def root(self) -> _Cluster:
        cluster = self
        while cluster.merged_into is not None:
            cluster = cluster.merged_into
        return cluster


class Voices:
    """Online speaker clustering over one call."""

    def __init__(self, options: VoicesOptions | None = None) -> None:
        self.options = options or VoicesOptions()
        self._clusters: list[_Cluster] = []
        self._by_label: dict[str, _Cluster] = {}
        self._numbered = 0  # the highest N in a "Speaker N" given, or reserved

    @property
    def voices(self) -> list[Voice]:
        """Every speaker ever opened, in order of first appearance."""
        return [Voice(c.label, c.count, c.merged_into.root().label if c.merged_into else None) for c in self._clusters]

    def assign(self, embedding: np.ndarray, seconds: float) -> VoiceMatch:
        """Give one utterance (its embedding and its length of speech) to a speaker."""
        o = self.options
        vector = np.asarray(embedding, dtype=np.float64).reshape(-1)
        vector = vector / max(float(np.linalg.norm(vector)), 1e-12)
        short = seconds < o.min_seconds
        bound = o.far if short else o.threshold
        # Every voice heard is a candidate, merged ones too: a merge sends a voice's utterances elsewhere
        # but keeps its own centroid, since two voices averaged would sound like neither.
        ranked = sorted(((float(c.centroid @ vector), c) for c in self._clusters), key=lambda p: -p[0])
        if not ranked or ranked[0][0] < bound:
            best = ranked[0][0] if ranked else bound - o.sure
            return self._match(self._open(vector), 0.0, True, (bound - best) / o.sure, short)
        best, cluster = ranked[0]
        if not short:
            cluster.total = cluster.total + vector
            cluster.count += 1
        rival = next((sim for sim, c in ranked[1:] if c.root() is not cluster.root()), -1.0)
        return self._match(cluster.root(), best, False, min(abs(best - o.threshold), best - rival) / o.sure, short)

    def merge(self, keep: str, gone: str) -> None:
        """One person heard as two speakers: `gone`'s voice joins `keep`'s, and its utterances go there."""
        a, b = self._get(keep).root(), self._get(gone).root()
        if a is not b:
            b.merged_into = a

    def _get(self, label: str) -> _Cluster:
        try:
            return self._by_label[label]
        except KeyError:
            raise ValueError(f"no speaker {label!r}") from None

    def reserve(self, label: str) -> None:
        """A label already used in this incident (a resumed log): new speakers are numbered after it, so no
        label ever stands for two voices."""
        number = label.removeprefix("Speaker ")
        if number.isdigit():
            self._numbered = max(self._numbered, int(number))

    def _open(self, vector: np.ndarray) -> _Cluster:
        self._numbered += 1
        cluster = _Cluster(f"Speaker {self._numbered}", vector.copy(), 1)
        self._clusters.append(cluster)
        self._by_label[cluster.label] = cluster
        return cluster

    def _match(self, cluster: _Cluster, similarity: float, new: bool, sureness: float, short: bool) -> VoiceMatch:
        confidence = min(1.0, max(0.0, sureness)) * (0.5 if short else 1.0)
        return VoiceMatch(cluster.label, round(similarity, 4), new, round(confidence, 3))
