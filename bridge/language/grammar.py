"""What the parse says about a sentence's shape: the token-level tests the analyzer's rules are made of.

Each takes spaCy tokens (or a sentence's words) and answers one question of grammar: is this verb an order
("kill the batch job") or a report ("we killed it"), is the sentence a "let's", a relayed order, a setting
("fuel cell 3 off"), whose is the need ("they need a VERB 06"), what is its topic, where does its task begin
and end. They read no patterns and keep no state, so each is tested on parsed sentences alone.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "STATES",
    "TAG",
    "continuing",
    "embedded_question",
    "future",
    "imperative",
    "join_hyphenated_names",
    "lets",
    "main_verb",
    "only_acks",
    "only_names",
    "orders",
    "relayed",
    "setting",
    "task",
    "they_need",
    "told",
    "topic",
    "topical",
    "trim",
    "verb_after",
    "wants_to_know",
    "you_order",
]

TAG = re.compile(
    r"(?i),\s*(?:okay|ok|alright|all right|will you|would you|can you|could you|won't you|huh|yeah|right|eh)\s*\?\s*$"
)
"""A tag question closing a sentence ("..., okay?", "..., will you?", "..., huh?")."""


_THOSE_WHO_NEED = frozenset({"they", "he", "she", "the crew", "the lm", "the customer", "the vendor"})


def they_need(body: list[Any]) -> int | None:
    """ "CAPCOM, they need a VERB 06 NOUN 20 on the CSM", "Jack, the crew needs to get the sublimator up":
    what those the addressee speaks for must do is the addressee's to pass on; where the task begins."""
    for n in (1, 2):
        who = " ".join(t.lower_ for t in body[:n])
        if who in _THOSE_WHO_NEED and len(body) > n + 1 and body[n].lemma_.lower() == "need":
            return int(body[n].i)
    return None


def only_acks(words: list[str], acks: frozenset[str]) -> bool:
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


def topical(token: Any) -> bool:
    return bool(
        token.pos_ in ("NOUN", "PROPN")
        and not token.is_stop
        and len(token.text) > 2
        and token.lemma_.lower() not in _GENERIC
    )


def topic(sent: Any, start: int) -> frozenset[str]:
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
        if topical(t) and (t is h or t.dep_ in ("compound", "amod", "nmod"))
    }
    if not nouns:
        chunk = next((c for c in sent.noun_chunks if c.start >= verb.i and c.root.pos_ != "PRON"), None)
        nouns = {t.lemma_.lower() for t in chunk if topical(t)} if chunk is not None else set()
    return frozenset(nouns)


STATES = frozenset({"off", "on", "open", "closed", "enabled", "disabled"})

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


