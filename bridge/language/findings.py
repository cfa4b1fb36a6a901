"""What a sentence said on the bridge tells about the incident itself: its impact, its cause, its end.

Extraction finds what the bridge decided and who owes what; the post-mortem and the stakeholder update
also need what was *reported*: "users cannot log in", "the batch job is doing full table scans", "we are
declaring the incident mitigated". These are word rules over lists kept here as data, cheap and easy to
explain, and deliberately narrow: a sentence they miss stays in the transcript, while one they wrongly
take would put words in the commander's mouth. Each function returns the sentences it matched, verbatim,
so that whatever a view says carries its quote.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = [
    "CAUSE",
    "HEDGES",
    "IMPACT",
    "MITIGATED",
    "SEVERITY",
    "Finder",
    "cause",
    "impact",
    "level",
    "mitigated",
    "sentences",
    "severity",
]

IMPACT = re.compile(
    r"\b(?:errors?|error rates?|fail(?:ing|ures?)|fail to|timeouts?|timing out|outages?|affected|cannot|can't|"
    r"unable|not loading|signed out|latency|degraded|elevated|down to|back to normal|percent|5\d\d)\b|%",
    re.IGNORECASE,
)
"""How something is hurt, and how much: errors, failures, rates. Naming users alone is not a report of
impact ("Leo here, customer support"); saying what fails for them is."""

CAUSE = re.compile(
    r"\b(?:(?:root )?cause (?:is|was|seems|looks)|caused by|because of|due to|the reason (?:is|was)|"
    r"turn(?:s|ed) out|(?:that|this|which) is why|that's why)\b",
    re.IGNORECASE,
)
"""A sentence that states a cause, not one that mentions looking for it ("until we understand the root cause")."""

MITIGATED = re.compile(r"\b(?:mitigated|resolved)\b", re.IGNORECASE)

SEVERITY = re.compile(
    r"\b(?:sev(?:erity)?[ -]?|p-?)(?P<level>[0-5]|zero|one|two|three|four|five)\b"
    r"(?!\s*(?:%|percent|ms|seconds?|minutes?))",
    re.IGNORECASE,
)
"""A severity as bridges say it: SEV1, Sev-2, "severity one", P1 (as PagerDuty and Opsgenie number them)."""
_LEVELS = {"zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5"}

HEDGES = re.compile(
    r"\b(?:not|n't|never|no|once|when|until|unless|if|before|yet to|unclear|unknown|maybe|might|may|whether)\b",
    re.IGNORECASE,
)
"""Words that make a statement of cause or of the end conditional, negative or uncertain."""

Finder = Callable[[str], list[str]]
"""One of `impact`, `cause`, `mitigated`: the sentences of a text that say such a thing."""

_SENTENCE = re.compile(r"(?<=[.!?;])\s+")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(" ".join(text.split())) if s.strip()]


def _statements(text: str) -> list[str]:
    """The sentences of `text` that state something: not questions."""
    return [s for s in sentences(text) if not s.endswith("?")]


def impact(text: str) -> list[str]:
    """Sentences reporting who or what is affected, and how badly ("A third of logins are failing")."""
    return [s for s in _statements(text) if IMPACT.search(s)]


def cause(text: str) -> list[str]:
    """Sentences stating a cause without hedging it ("The cause is the nightly batch job")."""
    return [s for s in _statements(text) if CAUSE.search(s) and not HEDGES.search(s)]


def mitigated(text: str) -> list[str]:
    """Sentences saying the incident is mitigated or resolved ("We are declaring the incident mitigated")."""
    out = []
    for s in _statements(text):
        found = MITIGATED.search(s)
        if found and not HEDGES.search(s[: found.start()]):
            out.append(s)
    return out


def severity(text: str) -> list[str]:
    """Sentences declaring a severity ("Bumping this to SEV1"); not a question ("is this a SEV1?") or a
    hedge ("not a SEV1 yet"). `level` says which."""
    out = []
    for s in _statements(text):
        found = list(SEVERITY.finditer(s))
        if found and not HEDGES.search(s[: found[-1].start()]):
            out.append(s)
    return out


def level(sentence: str) -> str | None:
    """The severity a sentence names last, as "SEV1" or "P1" ("from SEV2 to SEV1" is SEV1)."""
    found = list(SEVERITY.finditer(sentence))
    if not found:
        return None
    named = found[-1]["level"].lower()
    return ("P" if found[-1].group(0)[0] in "pP" else "SEV") + _LEVELS.get(named, named)
