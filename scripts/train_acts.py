#!/usr/bin/env python3
"""Train the act classifier (bridge/language/acts/) from the annotated calls, reproducibly.

Every line of every annotated call becomes one example: its words, read with the turn before it
(bridge.language.acts.encode), labelled from the call's gold (corpus/README.md):
  decision          the line is a gold decision;
  request           an action item on the line is owned by someone other than its speaker;
  commitment        an action item on the line is owned by its speaker;
  status_check      the line sets a status check;
  update            the line reports state or progress (gold `updates`; missing for calls without the key);
  question          it ends with a question mark and asks nobody to act;
  acknowledgement   it is only an acknowledgement ("okay", "copy that", "will do", "go ahead").
The calls: the bundled sample, ../shared/calls, corpus/calls and the Apollo 13 stretches in corpus/apollo.
One call in ten (by name, fixed) is held out as spaCy's dev set, which picks the best epoch.

Training is `spacy train` with scripts/train_acts.cfg and a fixed seed; the result is copied into
the model folder with a manifest of sha256 sums that bridge checks when it loads the model. The same
inputs, seed and library versions give the same model.

Usage: scripts/train_acts.py [--out DIR] [--seed N] [--exclude CALL ...]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import shutil
import sys
import tempfile
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from _calls import Call, apollo, calls  # noqa: E402

from bridge.language.acts import ACTS, DEFAULT_MODEL, MANIFEST, digest, encode  # noqa: E402
from bridge.people import same  # noqa: E402

__all__ = ["all_calls", "examples", "labels", "train"]

CONFIG = ROOT / "scripts" / "train_acts.cfg"

_ACK = frozenset(
    "okay ok sure yes yeah yep yup right alright copy roger understood noted thanks thank you good great "
    "cool fine wilco affirmative affirm will do on it got it go ahead sounds mm hm mhm uh huh perfect excellent "
    "that that's stand by standby one rog".split()
)
_WORDS = re.compile(r"[a-z']+")


def all_calls() -> list[Call]:
    """Every annotated call: the development calls, the corpus and the Apollo stretches."""
    return [*calls([], corpus=True), *apollo()]


def labels(call: Call) -> list[dict[str, float]]:
    """The acts of each line of `call`, from its gold; a label the gold cannot say is left out (missing)."""
    gold = call.gold
    speakers = [str(line["speaker"]) for line in call.lines]
    texts = [str(line["text"]) for line in call.lines]
    cats: list[dict[str, float]] = [dict.fromkeys(ACTS, 0.0) for _ in call.lines]
    for i in gold.get("decisions", []):
        cats[i]["decision"] = 1.0
    for item in gold.get("action_items", []):
        act = "commitment" if same(item.get("owner"), speakers[item["line"]]) else "request"
        cats[item["line"]][act] = 1.0
    for check in gold.get("status_checks", []):
        cats[check["line"]]["status_check"] = 1.0
    if "updates" in gold:
        for i in gold["updates"]:
            cats[i]["update"] = 1.0
    else:
        for c in cats:
            del c["update"]
    for i, text in enumerate(texts):
        words = _WORDS.findall(text.lower())
        acted = any(cats[i].get(a) for a in ("decision", "request", "commitment", "status_check", "update"))
        cats[i]["question"] = float(text.rstrip().endswith("?") and not cats[i]["request"])
        cats[i]["acknowledgement"] = float(bool(words) and not acted and all(w in _ACK for w in words))
    return cats


def examples(chosen: Iterable[Call]) -> list[tuple[str, dict[str, float]]]:
    out = []
    for call in chosen:
        previous: tuple[str, str] | None = None
        for line, cats in zip(call.lines, labels(call), strict=True):
            text, speaker = str(line["text"]), str(line["speaker"])
            before = None if previous is None else previous[0]
            alike = None if previous is None else same(previous[1], speaker)
            out.append((encode(text, before, same_speaker=alike), cats))
            previous = (text, speaker)
    return out


def _docbin(rows: list[tuple[str, dict[str, float]]], path: Path) -> None:
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.blank("en")
    bin_ = DocBin(store_user_data=False)
    for text, cats in rows:
        doc = nlp.make_doc(text)
        doc.cats = cats
        bin_.add(doc)
    bin_.to_disk(path)


def _dev(call: Call) -> bool:
    return zlib.crc32(call.name.encode()) % 10 == 0


def train(chosen: Sequence[Call], out: Path, *, seed: int = 0, quiet: bool = True) -> Path:
    """Train on `chosen` (one in ten held out as the dev set) into `out`; returns `out`."""
    from spacy.cli.train import train as spacy_train
    from thinc.api import Config

    dev = [c for c in chosen if _dev(c)] or list(chosen[-1:])
    fit = [c for c in chosen if c not in dev]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        _docbin(examples(fit), work / "train.spacy")
        _docbin(examples(dev), work / "dev.spacy")
        overrides: dict[str, object] = {"paths.train": str(work / "train.spacy"), "paths.dev": str(work / "dev.spacy")}
        overrides["system.seed"] = seed
        if quiet:
            import logging

            logging.getLogger("spacy").setLevel(logging.ERROR)
        # spaCy prints its training table on stdout, which is where a caller's results go (evaluate.py --json).
        with contextlib.redirect_stdout(sys.stderr):
            spacy_train(CONFIG, work / "output", overrides=overrides, use_gpu=-1)
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(work / "output" / "model-best", out)
    # The copy names the temporary training files; a model is the same whatever folder it was trained in.
    config = Config().from_disk(out / "config.cfg", interpolate=False)
    config["paths"]["train"] = config["paths"]["dev"] = None
    config.to_disk(out / "config.cfg")
    trained = {"trained_on": [c.name for c in fit], "dev": [c.name for c in dev], "seed": seed}
    (out / "trained.json").write_text(json.dumps(trained, indent=1) + "\n")
    (out / MANIFEST).write_text(json.dumps({"sha256": digest(out)}, indent=1) + "\n")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL, help="model folder (default: the project's)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--exclude", nargs="*", default=[], metavar="CALL", help="calls to leave out")
    args = parser.parse_args(argv)
    chosen = [c for c in all_calls() if c.name not in set(args.exclude)]
    out = train(chosen, args.out, seed=args.seed, quiet=False)
    print(f"trained on {len(chosen)} calls into {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
