"""Who spoke, once the call is over: every utterance's voice clustered again, all at once.

Online (bridge.speakers.voices), an utterance is given to a speaker as it is heard, from what was heard
before it: an early line is judged against one or two voices, and a voice that drifted is split in two.
After the call every voice is known, so they are grouped again here: agglomerative clustering, average
linkage on cosine distance, merging until the closest two groups are `threshold` apart on average (the
number of speakers is where that stops). Utterances shorter than `min_seconds` make unreliable embeddings
and are left out of the grouping.

The new groups are then mapped one to one to the labels the call showed (the speakers' names, or "Speaker
3"), choosing the mapping that agrees on the most seconds of speech, so that a name the commander or the
words gave a voice stays with it. An utterance whose group maps to another label than it had is given that
label; a group that maps to none is a speaker the call never told apart, and gets a new "Speaker N". A
short utterance keeps its label, unless no group kept that label: then it goes where most of its label's
long lines went.

`after_call` is the pass over a finished log: the voices kept in it (`Transcript.voiceprint`, written by
`pack`) and the speakers its views show (the renames applied) go in; out come the `attribute` corrections
for the lines that were someone else's. Only a line the voice decided may move (the words are right more
often than the voice on calls where two people sound alike), never to a new "Speaker N" from a name, and
never a line a channel, the input transcript or the commander named.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.optimize import linear_sum_assignment

from .. import corrections
from ..events import Correction, LoggedEvent, Transcript

__all__ = ["MOVABLE", "OfflineOptions", "after_call", "pack", "placed", "recluster", "unpack"]

MOVABLE = ("voice",)
"""The `speaker_source`s the pass may overrule. Measured on the 33 corpus calls end to end (roster given):
lines right 0.547 live; 0.559 after the call when only the voice's lines move, 0.537 when the words' lines
may move too (their introductions and replies are right where the voices of two people are alike)."""


@dataclass(frozen=True)
class OfflineOptions:
    threshold: float = 0.22
    """Cosine distance (1 - similarity) at which two groups stop being merged: average linkage over every
    pair of their utterances. Chosen with scripts/evaluate_diarization.py --sweep (by voice alone): lines
    right on the four rendered calls 0.88 / 0.94 / 0.93 / 0.88 at 0.20 / 0.22 / 0.24 / 0.26 (online 0.90),
    on the 33 corpus calls 0.770 / 0.778 / 0.761 / 0.754 (online 0.770). The online threshold is 0.80
    similarity, so this merges only what is, on average, about as close as one voice online."""
    min_seconds: float = 1.0
    """Utterances shorter than this keep the label they had (bridge.speakers.voices.VoicesOptions.min_seconds)."""


def pack(vector: np.ndarray) -> str:
    """A voice as the log keeps it: float16, little-endian, base64 (684 characters for 256 dimensions)."""
    return base64.b64encode(np.asarray(vector, dtype="<f2").tobytes()).decode("ascii")


def unpack(packed: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(packed), dtype="<f2").astype(np.float64)


def recluster(
    vectors: np.ndarray,
    labels: Sequence[str],
    seconds: Sequence[float],
    options: OfflineOptions | None = None,
    *,
    taken: Iterable[str] = (),
) -> list[str]:
    """The label of each utterance after the call: `vectors` (one row per utterance), the `labels` the call
    gave them and their `seconds` of speech, in call order. A new speaker's "Speaker N" is numbered after
    every one in `labels` and `taken` (the labels of voices since named)."""
    o = options or OfflineOptions()
    out = list(labels)
    long = [i for i, s in enumerate(seconds) if s >= o.min_seconds]
    if len(long) < 2:
        return out
    x = np.asarray(vectors, dtype=np.float64)[long]
    x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    groups = fcluster(linkage(x, method="average", metric="cosine"), t=o.threshold, criterion="distance") - 1
    names = sorted(set(labels))
    column = {name: j for j, name in enumerate(names)}
    agree = np.zeros((int(groups.max()) + 1, len(names)))  # seconds of speech: new group x label heard
    for g, i in zip(groups, long, strict=True):
        agree[g, column[labels[i]]] += seconds[i]
    rows, cols = linear_sum_assignment(-agree)
    mapped = {int(g): names[c] for g, c in zip(rows, cols, strict=True)}
    fresh = _fresh([*labels, *taken])
    for g in range(agree.shape[0]):
        if g not in mapped:
            mapped[g] = next(fresh)
    for g, i in zip(groups, long, strict=True):
        out[i] = mapped[int(g)]
    # A label none of the groups kept: its short lines follow where most of its long ones went.
    kept, grouped = set(mapped.values()), set(long)
    for i, label in enumerate(labels):
        went = agree[:, column[label]]
        if i not in grouped and label not in kept and went.any():
            out[i] = mapped[int(went.argmax())]
    return out


def _fresh(labels: Sequence[str]) -> Iterator[str]:
    """ "Speaker N" labels after every N already used."""
    numbers = [int(number) for label in labels if (number := label.removeprefix("Speaker ")).isdigit()]
    n = max(numbers, default=0)
    while True:
        n += 1
        yield f"Speaker {n}"


def after_call(events: Iterable[LoggedEvent], t: float, options: OfflineOptions | None = None) -> list[Correction]:
    """The `attribute` corrections (by "bridge", at call time `t`) for the lines of a finished log whose
    speaker the voices heard all at once say otherwise; none if the log has had its pass already."""
    events = list(events)
    if any(isinstance(e, Correction) and e.action == "attribute" for e in events):
        return []
    by_hand = {e.ref for e in events if isinstance(e, Correction) and e.action == "rename" and not e.speaker}
    said = [
        e
        for e in corrections.apply(events).events
        if isinstance(e, Transcript)
        and e.voiceprint is not None
        and e.speaker is not None
        and e.speaker_source in ("voice", "words")
    ]
    if not said:
        return []
    labels = [e.speaker or "" for e in said]
    vectors = np.stack([unpack(e.voiceprint or "") for e in said])
    voices = {e.voice for e in events if isinstance(e, Transcript) and e.voice is not None}
    new = recluster(vectors, labels, [e.end - e.start for e in said], options, taken=voices)
    unnamed = voices | (set(new) - set(labels))
    return [
        Correction(t=round(t, 3), action="attribute", ref=e.seq, speaker=speaker, by="bridge")
        for e, was, speaker in zip(said, labels, new, strict=True)
        if speaker != was
        and e.speaker_source in MOVABLE
        and e.seq not in by_hand
        and (speaker not in unnamed or was in unnamed)
    ]


def placed(events: Iterable[LoggedEvent], names: dict[str, str], t: float) -> list[Correction]:
    """The `attribute` corrections (by "bridge", at call time `t`) that give each line the voice decided the
    name its voice was placed with after the call (`names`: voice label → name, from
    bridge.speakers.attribution.Speakers.placement). A line the words named keeps its name, and so does one
    already corrected (by the commander, or moved to another voice by `after_call`)."""
    events = list(events)
    kept = {  # moved already, or named by the commander
        e.ref
        for e in events
        if isinstance(e, Correction) and (e.action == "attribute" or (e.action == "rename" and not e.speaker))
    }
    return [
        Correction(t=round(t, 3), action="attribute", ref=e.seq, speaker=name, by="bridge")
        for e in corrections.apply(events).events
        if isinstance(e, Transcript)
        and e.voice is not None
        and e.speaker_source in MOVABLE
        and e.seq not in kept
        and (name := names.get(e.voice)) is not None
        and e.speaker != name
    ]
