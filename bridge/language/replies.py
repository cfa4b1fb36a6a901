"""What kind of reply an utterance is, so that the monitor can tell an update from an acknowledgement.

A status check is met only by a report of state or progress ("error rate is back to normal", "no change
yet, still looking"), never by a promise or an acknowledgement ("okay", "will check", "okay, starting the
rollback now"). The monitor asks this one question of every transcript, so it must be fast and easy to
explain: word rules over lists kept here as data, no model. The rules are written for Whisper output, which
may be lowercase, lack punctuation, spell numbers as digits or words, and keep hesitations.

How an utterance is judged: it is split into sentences (. ! ? ;) and each sentence into clauses (, :).
Each clause is, in this order: call talk or an introduction ("other"), a bare acknowledgement ("ack"), a
request or command ("request"), a question ("question"), a commitment to act ("ack": a promise is not a
report), a report ("update"), else "other". A request or question governs the rest of its sentence ("please
send a reply, saying we are aware" is one request). The utterance is an update when any clause is one
("Sorry, I was deep in the logs. Uploads are not affected."); otherwise a question, a request or an
acknowledgement, in that order.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from ..events import Transcript

__all__ = [
    "ACK_PHRASES",
    "ACK_WORDS",
    "CALL_TALK",
    "DISCOURSE",
    "FILLERS",
    "IMPERATIVES",
    "PROGRESS_WORDS",
    "REQUEST_OPENERS",
    "STATE_WORDS",
    "Reply",
    "classify",
    "reports",
]

Reply = Literal["update", "ack", "question", "request", "other"]


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


FILLERS = frozenset({"uh", "um", "umm", "uhm", "er", "erm", "ah", "eh", "hmm", "mm", "mhm"})
"""Hesitations Whisper sometimes writes out; dropped before anything else."""

DISCOURSE = _set(
    "okay ok so and well sorry yes yeah yep yup alright right sure oh hey hi hello now also but then "
    "actually cool good great thanks perfect excellent understood copy roger noted"
)
"""Words that open a clause without saying anything about the incident; skipped at a clause's start."""

ACK_WORDS = _set(
    "okay ok sure yes yeah yep yup right alright copy roger understood noted thanks thank you good great "
    "perfect excellent awesome cool fine agreed ack acknowledged affirmative absolutely will do on it that "
    "got thing sounds makes sense no problem of course news"
)
"""A clause made only of these is an acknowledgement: "okay", "got it", "will do", "copy that", "on it"."""

ACK_PHRASES = frozenset(
    {
        ("i", "am", "on", "it"),
        ("we", "are", "on", "it"),
        ("that", "is", "good"),
        ("that", "is", "great"),
        ("that", "is", "fine"),
        ("that", "is", "right"),
    }
)
"""Acknowledgements that contain a verb; matched on the whole clause, ignoring a trailing "now"."""

CALL_TALK = (
    ("been", "a", "while"),
    ("not", "heard"),
    ("missed", "that"),
    ("missed", "it"),
    ("on", "mute"),
    ("breaking", "up"),
    ("hear", "me"),
    ("hear", "you"),
    ("a", "question"),
    ("i", "am", "back"),
    ("i", "am", "here"),
    ("dropped", "off"),
    ("say", "again"),
    ("repeat", "that"),
)
"""Phrases about the call itself rather than the incident; a clause holding one is "other"."""

REQUEST_OPENERS = (
    ("let", "us"),
    ("go", "ahead"),
    ("make", "sure"),
    ("do", "not"),
    ("can", "you"),
    ("could", "you"),
    ("would", "you"),
    ("will", "you"),
    ("can", "someone"),
    ("could", "someone"),
    ("can", "somebody"),
    ("can", "anyone"),
    ("someone",),
    ("somebody",),
    ("i", "need", "you"),
    ("i", "need", "someone"),
    ("we", "need", "someone"),
    ("i", "want", "you"),
    ("you", "need"),
    ("you", "should"),
    ("you", "own"),
    ("you", "have", "to"),
    ("next", "update"),
    ("update", "in"),
    ("report", "back"),
    ("regroup",),
    ("let", "me", "know"),
    ("keep", "me"),
    ("keep", "us"),
)
"""Clause openings that ask someone to act ("please" anywhere does too)."""

IMPERATIVES = _set(
    "check kill stop find open send post draft roll revert restart run page escalate start switch turn "
    "update write attach keep hold pause scale drain disable enable block look investigate grab pull get "
    "file notify warn call ask tell give put move route flip bring add remove clear flush purge try watch "
    "monitor confirm verify loop reach shut fail bump raise lower take spin cut wait"
)
"""Verbs that open a command when an object or particle follows ("kill the batch job", "stop it")."""

