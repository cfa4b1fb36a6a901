"""Decisions, action items and status checks from final transcripts: the building half of extraction.

For each final transcript the extractor asks the analyzer what each sentence holds (who is addressed, the
task's words, a spoken time), the act classifier what the utterance does (acts.py; it read the turn
before it), and the speaker attribution who said it; then it builds typed events carrying their evidence
(call times, the words, the transcript's `seq`).

Who decides the act is `use`: "rules" (the analyzer alone), "model" (the classifier alone; the rules still
find owners, tasks and times), or "both" (the default): the rules decide, and the classifier adds an act
the rules missed only when it is all but sure (`adds`). Cross-validated over whole calls
(scripts/evaluate.py), that is the only combination that never scored below the rules alone: letting the
classifier decide at 0.5, or veto a rule's act, cost up to 0.16 F1 on calls it had not seen.

A bridge call is a dialogue, so the extractor keeps the little state it needs:
- who was just addressed, carried into the same speaker's next sentences ("Kim, you're on comms." / "Get
  the banner up"), and the last person who spoke, who is the "you" of "I'll need you to drain node seven";
- who was just asked to do what, so that "Marcus, please start the rollback" / "Okay, starting it now"
  stays one item, and an acceptance that adds a deadline gives the item its due;
- a proposal or question just put ("should we flip the flag off?"), so that an assent ("yes, let's")
  becomes the decision, quoting both;
- a task offered to whoever takes it ("who can take the queue?"), so that "I've got it" makes it the
  volunteer's;
- a question about how long ("what's the ETA?"), so that "ten, give or take" sets the answerer's check.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Literal, TypedDict
from zoneinfo import ZoneInfo

import msgspec
import numpy as np

from ..calltime import wall
from ..events import ActionItem, Category, Decision, Extracted, StatusCheck, Transcript
from ..people import same
from ..speakers.attribution import Speakers
from .acts import Acts
from .analysis import BRIDGE, DURATION_WORDS, Analyzer, Sentence
from .durations import SpokenTime, find_answer

__all__ = ["Extractor", "ExtractorOptions", "Use"]

Use = Literal["rules", "model", "both"]

_PRONOUN_OBJECT = re.compile(r"\b(?:it|that|this|those|these)(?:\s+(?:one|change|thing|step|part))?$", re.I)
_STRONG_DECISION = re.compile(r"(?i)^(?:\W*\w+[,.]?\s+)?(?:decision|the decision|we (?:have )?decided)\b")
_ETA = re.compile(r"(?i)\b(?:eta|how long|how much longer|how much time|when will|when do you|time frame|timeline)\b")
_FIRST_PERSON = re.compile(r"(?i)^(?:\W*\w+[,.]?\s+)?i(?:'ll|'m| will| am| shall| can)\b")
_YOU = re.compile(r"(?i)\byou\b")


class _Evidence(TypedDict):
    """What every item extracted from one sentence carries: where it was said, the words, by whom."""

    start: float
    end: float
    quote: str
    source: int
    by: str | None


@dataclass(frozen=True)
class ExtractorOptions:
    use: Use = "both"
    threshold: float = 0.5
    """With "model": the classifier says an utterance does an act at this probability or more."""
    adds: float = 0.9
    """With "both": the classifier adds an act the rules did not find at this probability or more."""
    acceptance_window: float = 60.0
    """Seconds within which "I will ..." from the person just asked accepts the request."""
    context_window: float = 20.0
    """Seconds within which an addressee, a proposal, an offer or a question still holds for the next turn."""


@dataclass
class _Request:
    item: ActionItem
    has_due: bool
    accepted: bool = False


@dataclass
class _Turn:
    """What the dialogue remembers of the last transcript."""

    speaker: str | None
    end: float
    text: str
    addressee: str | None = None
    """The person the speaker addressed last (BRIDGE: everyone), carried into their next sentences."""
    proposal: str | None = None
    """A course of action put as a question or a proposal, waiting for an assent."""
    proposal_start: float = 0.0
    offer: str | None = None
    """A task offered to whoever takes it."""
    asked_eta: bool = False
    decided: bool = False
    task: str | None = None
    """The last thing the speaker ordered or decided: what "you're on that" gives someone."""
    requests: list[tuple[str, str]] = field(default_factory=list)
    """(owner, task) asked in this turn."""
    recommends: bool = False
    """A responder put a course of action to the commander ("OMNI Charlie, FLIGHT", "turn Charlie 1 off"): what the
    commander's echo of it takes."""
    words: frozenset[str] = frozenset()
    asked: bool = False
    """The turn asked a question."""
    intro: bool = False
    """The speaker said who they are or that they run the call."""
    call: str | None = None
    """The person this turn only called ("CAPCOM, from FLIGHT."): their answer ("Go.") hands the floor back."""


