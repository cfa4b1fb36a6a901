"""Who is speaking, from the words alone: the one place speaker attribution is decided.

Until voices or channels say who is talking, the words carry most of it on a bridge call, where the
commander names whoever they address. In order of trust:

1. self-identification ("This is Priya", "Marcus here", "Tom from the edge team");
2. a continuation: the same voice went on after a short pause (the segmenter cut a line in two);
3. a reply: the utterance right after someone was addressed by name is most likely theirs;
4. a report about an open task is most likely from the task's owner ("The failover is complete");
5. the commander's acts: addressing people, deciding, setting the cadence;
6. the floor returning to the commander right after a responder answered them.

Each guess carries how it was made and a confidence; the monitor and extraction only read the result.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
from scipy.optimize import linear_sum_assignment

from ..events import SpeakerSource
from ..language.analysis import BRIDGE, Sentence
from ..people import same

if TYPE_CHECKING:
    from .voices import VoiceMatch, Voices

__all__ = ["Attribution", "Speakers"]


@dataclass(frozen=True)
class Attribution:
    speaker: str | None
    source: SpeakerSource | None
    confidence: float | None
    voice: str | None = None
    """The voice the utterance was matched to, when voices are told apart."""
    evidence: str | None = None
    """What told: self (an introduction), reply, continuation, task, commander, floor, voice, channel."""


_UNKNOWN = Attribution(None, None, None)

SURE_VOICE = 0.5
"""A named voice matched at least this surely outweighs every word rule but an introduction; below it (a
short "Will check." sounds like anyone), a reply to the person addressed is the better guess."""

_VOTES = {"self": 3.0, "channel": 3.0, "reply": 1.0}
"""How much each kind of evidence says about whose voice it is. A voice takes the name with the most votes,
once that has at least one reply's worth and twice any other name's: one self-introduction outweighs a reply
out of turn, and two people who sound alike (pitch-shifted copies of one synthetic voice score 0.9 against
each other) leave their shared voice unnamed, so the words decide between them."""

_EVIDENCE = {"self": 3.0, "reply": 1.0, "addressing": -1.0}
"""What the words said about a voice over the whole call, for placing names after it (`Speakers.placement`):
an introduction in the voice, the voice speaking right after someone was addressed by name, and the voice
addressing someone (then it is not them). Kept for every utterance, short or long, whoever the line went to."""

_INTRODUCING = re.compile(r"\b(this is|i am|i'm|my name is)\b|\bhere\b[.!]?$", re.IGNORECASE)
"""An introduction in so many words, which a name off the roster needs to be believed."""

PLACE_AT = 1.0
"""The least evidence for a name to be placed on a voice after the call: one reply's worth."""


@dataclass
class _Turn:
    speaker: str | None
    end: float
    addressed: str | None
    replied_to_commander: bool
    channel: int | None = None
    voice: str | None = None
    evidence: str | None = None
    heard_in: str | None = None
    """The voice the utterance was matched to, sure or not."""
    continued: bool = False
    """The utterance went on from the one before."""


