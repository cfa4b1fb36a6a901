"""What each sentence of an utterance does: the matching half of extraction.

One spaCy parse per final transcript; the rules come from a pattern file (bridge/language/patterns/en.json, plus
the user's --patterns). `Analyzer.analyze(text)` returns plain `Sentence` records saying who is
addressed, who introduces themself, and which kinds of act the sentence holds (a request, a
first-person commitment, a decision, a status check, a question, an acknowledgement). Turning those into
events, with owners and evidence, is the extractor's job; attributing speakers is attribution's.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import ModelError, UsageError
from .durations import SpokenTime, find_time

__all__ = ["DURATION_WORDS", "EXCLUDED", "Analyzer", "Patterns", "Sentence", "load_patterns"]

EXCLUDED = ["ner", "tokenizer"]
"""Left out when the pipeline loads: the entity recogniser (nothing reads it), and the tokenizer saved with
the model, which is spaCy's English one as the language makes it: loading it again from disk cost a fifth
of the start-up (tests/language/test_acts.py checks the two cut text alike)."""

BRIDGE = "*bridge*"
"""Addressee of a sentence spoken to everyone ("Everyone, we will regroup")."""

DEFAULT_PATTERNS = Path(__file__).parent / "patterns" / "en.json"


@dataclass(frozen=True)
class Patterns:
    data: dict[str, Any]

    def words(self, key: str) -> frozenset[str]:
        return frozenset(self.data[key])


_REGEX_KEYS = frozenset(
    {
        "self_identification",
        "status_phrases",
        "owners_after_verb",
        "group_offers",
        "volunteers",
        "decision_phrases",
        "assignments",
    }
)
"""Keys whose entries are regular expressions, compiled when the file is read so a bad one is refused then."""
_GROUPS = {"self_identification": ("name",), "owners_after_verb": ("name",), "group_offers": ("task",)}
"""Named groups the analyzer reads from each match of these keys' expressions."""
_CATEGORIES = ("mitigation", "investigation", "communication", "follow-up")
"""An action item's categories (events.Category): the log's schema knows no other."""


def load_patterns(extra: Path | None = None) -> Patterns:
    data = json.loads(DEFAULT_PATTERNS.read_text())
    if extra is not None:
        try:
            user = json.loads(extra.read_text())
        except (OSError, ValueError) as e:
            raise UsageError(f"cannot read --patterns {extra}: {getattr(e, 'strerror', None) or e}") from None
        _merge(data, user, f"--patterns {extra}")
    return Patterns(data)


def _merge(data: dict[str, Any], user: object, where: str) -> None:
    """Add the user's rules to `data`, refusing (UsageError, one line) anything the analyzer could not use."""
    if not isinstance(user, dict):
        raise UsageError(f"{where}: a JSON {_json_type(user)}; give an object with keys as in {DEFAULT_PATTERNS.name}")
    for key, value in user.items():
        if key not in data or key == "about":
            known = ", ".join(k for k in data if k != "about")
            raise UsageError(f"{where}: unknown key {key!r}; the keys are {known}")
        if key == "patterns":
            for label, pats in _object_of_lists(where, key, value).items():
                data["patterns"].setdefault(label, []).extend(pats)
        elif key == "categories":
            for category, words in _object_of_lists(where, key, value).items():
                if category not in _CATEGORIES:
                    raise UsageError(f"{where}: categories: {category!r} is not one of {', '.join(_CATEGORIES)}")
                _strings(where, f"categories.{category}", words)
                data["categories"].setdefault(category, []).extend(words)
        else:
            _strings(where, key, value)
            if key in _REGEX_KEYS:
                for expression in value:
                    _regex(where, key, expression)
            data[key] = [*data[key], *value]


def _object_of_lists(where: str, key: str, value: object) -> dict[str, list[Any]]:
    if not isinstance(value, dict):
        raise UsageError(f"{where}: {key!r} must be an object of name to list, not a JSON {_json_type(value)}")
    for name, items in value.items():
        if not isinstance(items, list):
            raise UsageError(f"{where}: {key}.{name} must be a list, not a JSON {_json_type(items)}")
    return value


