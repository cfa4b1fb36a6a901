"""The typed events of an incident: what every stage appends to the log and the feed carries.

The log, the live feed and every later view share these records. Fields may be added; none are renamed.
Every event has `seq` (1, 2, 3, ... per log), `type`, `t` (call seconds at which it happened or was
raised) and `wall` (Unix time at which it was emitted). `seq` and `wall` are stamped by the log.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

__all__ = [
    "SCHEMA_VERSION",
    "ActionItem",
    "Alert",
    "AlertCleared",
    "AlertKind",
    "Category",
    "CheckMet",
    "CheckReplaced",
    "CommandAction",
    "Correction",
    "Decision",
    "Event",
    "Extracted",
    "Gap",
    "Heard",
    "Interim",
    "ItemDone",
    "LiveMessage",
    "LoggedEvent",
    "ModelInfo",
    "Notice",
    "RawFormat",
    "RecordFormat",
    "Session",
    "SessionEnd",
    "SessionOptions",
    "SourceInfo",
    "SpeakerSource",
    "StatusCheck",
    "Transcript",
    "Word",
    "json_schema",
]

SCHEMA_VERSION = 1


class Event(msgspec.Struct, frozen=True, kw_only=True, tag_field="type"):
    seq: int = 0
    t: float
    wall: float = 0.0


class ModelInfo(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    path: str
    sha256: str | None
    device: str = "cpu"
    compute_type: str = "int8"


class SourceInfo(msgspec.Struct, frozen=True, kw_only=True):
    uri: str
    kind: Literal["file", "stdin", "transcript", "device"]
    rate: int | None = None
    """Sample rate of the original audio, before resampling to 16 kHz."""
    channels: int | None = None
    duration: float | None = None
    """Seconds, when the container says."""
    created: float | None = None
    """Unix time the recording was made, when the container says (its creation_time tag)."""


class RawFormat(msgspec.Struct, frozen=True, kw_only=True):
    """Raw PCM on stdin, as described on the command line."""

    rate: int | None
    channels: int
    format: str


class RecordFormat(msgspec.Struct, frozen=True, kw_only=True):
    """Where and how `--record` keeps the audio."""

    folder: str
    format: str
    chunk_seconds: float


class SessionOptions(msgspec.Struct, frozen=True, kw_only=True):
    """Every option in force, as given on the command line: what a resumed or retranscribed incident is made
    with again, so that it is made as the original was."""

    file: str | None = None
    """The recording or transcript replayed ("-" for stdin)."""
    out: str | None = None
    speed: float | str | None = None
    """"max", or N times real time; None for a live capture."""
    devices: list[str] | None = None
    """`bridge listen`'s --device options."""
    raw: RawFormat | None = None
    retranscribed: str | None = None
    """The incident folder whose archive this one transcribes again."""
    tz: str | None = None
    """The call's timezone (IANA name): spoken clock times are resolved in it. None (older logs): UTC."""
    started_by: Literal["option", "file"] | None = None
    """What set the session's `started` for a recording: --started, or the file's own creation time; None:
    the wall clock when the session began (the moment a live call is heard, or when a recording was replayed)."""
    vocab: str | None = None
    roster: list[str] = msgspec.field(default_factory=list)
    patterns: str | None = None
    understanding: str | None = None
    """Who decided the acts: both (the act classifier and the word rules), rules, or model."""
    monitor: dict[str, float] = msgspec.field(default_factory=dict)
    """MonitorOptions by field name."""
    model: str | None = None
    language: str | None = None
    beam_size: int | None = None
    threads: int | None = None
    interim: bool | None = None
    interim_model: str | None = None
    hotwords: str | None = None
    channels: list[str] = msgspec.field(default_factory=list)
    """--channel CHANNEL=NAME options."""
    voices: bool | None = None
    record: RecordFormat | None = None
    segmenter: dict[str, float] = msgspec.field(default_factory=dict)
    """SegmenterOptions by field name."""


class Session(Event, frozen=True, kw_only=True, tag="session"):
    """The first event of every log: how this incident's events were made."""

    incident: str
    started: float
    """Unix time at call time 0."""
    version: str
    schema_version: int = SCHEMA_VERSION
    model: ModelInfo | None
    source: SourceInfo
    options: SessionOptions = msgspec.field(default_factory=SessionOptions)