class Extractor:
    def __init__(
        self,
        analyzer: Analyzer,
        speakers: Speakers,
        *,
        acts: Acts | None = None,
        started: float | None = None,
        options: ExtractorOptions | None = None,
    ) -> None:
        self.analyzer = analyzer
        self.speakers = speakers
        self.acts = acts
        self.options = options or ExtractorOptions()
        self.started = started
        """Unix time at call time 0, to resolve spoken clock times."""
        self.zone: tzinfo = ZoneInfo("UTC")
        """The call's timezone, in which spoken clock times are meant (the session's --tz)."""
        self._heard: dict[tuple[float, float, str], tuple[str, list[Sentence]]] = {}
        self._requests: dict[str, _Request] = {}
        self._last: _Turn | None = None
        self._called: tuple[str, str] | None = None
        self._asked: tuple[str, str, float] | None = None
        """(who, what, when) a responder last asked the commander whether to do something, awaiting a "yes"."""
        self._put: tuple[str, str, float] | None = None
        """The last course a responder put to the commander (speaker, words, end): what his "might as well"
        or "we can do that" takes."""
        self._ready: tuple[str, str, float] | None = None
        """The last "you ready for the gimbal?" a responder asked (speaker, words, end)."""
        self._aliases: dict[str, dict[str, int]] = {}
        self._roster = speakers.names
        """Votes, per other name ("jack", "guidance"), for whom on the call it names."""
        """(caller, callee) of a call just made ("EECOM, FLIGHT."), waiting for its answer."""
        self._answered: tuple[str, str] | None = None
        """A call just answered ("Go, FLIGHT."): the caller's next words are to the callee."""
        self._decided: list[tuple[float, frozenset[str]]] = []
        """(end, what about) of the commander's recent decisions: a readback or a "say again" repeat is no new one."""
        self._relays = analyzer.patterns.words("relay_roles")
        self._previous: tuple[str, str | None] | None = None
        """(text, speaker) of the last transcript attributed: the context the classifier reads."""
        self._categories: list[tuple[Category, re.Pattern[str]]] = [
            (category, re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b", re.I))
            for category, words in analyzer.patterns.data["categories"].items()
        ]

    def attribute(
        self, transcript: Transcript, *, voiceprint: np.ndarray | None = None, seconds: float = 0.0
    ) -> Transcript:
        """The transcript with its speaker, as far as its words and its voice tell (a speaker it already has
        is kept), and what the classifier says it does."""
        clean = self.analyzer.clean(transcript.text)
        said_at = wall(self.started, transcript.end, self.zone) if self.started is not None else None
        sentences = self.analyzer.analyze(clean, said_at=said_at, names=self.speakers.names)
        self._heard[(transcript.start, transcript.end, transcript.text)] = (clean, sentences)
        guess = self.speakers.attribute(
            sentences,
            transcript.start,
            transcript.end,
            known=transcript.speaker,
            channel=transcript.channel,
            pinned=transcript.speaker_source == "channel",
            voiceprint=voiceprint,
            seconds=seconds,
        )
        if transcript.speaker is None:
            transcript = msgspec.structs.replace(
                transcript,
                speaker=guess.speaker,
                speaker_source=guess.source,
                speaker_confidence=guess.confidence,
            )
        transcript = msgspec.structs.replace(transcript, voice=guess.voice)
        if self.acts is not None and self.options.use != "rules" and transcript.acts is None and _english(clean):
            before, by = self._previous if self._previous is not None else (None, None)
            alike = None if before is None else same(by, transcript.speaker)
            scores = self.acts.scores(clean, before, same_speaker=alike)
            transcript = msgspec.structs.replace(transcript, acts={k: round(v, 3) for k, v in scores.items()})
        self._previous = (clean, transcript.speaker)
        return transcript

    def extract(self, transcript: Transcript) -> list[Extracted]:
        """Items in a logged transcript (it has its `seq`); call `attribute` on it first."""
        heard = self._heard.pop((transcript.start, transcript.end, transcript.text), None)
        if heard is None:
            transcript = self.attribute(transcript)
            heard = self._heard.pop((transcript.start, transcript.end, transcript.text))
        clean, sentences = heard
        if not _english(clean):
            return []  # words the rules and the classifier do not read decide nothing
        speaker = self.speakers.canonical(transcript.speaker) if transcript.speaker else None
        acts = transcript.acts if self.options.use != "rules" else None
        last = self._last
        recent = last is not None and transcript.start - last.end <= self.options.context_window
        same_speaker = last is not None and last.speaker is not None and same(last.speaker, speaker)
        turn = _Turn(speaker, transcript.end, clean)
        # An addressee holds for the same speaker's next sentences; "you" is whoever spoke just before.
        addressee = last.addressee if recent and same_speaker and last is not None else None
        previous_speaker = last.speaker if recent and last is not None and not same_speaker else None
        if last is not None and recent and not same_speaker and self._answered is not None:
            caller, callee = self._answered
            if same(caller, speaker) and same(callee, last.speaker):
                addressee = callee  # "CAPCOM, from FLIGHT." / "Go." / "Let's verify the tape recorders off."
        self._learn_alias(sentences, speaker, previous_speaker)
        commander = self.speakers.commander
        commanding = bool(commander and speaker and same(commander, speaker))
        echo = commanding and last is not None and recent and not same_speaker and _echoes(sentences, last, self._known)

        # "We'll work on it" right after the commander said what he wants takes it on; it is no new task.
        # (The commander's own "we'll" is the bridge's course.)
        told = commanding or bool(
            last is not None
            and recent
            and not same_speaker
            and commander
            and same(last.speaker, commander)
            and (last.decided or last.requests or (not last.asked and not last.intro and len(last.words) > 3))
        )
        items: list[Extracted] = []
        decided: list[Sentence] = []
        requested = committed = checked = False
        check_owners: list[str | None] = []  # "Lerato, in five. Nomvula, in three.": one check each
        # A name said on its own ("Rolling back the canary. Tariq.") is for the sentence before it.
        addressees = [x.addressee for x in sentences]
        for i, x in enumerate(sentences[1:], 1):
            if x.addressee and addressees[i - 1] is None and _only_name(x):
                addressees[i - 1] = x.addressee
        for i, x in enumerate(sentences):
            if x.verbless and x.addressee and x.self_id and speaker and self._sent_to(x, speaker):
                addressees[i] = x.self_id  # "TTCA, CAPCOM." said by FLIGHT: the setting, put to CAPCOM
        said_task = last.task if last is not None and recent and same_speaker else None
        for s, named in zip(sentences, addressees, strict=True):
            if named:
                addressee = named
            start, end = self._times(transcript, clean, s)
            evidence = _Evidence(start=start, end=end, quote=s.text, source=transcript.seq, by=speaker)
            time, answered = s.time, False
            if time is None and not checked:
                time = self._answer(s, last, recent)
                answered = time is not None
            if time is None and self._pending(speaker, transcript) is not None:
                time = find_answer(s.text)  # "Yes. Twenty minutes." from the person just asked: their deadline
            due = round(end + time.seconds, 3) if time else None

            echoed = echo and not s.ack
            carried = commanding and (s.relay or s.mitigation_order or s.order or echoed)
            spoken_to = next((n for n in (named, addressee) if n and self._person(n)), None)
            if spoken_to and speaker and same(spoken_to, speaker):
                spoken_to = None  # "Go ahead, calling, FLIGHT." said by FLIGHT: his own call sign
            # What the commander tells the relay, even without a verb ("CAPCOM, FUEL CELL 1 reactants.", "We
            # delete it all, CAPCOM."), is for the crew: the relay's to pass on.
            to_relay = bool(commanding and spoken_to and (r := self._relay()) is not None and same(spoken_to, r))
            relayed = to_relay and s.verbless and self._content(s) and any(same(a or "", r or "") for a in addressees)
            relay = self._relay() if carried and not spoken_to and not s.named_owner else None
            before = last.speaker if echoed and last is not None else previous_speaker
            owner = relay or self._owner(s, spoken_to, before, speaker)
            owner = self.speakers.learn(owner) if owner is not None else None
            if owner and not commanding and commander and same(owner, commander) and not _POLITE.search(s.text):
                turn.recommends = True  # "Turn Charlie 1 OFF", said to FLIGHT: put to the commander, not his task
                owner = None
            another = bool(checked and named and s.status and not any(same(named, o or "") for o in check_owners))
            if (
                due is not None
                and (not checked or another)
                and self._says(acts, "status_check", bool(s.status) or answered)
            ):
                check_owner = self._check_owner(s, owner, speaker, answered=answered)
                check_owners.append(check_owner)
                items.append(
                    StatusCheck(
                        t=transcript.t,
                        owner=check_owner,
                        due=due,
                        confidence=self._confidence(acts, "status_check", 0.9),
                        category="communication",
                        **evidence,
                    )
                )
                checked = True

            # An answer to "what's the ETA?" is the answerer's status check, not a deadline for a task.
            # "No bother, I'll give you a shout in twenty": the promise is the check, the deadline no task's.
            reports = bool(check_owners and s.status and s.commitment and _CALLS_BACK.match(s.commitment))
            accepted = (
                None if requested or answered or reports else self._acceptance(transcript, s, speaker, due, evidence)
            )
            task = s.request or s.imperative or (s.ours if addressee and addressee != BRIDGE else None)
            if task is None and commanding and owner is not None and (s.mitigation_order or s.order or echoed):
                task = s.text.rstrip(".!")  # "Inline heaters OFF on FUEL CELL 1": the setting is the task
            if task is None and owner is not None and (relayed or (to_relay and s.decision)):
                task = s.decision or s.text.rstrip(".!")
            if s.assignment is not None and (decided or not _GO_AHEAD.search(s.text)):
                task = s.assignment or said_task
            if accepted is not None:
                items.append(accepted)
                committed = True
            elif (
                task
                and owner is not None
                and not _REPORT_ONLY.match(task)
                and not _PRESENCE.match(task)
                and (not requested or s.request)
                and self._says(acts, "request", True)
            ):
                task = self._resolve(task, decided)
                self._requests[owner.lower()] = _Request(
                    ActionItem(
                        t=transcript.t,
                        owner=owner,
                        task=task,
                        due=due,
                        confidence=self._confidence(acts, "request", 0.85),
                        category=self._category(task),
                        **evidence,
                    ),
                    due is not None,
                )
                self.speakers.assign(owner, s.topic if task == s.request else frozenset(s.lemmas))
                items.append(self._requests[owner.lower()].item)
                turn.requests.append((owner, task))
                requested = True
            elif not committed and not (checked and _STANDBY.search(s.text)) and not (s.collective and told):
                # "Standby one minute; I'll poll my back room": the promise is the check
                item = self._commitment(transcript, s, speaker, due, evidence, acts, last if recent else None)
                if item is not None:
                    items.append(item)
                    committed = True
            reports_back = bool(s.imperative and _REPORT_ONLY.match(s.imperative))
            bare = not (s.status or s.imperative or s.commitment or s.decision or s.question)
            if due is not None and requested and not s.request and (reports_back or bare):
                # "Tobias, write it up. By Monday, please." / "Ayesha, find out why. Report back in four minutes."
                self._give_due(items, due)

            carries_out = bool(decided) or (last is not None and recent and last.decided)
            if (
                s.decision
                or (s.mitigation_order and not s.addressee)
                or ((s.order or relayed) and not carries_out)
                or echoed
            ) and not s.status:
                decided.append(s)
            # "X-POINTER negative." answering FLIGHT's "how about the X-POINTER?" reports, it recommends nothing
            answering = bool(last and recent and last.asked and commander and same(last.speaker, commander))
            if (
                not commanding
                and not s.question
                and (s.imperative or s.mitigation_order or (s.verbless and not answering) or _RECOMMENDS.search(s.text))
            ):
                turn.recommends = True
            said_task = s.decision or s.imperative or s.request or said_task
            if s.offer:
                turn.offer = s.offer
            if _ETA.search(s.text) and s.text.rstrip().endswith("?"):
                turn.asked_eta = True
        turn.task = said_task
        turn.addressee = addressee
        turn.words = frozenset(_words(clean))
        turn.asked = any(x.question for x in sentences)
        turn.intro = any(x.self_id or x.commander_claim for x in sentences)
        if all(x.addressee and x.addressee != BRIDGE and _only_call(x) for x in sentences):
            turn.call = sentences[-1].addressee
        proposal = last.proposal if last is not None and recent else None
        asked = self._asked
        if asked is not None and transcript.start - asked[2] > self.options.context_window * 1.5:
            asked = self._asked = None
        if commanding and asked is not None and not decided and _assents(sentences):
            # "Do you want to close the REPRESS pack, too?" … (FLIGHT asks EECOM) … "Yes, Jack.": the go for it
            asker, proposal, _ = asked
            decided, self._asked = sentences[:1], None
            relay = self._relay()
            if _OFFERS_TO_DO.search(proposal) or (relay is not None and same(asker, relay)):
                start, end = self._times(transcript, clean, sentences[0])
                task = proposal.rstrip("?.!- ")
                items.append(
                    ActionItem(
                        t=transcript.t,
                        owner=asker,
                        task=task,
                        confidence=0.8,
                        category=self._category(task),
                        start=start,
                        end=end,
                        quote=sentences[0].text,
                        source=transcript.seq,
                        by=speaker,
                    )
                )
        withheld: list[Sentence] = []
        if decided:
            last_at = max(i for i, x in enumerate(sentences) if any(x is d for d in decided))
            if any(_SEEKS_ASSENT.search(x.text) for x in sentences[last_at + 1 :]):
                # "We're going to do a 4-jet. That alright with you?": put to them, not yet taken
                withheld, decided = decided, []
        window = self.options.context_window * 1.5
        course = self._put if self._put is not None and transcript.start - self._put[2] <= window else None
        ready = self._ready if self._ready is not None and transcript.start - self._ready[2] <= window else None
        takes = commanding and not decided and not withheld and not any(x.question for x in sentences)
        if takes and course is not None and _TAKES.match(clean) and not _FINDS_OUT.search(course[1]):
            # "Might as well do that.", "Yeah. We can sure turn those off.", "Okay. As soon as we get the COMM."
            decided, proposal = [next((x for x in sentences if not x.ack), sentences[0])], course[1]
        elif takes and ready is not None and _READY.match(clean):
            # "You ready for the gimbal?" … "Ready for the gimbal.": the go for it
            decided, proposal = [next((x for x in sentences if not x.ack), sentences[0])], ready[1]
        if commanding and decided and self._repeats(decided, transcript.end):
            # "THRUSTER C-1 to OFF" again after "say again?": the decision and its order were taken already
            quotes = {x.text for x in decided}
            items = [i for i in items if not (isinstance(i, ActionItem) and i.quote in quotes)]
            decided = []
        decision = self._decision(transcript, clean, sentences, decided, speaker, acts, proposal)
        if decision is not None:
            items.insert(0, decision)
            turn.decided = True
            self._put = self._ready = None
        if not commanding and speaker:
            if turn.recommends or _PUTS.search(clean) or any(x.question or _proposes(x) for x in sentences):
                self._put = (speaker, clean, transcript.end)
            if _READY_ASKED.search(clean):
                self._ready = (speaker, clean, transcript.end)
        if not turn.decided and withheld:
            put = withheld[0]
            turn.proposal, turn.proposal_start = put.text, self._times(transcript, clean, put)[0]
        elif not turn.decided and any(s.question or _proposes(s) for s in sentences):
            put = next(s for s in reversed(sentences) if s.question or _proposes(s))
            turn.proposal, turn.proposal_start = put.text, self._times(transcript, clean, put)[0]
        whether = next((x for x in sentences if _ASKS_COMMANDER.search(x.text)), None)
        if not commanding and speaker and whether is not None:
            self._asked = (speaker, whether.text, transcript.end)
        self._answered = None
        if self._called and speaker and same(self._called[1], speaker) and _answers_call(clean):
            self._answered, self._called = self._called, None
        elif turn.call and speaker:
            self._called = (speaker, turn.call)
        else:
            self._called = None
        self._last = turn
        return items

    def _known(self, word: str) -> bool:
        """A person or call sign on the call ("Jack", once Jack is known to be CAPCOM)."""
        return self.speakers.canonical(word).lower() in self.speakers.names

    def _person(self, name: str) -> bool:
        """Someone who can be spoken to: on the call, or a name; not "OMNI Charlie" or "MAIN A", which a
        setting said back on a loop puts where a name would be."""
        words = name.split()
        if name == BRIDGE or self._known(name):
            return True
        if len(words) == 1:
            return name.lower() not in ("off", "on", "open", "closed", "out")
        return not any(len(w) > 1 and w.isupper() for w in words)

    def _relay(self) -> str | None:
        """Who passes the commander's orders on to those who carry them out (CAPCOM to the crew), if on the call."""
        return next((self.speakers.canonical(n) for n in sorted(self.speakers.names) if n in self._relays), None)

    def _learn_alias(self, sentences: list[Sentence], speaker: str | None, previous_speaker: str | None) -> None:
        """Other names for people on the call: "FLIGHT, GUIDANCE." said by GUIDO names GUIDO (three votes); "I
        didn't copy them all, Jack." right after CAPCOM spoke is a vote for Jack being CAPCOM. The name goes to
        whoever has the most votes, so one reply to someone else does not settle it."""
        votes: list[tuple[str, str, int]] = []
        for x in sentences:
            if x.self_id and speaker and not same(x.self_id, speaker) and self._unknown(x.self_id):
                votes.append((x.self_id, speaker, 3))
        name = next((x.addressee for x in sentences if x.addressee and x.addressee != BRIDGE), None)
        if name and previous_speaker and re.fullmatch(r"[A-Z][a-z]+", name) and self._unknown(name):
            votes.append((name, previous_speaker, 1))
        for said, who, weight in votes:
            tally = self._aliases.setdefault(said.lower(), {})
            tally[who] = tally.get(who, 0) + weight
            best = max(tally, key=lambda k: tally[k])
            if not same(self.speakers.canonical(said), best):
                self.speakers.rename(said, best)

    def _sent_to(self, s: Sentence, speaker: str) -> bool:
        """ "TTCA, CAPCOM." said by FLIGHT: a setting and a call sign on the call, not the speaker's, after it;
        on a loop the setting is put to that call sign (the first word is equipment, nobody to speak to)."""
        called = s.self_id or ""
        return (
            self._known(called)
            and not same(called, speaker)
            and not self._known(s.addressee or "")
            and s.text.rstrip(" .!").lower().endswith(called.lower())
        )

    def _content(self, s: Sentence) -> bool:
        """Words in `s` other than names, call signs and acknowledgements: a setting, not a call."""
        return any(w not in _ECHO_FILLER and w not in _CALLING and not self._known(w) for w in _words(s.text))

    def _unknown(self, name: str) -> bool:
        """Not a name the call started with: one an alias may be learnt for."""
        return name.lower() in self._aliases or self.speakers.canonical(name).lower() not in self._roster

    def _repeats(self, decided: list[Sentence], end: float) -> bool:
        """The commander says again what he decided within the last minute (nouns and states alike)."""
        about = frozenset(w for x in decided for w in x.lemmas if w not in self.speakers.names)
        self._decided = [(t, a) for t, a in self._decided if end - t <= 60.0]
        if not about:  # nothing topical ("Plan on that."): the same words say it again
            said = (w for x in decided for w in _words(x.text) if w not in _ECHO_FILLER and not self._known(w))
            about = frozenset("=" + w for w in said)
        if not about:
            return False
        if any(about <= a for _, a in self._decided):
            return True
        self._decided.append((end, about))
        return False

    # -- what the act is -----------------------------------------------------------------------------

    def _says(self, acts: dict[str, float] | None, act: str, rule: bool) -> bool:
        """Whether the utterance does `act`, as `use` decides from the rule's verdict and the classifier's."""
        use, p = self.options.use, (acts or {}).get(act)
        if use == "rules" or p is None:
            return rule
        if use == "model":
            return p >= self.options.threshold
        return rule or p >= self.options.adds

    def _confidence(self, acts: dict[str, float] | None, act: str, rule: float) -> float:
        p = (acts or {}).get(act)
        return round(max(rule, p) if p is not None else rule, 3)

    # -- who owes it ---------------------------------------------------------------------------------

    @staticmethod
    def _owner(s: Sentence, addressee: str | None, previous_speaker: str | None, speaker: str | None) -> str | None:
        """Who a request in `s` is for: someone named after the verb, the person addressed (in this sentence or
        carried from the speaker's last ones), or, for a "you" said to nobody named, whoever spoke just before."""
        if s.named_owner:
            return s.named_owner
        if addressee and addressee != BRIDGE:
            return addressee
        terse = _YOU.search(s.text) or s.imperative or s.order  # an order right after someone reported is theirs
        if addressee is None and previous_speaker and not same(previous_speaker, speaker) and terse:
            return previous_speaker
        return None

    @staticmethod
    def _check_owner(s: Sentence, owner: str | None, speaker: str | None, *, answered: bool) -> str | None:
        """Who owes the update: whoever answered "how long?", the speaker of "I'll update you", the person
        asked to report ("report back", "I want to hear back from Luis"), else the whole bridge."""
        if answered or (s.commitment and not s.request) or (_FIRST_PERSON.search(s.text) and not s.request):
            return speaker
        if _STANDBY.search(s.text) and not s.request:
            return speaker  # "Standby one minute": the speaker will be back
        if owner is not None and (
            s.request or s.imperative or s.named_owner or s.addressee or _YOU.search(s.text) or _ASKS.match(s.text)
        ):
            return owner
        return None

    def _answer(self, s: Sentence, last: _Turn | None, recent: bool) -> SpokenTime | None:
        """ "Ten, give or take" after someone else asked how long: the answerer's own check."""
        if last is None or not recent or not last.asked_eta:
            return None
        return find_answer(s.text)

    # -- items ---------------------------------------------------------------------------------------

    def _acceptance(
        self, transcript: Transcript, s: Sentence, speaker: str | None, due: float | None, evidence: _Evidence
    ) -> ActionItem | None:
        """The person just asked answers with a deadline ("Sure, it'll be up in five minutes", "Give me five
        minutes"): their item, with that due, on the answer's line."""
        request = self._pending(speaker, transcript)
        if request is None or due is None or s.question or s.request or _NEGATION.search(s.text):
            return None  # "we're not going to have anything in about 40 minutes" is a fact, no acceptance
        request.accepted = True
        return msgspec.structs.replace(request.item, t=transcript.t, due=due, **evidence)

    def _pending(self, speaker: str | None, transcript: Transcript) -> _Request | None:
        """The request just made of `speaker` that they have not answered and that has no deadline yet."""
        request = self._requests.get(speaker.lower()) if speaker else None
        if (
            request is None
            or request.accepted
            or request.has_due
            or transcript.start - request.item.end > self.options.acceptance_window
        ):
            return None
        return request

    def _give_due(self, items: list[Extracted], due: float) -> None:
        """The last action item of this utterance without a deadline gets `due`."""
        for i in range(len(items) - 1, -1, -1):
            item = items[i]
            if isinstance(item, ActionItem):
                if item.due is None:
                    dated = items[i] = msgspec.structs.replace(item, due=due)
                    request = self._requests.get((item.owner or "").lower())
                    if request is not None and request.item is item:
                        request.item, request.has_due = dated, True
                return

    def _commitment(
        self,
        transcript: Transcript,
        s: Sentence,
        speaker: str | None,
        due: float | None,
        evidence: _Evidence,
        acts: dict[str, float] | None,
        last: _Turn | None,
    ) -> ActionItem | None:
        task = s.commitment or ""
        offered = last.offer if last is not None and not same(last.speaker, speaker) else None
        volunteered = offered is not None and (s.volunteer or bool(s.commitment))
        if volunteered:
            task = s.commitment if s.commitment and _substantive(s.commitment) else offered or task
        if not volunteered and (_REPORT_ONLY.match(task) or _PRESENCE.match(task)):
            return None  # "I'll give everyone an update at ten": the status check says it; "I'll stay on"
        rule = (bool(s.commitment) and _substantive(s.commitment or "")) or volunteered
        if not self._says(acts, "commitment", rule) or not speaker:
            return None
        if not task or not _substantive(task):
            if offered is None:
                return None
            task = offered
        request = self._requests.get(speaker.lower())
        if request and not request.accepted and transcript.start - request.item.end <= self.options.acceptance_window:
            request.accepted = True  # the person asked takes the task on: the same item
            if due is None or request.has_due:
                return None
        self.speakers.assign(speaker, s.topic)
        return ActionItem(
            t=transcript.t,
            owner=speaker,
            task=task,
            due=due,
            category=self._category(task),
            confidence=round(self._confidence(acts, "commitment", 0.8) * (transcript.speaker_confidence or 1.0), 3),
            **evidence,
        )

    def _decision(
        self,
        transcript: Transcript,
        clean: str,
        sentences: list[Sentence],
        decided: list[Sentence],
        speaker: str | None,
        acts: dict[str, float] | None,
        proposal: str | None,
    ) -> Decision | None:
        strong = any(s.decision and _STRONG_DECISION.match(s.text) for s in decided)
        commander = self.speakers.commander
        if commander is not None and speaker is not None and not same(speaker, commander) and not strong:
            return None  # the bridge decides through whoever runs it; a responder's "we'll do X" is a proposal
        if not self._says(acts, "decision", bool(decided)):
            return None
        if not decided:
            decided = [s for s in sentences if not (s.ack or s.question or s.status)] or sentences[-1:]
        first, final = decided[0], decided[-1]
        start, _ = self._times(transcript, clean, first)
        _, end = self._times(transcript, clean, final)
        texts = [s.decision or s.text.rstrip(".!") for s in decided]
        main = next((t for t, s in zip(texts, decided, strict=True) if len(t.split()) > 3), texts[-1])
        quote = " ".join(s.text for s in decided)
        if proposal and len(main.split()) <= 3:
            # "Yes, let's." after "Should we flip the flag off?": the assent takes the proposal.
            main = proposal.rstrip("?.!- ")
            quote = f"{proposal} … {quote}"
        return Decision(
            t=transcript.t,
            start=start,
            end=end,
            quote=quote,
            source=transcript.seq,
            by=speaker,
            text=main,
            confidence=0.95 if strong else self._confidence(acts, "decision", 0.8),
            category=self._category(quote),
        )

    def _resolve(self, task: str, decided: list[Sentence]) -> str:
        """'you own that change' after 'We are switching Europe to the backup CDN' names the change."""
        if decided and _PRONOUN_OBJECT.search(task):
            context = decided[-1].decision or decided[-1].text
            return f"{task} ({context.rstrip('.')})"
        return task

    def _category(self, text: str) -> Category | None:
        """The category of the earliest telling word: "find out why the pods restart" is investigation."""
        found = [
            (m.start(), i, category)
            for i, (category, pattern) in enumerate(self._categories)
            if (m := pattern.search(text))
        ]
        return min(found)[2] if found else None

    @staticmethod
    def _times(transcript: Transcript, clean: str, s: Sentence) -> tuple[float, float]:
        """Call seconds of a sentence: from its words' times when known, else by its place in the text."""
        span = transcript.end - transcript.start
        n = max(1, len(clean))
        start = transcript.start + span * s.span[0] / n
        end = transcript.start + span * s.span[1] / n
        return round(start, 3), round(end, 3)


_REPORT_ONLY = re.compile(
    r"(?i)^(?:please\s+|just\s+)?(?:report(?:\s+back)?|give (?:me|us|everyone|the bridge)\b|get back to"
    r"|update (?:me|us|everyone|the bridge)|let (?:me|us) know|holler|ping (?:me|us)|check in|circle back|come back"
    r"|get (?:that|it|this|those|an answer) (?:for|to) you|get back to you|let you know|keep you (?:posted|updated)"
    r"|give you (?:a|an) (?:call|shout|ring|buzz|holler|heads[- ]up|update)|call you back"
    r"|tell (?:me|us)\b|hear back|revert|give (?:\w+ ){0,5}(?:an? )?(?:update|status)|send (?:\w+ )?(?:an? )?update)"
)
"""A task that is only to report back: the status check says it; it is no action item of its own."""
_CALLS_BACK = re.compile(
    r"(?i)^(?:give you (?:a|an) (?:call|shout|ring|buzz|holler|heads[- ]up)|get back to you|come back to you"
    r"|call you back|ring you back|let you know|keep you (?:posted|updated))\b"
)
"""A promise only to call back, said to the one who asked: the check, not a task ("Let me get that for you in a
minute" delivers what was asked: the task, with its deadline)."""
_PRESENCE = re.compile(
    r"(?i)^(?:(?:stay|stick|hang|be)\s+(?:on|around|here|back)\b|wait\b|come\s+(?:up|over|by|down)\b"
    r"|(?:keep|leave|hold)\s+(?:the|this)\s+(?:bridge|call|line|channel)\s+open\b)"
)
"""Staying on the call, or keeping it open, is no task."""
_GO_AHEAD = re.compile(r"(?i)\bgo ahead\b")
"""Said to a name, "go ahead" carries out a decision just taken; otherwise it gives the floor."""
_ASKS = re.compile(
    r"(?i)^(?:\W*(?:and|also|then|so|please|just|okay|ok)[,\s]+)*(?:report|update|give|tell|get back|holler|"
    r"ping|check in|come back|circle back|revert|let (?:me|us) know)\b"
)
"""An utterance that asks for the update itself: whoever was just addressed owes it."""


_NEGATION = re.compile(r"(?i)\b(?:not|no|never|nothing)\b|n't\b")
_POLITE = re.compile(r"(?i)\b(?:(?:can|could|would|will) you|please|(?:need|want) you to|i'd like you to)\b")
"""A request said as one: to the commander too, it is a task ("Dana, can you approve the spend?")."""
_RECOMMENDS = re.compile(
    r"(?i)\b(?:i|we)(?:'d| would)(?: sure)? like (?:to|you to|them to)\b"
    r"|\b(?:i|we) (?:recommend|suggest|propose|want to)\b|\blet's\b|\blet us\b"
    r"|\bwe (?:need|ought|should|better|'d better) to\b|\bwe'd better\b"
)
"""What a responder says to put a course of action to the commander."""
_ECHO_FILLER = frozenset(
    "okay ok roger yeah yes yep copy and too also just then now please so well alright right good the a an to"
    " negative affirmative affirm concur concurs agree agreed we no".split()
)
"""Words said back that take nothing: a "Negative." or "We concur." echoed is no setting."""
_STANDBY = re.compile(r"(?i)\bstand\s*-?\s*by\b")
_ASSENT_LEAD = r"(?i)^(?:\W*(?:yeah|yes|yep|okay|ok|alright|all right|sure|roger|right|well|good)\b[,.!]*\s*)*"
_TAKES = re.compile(
    _ASSENT_LEAD + r"(?:i think\s+)?(?:(?:it'd|it would) be (?:good|best|better) to\b|might as well\b"
    r"|(?:we|you) can (?:sure |certainly |just )?(?:do|turn|go|leave|take|get|pull|close|open|shut)\b"
    r"|plan on (?:that|it)\b|as soon as\b|do (?:that|it)\b|make it so\b|sounds? (?:good|like a plan)\b"
    r"|good idea\b|fair enough\b)"
)
"""The commander's assent to a course just put to him, softened: "Might as well do that.", "Yeah. We can sure turn
those off.", "Okay. As soon as we get the COMM.", "Sounds like a plan." After nothing put to him, nothing."""
_PUTS = re.compile(
    _RECOMMENDS.pattern + r"|\b(?:i|we)(?:'d| would) (?:suggest|recommend|propose|go|do|pull|take)\b"
    r"|\b(?:we|i) (?:could|might|should|ought to)\b|\bmaybe we\b|\bwhat if we\b|\b(?:i|we) need\b"
)
"""A responder putting a course to the commander, for the assent that may follow."""
_FINDS_OUT = re.compile(
    r"(?i)\b(?:confirm|verify|check|look|investigate|find out|figure out|ask|read|see if|see whether)\b"
)
"""A course that only finds something out: the commander's "good idea" to it decides nothing."""
_READY_ASKED = re.compile(
    r"(?i)(?:\b(?:you|you're|you are|we|we're|we are|they|they're|everyone|everybody)\s+(?:all\s+)?|^\W*)ready\s+"
    r"(?:for|to)\b[^.!]*(?:\?|-)\s*$"
)
"""A responder asking whether the room is ready for the next step ("You ready for the gimbal?")."""
_READY = re.compile(_ASSENT_LEAD + r"(?:(?:we're|we are|they're|they are|we're all)\s+)?ready\b(?![^.!?]*\?)")
"""The commander's "Ready for the gimbal.", "Yeah, we're ready.": the go."""
_CALLING = frozenset(
    "from this is here calling over out thanks thank you fine great standby stand by wait hold on hang minute moment"
    " second sec just one".split()
)
"""The words of a call, a thanks or a hold ("CAPCOM, from FLIGHT.", "Thanks, CAPCOM.", "Standby, CAPCOM.")."""
_SEEKS_ASSENT = re.compile(
    r"(?i)\b(?:(?:that|this|it)(?:'s|\s+is)?\s+(?:alright|all right|okay|ok|fine|good)\s+(?:with|by|for)\s+"
    r"(?:you|everyone|everybody|y'all|all)|(?:you|everyone|everybody|anyone|anybody|y'all|all)\s+(?:alright|all right"
    r"|okay|ok|fine|good|happy)\s+with\s+(?:that|this|it)|any(?:one|body)\s+object|any\s+objections?|objections"
    r"|(?:you|everyone|everybody|y'all|all)\s+(?:agree|concur)|sounds?\s+(?:good|okay|ok|alright|right)|agreed)\b"
    r"[^?]*\?\s*$"
)
"""A question that asks the others to agree ("That alright with you?", "Anyone object?"): what was just
said is put to them, not yet decided."""


_ASKS_COMMANDER = re.compile(
    r"(?i)\b(?:do you want|you want (?:me|them|us|him|her|to)\b|want me to|should (?:we|i)|shall (?:we|i)|do we want|"
    r"are we (?:going to|gonna)|would you like)\b[^?]*(?:\?|-)\s*$"
)
"""A responder asking the commander whether to do something ("Do you want to do that, too?")."""
_OFFERS_TO_DO = re.compile(r"(?i)\b(?:should i|shall i|want me to|you want me|you want them|do you want them)\b")
"""...offering to do it, or to have it done: the "yes" makes it the asker's task."""
_ASSENT = frozenset({"yes", "yeah", "yep", "yup", "affirmative", "affirm", "absolutely", "correct"})


def _assents(sentences: list[Sentence]) -> bool:
    """ "Yes, Jack.", "Yeah, do it.", "Affirmative.": a yes, with at most a name or a "do it" after it."""
    if not sentences or any(x.question for x in sentences) or len(sentences) > 2:
        return False
    words = _words(sentences[0].text)
    rest = [w for w in words[1:] if w not in ("sir", "please", "do", "it", "that", "go", "ahead", "let's")]
    return bool(words) and words[0] in _ASSENT and len(rest) <= 1 and not sentences[-1].question


def _words(text: str) -> list[str]:
    return re.findall(r"[\w'-]+", text.lower())


def _echoes(sentences: list[Sentence], last: _Turn, known: Callable[[str], bool]) -> bool:
    """The commander says back, in at most a few words, what a responder just put to him ("OMNI Charlie,
    FLIGHT." / "Roger. And OMNI Charlie."; "Get the inline heaters OFF on FUEL CELL 1" / "Inline heaters OFF on
    FUEL CELL 1"): he takes it. Not a report said back ("We've got a MAIN B UNDERVOLT." / "Oh, MAIN B.")."""
    if not last.recommends or any(x.question for x in sentences):
        return False
    said = [w for x in sentences if not x.ack for w in _words(x.text) if w not in _ECHO_FILLER and not known(w)]
    setting = any(not w.isdigit() and w not in DURATION_WORDS for w in said)  # "5 minutes." said back: a time
    return 0 < len(said) <= 8 and setting and all(w in last.words for w in said)


def _only_call(s: Sentence) -> bool:
    """ "EECOM, FLIGHT." / "CAPCOM, from FLIGHT." / "Kim?": a call sign or name and the caller, nothing more."""
    return len(_words(s.text)) <= 4 and not (s.request or s.decision or s.imperative or s.commitment or s.status)


def _answers_call(text: str) -> bool:
    """ "Go.", "Go ahead, FLIGHT.", "Yes?", "CONTROL here.": the floor handed back to whoever called."""
    words = _words(text)
    return 0 < len(words) <= 4 and (words[0] in ("go", "yes", "yeah", "here", "listening") or words[-1] == "here")


def _english(text: str) -> bool:
    """Mostly Latin letters: what an English model and English rules can read at all."""
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isascii() for c in letters) >= 0.8 * len(letters)


def _only_name(s: Sentence) -> bool:
    return s.addressee is not None and re.sub(r"[^\w' -]", "", s.text).strip().lower() == s.addressee.lower()


_PROPOSAL = re.compile(
    r"(?i)\b(?:should we|shall we|do we|can we|could we|how about|what about|why don't we|i (?:suggest|propose|"
    r"recommend)|my (?:suggestion|recommendation)|anyone object|any objections?|objections?)\b"
)


def _proposes(s: Sentence) -> bool:
    return bool(_PROPOSAL.search(s.text))


_NOT_SUBSTANCE = frozenset({"it", "that", "this", "those", "these", "them", "do", "so", "now"})


def _substantive(task: str) -> bool:
    words = [w for w in re.findall(r"[\w']+", task.lower()) if w not in _NOT_SUBSTANCE]
    return len(words) >= 2