def _strings(where: str, key: str, value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        got = _json_type(value) if not isinstance(value, list) else "list holding other than strings"
        raise UsageError(f"{where}: {key!r} must be a list of strings, not a JSON {got}")


def _regex(where: str, key: str, expression: str) -> None:
    try:
        compiled = re.compile(expression)
    except (re.error, OverflowError, RecursionError) as e:
        raise UsageError(f"{where}: {key}: {expression!r} is not a regular expression ({e})") from None
    for group in _GROUPS.get(key, ()):
        if group not in compiled.groupindex:
            raise UsageError(f"{where}: {key}: {expression!r} needs a named group (?P<{group}>...)")


def _json_type(value: object) -> str:
    names = {dict: "object", list: "list", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")


@dataclass(frozen=True)
class Sentence:
    text: str
    span: tuple[int, int]
    """Characters of the cleaned utterance."""
    addressee: str | None = None
    """The person spoken to (a name as said), BRIDGE for everyone, None when nobody is named."""
    self_id: str | None = None
    commander_claim: bool = False
    question: bool = False
    ack: bool = False
    request: str | None = None
    """The task asked of the addressee, in a few words."""
    commitment: str | None = None
    """What the speaker takes on ("I will ...")."""
    collective: bool = False
    """The commitment is said for the speaker's team ("we'll look at that"): a responder's promise; the
    commander's "we'll" is the bridge's course, not his own task."""
    decision: str | None = None
    status: bool = False
    time: SpokenTime | None = None
    ours: str | None = None
    """The task of "let's ..." said to nobody named in the sentence: the addressee's when one is carried into it
    ("CAPCOM, from FLIGHT." / "Go." / "Let's also verify the tape recorders off")."""
    verbless: bool = False
    """Said without a verb and not a question ("OMNI Charlie, FLIGHT.", "back to MAIN A"): on a loop, a
    recommendation or a readback."""
    relay: bool = False
    """An order to be passed on to whoever carries it out ("tell them we're debating it", "have them close the
    valve"): on a loop with a relay (CAPCOM), the relay's."""
    mitigation_order: bool = False
    """A bare imperative such as "Kill the batch job": the bridge's decision when nobody is named."""
    imperative: str | None = None
    """The task of an order given to nobody named in the sentence ("Get the banner up on the help centre"):
    whose it is, the dialogue tells (an addressee from the sentences before)."""
    assignment: str | None = None
    """The addressee is given a task by name ("Yaw, the volume's yours": "the volume"); "" when the task is
    what was just said ("Olumide, that one is yours")."""
    order: bool = False
    """An order to someone named that changes the system ("Connor, disable the leaked key"): a decision too,
    unless it carries out one just taken."""
    named_owner: str | None = None
    """Someone named after the verb as who must act or report ("get Mei to page the vendor", "I want to hear
    back from Luis"), not spoken to."""
    offer: str | None = None
    """A task offered to whoever takes it ("who can take the queue?", "can someone check the certs?")."""
    volunteer: bool = False
    """The speaker takes on what was offered ("I've got it", "leave it with me", "I can take that")."""
    lemmas: frozenset[str] = field(default_factory=frozenset)
    """The nouns said, to tell which task a report is about."""
    topic: frozenset[str] = field(default_factory=frozenset)
    """The nouns of the request's or commitment's object: what a later report about it will mention."""


class Analyzer:
    """Holds the loaded spaCy pipeline and the compiled patterns; build it once per session."""

    def __init__(self, model_path: Path, patterns: Patterns | None = None) -> None:
        try:
            import spacy
            from spacy.matcher import Matcher
        except ImportError:  # pragma: no cover - spaCy is a dependency
            raise ModelError("spaCy is not installed; run scripts/setup") from None
        try:
            self.nlp = spacy.load(model_path, exclude=EXCLUDED)
        except OSError as e:
            raise ModelError(f"cannot load the spaCy pipeline in {model_path}: {e}") from None
        self.patterns = p = patterns or load_patterns()
        self.matcher = Matcher(self.nlp.vocab)
        for label, pats in p.data["patterns"].items():
            try:
                self.matcher.add(label, pats)
            except ValueError as e:  # spaCy's MatchPatternError says which token and what it should be
                lines = [line.strip() for line in str(e).splitlines() if line.strip()]
                first = next((line.lstrip("- ") for line in lines if line.startswith("- [")), lines[0] if lines else "")
                raise UsageError(f"--patterns: the {label} patterns are not spaCy Matcher patterns ({first})") from None
        fillers = "|".join(map(re.escape, p.data["fillers"]))
        # "let you know", "do you know", "if you know": not the filler "you know"
        self._fillers = re.compile(
            rf"(?:,\s*)?(?<!\blet )(?<!\bdo )(?<!\bdid )(?<!\bif )\b(?:{fillers})\b(?:\s*[,.](?=\s|$))?", re.I
        )
        self._self_id = [re.compile(x) for x in p.data["self_identification"]]
        self._status = [re.compile(x, re.I) for x in p.data["status_phrases"]]
        self._acks = p.words("acknowledgements")
        self._not_names = p.words("not_names")
        self._not_self = p.words("not_self_names")
        self._bridge = p.words("bridge_addressees")
        self._hedges = p.words("hedges")
        self._openers = p.words("question_openers")
        self._decision_verbs = p.words("decision_verbs")
        self._not_decision = p.words("not_decision_verbs")
        self._imperative = p.words("imperative_decision_verbs")
        self._not_tasks = p.words("not_tasks")
        self._owners_after_verb = [re.compile(x) for x in p.data["owners_after_verb"]]
        self._offers = [re.compile(x) for x in p.data["group_offers"]]
        self._volunteers = [re.compile(x) for x in p.data["volunteers"]]
        self._decision_phrases = [re.compile(x) for x in p.data["decision_phrases"]]
        self._assignments = [re.compile(x) for x in p.data["assignments"]]
        self._not_we_do = p.words("we_do_verbs_excluded")

    def clean(self, text: str) -> str:
        """Without fillers ("um, we will, uh, fail over" -> "we will fail over"; "can you, like, check")."""
        text = self._fillers.sub(" ", text)
        text = re.sub(r"(?i),\s*like,\s*|,\s*like\s+(?=the\b|a\b|an\b)|\blike,\s+", ", ", text)
        return re.sub(r"\s+([,.?!])", r"\1", re.sub(r"\s+", " ", text)).strip(" ,")

    def analyze(
        self, text: str, *, said_at: datetime | None = None, names: frozenset[str] = frozenset()
    ) -> list[Sentence]:
        """`text` must be cleaned; `names` are lower-case names known to be people on the call."""
        doc = _join_hyphenated_names(self.nlp(text), names)
        matches: dict[int, set[str]] = {}
        for match_id, start, _ in self.matcher(doc):
            matches.setdefault(start, set()).add(self.nlp.vocab.strings[match_id])
        out = []
        for sent in doc.sents:
            labels: dict[str, int] = {}
            for i in range(sent.start, sent.end):
                for label in matches.get(i, ()):
                    labels.setdefault(label, i)
            out.append(self._sentence(doc, sent, labels, said_at, names))
        return out

    def _sentence(
        self, doc: Any, sent: Any, labels: dict[str, int], said_at: datetime | None, names: frozenset[str]
    ) -> Sentence:
        text = sent.text.strip()
        lower = " " + re.sub(r"[^\w' ]+", " ", text.lower()) + " "
        words = lower.split()
        addressee, body_start = self._addressee(sent, names)
        self_id = self._self_identification(text, names)
        cadence = any(p.search(text) for p in self._status)
        time = find_time(text, said_at, bare=cadence)
        core = " ".join(w for w in words if w not in self._acks)
        ack = not core or " ".join(words) in self._acks or (len(words) <= 4 and _only_acks(words, self._acks))
        body = [t for t in sent if t.i >= body_start and not t.is_punct]
        if len(body) > 1 and body[0].lower_ in _DISCOURSE and body[0].i + 1 < len(doc) and doc[body[0].i + 1].is_punct:
            body = body[1:]  # "Look, I think the cache is the problem.", "Listen - go ahead.": no order in "look"
        if body and self._holds(body):
            body = []  # "Hold on, let me check", "Stand by": no order in it
        # "Keep your eye on it, okay?", "Drain node seven, will you?": an order with a tag asks nothing.
        asks = text.endswith("?") and not (_TAG.search(text) and _orders(body))
        question = asks or (
            bool(words)
            and words[0] in self._openers
            and "REQUEST" not in labels
            and len(words) > 2
            and not text.endswith(".")
        )
        request, task_at = None, None
        if asks and ((words and words[0] in _WH) or (body and body[0].lower_ in _WH)):
            labels.pop("REQUEST", None)  # "How long will you want to do that?" asks, it gives no task
        at = labels.get("REQUEST")
        if at is not None and at > 0 and doc[at].lower_ == "you" and doc[at - 1].lower_ in ("do", "did", "does", "n't"):
            labels.pop("REQUEST")  # "Do you have good data there?", "did you have something for me?"
        if "REQUEST" in labels and addressee != BRIDGE:
            request, task_at = self._task(doc, labels["REQUEST"], sent.end, addressee, time), labels["REQUEST"]
        elif addressee and addressee != BRIDGE and body and _told(body[0]) and not asks and not ack:
            request, task_at = self._task(doc, body[0].i, sent.end, addressee, time), body[0].i
        elif addressee and addressee != BRIDGE and _you_order(body) and not asks:
            request, task_at = self._task(doc, body[1].i, sent.end, addressee, time), body[1].i
        elif addressee and addressee != BRIDGE and (wants := _wants_to_know(body)) is not None:
            request, task_at = self._task(doc, wants, sent.end, addressee, time), wants
        elif addressee and addressee != BRIDGE and body and _relayed(body) and not asks:
            request, task_at = self._task(doc, body[0].i, sent.end, addressee, time), body[0].i  # "have them ..."
        elif addressee and addressee != BRIDGE and (needs := _they_need(body)) is not None and not asks:
            request, task_at = self._task(doc, needs, sent.end, addressee, time), needs  # "CAPCOM, they need ..."
        elif addressee and addressee != BRIDGE and (lets_i := _lets(body)) is not None and not asks:
            request, task_at = self._task(doc, lets_i, sent.end, addressee, time), lets_i  # "CAPCOM, let's close"
        imperative = None
        relay = bool(body) and not asks and _relayed(body)
        if not addressee and body and (_imperative(body[0]) or relay) and not asks and request is None and not ack:
            imperative = self._task(doc, body[0].i, sent.end, None, time)
        ours = None
        if not addressee and (lets_at := _lets(body)) is not None and not asks:
            ours = self._task(doc, lets_at, sent.end, None, time)
        said = [t for t in sent if not t.is_punct]
        verbless = not question and not ack and bool(said) and not any(t.pos_ in ("VERB", "AUX") for t in said)
        if imperative and _only_names(imperative.split()[1:], names):
            imperative = None  # "Go EECOM": the floor, to a call sign said without a comma
        named_owner, named_task = self._named_owner(text, names)
        if named_owner is None and (future := _FUTURE_OWNER.match(text)) and future["name"].lower() in names:
            named_owner, named_task = future["name"], future["task"]  # "CAPCOM will get that for me"
        asked = asks or "please" in words
        invited = _WANT_TO.search(text) if addressee and addressee != BRIDGE and asked else None
        if request is None and invited is not None:
            request = self._trim_task(invited["task"], time)  # "GNC, you want to look at it?"
        why_not = _WHY_NOT.search(text) if addressee and addressee != BRIDGE else None
        if request is None and why_not is not None:
            request = self._trim_task(why_not["task"], time)  # "CAPCOM, why don't they get all they can in A?"
        if request is None and named_task is not None:
            request = self._trim_task(named_task, time)
        needed = _NEEDED.search(text) if addressee and addressee != BRIDGE and not asks else None
        if request is None and needed is not None:
            request = self._trim_task(needed["task"], time)  # "CAPCOM, the last item we need is a stir on the O2"
        offer = next((_trim(m["task"]) for p in self._offers if (m := p.search(text))), None)
        volunteer = any(p.search(text) for p in self._volunteers)
        assigned = next((m for p in self._assignments if (m := p.search(text))), None)
        assignment = None
        if assigned is not None and addressee and addressee != BRIDGE and not asks:
            task = (assigned.groupdict().get("task") or "").strip()
            assignment = task if task and task.lower() not in ("that", "it", "this") else ""
        commitment = None
        collective = "COMMITMENT" in labels and doc[labels["COMMITMENT"]].lower_ == "we"
        if "COMMITMENT" in labels:
            commitment, task_at = self._task(doc, labels["COMMITMENT"], sent.end, None, time), labels["COMMITMENT"]
            if commitment and (commitment.split()[:1] == ["be"] or _RUNS_CALL.match(commitment)):
                commitment, task_at = None, None  # "I will be incident commander", "I'm going to run this call"
            if commitment and _NO_VERB_AFTER.match(commitment):  # "I guess I'll have to if we need it"
                commitment, task_at = None, None
        # A hedge holds for its own clause: "I think the retry change is the cause, so let's roll it back" decides.
        last_clause = re.split(r"(?i),?\s+(?:so|then|therefore|and so)\s+|;\s*", lower)[-1].split()
        hedged = any(w in self._hedges for w in last_clause) and "DECISION_MARKER" not in labels
        decision = None
        if not question and not hedged:
            decision = self._decision(doc, sent, labels, text)
        if decision is None and not question and not hedged:
            decision = self._decision_phrase(text) or self._we_do(sent)
        order = bool(
            not question
            and addressee
            and addressee != BRIDGE
            and body
            and _told(body[0])
            and body[0].lemma_.lower() in self._imperative
            and not _continuing(body)
        )
        setting = not question and _setting(sent)
        mitigation_order = bool(
            not question
            and not addressee
            and body
            and _imperative(body[0])
            and body[0].lemma_.lower() in self._imperative
            and not _continuing(body)
        ) or (setting and not addressee)
        order = order or (setting and bool(addressee) and addressee != BRIDGE)
        gives = self._imperative | {"go", "proceed"}  # "have them close the valve", "have them go ahead"
        if relay and any(t.pos_ == "VERB" and t.lemma_.lower() in gives for t in body[2:5]):
            order = bool(addressee and addressee != BRIDGE)  # "CAPCOM, have them close the valve"
            mitigation_order = mitigation_order or not addressee
        status = time is not None and cadence and not any(n in lower for n in self.patterns.data["not_status_phrases"])
        if (
            status
            and decision
            and _verb_after(doc, labels.get("WE_WILL")) in ("regroup", "reconvene", "sync", "update")
        ):
            decision = None
        claim = any(c in lower for c in self.patterns.data["commander_claims"])
        lemmas = frozenset(t.lemma_.lower() for t in sent if _topical(t))
        topic = _topic(sent, task_at) if task_at is not None else frozenset()
        return Sentence(
            text=text,
            span=(sent.start_char, sent.end_char),
            addressee=addressee,
            self_id=self_id,
            commander_claim=claim,
            question=question and request is None,
            ack=ack and not (request or decision),
            request=request,
            commitment=commitment,
            collective=collective and commitment is not None,
            decision=decision,
            status=status,
            time=time,
            mitigation_order=mitigation_order,
            ours=ours,
            verbless=verbless,
            relay=relay,
            imperative=imperative,
            assignment=assignment,
            order=order,
            named_owner=named_owner,
            offer=offer,
            volunteer=volunteer,
            lemmas=lemmas,
            topic=topic,
        )

    def _decision_phrase(self, text: str) -> str | None:
        """A state, severity, freeze, prohibition or deferral call: "we're mitigated", "this is a SEV one now",
        "nobody touches prod config until the rollback lands", "park the cache theory for now"."""
        return _trim(text) if any(p.search(text) for p in self._decision_phrases) else None

    def _we_do(self, sent: Any) -> str | None:
        """ "We shift Asia traffic to the second provider", "then we swap back to yesterday's index": the
        bridge's course said in the present, by the one deciding; not "we see errors" or "we need logs"."""
        tokens = [t for t in sent if not t.is_punct]
        for i, t in enumerate(tokens[:-1]):
            if t.lower_ != "we" or (
                i and tokens[i - 1].lower_ not in ("then", "so", "okay", "ok", "now", "right", "and")
            ):
                continue
            verb = tokens[i + 1]
            if (
                verb.pos_ == "VERB"
                and verb.tag_ == "VBP"
                and verb.lemma_.lower() not in self._not_we_do
                and verb.lemma_.lower() not in self._not_decision
                and any(c.dep_ in _COMPLEMENTS for c in verb.children)
            ):
                return _trim(sent[t.i - sent.start :].text)
        return None

    def _named_owner(self, text: str, names: frozenset[str]) -> tuple[str | None, str | None]:
        """(name, task) for a person named after the verb; the task is None when only a report is asked."""
        for pattern in self._owners_after_verb:
            for m in pattern.finditer(text):
                name = m["name"]
                low = name.lower()
                if low in self._not_names or low in self._acks or low in self._bridge or low in _PRONOUNS:
                    continue
                equipment = low not in names and (name[:2].isupper() or not name.isascii())  # "OMNI", "TTCAs", "O₂"
                if equipment or _NEGATED.search(text[: m.start()]):
                    continue  # "we still don't have OMNI Charlie": equipment, and no order
                if low in names or name[:1].isupper():
                    task = m.groupdict().get("task")
                    return name, (_trim(task) if task and len(task.split()) >= 2 else None)
        return None, None

    def _trim_task(self, task: str, time: SpokenTime | None) -> str:
        if time is not None:
            task = re.sub(rf"\s*{re.escape(time.phrase)}", "", task, count=1, flags=re.I)
        return _trim(task)

    def _decision(self, doc: Any, sent: Any, labels: dict[str, int], text: str) -> str | None:
        if "DECISION_MARKER" in labels:
            after = _DECISION_LEAD.split(text, maxsplit=1)
            return _trim(after[-1]) or _trim(text)
        if "WE_WILL" in labels:
            at = labels["WE_WILL"]
            if _embedded_question(doc, at, sent.start):
                return None  # "I don't know what we're going to do for PTC yet"
            verb = _main_verb(doc, at)
            if verb is None:
                return None
            lemma = verb.lemma_.lower()
            if not any(c.dep_ in _COMPLEMENTS for c in verb.children):
                return None  # "We'll do." (Whisper's "Will do.") commits to nothing
            if lemma in ("get", "put", "take", "bring") and any(
                c.dep_ == "prt" and c.lower_ in _STATES | {"out"} for c in verb.children
            ):
                return _trim(doc[labels["WE_WILL"] : sent.end].text)  # "let's get it off": a setting
            if lemma not in self._not_decision and (lemma in self._decision_verbs or _future(doc, labels["WE_WILL"])):
                return _trim(doc[labels["WE_WILL"] : sent.end].text)
        return None

    def _task(self, doc: Any, start: int, end: int, addressee: str | None, time: SpokenTime | None) -> str | None:
        """The task in a few words, or None when what was said is no task ("Go ahead, FLIGHT"). The deadline
        is left out: it is the item's `due`."""
        task = _task(doc, start, end)
        if time is not None:
            task = _trim(re.sub(rf"\s*{re.escape(time.phrase)}", "", task, count=1, flags=re.I))
        if addressee:
            task = re.sub(rf",?\s*{re.escape(addressee)}$", "", task, flags=re.I).strip(" ,")
        words = task.lower().split()
        said = re.findall(r"[\w']+(?:-[\w']+)*", task.lower())
        if len(words) < 2 or task.lower() in self._not_tasks or " ".join(said) in self._not_tasks:
            return None
        if said[:2] == ["go", "ahead"] and all(w in _GO_AHEAD_TAIL or w.isdigit() for w in said[2:]):
            return None  # "Go ahead, for 5 minutes.", "Go ahead, now.": the go for what was asked, no new task
        if words[0] == "see" or " ".join(words[:3]) == "tell you what":  # "See that it's dropping", an idiom
            return None
        return task

    @staticmethod
    def _holds(body: list[Any]) -> bool:
        """The words open with a phrase that asks for a moment, not for work ("hold on", "hang on", "wait")."""
        return (
            " ".join(t.lower_ for t in body[:2]) in _HOLDS
            or (body[0].lower_ in ("wait", "standby") and len(body) < 3)
            or (  # "Wait a minute. I want to be sure ..."
                body[0].lower_ in ("wait", "hold", "hang", "just", "one")
                and any(t.lower_ in ("minute", "moment", "second", "sec") for t in body[1:4])
            )
        )

    def _addressee(self, sent: Any, names: frozenset[str]) -> tuple[str | None, int]:
        """A name said to someone, and where the words to them begin: "Priya, can you ...",
        "Thanks Ana.", "... can you check that, Marcus?". Whisper capitalises names but spaCy's small
        model often tags them as adverbs or nouns, so position and punctuation weigh more than tags."""
        tokens = [t for t in sent if not t.is_space]
        i = 0
        while i < len(tokens) and (
            tokens[i].lower_ in self._acks or tokens[i].is_punct or tokens[i].lower_ in _OPENERS
        ):
            i += 1
        for n in (2, 1):
            head, rest = tokens[i : i + n], tokens[i + n :]
            if len(head) < n or not self._is_name(head, names):
                continue
            if not rest or rest[0].text in (",", ".", "!", ":") or rest[0].lower_ in _DIRECT:
                name = " ".join(t.text for t in head)
                body = rest[1:] if rest and rest[0].is_punct else rest
                return self._who(name), body[0].i if body else sent.end
        for j, t in enumerate(tokens):
            if t.lower_ in ("thanks", "thank"):
                k = j + 1
                while k < len(tokens) and tokens[k].lower_ in ("you", ","):
                    k += 1
                if k < len(tokens) and self._is_name(tokens[k : k + 1], names):
                    return self._who(tokens[k].text), tokens[i].i if i < len(tokens) else sent.end
        if len(tokens) > 3 and tokens[-1].is_punct and tokens[-3].text == "," and self._is_name(tokens[-2:-1], names):
            return self._who(tokens[-2].text), tokens[i].i
        for j in range(1, len(tokens) - 2):  # "Before we turn his thrusters off, CAPCOM, you'd better verify ..."
            if tokens[j - 1].text == "," and tokens[j + 1].text == "," and tokens[j].lower_ in names:
                return self._who(tokens[j].text), tokens[j + 2].i
        return None, tokens[i].i if i < len(tokens) else sent.end

    def _who(self, name: str) -> str:
        return BRIDGE if name.lower() in self._bridge else name

    def _is_name(self, tokens: list[Any], names: frozenset[str]) -> bool:
        text = " ".join(t.lower_ for t in tokens)
        if text in self._bridge or text in names:
            return True
        for t in tokens:
            if (
                t.lower_ in self._not_names
                or t.lower_ in self._acks
                or t.is_punct
                or t.like_num
                or t.pos_ in _FUNCTION_POS
                or t.tag_ in ("WDT", "WP", "WRB")
                or t.lower_.endswith("ly")
                or (len(t.text) > 5 and t.lower_.endswith("ing"))  # "Pausing, roger that."; not "Jing"
                or not t.text[:1].isupper()
            ):
                return False
        return True

    def _self_identification(self, text: str, names: frozenset[str]) -> str | None:
        for pattern in self._self_id:
            for m in pattern.finditer(text):
                name = m["name"]
                known = name.lower() in names
                if (
                    (known or name[:1].isupper())
                    and name.lower() not in self._not_self
                    and name.lower() not in self._acks
                ):
                    return name[:1].upper() + name[1:]
        return None


_WH = frozenset({"how", "what", "when", "where", "why", "which", "who"})
_NEEDED = re.compile(
    r"(?i)\b(?:the|our|two|three|a few|a couple of)\s+(?:(?:last|next|first|second|third|other|only|one)\s+)?"
    r"(?:items?|things?|steps?)\s+"
    r"(?:(?:we|i)\s+(?:need|want)(?:\s+(?:here|there|up there|now|from (?:you|them)|done))?|for\s+[\w' -]+?)"
    r"(?:,\s*[\w' -]+,)?\s+(?:is|are|would be)\s+(?:to\s+)?(?P<task>[^.?!;]{4,})"
)
"""Said to someone named, "the last item we need is a stir on the H2 and O2" names their task."""
_DISCOURSE = frozenset({"look", "listen", "see", "say"})
"""Verbs that open a sentence as a discourse marker when a comma or dash follows ("Look, ...")."""
DURATION_WORDS = frozenset(
    "second seconds sec secs minute minutes min mins hour hours one two three four five six seven eight nine ten"
    " fifteen twenty thirty forty forty-five sixty ninety half a an couple few more another".split()
)
"""The words of a length of time ("five minutes", "another 30 seconds")."""
_GO_AHEAD_TAIL = DURATION_WORDS | {"now", "then", "for", "and", "please", "sir", "again"}
_TAG = re.compile(
    r"(?i),\s*(?:okay|ok|alright|all right|will you|would you|can you|could you|won't you|huh|yeah|right|eh)\s*\?\s*$"
)
"""A tag question closing a sentence ("..., okay?", "..., will you?", "..., huh?")."""


_THOSE_WHO_NEED = frozenset({"they", "he", "she", "the crew", "the lm", "the customer", "the vendor"})


def _they_need(body: list[Any]) -> int | None:
    """ "CAPCOM, they need a VERB 06 NOUN 20 on the CSM", "Jack, the crew needs to get the sublimator up":
    what those the addressee speaks for must do is the addressee's to pass on; where the task begins."""
    for n in (1, 2):
        who = " ".join(t.lower_ for t in body[:n])
        if who in _THOSE_WHO_NEED and len(body) > n + 1 and body[n].lemma_.lower() == "need":
            return int(body[n].i)
    return None


_NEGATED = re.compile(r"(?i)(?:\bnot|n't|\bnever)\s*$")
_FUTURE_OWNER = re.compile(
    r"^(?:(?:okay|ok|so|and|then|now|right|alright|yeah)[,.]?\s+)*(?P<name>[A-Za-z][\w'-]+)\s+"
    r"(?:will|'ll|is going to|is gonna)\s+(?P<task>(?:[a-z][\w'-]*)(?:\s+[^.?!;]*)?)",
    re.I,
)
"""A person named as who will do it: "CAPCOM will get that for me", "Okay, Marcus will pull the logs"."""
_WHY_NOT = re.compile(r"(?i)\bwhy (?:don't|do not) (?:you|they|he|she) (?P<task>(?!\w+ing\b)[a-z][^?.!;]*)")
"""Said to someone named, "why don't they get all they can in BATTERY A?" asks them to see to it."""
_WANT_TO = re.compile(
    r"(?i)\b(?:do\s+)?you\s+want\s+to\s+(?P<task>(?:take|have|look|check|verify|confirm|find|dig|pull|grab|handle|get|"
    r"run|work|talk|chase|call|page|ping|draft|write|post|send)\b[^?.!;]*)"
)
"""Offered to someone named as a question ("Priya, you want to take a look at the logs?"): their task; not
"do you want to close it?", which asks what they would have done."""
_RUNS_CALL = re.compile(
    r"(?i)^(?:run|lead|chair|command|coordinate|take|drive)\s+(?:this|the)\s+(?:call|bridge|incident|response)"
    r"(?:\s+(?:myself|today|tonight|now|from here))*(?:\s+(?:because|since|as|while|so)\b.*)?\s*$"
)
"""Running the call is the commander's role, not a task."""
_NO_VERB_AFTER = re.compile(r"(?i)^have to(?:\s+(?:if|when|unless|then|anyway|too)\b|$)")

_DIRECT = frozenset({"can", "could", "would", "will", "please", "you", "go", "i"})
_OPENERS = frozenset(
    "and also so then now okay ok right well like oh hey but however otherwise still besides instead meanwhile anyway"
    " actually basically plus finally".split()
)
"""Words that open a turn before the name it is said to: "And, Kenji, can you ..." """
_BEFORE_WE = frozenset({"then", "so", "okay", "ok", "now", "right", "and"})
_PRONOUNS = frozenset({"i", "you", "he", "she", "we", "they", "it", "me", "him", "her", "us", "them", "everyone"})
_FUNCTION_POS = frozenset({"PRON", "DET", "AUX", "ADP", "CCONJ", "SCONJ", "INTJ", "NUM", "PART"})


def _only_acks(words: list[str], acks: frozenset[str]) -> bool:
    i = 0
    while i < len(words):
        for n in (3, 2, 1):
            if " ".join(words[i : i + n]) in acks:
                i += n
                break
        else:
            return False
    return True


_GENERIC = frozenset(
    {
        "update",
        "status",
        "minute",
        "second",
        "hour",
        "bridge",
        "thing",
        "everyone",
        "time",
        "team",
        "call",
        "incident",
        "issue",
        "problem",
        "people",
        "way",
        "lot",
        "bit",
        "percent",
        "moment",
        "change",
        "work",
        "one",
        "something",
        "anything",
        "everything",
    }
)


def _topical(token: Any) -> bool:
    return bool(
        token.pos_ in ("NOUN", "PROPN")
        and not token.is_stop
        and len(token.text) > 2
        and token.lemma_.lower() not in _GENERIC
    )


def _topic(sent: Any, start: int) -> frozenset[str]:
    """What a task is about: the nouns of its verb's object and of the places it names ("turn down the
    retry rate on the orders service" -> retry, rate, order, service), not of clauses hanging off them."""
    verb = next((t for t in sent if t.i >= start and t.pos_ == "VERB"), None)
    if verb is None:
        return frozenset()
    verbs = [verb, *(c for c in verb.children if c.dep_ in ("xcomp", "conj") and c.pos_ == "VERB")][:2]
    heads = [c for v in verbs for c in v.children if c.dep_ in ("dobj", "attr", "oprd", "nsubjpass")]
    preps = [c for h in (*verbs, *heads) for c in h.children if c.dep_ == "prep"]
    heads += [c for p in preps for c in p.children if c.dep_ == "pobj"]
    nouns = {
        t.lemma_.lower()
        for h in heads
        for t in (h, *h.children)
        if _topical(t) and (t is h or t.dep_ in ("compound", "amod", "nmod"))
    }
    if not nouns:
        chunk = next((c for c in sent.noun_chunks if c.start >= verb.i and c.root.pos_ != "PRON"), None)
        nouns = {t.lemma_.lower() for t in chunk if _topical(t)} if chunk is not None else set()
    return frozenset(nouns)


_STATES = frozenset({"off", "on", "open", "closed", "enabled", "disabled"})
_AFTER_STATE = frozenset({"now", "please", "too", "also", "then", "again", "immediately"})
_REPORTING = frozenset(
    {
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "looks",
        "look",
        "seems",
        "shows",
        "show",
        "went",
        "came",
        "has",
        "have",
        "had",
        "got",
        "see",
        "saw",
        "stays",
        "remains",
        "'s",
        "'re",
    }
)


def _setting(sent: Any) -> bool:
    """A setting said as an order, without a verb: "O2 fans 2 off", "all fuel cell pumps off, CAPCOM", "flag
    off now", "inline heaters OFF on FUEL CELL 1", "THRUSTER C-1 to OFF": something, then its new state, then at
    most when, to whom or where; not "the pumps are off", "keep an eye on it"."""
    words = [t for t in sent if not t.is_punct]
    # "heaters OFF": the tagger takes a plural before a state for a verb
    nouns = {i for i, t in enumerate(words[:-1]) if t.tag_ == "VBZ" and words[i + 1].lower_ in _STATES}
    if not 2 <= len(words) <= 12 or any(
        t.lower_ in _REPORTING or (t.tag_ in ("VBD", "VBZ", "VBN") and i not in nouns) for i, t in enumerate(words)
    ):
        return False
    end = len(words)
    while end > 1 and words[end - 1].lower_ not in _STATES:
        last = words[end - 1]
        if last.lower_ not in _AFTER_STATE and not last.is_title and not last.is_upper:
            break
        end -= 1  # "off now", "off, CAPCOM": what follows the state says when or to whom
    if words[end - 1].lower_ not in _STATES:
        where = [
            i + 1
            for i, t in enumerate(words[:-1])
            if i > 0 and t.lower_ in _STATES and _where(words[i + 1 :])  # "OFF on FUEL CELL 1": where
        ]
        if not where:
            return False
        end = where[-1]
    before = words[: end - 1]
    return any(t.pos_ in ("NOUN", "PROPN", "NUM") or t.is_upper or i in nouns for i, t in enumerate(before)) and all(
        t.pos_ != "VERB"
        or i in nouns
        or t.lemma_.lower() in ("turn", "switch", "leave", "keep", "put", "set", "get", "recommend")
        for i, t in enumerate(before)
    )


def _where(tail: list[Any]) -> bool:
    """ "on FUEL CELL 1", "for the EU region": a place after a state."""
    return (
        tail[0].pos_ == "ADP"
        and tail[0].lower_ != "of"
        and 2 <= len(tail) <= 5
        and all(t.pos_ in ("ADP", "DET", "NOUN", "PROPN", "NUM", "ADJ") or t.like_num or t.is_upper for t in tail)
    )


def _join_hyphenated_names(doc: Any, names: frozenset[str]) -> Any:
    """ "Sung-min", "Joon-ho", "Jean-Luc" as one token: spaCy splits them at the hyphen, and a name in three
    pieces is no addressee. Joined when the roster has the name, or both halves are tagged proper nouns."""
    spans = []
    i = 0
    while i + 2 < len(doc):
        a, hyphen, b = doc[i], doc[i + 1], doc[i + 2]
        if (
            hyphen.text == "-"
            and not a.whitespace_
            and not hyphen.whitespace_
            and a.text[:1].isupper()
            and b.is_alpha
            and (f"{a.lower_}-{b.lower_}" in names or a.pos_ == b.pos_ == "PROPN")
        ):
            spans.append(doc[i : i + 3])
            i += 3
        else:
            i += 1
    if spans:
        with doc.retokenize() as retokenizer:
            for span in spans:
                retokenizer.merge(span, attrs={"POS": "PROPN", "TAG": "NNP"})
    return doc


def _wants_to_know(body: list[Any]) -> int | None:
    """ "Ayesha, I want to know whether node four will fail": asked of the person named, to find out; where
    the task ("know whether ...") begins."""
    words = [t.lower_ for t in body[:5]]
    for wants in (["i", "want", "to"], ["i", "need", "to"], ["i", "'d", "like", "to"], ["i", "would", "like", "to"]):
        n = len(wants)
        if words[:n] == wants and len(body) > n + 1 and body[n].lower_ in ("know", "find", "understand", "hear"):
            return int(body[n].i)
    return None


def _lets(body: list[Any]) -> int | None:
    """ "CAPCOM, let's close the reactant valve", "Kim, let's get the banner up": said to someone named, "let's"
    gives them the task; where it begins."""
    start = next(
        (j for j in range(len(body) - 1) if (j == 0 or body[j - 1].nbor(1).text == ",") and body[j].lower_ == "let"),
        None,
    )  # "If you want to do something about these valves, let's make up our mind."
    if start is None or body[start + 1].lower_ not in ("'s", "us"):
        return None
    body = body[start:]
    i = 2
    while i < len(body) - 1 and body[i].lower_ in ("also", "just", "now", "then", "go", "and"):
        i += 1
    return int(body[i].i) if i < len(body) - 1 and body[i].pos_ == "VERB" else None


_RELAY_OBJECTS = frozenset({"them", "him", "her", "the crew", "the team", "the vendor", "the customer"})


def _relayed(body: list[Any]) -> bool:
    """An order passed on: "tell them we're debating it", "have them close the valve", "have the crew verify";
    not "tell me" or "have a look"."""
    if len(body) > 3 and [t.lower_ for t in body[:3]] == ["let", "them", "know"]:
        return True  # "Let them know that."
    if len(body) < 3 or body[0].lower_ not in ("tell", "have", "ask"):
        return False
    for n in (2, 1):
        said = " ".join(t.lower_ for t in body[1 : 1 + n])
        if said in _RELAY_OBJECTS and len(body) > 1 + n:
            return body[0].lower_ == "tell" or body[1 + n].pos_ in ("VERB", "AUX") or body[1 + n].lower_ == "go"
    return False


def _orders(body: list[Any]) -> bool:
    """The words open with an order: an imperative, "let's ...", or one to pass on ("let them know")."""
    return bool(body) and (_imperative(body[0]) or _lets(body) is not None or _relayed(body))


def _only_names(words: list[str], names: frozenset[str]) -> bool:
    return bool(words) and " ".join(words).lower().strip(" ,.!") in names


def _continuing(body: list[Any]) -> bool:
    """ "Keep reminding me of that heater", "keep watching the queue", "move on to the next item": carrying on,
    not changing anything."""
    if len(body) > 1 and body[0].lemma_.lower() == "move" and body[1].lower_ == "on":
        return True
    return (
        len(body) > 1
        and body[0].lemma_.lower() == "keep"
        and (body[1].tag_ == "VBG" or any(t.lower_ in ("eye", "eyes", "tabs") for t in body[1:4]))
    )


def _you_order(body: list[Any]) -> bool:
    """ "Mitchell, you dig into the backup provider", "Tevita, you start the drain": an order said with "you",
    not "you know", "you were right" or "you can see it"."""
    return (
        len(body) > 1 and body[0].lower_ == "you" and _imperative(body[1]) and body[1].lemma_.lower() not in _NOT_ORDERS
    )


_NOT_ORDERS = frozenset(
    "know see mean think guess reckon feel believe want need have like mind say said hear bet wonder"
    " look sound seem remember agree understand".split()
)


def _imperative(token: Any) -> bool:
    """A verb in its base form opening a clause ("ping me", "open a ticket"); the tagger's tag alone is
    unreliable on imperatives, so the form decides."""
    word, lemma = token.lower_, token.lemma_.lower()
    participle = word in (lemma + "ing", lemma + lemma[-1:] + "ing") or (len(lemma) > 2 and word == lemma[:-1] + "ing")
    base = word == lemma or (token.tag_ == "VBG" and not participle)  # "ping" tagged as a form of "pe"
    return bool(
        token.pos_ == "VERB"
        and base
        and token.tag_ not in ("VBD", "VBN")
        and word not in ("let", "need", "have", "thank")
        and token.dep_ not in _NOT_CLAUSE_HEAD  # "Wait, I was asking": "wait" is an interjection here
    )


def _told(token: Any) -> bool:
    """The verb of an order right after its addressee ("Marcus, resize the volume", "Priya, put it in read
    only"): the tagger, reading the name as a subject, calls a base form a past tense; the form decides."""
    if _imperative(token):
        return True
    word = token.lower_
    return bool(token.pos_ == "VERB" and token.tag_ == "VBD" and token.dep_ == "ROOT" and word == token.lemma_.lower())


_HOLDS = frozenset({"hold on", "hang on", "stand by", "hold up", "one sec", "one moment"})
_NOT_CLAUSE_HEAD = frozenset({"intj", "csubj", "csubjpass", "nsubj", "nsubjpass", "amod", "compound"})
"""Where a verb-looking opener is not the head of an order: an interjection, or the subject of the sentence
("Spend on that account is up")."""

_COMPLEMENTS = frozenset(
    {"dobj", "prt", "prep", "xcomp", "ccomp", "acomp", "attr", "oprd", "dative", "advmod", "npadvmod"}
)


_WONDERING = frozenset(
    {"know", "sure", "wonder", "ask", "decide", "idea", "clue", "understand", "figure", "tell", "see"}
)


def _embedded_question(doc: Any, index: int, start: int) -> bool:
    """ "we're going to ..." inside what someone does not know or asks: "I don't know what we're going to do",
    "not sure whether we'll fail over"; not "what we'll do is fail over"."""
    if index <= start or doc[index - 1].lower_ not in ("what", "how", "whether", "if", "when", "where", "why", "which"):
        return False
    return any(t.lemma_.lower() in _WONDERING for t in doc[max(start, index - 5) : index - 1])


def _main_verb(doc: Any, index: int) -> Any:
    """The verb a "we will" / "let's" match commits to, if it heads the sentence: "I don't know how long
    we'll keep that up" reports a doubt, not a decision."""
    for t in doc[index : index + 8]:
        if t.pos_ == "VERB" and t.lower_ not in ("going", "gon", "let", "'s"):
            head = t.head
            if t.dep_ == "ROOT" or (t.dep_ in ("conj", "xcomp") and head.dep_ == "ROOT"):
                return t
            if t.dep_ in ("ccomp", "xcomp") and head.lemma_.lower() in ("let", "go"):
                return t
            return None
    return None


def _verb_after(doc: Any, index: int | None) -> str | None:
    if index is None:
        return None
    for t in doc[index : index + 8]:
        if t.pos_ == "VERB" and t.lower_ not in ("going", "gon", "let", "'s"):
            return str(t.lemma_.lower())
    return None


def _future(doc: Any, index: int) -> bool:
    """'we will X' and 'we are going to X' commit; 'we are seeing X' reports."""
    window = [t.lower_ for t in doc[index : index + 4]]
    return any(w in ("will", "'ll", "shall", "going", "gon") for w in window)


_DECISION_LEAD = re.compile(r"\bdecision\s*[:,.-]\s*|\bdecision is\s+|\bdecided\s+(?:to\s+|that\s+)?", re.I)
_LEAD = re.compile(
    r"^(?:(?:please|can you|could you|would you|will you|i need you to|i want you to|i'd like you to|go ahead and"
    r"|you|i will|i'll|i am going to|i'm going to|i shall|we will|we'll|let me|also|just|then|now)\s+)+",
    re.I,
)
_TAIL = re.compile(
    r"\s*(?:,?\s*(?:and|then)\s+(?:report back|give (?:us|me) an update|update (?:us|me)|let (?:us|me) know)\b.*"
    r"|\s+please)$",
    re.I,
)


def _task(doc: Any, start: int, end: int) -> str:
    text = doc[start:end].text
    return _trim(_TAIL.sub("", _LEAD.sub("", _trim(text))))


def _trim(text: str) -> str:
    return _TAG.sub("", text.strip()).strip().strip(" ,.;:!?").strip()