_OBJECT_WORDS = _set(
    "the a an it that this them those these our your all every everything up out off down back over "
    "whether if with on to me us him her into at in for some any ahead and"
)
_ALONE_COMMANDS = frozenset({"stop", "wait", "hold"})
_WH = _set("what where when who why how which whose")
_AUX = _set("is are was were do does did can could will would should has have had am shall may might must")
_SUBJECTS = _set(
    "the it there we you they he she that this anyone anybody someone somebody everyone everything "
    "our your their all any i"
)
_AFTER_WH = _AUX | {"many", "much", "long", "about", "time", "else", "exactly"}
_QUESTION_OPENERS = (
    ("any", "update"),
    ("any", "news"),
    ("any", "luck"),
    ("any", "progress"),
    ("anything", "new"),
)
_FIRST_PERSON = frozenset({"i", "we"})
_MODALS = (
    ("will",),
    ("shall",),
    ("can",),
    ("could",),
    ("am", "going", "to"),
    ("are", "going", "to"),
    ("need", "to"),
    ("have", "to"),
    ("must",),
    ("should",),
)
_ADVERBS = _set("also just now then probably")
_REPORT_VERBS = frozenset({"see", "confirm", "tell", "say"})
"""After "I can": "I can confirm the deploy went out" reports, it does not promise."""

PROGRESS_WORDS = frozenset({"still", "yet", "already", "eta", "anymore", "halfway"})
"""Words that only a report of progress uses: "no change yet, still looking" is an update."""

STATE_WORDS = _set(
    "complete completed done finished fixed resolved recovered restored deployed reverted healthy stable "
    "normal green degraded affected unaffected dropping dropped slowed percent baseline caught confirmed "
    "found shows showing see seeing saw sees looks seems mitigated elevated spiking rising climbing "
    "falling improving improved increasing decreasing"
)
"""Words that report state or change; any of them makes a clause that is not a promise an update."""

_STATE_GERUNDS = _set(
    "seeing getting showing dropping falling rising climbing spiking recovering improving coming trending "
    "holding failing increasing decreasing loading timing erroring returning serving"
)
"""-ing words that describe the system, not the speaker's next step ("still seeing errors")."""
_ING_NOUNS = _set("nothing something anything everything thing morning evening ping string")
"""Words that end in -ing but are not a verb's -ing form."""
_EVALUATIVE = _set("good better fine healthy normal stable great bad worse ok okay")
_NEGATIONS = frozenset({"no", "nothing", "none", "not"})
_COPULAS = _set("is are was were has have had been be looks look seems seem shows show remains remain stays stay")
_IRREGULAR_PAST = _set(
    "went came found saw ran did made took put sent set got left broke caught fell rose shot began brought "
    "hit cut kept held knew thought told built"
)

_CONTRACTIONS = (
    (r"\bwon't\b", "will not"),
    (r"\bcan't\b", "can not"),
    (r"\bcannot\b", "can not"),
    (r"n't\b", " not"),
    (r"\blet's\b", "let us"),
    (r"'re\b", " are"),
    (r"'ll\b", " will"),
    (r"'ve\b", " have"),
    (r"'m\b", " am"),
    (r"'d\b", " would"),
    (r"'s\b", " is"),
    (r"\bgonna\b", "going to"),
)
_SENTENCE = re.compile(r"[^.!?;\n]+[.!?;\n]*")
_CLAUSE = re.compile(r"[,:]|\s[-\u2013\u2014]+\s")
_WORD = re.compile(r"[a-z0-9']+")


def classify(text: str) -> Reply:
    """What kind of reply `text` is; "update" only for a report of state or progress."""
    kinds: list[Reply] = []
    for sentence in _SENTENCE.findall(_normalise(text)):
        body = sentence.rstrip(".!?;\n ")
        clauses = [_words(c) for c in _CLAUSE.split(body)]
        clauses = [c for c in clauses if c]
        for i, words in enumerate(clauses):
            kind = _clause(words, asked="?" in sentence and i == len(clauses) - 1)
            kinds.append(kind)
            if kind in ("request", "question"):
                break
    for kind in ("update", "question", "request", "ack"):
        if kind in kinds:
            return kind
    return "other"


UPDATE_ADDS = 0.9
"""The act classifier (when it judged the utterance, `Transcript.acts`) makes an utterance the word rules
did not call an update one at this probability (as extraction's `adds`: it adds, it never vetoes)."""


