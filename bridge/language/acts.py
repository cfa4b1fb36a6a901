"""What an utterance does, by a trained spaCy text classifier: the model half of understanding.

The rules (analysis.py) are good at the parts of a sentence: who is addressed, the task's words, a spoken
time, a call sign. What they are bad at is judging the act itself on phrasing nobody wrote a rule for
("failover it is", "holler in five", "I've got it"). That judgement is made here, by a `textcat_multilabel`
trained on the project's annotated calls and real incident dialogue (scripts/train_acts.py, with
scripts/train_acts.cfg), reading each utterance with the turn before it.

The input is one string: the previous turn's words, each marked `p_`, a marker saying whether the same
person spoke it, then the utterance itself. Marking the previous words keeps "should we flip the flag?"
before "yes, let's" apart from someone saying "should we" themselves.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path

from ..errors import ModelError

__all__ = ["ACTS", "DEFAULT_MODEL", "ActScores", "Acts", "encode"]

ACTS = ("decision", "request", "commitment", "status_check", "update", "question", "acknowledgement")
"""What an utterance may do (several at once): decide, ask someone to act, take a task on, set a time to
report by, report state or progress, ask, acknowledge. None of them: other."""

DEFAULT_MODEL = Path(__file__).parent / "acts"
MANIFEST = "manifest.json"
"""In the model folder: the sha256 of every file, checked when it loads."""

_WORD = re.compile(r"[\w']+|[?!]")


def encode(text: str, previous: str | None, *, same_speaker: bool | None) -> str:
    """The classifier's input for `text` said after `previous` (None: the first turn)."""
    before = " ".join("p_" + w.lower() for w in _WORD.findall(previous or ""))
    marker = "[first]" if previous is None else "[same]" if same_speaker else "[other]"
    return f"{before} {marker} {text}".strip()


ActScores = Mapping[str, float]
"""Probability of each act in ACTS."""


class Acts:
    """The trained classifier; load it once per session."""

    def __init__(self, path: Path = DEFAULT_MODEL) -> None:
        verify(path)
        try:
            import spacy

            self._nlp = spacy.load(path, exclude=["tokenizer"])  # spaCy's English one: see analysis.EXCLUDED
        except (OSError, ValueError, KeyError) as e:
            raise ModelError(f"cannot load the act classifier in {path}: {e}; {_REINSTALL}") from None
        labels = set(getattr(self._nlp.get_pipe("textcat_multilabel"), "labels", ()))
        if labels != set(ACTS):
            raise ModelError(f"the act classifier in {path} knows {sorted(labels)}, not {list(ACTS)}; {_REINSTALL}")

    def scores(self, text: str, previous: str | None, *, same_speaker: bool | None) -> dict[str, float]:
        doc = self._nlp(encode(text, previous, same_speaker=same_speaker)[:_MAX_CHARS])
        return {act: float(doc.cats[act]) for act in ACTS}


_MAX_CHARS = 2000
"""Longer input is cut: one utterance is at most 15 s of speech, and spaCy's limits are far above this."""

_REINSTALL = "restore it with `git checkout bridge/language/acts` or retrain it with scripts/train_acts.py"


def digest(path: Path) -> dict[str, str]:
    """sha256 of every file under the model folder but the manifest, by relative path."""
    return {
        str(f.relative_to(path)): hashlib.sha256(f.read_bytes()).hexdigest()
        for f in sorted(path.rglob("*"))
        if f.is_file() and f.name != MANIFEST
    }


def verify(path: Path) -> None:
    """The folder holds exactly the files its manifest lists, with their checksums; ModelError otherwise."""
    manifest = path / MANIFEST
    try:
        want = json.loads(manifest.read_text())["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        raise ModelError(f"the act classifier in {path} has no readable {MANIFEST}; {_REINSTALL}") from None
    have = digest(path)
    for name in sorted(set(want) | set(have)):
        if name not in have:
            raise ModelError(f"the act classifier is missing {path / name}; {_REINSTALL}")
        if have[name] != want.get(name):
            raise ModelError(f"the act classifier's {path / name} is corrupt or from another version; {_REINSTALL}")
