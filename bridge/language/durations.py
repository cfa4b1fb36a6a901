"""Spoken times to seconds: "in five minutes", "within 90 seconds", "half an hour", "at three thirty".

Whisper writes numbers as words or digits depending on the model ("five minutes", "5 minutes"), so both
are read here. Relative times become seconds from the end of the words; spoken clock times are resolved
against the wall clock at which they were said, to the next such time within twelve hours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["SpokenTime", "find_answer", "find_time", "parse_number"]

_UNITS = {
    word: n
    for n, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen".split()
    )
} | {"oh": 0, "a": 1, "an": 1}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_VAGUE = {"a couple of": 2, "a couple": 2, "couple of": 2, "a few": 3, "few": 3, "several": 5}
_SECONDS = {"second": 1, "sec": 1, "minute": 60, "min": 60, "hour": 3600, "hr": 3600}

_NUMBER_WORD = "|".join(sorted([*_UNITS, *_TENS, "hundred"], key=len, reverse=True))
_NUMBER = rf"(?:\d+(?:\.\d+)?|(?:(?:{_NUMBER_WORD})(?:[\s-]+(?:{_NUMBER_WORD}|and))*))"
_VAGUE_RE = "|".join(sorted(_VAGUE, key=len, reverse=True))
_UNIT = r"(?:seconds?|secs?|minutes?|mins?|hours?|hrs?)"
_APPROX = r"(?:(?:about|around|roughly|approximately|maybe|another|like)\s+)?"

_RELATIVE = re.compile(
    rf"\b(?P<prep>in|within|inside|after|for|stand\s*-?\s*by)\s+(?:just\s+)?(?:the\s+next\s+|the\s+)?{_APPROX}"
    rf"(?:(?P<half>half\s+an?\s+hour)|(?P<vague>{_VAGUE_RE})\s+(?P<vunit>{_UNIT})"
    rf"|(?P<num>{_NUMBER})(?P<andhalf>\s+and\s+a\s+half)?\s+(?P<unit>{_UNIT})(?P<andhalf2>\s+and\s+a\s+half)?)",
    re.IGNORECASE,
)
_CLOCK = re.compile(
    rf"\b(?:at|by|before|until)\s+(?:(?P<top>the\s+top\s+of\s+the\s+hour)|(?P<bottom>the\s+bottom\s+of\s+the\s+hour)"
    rf"|(?P<h>\d{{1,2}})(?::(?P<m>\d{{2}}))?\s*(?P<ampm>[ap]\.?m\.?)?"
    rf"|(?P<rel>half\s+past|quarter\s+past|quarter\s+to)\s+(?P<rh>{_NUMBER})"
    rf"|(?P<wh>{_NUMBER_WORD})(?:\s+(?P<wm>o'?\s?clock|(?:oh\s+)?(?:{_NUMBER_WORD})(?:[\s-]+(?:{_NUMBER_WORD}))?))?)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class SpokenTime:
    seconds: float
    """From the moment the words were said."""
    span: tuple[int, int]
    """Character span of the phrase in the text."""
    phrase: str


def parse_number(words: str) -> float | None:
    """'twenty five' -> 25, '90' -> 90, 'a' -> 1, 'one hundred and twenty' -> 120."""
    words = words.strip().lower()
    if re.fullmatch(r"\d+(?:\.\d+)?", words):
        return float(words)
    if words in _VAGUE:
        return float(_VAGUE[words])
    total, current = 0, 0
    for word in re.split(r"[\s-]+", words):
        if word == "and":
            continue
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        else:
            return None
    return float(total + current)


def find_time(text: str, said_at: datetime | None = None, *, bare: bool = False) -> SpokenTime | None:
    """The first time phrase in `text`, in seconds after it was said; clock times and days need `said_at`.
    `bare`: the words are about reporting back, where a number without a unit means minutes ("sync again in
    fifteen", "holler in five")."""
    found = [t for t in (_relative(text), _clock(text, said_at), _day(text, said_at)) if t is not None]
    if bare and not found:
        found = [t for t in (_bare(text),) if t is not None]
    return min(found, key=lambda t: t.span[0]) if found else None


def find_answer(text: str) -> SpokenTime | None:
    """How long, as an answer to "what's the ETA?" or "how long?" gives it at the start of a reply: "ten,
    give or take", "about twenty minutes", "five minutes tops", "maybe fifteen"; minutes when no unit is said."""
    m = _ANSWER.match(text)
    if m is None:
        return None
    number = parse_number(m["num"])
    if number is None or number <= 0:
        return None
    seconds = number * (_unit(m["unit"]) if m["unit"] else 60)
    if not m["unit"] and number > 120:
        return None  # "two hundred" alone is no ETA
    if seconds < 30:
        return None  # "give me a second" asks for a moment
    return SpokenTime(seconds, m.span(), m.group(0).strip())


_BARE = re.compile(
    rf"\b(?:in|within|another)\s+(?:about\s+|another\s+|the\s+next\s+)?(?P<num>{_NUMBER})\b"
    r"(?!\s*(?:%|percent|(?!(?:on|if|when|once|with|about|and|or|so|then|please|to|for)\b)[a-z]))",
    re.I,
)
_ANSWER = re.compile(
    r"^\W*(?:(?:uh|um|so|well|yeah|yes|sure|okay|ok|roughly|about|around|maybe|probably|like|i'd say|call it"
    r"|eta is|eta's|give me|give us|i need|i'll need|need)[\s,]+)*"
    rf"(?P<num>{_NUMBER})(?:\s+(?P<unit>{_UNIT}))?(?=\s*(?:[,.!?]|$|give or take|or so|tops|max|ish|more|minutes|ok))",
    re.I,
)
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY = re.compile(
    r"\b(?:by|before|until|till|on|for)\s+(?:the\s+)?(?P<what>end of (?:the )?day|close of business|close of play|"
    r"close of work|cob|eod|end of business|end of play|tomorrow(?: morning)?|end of (?:the )?week|"
    r"(?:next\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b",
    re.I,
)


_ALONE = re.compile(rf"(?:^|,\s*)(?P<num>{_NUMBER})\s+(?P<unit>{_UNIT})\s*(?=,|$|\.)", re.I)
"""A duration said on its own between commas: "Joon-ho, two minutes, tell me the swap worked"."""


def _bare(text: str) -> SpokenTime | None:
    for m in _BARE.finditer(text):
        number = parse_number(m["num"])
        if number is not None and 0 < number <= 120:
            return SpokenTime(number * 60, m.span(), m.group(0))
    for m in _ALONE.finditer(text):
        number = parse_number(m["num"])
        if number is not None and number > 0:
            return SpokenTime(number * _unit(m["unit"]), m.span("num"), m.group(0).strip(" ,"))
    return None


def _day(text: str, said_at: datetime | None) -> SpokenTime | None:
    """Deadlines named by day: end of day (17:00 where the call is), tomorrow (09:00), a weekday (its start),
    the end of the week (Friday 17:00); always the next such time after the words were said."""
    if said_at is None:
        return None
    m = _DAY.search(text)
    if m is None:
        return None
    what = m["what"].lower()
    day = said_at.replace(hour=0, minute=0, second=0, microsecond=0)
    if what.startswith("tomorrow"):
        target = day + timedelta(days=1, hours=9)
    elif "week" in what:
        target = day + timedelta(days=(4 - said_at.weekday()) % 7, hours=17)
    elif any(d in what for d in _DAYS):
        weekday = next(i for i, d in enumerate(_DAYS) if d in what)
        target = day + timedelta(days=(weekday - said_at.weekday()) % 7 or 7)
    else:
        target = day + timedelta(hours=17)
    if target <= said_at:
        target += timedelta(days=7 if any(d in what for d in _DAYS) or "week" in what else 1)
    return SpokenTime((target - said_at).total_seconds(), m.span(), m.group(0))


_THE_HOUR = re.compile(r"\b(?:within|in)\s+the\s+(?:next\s+)?hour\b", re.I)


def _relative(text: str) -> SpokenTime | None:
    hour = _THE_HOUR.search(text)
    for m in _RELATIVE.finditer(text):
        if hour is not None and hour.start() < m.start():
            break
        if m["half"]:
            seconds = 1800.0
        elif m["vague"]:
            seconds = _VAGUE[m["vague"].lower()] * _unit(m["vunit"])
        else:
            number = parse_number(m["num"])
            if number is None:
                continue
            if m["andhalf"] or m["andhalf2"]:
                number += 0.5
            seconds = number * _unit(m["unit"])
        if m["prep"].lower() == "for":  # "for five minutes" is a length, not a deadline
            continue
        return SpokenTime(seconds, m.span(), m.group(0))
    return SpokenTime(3600.0, hour.span(), hour.group(0)) if hour is not None else None


def _unit(unit: str) -> int:
    unit = unit.lower().rstrip("s")
    return _SECONDS.get(unit, _SECONDS.get(unit[:3], 60))


def _clock(text: str, said_at: datetime | None) -> SpokenTime | None:
    if said_at is None:
        return None
    for m in _CLOCK.finditer(text):
        if m["top"] or m["bottom"]:
            base = said_at.replace(minute=0, second=0, microsecond=0)
            target = base + timedelta(hours=1) if m["top"] else base + timedelta(minutes=30)
            if target <= said_at:
                target += timedelta(hours=1)
            return SpokenTime((target - said_at).total_seconds(), m.span(), m.group(0))
        hour, minute = _hour_minute(m)
        if hour is None or not (0 <= hour <= 23 and 0 <= minute <= 59):
            continue
        ampm = (m["ampm"] or "").lower().replace(".", "")
        if ampm == "pm" and hour < 12:
            hour += 12
        target = said_at.replace(hour=hour % 24, minute=minute, second=0, microsecond=0)
        step = timedelta(hours=24 if ampm or hour > 12 else 12)
        while target <= said_at:
            target += step
        if target - said_at > timedelta(hours=12) and not ampm:
            continue
        return SpokenTime((target - said_at).total_seconds(), m.span(), m.group(0))
    return None


def _hour_minute(m: re.Match[str]) -> tuple[int | None, int]:
    if m["h"]:
        return int(m["h"]), int(m["m"] or 0)
    if m["rel"]:
        hour = parse_number(m["rh"])
        if hour is None:
            return None, 0
        rel = m["rel"].lower().split()[0]
        if rel == "half":
            return int(hour), 30
        if m["rel"].lower().endswith("past"):
            return int(hour), 15
        return int(hour) - 1, 45
    hour = parse_number(m["wh"])
    if hour is None or hour > 12 or m["wh"].lower() in ("a", "an", "oh"):
        return None, 0
    wm = (m["wm"] or "").lower()
    if not wm:  # "at three" alone is too often not a time ("at three percent")
        return None, 0
    if "clock" in wm:
        return int(hour), 0
    minute = parse_number(wm.replace("oh ", ""))
    return (int(hour), int(minute)) if minute is not None else (None, 0)