class Speakers:
    def __init__(
        self,
        roster: Iterable[str] = (),
        *,
        commander_roles: Iterable[str] = (),
        continuation_gap: float = 0.9,
        reply_window: float = 15.0,
        floor_window: float = 5.0,
    ) -> None:
        self._names: dict[str, str] = {n.strip().lower(): n.strip() for n in roster if n.strip()}
        self._people: set[str] | None = set(self._names) if self._names else None
        """Lower-case names of the people known to be on the call, when a roster was given: the roster, whoever
        introduced themselves or was named by the commander or a channel. A word that only looks like a name
        ("Blast radius?" heard as "Blast Radio.", the "Numbers." asked for) is then nobody to reply to; an owner
        the extractor learned is no such evidence."""
        self._roster: set[str] | None = set(self._names) if self._names else None
        """Lower-case names on the roster (and those the commander gave), when one was given: only these name a
        voice or introduce someone. "Connor, Security." heard as an introduction of "Security", or "Loss from
        Singapore is under one percent" as one of "Loss", is then nobody."""
        roles = {r.lower() for r in commander_roles}
        self.commander: str | None = next((n for key, n in self._names.items() if key in roles), None)
        """Who runs the call: a roster name that is the role itself (FLIGHT on a mission loop), or whoever says so."""
        self._aliases: dict[str, str] = {}
        self._last: _Turn | None = None
        self._tasks: list[tuple[str, frozenset[str]]] = []  # (owner, content lemmas), newest last
        self._pinned: dict[str, int] = {}  # lower-case name → the channel that person alone speaks on
        self.voices: Voices | None = None
        """The voices heard so far, once utterances come with voiceprints."""
        self._votes: dict[str, dict[str, float]] = {}  # voice label → name → weight of evidence
        self._fixed: dict[str, str] = {}  # voice label → the name the commander gave it
        self._evidence: dict[str, dict[str, float]] = {}  # voice label → name → what the words said (_EVIDENCE)
        self._shown: set[str] = set()  # voice labels that stood for a speaker before the voice had a name
        self.named: list[tuple[str, str]] = []
        """(label, name) for each voice shown by its label that has since been named: earlier lines can say who."""
        self.continuation_gap = continuation_gap
        self._reply_window = reply_window
        self._floor_window = floor_window

    @property
    def names(self) -> frozenset[str]:
        """Lower-case names known to be people on the call."""
        return frozenset(self._names)

    def rename(self, old: str, new: str) -> None:
        """The commander says `old` is really `new`: from now on every guess of `old` says `new`."""
        self._aliases[old.strip().lower()] = new.strip()
        self._meet(new)
        if self._roster is not None:
            self._roster.add(new.strip().lower())
        if self.commander and same(self.commander, old):
            self.commander = new
        self._tasks = [(new if same(owner, old) else owner, lemmas) for owner, lemmas in self._tasks]
        if self._last is not None and self._last.speaker and same(self._last.speaker, old):
            self._last.speaker = new
        if self.voices is None:
            return
        live = [v.label for v in self.voices.voices if v.merged_into is None]
        renamed = [label for label in live if same(label, old) or same(self._voice_name(label) or "", old)]
        theirs = [label for label in live if label not in renamed and same(self._voice_name(label) or "", new)]
        for label in renamed:  # "Speaker 3 is Priya": that voice is hers from now on
            self._fixed[label] = new.strip()
            if theirs:  # and Priya already has a voice: one person, one voice (its utterances go there)
                self.voices.merge(theirs[0], label)

    def canonical(self, name: str) -> str:
        """The spelling the roster or the person's own introduction used; Whisper misspells and lowercases."""
        key = name.strip().lower()
        if key in self._aliases:
            return self._aliases[key]
        if key in self._names:
            return self._names[key]
        close = difflib.get_close_matches(key, list(self._names), n=1, cutoff=0.8)
        if close:
            return self._names[close[0]]
        sounds = {n for n in self._names if _soundex(n) == _soundex(key)}
        if len(sounds) == 1:  # Whisper's "Sophia", "Laina", "Anna" for the roster's Sofia, Lena, Ana
            return self._names[sounds.pop()]
        return " ".join(w[:1].upper() + w[1:] for w in name.split())

    def learn(self, name: str) -> str:
        canonical = self.canonical(name)
        self._names.setdefault(canonical.lower(), canonical)
        return canonical

    def assign(self, owner: str, lemmas: frozenset[str]) -> None:
        """An open task, so that a later report about it can be told apart by its owner."""
        if lemmas:
            self._tasks.append((owner, lemmas))

    def attribute(
        self,
        sentences: list[Sentence],
        start: float,
        end: float,
        *,
        known: str | None = None,
        channel: int | None = None,
        pinned: bool = False,
        voiceprint: np.ndarray | None = None,
        seconds: float = 0.0,
    ) -> Attribution:
        """Guess the speaker of an utterance (unless `known` already), then remember it as the latest turn.
        `pinned`: the known speaker is alone on this channel, so nobody else's words are heard on it.
        `voiceprint`: the embedding of the utterance's `seconds` of speech, matched to the voices heard so far."""
        last = self._last
        match = None
        if voiceprint is not None and not (pinned and known):  # a person's own channel needs no voice
            if self.voices is None:
                from .voices import Voices

                self.voices = Voices()
            match = self.voices.assign(voiceprint, seconds)
        voice = match.label if match is not None else None
        # Under a second of speech ("This is Priya.") is too little to be sure of a voice: it neither breaks a
        # continuation nor names a voice.
        sure = match is not None and self.voices is not None and seconds >= self.voices.options.min_seconds
        continuing = (
            last is not None
            and last.channel == channel
            and start - last.end <= self.continuation_gap
            and (not sure or last.voice is None or last.voice == voice)
        )
        guess = self._guess(sentences, start, continuing, match)
        if guess.speaker is not None:
            name = self.canonical(guess.speaker)
            guess = replace(guess, speaker=name)
            elsewhere = self._pinned.get(name.lower())
            if elsewhere is not None and elsewhere != channel:
                guess = _UNKNOWN  # that person has a channel of their own, and it is not this one
        if known is not None:
            name = self._meet(known)
            guess = replace(guess, speaker=name, evidence="channel" if pinned else "known")
            if pinned and channel is not None:
                self._pinned[name.lower()] = channel
        evidence = guess.evidence
        if evidence == "continuation" and last is not None:
            evidence = last.evidence  # "This is Priya." ... "Error rate is at twelve percent." count as one
        if match is not None:
            if guess.speaker is not None and evidence in _VOTES and sure and self._on_roster(guess.speaker):
                votes = self._votes.setdefault(match.label, {})
                votes[guess.speaker] = votes.get(guess.speaker, 0.0) + _VOTES[evidence or ""]
                earned = self._voice_name(match.label)
                if match.label in self._shown and earned is not None:
                    self._shown.discard(match.label)
                    self.named.append((match.label, earned))
            if guess.speaker is None:  # a voice not yet named: its label, so its lines still hang together
                guess = Attribution(match.label, "voice", match.confidence, evidence="voice")
                self._shown.add(match.label)
            guess = replace(guess, voice=match.label)
        if guess.speaker and any(s.commander_claim for s in sentences):
            self.commander = guess.speaker  # "Omar here." / "I will be incident commander."
        addressed = next(
            (
                s.addressee
                for s in sentences
                if s.addressee
                and s.addressee != BRIDGE
                and self._known(s.addressee)
                and not (s.self_id and guess.evidence == "self" and same(s.addressee, guess.speaker or ""))
            ),
            None,
        )
        if addressed is None and continuing and last is not None and last.speaker == guess.speaker:
            addressed = last.addressed  # "Maya, we have not heard from you." / "What is happening?"
        replied = bool(
            last
            and last.addressed
            and guess.speaker
            and not continuing
            and same(guess.speaker, last.addressed)
            and last.speaker == self.commander
        )
        if voice is not None:
            self._tally(voice, sentences, start, continuing, sure)
        self._last = _Turn(
            guess.speaker,
            end,
            self.canonical(addressed) if addressed else None,
            replied,
            channel,
            voice if sure else None,
            evidence,
            voice,
            continuing,
        )
        return guess

    def _tally(self, voice: str, sentences: list[Sentence], start: float, continuing: bool, sure: bool) -> None:
        """What this utterance's words say about whose voice `voice` is, for `placement` after the call. An
        introduction too short to be sure of its voice ("Pedro, storage team.") counts for little there, and
        in full for the voice that goes straight on ("About a third of put requests fail.")."""
        said = self._evidence.setdefault(voice, {})
        last = self._last

        def add(name: str, kind: str, share: float = 1.0) -> None:
            key = self.canonical(name).lower()
            said[key] = said.get(key, 0.0) + _EVIDENCE[kind] * share

        intro = self._introduced(sentences)
        if intro is not None:
            add(intro, "self")
        elif continuing and last is not None and last.evidence == "self" and last.speaker:
            if sure and last.heard_in != voice and not last.continued:  # the introduction was heard elsewhere
                add(last.speaker, "self")
        elif (
            last is not None
            and last.addressed
            and not continuing
            and last.heard_in != voice
            and start - last.end <= self._reply_window
        ):
            add(last.addressed, "reply")
        for s in sentences:
            if s.addressee and s.addressee != BRIDGE and not s.self_id and self._known(s.addressee):
                add(s.addressee, "addressing")

    def _introduced(self, sentences: list[Sentence]) -> str | None:
        """Who the utterance says is speaking. With a roster, only a name on it: a roll-call answer "Connor,
        Security." that the analyzer read as "Security" introducing themselves to Connor is Connor's (the
        name before the comma is on the roster, the team after it is not); someone off the roster only says who
        they are in so many words ("Hi, this is Dana from finance", "Dana here"), and even then names no voice
        (`_on_roster`); any other name off the roster ("Loss from Singapore is under one percent") is nobody."""
        for s in sentences:
            if not s.self_id:
                continue
            if self._on_roster(s.self_id) or _INTRODUCING.search(s.text):
                return s.self_id
            if s.addressee and s.addressee != BRIDGE and self._on_roster(s.addressee) and not s.question:
                return s.addressee
        if self._roster is not None and sentences:
            return self._answering(sentences[0])
        return None

    def _answering(self, s: Sentence) -> str | None:
        """A roll-call answer the analyzer took for words to someone: a roster name, then a team it took for
        part of the name ("Dmitri Edge") or the speaker's own first-person words ("Samir, I manage the carrier
        relationships."), asking nothing of anyone, said before that person was heard introduced. The
        commander's "Tariq, node seven?", "Ines, watch lag.", "Ines, thanks.", "Ines." or "Maya, we have not
        heard from you." are not."""
        if not s.addressee or s.addressee == BRIDGE or s.self_id:
            return None
        first = s.addressee.split()[0]
        name = self.canonical(first)
        if not self._on_roster(first) or any(same(name, n) for n in self._introduced_names()):
            return None
        if s.question or s.request or s.decision or s.status or s.mitigation_order or s.order or s.assignment:
            return None
        words = [w.strip(".,!?;:").lower() for w in s.text.split()]
        rest = words[1:]
        if not rest or {"you", "your", "yours", "you're", "you've", "you'll"} & set(rest):
            return None
        glued = len(s.addressee.split()) > 1 and len(words) == len(s.addressee.split())  # "Dmitri Edge"
        if glued or rest[0] in ("i", "i'm", "i've", "i'll"):  # "Samir, I manage the carrier relationships."
            return name
        return None

    def _introduced_names(self) -> set[str]:
        """The names already heard introduced in some voice."""
        return {name for said in self._evidence.values() for name, w in said.items() if w >= _EVIDENCE["self"]}

    def placement(self) -> dict[str, str]:
        """After the call: the name of each voice, placed one to one (a name on one voice only) by all the words
        said about the voices (`_EVIDENCE`), where that is at least `PLACE_AT` and more than for any other name
        (a tie is no evidence for either). With a roster, only its names are placed. A voice the commander
        named keeps that name, and the name is taken."""
        if self.voices is None:
            return {}
        root = {v.label: v.merged_into or v.label for v in self.voices.voices}
        evidence: dict[str, dict[str, float]] = {}  # a merged voice's words count for the voice it went into
        for label, said in self._evidence.items():
            into = evidence.setdefault(root.get(label, label), {})
            for name, weight in said.items():
                into[name] = into.get(name, 0.0) + weight
        live = sorted(set(root.values()))
        fixed = {label: self._fixed[label] for label in live if label in self._fixed}
        taken = {name.lower() for name in fixed.values()}
        voices = [label for label in live if label not in fixed]
        people = sorted(
            {name for label in voices for name in evidence.get(label, {})} - taken
            if self._roster is None
            else {name for name in self._roster if name not in taken}
        )
        placed = dict(fixed)
        if voices and people:
            score = np.array([[evidence.get(label, {}).get(name, 0.0) for name in people] for label in voices])
            rows, cols = linear_sum_assignment(-score)
            for r, c in zip(rows, cols, strict=True):
                rivals = np.delete(score[r], c)  # a tie (two people introduced in one voice) places neither
                if score[r, c] >= PLACE_AT and (rivals.size == 0 or score[r, c] > rivals.max()):
                    placed[voices[r]] = self.canonical(people[c])
        return {label: placed[into] for label, into in root.items() if into in placed}

    def _on_roster(self, name: str) -> bool:
        """Whether `name` may name someone: any name without a roster, with one only its names."""
        return self._roster is None or self.canonical(name).lower() in self._roster

    def _guess(
        self, sentences: list[Sentence], start: float, continuing: bool, match: VoiceMatch | None = None
    ) -> Attribution:
        intro = self._introduced(sentences)
        if intro is not None:
            name = self._meet(intro)
            if any(s.commander_claim for s in sentences):
                self.commander = name
            return Attribution(name, "words", 0.9, evidence="self")
        named = self._voice_name(match.label) if match is not None else None
        if match is not None and named is not None and match.confidence >= SURE_VOICE:
            return Attribution(named, "voice", match.confidence, evidence="voice")
        words = self._words(sentences, start, continuing)
        if words.speaker is None and match is not None:
            if named is not None:
                return Attribution(named, "voice", match.confidence, evidence="voice")
            likely = self._voice_name(match.label, strict=False)  # a voice two people share: the likelier
            if likely is not None:
                return Attribution(likely, "voice", round(match.confidence / 2, 3), evidence="voice")
        return words

    def _words(self, sentences: list[Sentence], start: float, continuing: bool) -> Attribution:
        last = self._last
        gap = start - last.end if last else float("inf")
        if continuing and last and last.speaker:
            return Attribution(last.speaker, "words", 0.6, evidence="continuation")
        if not continuing and last and last.addressed and gap <= self._reply_window and last.addressed != last.speaker:
            return Attribution(last.addressed, "words", 0.7, evidence="reply")
        owner = self._task_owner(sentences)
        if owner:
            return Attribution(owner, "words", 0.5, evidence="task")
        if self.commander and _commanding(sentences):
            return Attribution(self.commander, "words", 0.5, evidence="commander")
        if self.commander and last and last.replied_to_commander and gap <= self._floor_window:
            return Attribution(self.commander, "words", 0.4, evidence="floor")
        return _UNKNOWN

    def _known(self, name: str) -> bool:
        """Whether `name` is someone on the call (anyone may be, when no roster was given)."""
        return self._people is None or self.canonical(name).lower() in self._people

    def _meet(self, name: str) -> str:
        """`name` is a person on the call: learn them."""
        canonical = self.learn(name)
        if self._people is not None:
            self._people.add(canonical.lower())
        return canonical

    def reserve_voice(self, label: str) -> None:
        """A voice label from before a resume: its voice is not known any more, but its label stays taken."""
        if self.voices is None:
            from .voices import Voices

            self.voices = Voices()
        self.voices.reserve(label)

    def _voice_name(self, label: str, *, strict: bool = True) -> str | None:
        """The name a voice has earned: the commander's word, or the name with the most votes (`strict`: by
        a clear margin)."""
        if label in self._fixed:
            return self._fixed[label]
        ranked = sorted((self._votes.get(label) or {}).items(), key=lambda kv: kv[1], reverse=True)
        if not ranked or ranked[0][1] < 1.0:
            return None
        if strict and len(ranked) > 1 and ranked[0][1] < 2 * ranked[1][1]:
            return None  # two people introduced themselves in this voice: it cannot tell them apart, words must
        return self.canonical(ranked[0][0])

    def _task_owner(self, sentences: list[Sentence]) -> str | None:
        """The owner of the newest open task that a report (not a request or question) talks about."""
        if any(s.request or s.question or s.decision for s in sentences):
            return None
        said = frozenset().union(*(s.lemmas for s in sentences)) if sentences else frozenset()
        for owner, lemmas in reversed(self._tasks):
            if said & lemmas:
                return owner
        return None


_SOUNDEX = {c: d for d, letters in enumerate(("aeiouyhw", "bfpv", "cgjkqsxz", "dt", "l", "mn", "r")) for c in letters}


def _soundex(name: str) -> str:
    """American Soundex: names that sound alike share a code (Sofia, Sophia -> S100)."""
    letters = [c for c in name.lower() if c.isalpha()]
    if not letters:
        return ""
    code, last = letters[0].upper(), _SOUNDEX.get(letters[0], 0)
    for c in letters[1:]:
        digit = _SOUNDEX.get(c, 0)
        if digit and digit != last:
            code += str(digit)
        if c not in "hw":
            last = digit
    return (code + "000")[:4]


def _commanding(sentences: list[Sentence]) -> bool:
    """Acts that on a bridge call are the commander's: assigning, deciding, setting the cadence,
    turning to someone by name."""
    if any(s.request or s.decision or s.status or s.mitigation_order for s in sentences):
        return True
    return any(s.addressee and s.addressee != BRIDGE and not s.self_id for s in sentences)