def setting(sent: Any) -> bool:
    """A setting said as an order, without a verb: "O2 fans 2 off", "all fuel cell pumps off, CAPCOM", "flag
    off now", "inline heaters OFF on FUEL CELL 1", "THRUSTER C-1 to OFF": something, then its new state, then at
    most when, to whom or where; not "the pumps are off", "keep an eye on it"."""
    words = [t for t in sent if not t.is_punct]
    # "heaters OFF": the tagger takes a plural before a state for a verb
    nouns = {i for i, t in enumerate(words[:-1]) if t.tag_ == "VBZ" and words[i + 1].lower_ in STATES}
    if not 2 <= len(words) <= 12 or any(
        t.lower_ in _REPORTING or (t.tag_ in ("VBD", "VBZ", "VBN") and i not in nouns) for i, t in enumerate(words)
    ):
        return False
    end = len(words)
    while end > 1 and words[end - 1].lower_ not in STATES:
        last = words[end - 1]
        if last.lower_ not in _AFTER_STATE and not last.is_title and not last.is_upper:
            break
        end -= 1  # "off now", "off, CAPCOM": what follows the state says when or to whom
    if words[end - 1].lower_ not in STATES:
        where = [
            i + 1
            for i, t in enumerate(words[:-1])
            if i > 0 and t.lower_ in STATES and _where(words[i + 1 :])  # "OFF on FUEL CELL 1": where
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


def join_hyphenated_names(doc: Any, names: frozenset[str]) -> Any:
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


def wants_to_know(body: list[Any]) -> int | None:
    """ "Ayesha, I want to know whether node four will fail": asked of the person named, to find out; where
    the task ("know whether ...") begins."""
    words = [t.lower_ for t in body[:5]]
    for wants in (["i", "want", "to"], ["i", "need", "to"], ["i", "'d", "like", "to"], ["i", "would", "like", "to"]):
        n = len(wants)
        if words[:n] == wants and len(body) > n + 1 and body[n].lower_ in ("know", "find", "understand", "hear"):
            return int(body[n].i)
    return None


def lets(body: list[Any]) -> int | None:
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


def relayed(body: list[Any]) -> bool:
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


def orders(body: list[Any]) -> bool:
    """The words open with an order: an imperative, "let's ...", or one to pass on ("let them know")."""
    return bool(body) and (imperative(body[0]) or lets(body) is not None or relayed(body))


def only_names(words: list[str], names: frozenset[str]) -> bool:
    return bool(words) and " ".join(words).lower().strip(" ,.!") in names


def continuing(body: list[Any]) -> bool:
    """ "Keep reminding me of that heater", "keep watching the queue", "move on to the next item": carrying on,
    not changing anything."""
    if len(body) > 1 and body[0].lemma_.lower() == "move" and body[1].lower_ == "on":
        return True
    return (
        len(body) > 1
        and body[0].lemma_.lower() == "keep"
        and (body[1].tag_ == "VBG" or any(t.lower_ in ("eye", "eyes", "tabs") for t in body[1:4]))
    )


def you_order(body: list[Any]) -> bool:
    """ "Mitchell, you dig into the backup provider", "Tevita, you start the drain": an order said with "you",
    not "you know", "you were right" or "you can see it"."""
    return (
        len(body) > 1 and body[0].lower_ == "you" and imperative(body[1]) and body[1].lemma_.lower() not in _NOT_ORDERS
    )


_NOT_ORDERS = frozenset(
    "know see mean think guess reckon feel believe want need have like mind say said hear bet wonder"
    " look sound seem remember agree understand".split()
)


def imperative(token: Any) -> bool:
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


_NOT_CLAUSE_HEAD = frozenset({"intj", "csubj", "csubjpass", "nsubj", "nsubjpass", "amod", "compound"})
"""Where a verb-looking opener is not the head of an order: an interjection, or the subject of the sentence
("Spend on that account is up")."""

_WONDERING = frozenset(
    {"know", "sure", "wonder", "ask", "decide", "idea", "clue", "understand", "figure", "tell", "see"}
)


def told(token: Any) -> bool:
    """The verb of an order right after its addressee ("Marcus, resize the volume", "Priya, put it in read
    only"): the tagger, reading the name as a subject, calls a base form a past tense; the form decides."""
    if imperative(token):
        return True
    word = token.lower_
    return bool(token.pos_ == "VERB" and token.tag_ == "VBD" and token.dep_ == "ROOT" and word == token.lemma_.lower())


def embedded_question(doc: Any, index: int, start: int) -> bool:
    """ "we're going to ..." inside what someone does not know or asks: "I don't know what we're going to do",
    "not sure whether we'll fail over"; not "what we'll do is fail over"."""
    if index <= start or doc[index - 1].lower_ not in ("what", "how", "whether", "if", "when", "why", "which"):
        return False
    return any(t.lemma_.lower() in _WONDERING for t in doc[max(start, index - 5) : index - 1])


def main_verb(doc: Any, index: int) -> Any:
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


def verb_after(doc: Any, index: int | None) -> str | None:
    if index is None:
        return None
    for t in doc[index : index + 8]:
        if t.pos_ == "VERB" and t.lower_ not in ("going", "gon", "let", "'s"):
            return str(t.lemma_.lower())
    return None


def future(doc: Any, index: int) -> bool:
    """'we will X' and 'we are going to X' commit; 'we are seeing X' reports."""
    window = [t.lower_ for t in doc[index : index + 4]]
    return any(w in ("will", "'ll", "shall", "going", "gon") for w in window)


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


def task(doc: Any, start: int, end: int) -> str:
    text = doc[start:end].text
    return trim(_TAIL.sub("", _LEAD.sub("", trim(text))))


def trim(text: str) -> str:
    return TAG.sub("", text.strip()).strip().strip(" ,.;:!?").strip()
