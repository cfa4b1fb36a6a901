"""What each sentence of an utterance does: the matching half of extraction.

One spaCy parse per final transcript; the rules come from a pattern file (bridge/language/patterns/en.json, plus
the user's --patterns). `Analyzer.analyze(text)` returns plain `Sentence` records saying who is
addressed, who introduces themself, and which kinds of act the sentence holds (a request, a
first-person commitment, a decision, a status check, a question, an acknowledgement). Turning those into
events, with owners and evidence, is the extractor's job; attributing speakers is attribution's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import ModelError, UsageError
from . import grammar
from .durations import SpokenTime, find_time
from .pattern_file import Patterns, load_patterns

__all__ = ["DURATION_WORDS", "EXCLUDED", "Analyzer", "Sentence"]

EXCLUDED = ["ner", "tokenizer"]
"""Left out when the pipeline loads: the entity recogniser (nothing reads it), and the tokenizer saved with
the model, which is spaCy's English one as the language makes it: loading it again from disk cost a fifth
of the start-up (tests/language/test_acts.py checks the two cut text alike)."""

BRIDGE = "*bridge*"
"""Addressee of a sentence spoken to everyone ("Everyone, we will regroup")."""


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
        doc = grammar.join_hyphenated_names(self.nlp(text), names)
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
        self_id = self._self_identification(text, names) or self._roll_call(sent, names)
        if self_id is not None and self_id == self._roll_call(sent, names):
            addressee = None  # "Kenji, customer support.": his own name, not a word to him
        cadence = any(p.search(text) for p in self._status)
        time = find_time(text, said_at, bare=cadence)
        core = " ".join(w for w in words if w not in self._acks)
        ack = not core or " ".join(words) in self._acks or (len(words) <= 4 and grammar.only_acks(words, self._acks))
        body = [t for t in sent if t.i >= body_start and not t.is_punct]
        if len(body) > 1 and body[0].lower_ in _DISCOURSE and body[0].i + 1 < len(doc) and doc[body[0].i + 1].is_punct:
            body = body[1:]  # "Look, I think the cache is the problem.", "Listen - go ahead.": no order in "look"
        if body and self._holds(body):
            body = []  # "Hold on, let me check", "Stand by": no order in it
        # "Keep your eye on it, okay?", "Drain node seven, will you?": an order with a tag asks nothing.
        asks = text.endswith("?") and not (grammar.TAG.search(text) and grammar.orders(body))
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
        elif addressee and addressee != BRIDGE and body and grammar.told(body[0]) and not asks and not ack:
            request, task_at = self._task(doc, body[0].i, sent.end, addressee, time), body[0].i
        elif addressee and addressee != BRIDGE and grammar.you_order(body) and not asks:
            request, task_at = self._task(doc, body[1].i, sent.end, addressee, time), body[1].i
        elif addressee and addressee != BRIDGE and (wants := grammar.wants_to_know(body)) is not None:
            request, task_at = self._task(doc, wants, sent.end, addressee, time), wants
        elif addressee and addressee != BRIDGE and body and grammar.relayed(body) and not asks:
            request, task_at = self._task(doc, body[0].i, sent.end, addressee, time), body[0].i  # "have them ..."
        elif addressee and addressee != BRIDGE and (needs := grammar.they_need(body)) is not None and not asks:
            request, task_at = self._task(doc, needs, sent.end, addressee, time), needs  # "CAPCOM, they need ..."
        elif addressee and addressee != BRIDGE and (lets_i := grammar.lets(body)) is not None and not asks:
            request, task_at = self._task(doc, lets_i, sent.end, addressee, time), lets_i  # "CAPCOM, let's close"
        imperative = None
        relay = bool(body) and not asks and grammar.relayed(body)
        if (
            not addressee
            and body
            and (grammar.imperative(body[0]) or relay)
            and not asks
            and request is None
            and not ack
        ):
            imperative = self._task(doc, body[0].i, sent.end, None, time)
        ours = None
        if not addressee and (lets_at := grammar.lets(body)) is not None and not asks:
            ours = self._task(doc, lets_at, sent.end, None, time)
        said = [t for t in sent if not t.is_punct]
        verbless = not question and not ack and bool(said) and not any(t.pos_ in ("VERB", "AUX") for t in said)
        if imperative and grammar.only_names(imperative.split()[1:], names):
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
        offer = next((grammar.trim(m["task"]) for p in self._offers if (m := p.search(text))), None)
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
            and grammar.told(body[0])
            and body[0].lemma_.lower() in self._imperative
            and not grammar.continuing(body)
        )
        setting = not question and grammar.setting(sent)
        mitigation_order = bool(
            not question
            and not addressee
            and body
            and grammar.imperative(body[0])
            and body[0].lemma_.lower() in self._imperative
            and not grammar.continuing(body)
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
            and grammar.verb_after(doc, labels.get("WE_WILL")) in ("regroup", "reconvene", "sync", "update")
        ):
            decision = None
        claim = any(c in lower for c in self.patterns.data["commander_claims"])
        lemmas = frozenset(t.lemma_.lower() for t in sent if grammar.topical(t))
        topic = grammar.topic(sent, task_at) if task_at is not None else frozenset()
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
        return grammar.trim(text) if any(p.search(text) for p in self._decision_phrases) else None

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
                return grammar.trim(sent[t.i - sent.start :].text)
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
                    return name, (grammar.trim(task) if task and len(task.split()) >= 2 else None)
        return None, None

    def _trim_task(self, task: str, time: SpokenTime | None) -> str:
        if time is not None:
            task = re.sub(rf"\s*{re.escape(time.phrase)}", "", task, count=1, flags=re.I)
        return grammar.trim(task)

    def _decision(self, doc: Any, sent: Any, labels: dict[str, int], text: str) -> str | None:
        if "DECISION_MARKER" in labels:
            after = _DECISION_LEAD.split(text, maxsplit=1)
            return grammar.trim(after[-1]) or grammar.trim(text)
        if "WE_WILL" in labels:
            at = labels["WE_WILL"]
            if grammar.embedded_question(doc, at, sent.start):
                return None  # "I don't know what we're going to do for PTC yet"
            verb = grammar.main_verb(doc, at)
            if verb is None:
                return None
            lemma = verb.lemma_.lower()
            if not any(c.dep_ in _COMPLEMENTS for c in verb.children):
                return None  # "We'll do." (Whisper's "Will do.") commits to nothing
            if lemma in ("get", "put", "take", "bring") and any(
                c.dep_ == "prt" and c.lower_ in grammar.STATES | {"out"} for c in verb.children
            ):
                return grammar.trim(doc[labels["WE_WILL"] : sent.end].text)  # "let's get it off": a setting
            if lemma not in self._not_decision and (
                lemma in self._decision_verbs or grammar.future(doc, labels["WE_WILL"])
            ):
                return grammar.trim(doc[labels["WE_WILL"] : sent.end].text)
        return None

    def _task(self, doc: Any, start: int, end: int, addressee: str | None, time: SpokenTime | None) -> str | None:
        """The task in a few words, or None when what was said is no task ("Go ahead, FLIGHT"). The deadline
        is left out: it is the item's `due`."""
        task = grammar.task(doc, start, end)
        if time is not None:
            task = grammar.trim(re.sub(rf"\s*{re.escape(time.phrase)}", "", task, count=1, flags=re.I))
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

    def _roll_call(self, sent: Any, names: frozenset[str]) -> str | None:
        """The name of someone answering a roll call: "Kenji, customer support.", "Babajide, release
        engineering.", "Esi, comms.": a name, a comma, a few words that say what they do (no verb, no pronoun,
        no question), and nothing else. "Ines, watch lag." and "Tariq, node seven?" are said to them."""
        tokens = [t for t in sent if not t.is_space]
        if len(tokens) < 3 or tokens[1].text != "," or tokens[-1].text == "?":
            return None
        rest = [t for t in tokens[2:] if not t.is_punct]
        if not 1 <= len(rest) <= 4 or not self._is_name(tokens[:1], names) or tokens[0].lower_ in self._bridge:
            return None
        if rest[0].lower_ == "from" or any(t.lower_ in names for t in rest):
            return None  # "CAPCOM, from FLIGHT.": a call on the loop, to CAPCOM
        if any(t.like_num for t in rest):
            return None  # "CAPCOM, FUEL CELL 2 reactants.": a setting, told to the relay
        if any(
            t.pos_ in ("VERB", "AUX", "PRON") or t.tag_ in ("VB", "POS") or t.lower_ in _OWNED or t.lower_ in self._acks
            for t in rest
        ):
            return None  # "Tevita, the volume's yours.": spaCy's small model reads "yours" as a noun
        return str(tokens[0].text)

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
_OWNED = frozenset({"yours", "mine", "his", "hers", "ours", "theirs"})


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


_HOLDS = frozenset({"hold on", "hang on", "stand by", "hold up", "one sec", "one moment"})

_COMPLEMENTS = frozenset(
    {"dobj", "prt", "prep", "xcomp", "ccomp", "acomp", "attr", "oprd", "dative", "advmod", "npadvmod"}
)


_DECISION_LEAD = re.compile(r"\bdecision\s*[:,.-]\s*|\bdecision is\s+|\bdecided\s+(?:to\s+|that\s+)?", re.I)
