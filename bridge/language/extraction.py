"""Decisions, action items and status checks from final transcripts: the building half of extraction.

For each final transcript the extractor asks the analyzer what each sentence does, asks the speaker
attribution who said it, and builds typed events carrying their evidence (call times, the words, the
transcript's `seq`). It keeps the little state a bridge call needs: who was just asked to do what, so that
"Marcus, please start the rollback" / "Okay, I will start it now" stays one action item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import tzinfo
from typing import TypedDict
from zoneinfo import ZoneInfo

import msgspec
import numpy as np

from ..calltime import wall
from ..events import ActionItem, Category, Decision, Extracted, StatusCheck, Transcript
from ..speakers.attribution import Speakers
from .analysis import BRIDGE, Analyzer, Sentence

__all__ = ["Extractor", "ExtractorOptions"]

_PRONOUN_OBJECT = re.compile(r"\b(?:it|that|this|those|these)(?:\s+(?:one|change|thing|step|part))?$", re.I)


class _Evidence(TypedDict):
    """What every item extracted from one sentence carries: where it was said, the words, by whom."""

    start: float
    end: float
    quote: str
    source: int
    by: str | None


@dataclass(frozen=True)
class ExtractorOptions:
    acceptance_window: float = 60.0
    """Seconds within which "I will ..." from the person just asked accepts the request."""


@dataclass
class _Request:
    at: float
    has_due: bool
    accepted: bool = False


class Extractor:
    def __init__(
        self,
        analyzer: Analyzer,
        speakers: Speakers,
        *,
        started: float | None = None,
        options: ExtractorOptions | None = None,
    ) -> None:
        self.analyzer = analyzer
        self.speakers = speakers
        self.options = options or ExtractorOptions()
        self.started = started
        """Unix time at call time 0, to resolve spoken clock times."""
        self.zone: tzinfo = ZoneInfo("UTC")
        """The call's timezone, in which spoken clock times are meant (the session's --tz)."""
        self._heard: dict[tuple[float, float, str], tuple[str, list[Sentence]]] = {}
        self._requests: dict[str, _Request] = {}
        self._addressed: tuple[str | None, float, str | None] = (None, float("-inf"), None)
        """(addressee, end, speaker) of the last transcript, carried into a continuation of it."""
        self._categories: list[tuple[Category, re.Pattern[str]]] = [
            (category, re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b", re.I))
            for category, words in analyzer.patterns.data["categories"].items()
        ]

    def attribute(
        self, transcript: Transcript, *, voiceprint: np.ndarray | None = None, seconds: float = 0.0
    ) -> Transcript:
        """The transcript with its speaker, as far as its words and its voice tell (a speaker it already has
        is kept)."""
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
        if transcript.speaker is not None:
            return msgspec.structs.replace(transcript, voice=guess.voice)
        return msgspec.structs.replace(
            transcript,
            speaker=guess.speaker,
            speaker_source=guess.source,
            speaker_confidence=guess.confidence,
            voice=guess.voice,
        )

    def extract(self, transcript: Transcript) -> list[Extracted]:
        """Items in a logged transcript (it has its `seq`); call `attribute` on it first."""
        heard = self._heard.pop((transcript.start, transcript.end, transcript.text), None)
        if heard is None:
            self.attribute(transcript)
            heard = self._heard.pop((transcript.start, transcript.end, transcript.text))
        clean, sentences = heard
        speaker = self.speakers.canonical(transcript.speaker) if transcript.speaker else None
        items: list[Extracted] = []
        decided: list[Sentence] = []
        last_addressee, last_end, last_speaker = self._addressed
        continuing = transcript.start - last_end <= self.speakers.continuation_gap and last_speaker == speaker
        addressee = last_addressee if continuing else None
        for s in sentences:
            if s.addressee:
                addressee = s.addressee
            person = None if addressee is None or addressee == BRIDGE else self.speakers.learn(addressee)
            start, end = self._times(transcript, clean, s)
            evidence = _Evidence(start=start, end=end, quote=s.text, source=transcript.seq, by=speaker)
            due = round(end + s.time.seconds, 3) if s.time else None
            if s.status and due is not None:
                owner = person if s.request else speaker if s.commitment else None
                items.append(
                    StatusCheck(
                        t=transcript.t, owner=owner, due=due, confidence=0.9, category="communication", **evidence
                    )
                )
            if s.request and person:
                task = self._resolve(s.request, decided)
                self._requests[person.lower()] = _Request(transcript.end, due is not None)
                self.speakers.assign(person, s.topic if task == s.request else decided[-1].lemmas)
                items.append(
                    ActionItem(
                        t=transcript.t,
                        owner=person,
                        task=task,
                        due=due,
                        confidence=0.85,
                        category=self._category(task),
                        **evidence,
                    )
                )
            elif s.commitment and _substantive(s.commitment):
                item = self._commitment(transcript, s, speaker, due, evidence)
                if item is not None:
                    items.append(item)
            if (s.decision or (s.mitigation_order and not s.addressee)) and not s.status:
                decided.append(s)
        if decided:
            items.insert(0, self._decision(transcript, clean, decided, speaker))
        self._addressed = (addressee, transcript.end, speaker)
        return items

    def _commitment(
        self, transcript: Transcript, s: Sentence, speaker: str | None, due: float | None, evidence: _Evidence
    ) -> ActionItem | None:
        task = s.commitment or ""
        request = self._requests.get(speaker.lower()) if speaker else None
        if request and not request.accepted and transcript.start - request.at <= self.options.acceptance_window:
            request.accepted = True  # the person asked takes the task on: the same item
            if due is None or request.has_due:
                return None
        if speaker:
            self.speakers.assign(speaker, s.topic)
        return ActionItem(
            t=transcript.t,
            owner=speaker,
            task=task,
            due=due,
            category=self._category(task),
            confidence=0.8 * (transcript.speaker_confidence or 1.0),
            **evidence,
        )

    def _decision(self, transcript: Transcript, clean: str, decided: list[Sentence], speaker: str | None) -> Decision:
        first, last = decided[0], decided[-1]
        start, _ = self._times(transcript, clean, first)
        _, end = self._times(transcript, clean, last)
        texts = [s.decision or s.text.rstrip(".!") for s in decided]
        main = next((t for t, s in zip(texts, decided, strict=True) if len(t.split()) > 3), texts[-1])
        quote = " ".join(s.text for s in decided)
        strong = any(
            s.decision and re.match(r"(?i)decision|the decision|we (?:have )?decided", s.text) for s in decided
        )
        return Decision(
            t=transcript.t,
            start=start,
            end=end,
            quote=quote,
            source=transcript.seq,
            by=speaker,
            text=main,
            confidence=0.95 if strong else 0.8,
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


def _substantive(task: str) -> bool:
    words = [w for w in re.findall(r"[\w']+", task.lower()) if w not in ("it", "that", "this", "do", "so", "now")]
    return len(words) >= 2