def reports(said: Transcript) -> bool:
    """Whether an utterance reports state or progress: the update a status check waits for. The classifier
    adds what it is all but sure of to what the word rules find."""
    rule = classify(said.text) == "update"
    p = (said.acts or {}).get("update")
    if p is None:
        return rule
    return rule or p >= UPDATE_ADDS


def _normalise(text: str) -> str:
    text = text.lower().replace("\u2019", "'")
    text = re.sub(r"(\d)\.(\d)", r"\1 point \2", text)
    text = text.replace("%", " percent")
    for pattern, replacement in _CONTRACTIONS:
        text = re.sub(pattern, replacement, text)
    return text


def _words(clause: str) -> list[str]:
    return [w.strip("'") for w in _WORD.findall(clause) if w.strip("'") and w not in FILLERS]


def _clause(words: list[str], *, asked: bool) -> Reply:
    opened_with_ack = False
    while words and words[0] in DISCOURSE:
        opened_with_ack = opened_with_ack or words[0] in ACK_WORDS
        words = words[1:]
    if not words:
        return "ack" if opened_with_ack else "other"
    if any(_contains(words, phrase) for phrase in CALL_TALK) or _is_introduction(words):
        return "other"
    if set(words) <= ACK_WORDS or tuple(w for w in words if w != "now") in ACK_PHRASES:
        return "ack"
    if _is_request(words):
        return "request"
    if asked or _is_question(words):
        return "question"
    if _is_commitment(words):
        return "ack"
    if _is_report(words):
        return "update"
    return "other"


def _is_introduction(words: list[str]) -> bool:
    """ "Marcus here", "this is Priya": who is speaking, not how the incident is going."""
    return (len(words) == 2 and words[1] == "here") or (words[:2] == ["this", "is"] and len(words) <= 3)


def _is_request(words: list[str]) -> bool:
    if "please" in words or any(_starts(words, opener) for opener in REQUEST_OPENERS):
        return True
    if words[0] not in IMPERATIVES:
        return False
    if len(words) == 1:
        return words[0] in _ALONE_COMMANDS
    return words[1] in _OBJECT_WORDS or words[1].endswith("ing")


def _is_question(words: list[str]) -> bool:
    if words[0] in _WH:
        return len(words) == 1 or words[1] in _AFTER_WH
    if words[0] in _AUX:
        return len(words) > 1 and words[1] in _SUBJECTS
    return any(_starts(words, opener) for opener in _QUESTION_OPENERS)


def _is_commitment(words: list[str]) -> bool:
    """A promise to act: "I will change the retry setting", "will check", "starting the rollback now"."""
    if any(w in PROGRESS_WORDS for w in words):
        return False
    first, rest = words[0], words[1:]
    if first in _FIRST_PERSON:
        for modal in _MODALS:
            if _starts(rest, modal):
                verbs = [w for w in rest[len(modal) :] if w not in _ADVERBS]
                return not (verbs and verbs[0] in _REPORT_VERBS)
        return len(rest) > 1 and rest[0] in {"am", "are"} and _is_action_gerund(rest[1:])
    if first in {"will", "going"} or words[:2] == ["let", "me"]:
        return True
    return _is_action_gerund(words)


def _is_action_gerund(words: list[str]) -> bool:
    first = words[0]
    if not first.endswith("ing") or first in _ING_NOUNS:
        return False
    if first in _STATE_GERUNDS and words[1:2] != ["over"]:  # "failing over" acts, "failing to load" reports
        return False
    return not any(w in _EVALUATIVE or w in STATE_WORDS for w in words)


def _is_report(words: list[str]) -> bool:
    if any(w in PROGRESS_WORDS or w in STATE_WORDS for w in words):
        return True
    if words[0] in _NEGATIONS and len(words) > 1 and words[1] not in _FIRST_PERSON | {"problem", "worries"}:
        return True
    if any(w in _COPULAS and words[i - 1] != "you" for i, w in enumerate(words) if i > 0):
        return True
    return any(_is_past(w) and words[i - 1] not in {"to", "you"} for i, w in enumerate(words) if i > 0)


def _is_past(word: str) -> bool:
    return word in _IRREGULAR_PAST or (word.endswith("ed") and not word.endswith("eed") and len(word) > 4)


def _starts(words: list[str], phrase: tuple[str, ...]) -> bool:
    return tuple(words[: len(phrase)]) == phrase


def _contains(words: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(words[i : i + n]) == phrase for i in range(len(words) - n + 1))