class Word(msgspec.Struct, frozen=True, array_like=True):
    start: float
    end: float
    text: str
    probability: float


SpeakerSource = Literal["channel", "words", "voice", "transcript"]
"""How a speaker was attributed; "transcript": named by the transcript given as input."""


class Transcript(Event, frozen=True, kw_only=True, tag="transcript"):
    """A final transcript of one utterance."""

    start: float
    end: float
    text: str
    speaker: str | None = None
    speaker_source: SpeakerSource | None = None
    """How the speaker was attributed."""
    speaker_confidence: float | None = None
    channel: int | None = None
    voice: str | None = None
    """The voice the speech was matched to ("Speaker 3"), when voices are told apart: stable for the call,
    whatever name it has been given."""
    confidence: float | None = None
    """Mean probability of the recognised tokens, 0..1."""
    words: list[Word] | None = None
    acts: dict[str, float] | None = None
    """What the utterance does, by the act classifier (bridge/language/acts.py): the probability of each act
    (decision, request, commitment, status_check, update, question, acknowledgement), read with the turn
    before it. Logged, so that the monitor and every later reader judge from the same scores. None when no
    classifier judged it."""
    voiceprint: str | None = None
    """The embedding of the utterance's speech (bridge.speakers.voiceprint, 256 dimensions) as float16,
    little-endian, base64 (bridge.speakers.offline.pack): the voices can be clustered again after the call
    from the log alone. None: not embedded (no voices, or an input with no audio)."""


class Interim(Event, frozen=True, kw_only=True, tag="interim"):
    """Text of an utterance still in progress, for live viewers. Never written to the log."""

    start: float
    end: float
    text: str
    channel: int | None = None


class Heard(Event, frozen=True, kw_only=True, tag="heard"):
    """For live viewers, a few times a second: call time `t` up to which everything said has been heard and
    transcribed (what the monitor judges on; the audio consumed runs ahead of it while words are still being
    transcribed). The overlay's clock follows it, so no countdown runs out on words not yet read. Never
    written to the log."""


class Notice(Event, frozen=True, kw_only=True, tag="notice"):
    """Something the commander should know about the tool itself (a truncated file, a lost device)."""

    level: Literal["info", "warning", "error"]
    code: str
    message: str
    device: str | None = None
    """The capture device it is about (`device_lost`: the monitor raises `audio_lost` for it)."""


Category = Literal["mitigation", "investigation", "communication", "follow-up"]


class Extracted(Event, frozen=True, kw_only=True):
    """What every extracted item carries as its evidence."""

    start: float
    end: float
    """Call seconds of the words the item came from."""
    quote: str
    """Those words."""
    source: int
    """`seq` of the transcript event."""
    by: str | None
    """Who said it, when known."""
    confidence: float
    category: Category | None


class Decision(Extracted, frozen=True, kw_only=True, tag="decision"):
    """The bridge commits to a course of action."""

    text: str
    """The decision in a few words."""


class ActionItem(Extracted, frozen=True, kw_only=True, tag="action_item"):
    """A task assigned to, or taken on by, a person."""

    owner: str | None
    task: str
    due: float | None = None
    """Call seconds, when a time was given."""


class StatusCheck(Extracted, frozen=True, kw_only=True, tag="status_check"):
    """A commitment to report or regroup by a time."""

    owner: str | None
    """Who owes the update; None when the whole bridge does."""
    due: float
    """Call seconds."""


AlertKind = Literal["status_overdue", "long_silence", "responder_quiet", "no_mitigation", "audio_lost"]
"""audio_lost: a capture device stopped delivering audio (unplugged, sound server restarted); raised by the
monitor from the capture's `device_lost` notice (its `ref`), cleared by the device's `Gap` when it is back."""


class Alert(Event, frozen=True, kw_only=True, tag="alert"):
    """A warning for the commander, raised at the call time it belongs at."""

    kind: AlertKind
    message: str
    owner: str | None = None
    ref: int | None = None
    """`seq` of what the alert is about (the status check, the action item)."""
    since: float | None = None
    """Call seconds from which the condition held (the last speech, the owner's last words)."""


class CheckMet(Event, frozen=True, kw_only=True, tag="check_met"):
    """A status check got its update."""

    ref: int
    """`seq` of the status check."""
    source: int
    """`seq` of the transcript that delivered the update."""
    by: str | None
    late: float
    """Seconds after the due time; 0 when on time."""


class CheckReplaced(Event, frozen=True, kw_only=True, tag="check_replaced"):
    """A status check no longer waited for: a newer one owed by the same owner (or the whole bridge again) was
    set before it was due, so the newer deadline stands instead."""

    ref: int
    """`seq` of the status check replaced."""
    source: int
    """`seq` of the status check that replaced it."""


class ItemDone(Event, frozen=True, kw_only=True, tag="item_done"):
    """An action item is done, as the monitor judged from what was said: its owner's update about its task."""

    ref: int
    """`seq` of the action item."""
    source: int
    """`seq` of the transcript that reported it."""
    by: str | None


class AlertCleared(Event, frozen=True, kw_only=True, tag="alert_cleared"):
    """What an alert warned about is over (a late update came, the bridge spoke again)."""

    ref: int
    """`seq` of the alert."""
    kind: AlertKind
    message: str
    source: int | None = None
    """`seq` of the event that cleared it, when one did."""


CommandAction = Literal[
    "acknowledge",
    "received",
    "snooze",
    "confirm",
    "dismiss",
    "restore",
    "done",
    "reopen",
    "edit",
    "rename",
    "attribute",
]


class Correction(Event, frozen=True, kw_only=True, tag="correction"):
    """The commander acted from the overlay; every view applies it to what `ref` points at.

    acknowledge: an alert was seen (its banner goes). received: a status check got its update.
    snooze: a status check's deadline moves to `until` (call seconds). confirm / dismiss: an extracted
    decision or action item is right / wrong (a dismissed item is left out of every view); restore: a
    dismissal undone. done / reopen: an action item is done (as if its owner had reported it) / not done
    after all, whether it was reported or marked done. edit: new
    `text`, `owner` or `due` for a decision, action item or status check. rename: `speaker` is really
    called `name` from now on (`ref` is the transcript it was noticed on). attribute: transcript `ref` was
    said by `speaker` (the tool's after-call pass, `by: "bridge"`: bridge.speakers.offline), and so were the
    decisions and items it said in the first person (their `by`, and an owner who was its speaker: "I'll
    take it"); the renames apply to `speaker` as to every name.
    """

    action: CommandAction
    ref: int
    """`seq` of the event acted on."""
    text: str | None = None
    owner: str | None = None
    due: float | None = None
    until: float | None = None
    speaker: str | None = None
    name: str | None = None
    by: str = "commander"
    """Who acted: the commander, or a shared viewer allowed control; "bridge" when the tool itself renames a
    voice it showed by its label ("Speaker 3") once the words said whose it is, or attributes a line again
    after the call."""


class Gap(Event, frozen=True, kw_only=True, tag="gap"):
    """Call time that passed without audio: a lost capture device, or the tool itself down until resumed.
    Logged when the gap ends (`t` = `end`); nothing was heard in it, so nothing in it was transcribed."""

    start: float
    end: float
    reason: Literal["device", "resume"]
    device: str | None = None
    """The device's label, for a device gap."""


class SessionEnd(Event, frozen=True, kw_only=True, tag="end"):
    reason: Literal["finished", "interrupted", "failed"]
    duration: float
    """Call seconds of audio consumed."""


LoggedEvent = (
    Session
    | Transcript
    | Decision
    | ActionItem
    | StatusCheck
    | Alert
    | CheckMet
    | CheckReplaced
    | ItemDone
    | AlertCleared
    | Correction
    | Notice
    | Gap
    | SessionEnd
)
LiveMessage = LoggedEvent | Interim | Heard


def json_schema() -> dict[str, Any]:
    """The JSON Schema of every message the log and the feed carry."""
    schema: dict[str, Any] = msgspec.json.schema(LiveMessage)
    schema["$id"] = f"https://bridge.invalid/schema/events-v{SCHEMA_VERSION}.json"
    schema["title"] = "bridge events"
    return schema
