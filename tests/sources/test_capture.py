"""Live capture: the pure parts with lists; the whole of `bridge listen` through a real PortAudio and a
private PulseAudio daemon (a null sink and its monitor), with real speech and the real model."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from _pulse import PulseServer, to_wav
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.calltime import RATE
from bridge.events import Alert, AlertCleared, Event, Gap, Interim, ModelInfo, Notice, SessionOptions
from bridge.incident import Incident
from bridge.log.eventlog import EventLog, read_log
from bridge.monitor import Monitor
from bridge.pipeline import Pipeline, PipelineOptions
from bridge.sources.capture import CHUNK, REPORT_EVERY, Aligner, Backoff, LiveSource, Overflows
from bridge.sources.devices import DeviceSpec
from bridge.sources.source import BLOCK, Block
from tests.conftest import BRIDGE, REAL_ASR, ROOT, Listening, played, run_bridge, text_of, wer
from tests.scripted import LevelVad, ScriptedRecogniser, ScriptedSource

# ---- the pure parts ----


def test_aligner_hands_on_blocks_when_every_stream_has_its_share() -> None:
    aligner = Aligner(2)
    aligner.push(0, np.ones(BLOCK * 2, np.float32))
    assert aligner.pull() == []  # the second stream has nothing yet
    aligner.push(1, np.full(BLOCK + 10, 2, np.float32))
    blocks = aligner.pull()
    assert [(b.start, b.channels.shape) for b in blocks] == [(0, (2, BLOCK))]
    assert (blocks[0].channels[0] == 1).all() and (blocks[0].channels[1] == 2).all()
    aligner.push(1, np.full(BLOCK, 2, np.float32))
    assert [b.start for b in aligner.pull()] == [BLOCK]
    assert aligner.consumed == 2 * BLOCK and aligner.padded == [0, 0]


def test_one_stream_is_cut_into_blocks_in_order() -> None:
    aligner = Aligner(1)
    audio = np.arange(BLOCK * 3 + 5, dtype=np.float32)
    blocks = []
    for piece in np.array_split(audio, 7):
        aligner.push(0, piece)
        blocks += aligner.pull()
    assert [b.start for b in blocks] == [0, BLOCK, 2 * BLOCK]
    assert np.array_equal(np.concatenate([b.channels[0] for b in blocks]), audio[: 3 * BLOCK])


def test_a_drifting_device_is_padded_a_little_and_never_loses_audio() -> None:
    """Two clocks 0.1 % apart over ten minutes drift 0.6 s apart: the slow one gets that less the skew
    (0.25 s) as silence, in pieces, and every sample of both still comes out, in step within the skew."""
    aligner, skew = Aligner(2), Aligner(2).skew
    chunk, fast = 800, 0
    slow_in = fast_in = 0
    out = [0, 0]
    for i in range(int(600 * RATE / chunk)):
        aligner.push(0, np.ones(chunk, np.float32))
        fast_samples = int((i + 1) * chunk * 1.001) - fast
        fast += fast_samples
        aligner.push(1, np.ones(fast_samples, np.float32))
        slow_in, fast_in = slow_in + chunk, fast_in + fast_samples
        for block in aligner.pull():
            out[0] += int(block.channels[0].sum())
            out[1] += int(block.channels[1].sum())
        assert abs((slow_in + aligner.padded[0]) - (fast_in + aligner.padded[1])) <= skew + chunk * 2
    assert aligner.padded[1] == 0
    assert 0.3 * RATE < aligner.padded[0] < 0.4 * RATE
    assert slow_in - out[0] < skew + BLOCK and fast_in - out[1] < skew + BLOCK  # what is left is still buffered


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 3000)), max_size=80))
def test_aligner_invariants(pushes: list[tuple[int, int]]) -> None:
    """Whatever arrives in whatever order: blocks are contiguous and full, streams stay within the skew of
    the one furthest ahead, and nothing but padding is invented."""
    aligner = Aligner(3)
    given_ = [0, 0, 0]
    starts = []
    for stream, n in pushes:
        aligner.push(stream, np.full(n, stream + 1, np.float32))
        given_[stream] += n
        for block in aligner.pull():
            assert block.channels.shape == (3, BLOCK)
            starts.append(block.start)
        levels = [given_[i] + aligner.padded[i] - aligner.consumed for i in range(3)]
        assert min(levels) >= 0
        assert max(levels) - min(levels) <= aligner.skew
    assert starts == [i * BLOCK for i in range(len(starts))]


def test_overflows_are_counted_and_reported_now_and_then() -> None:
    counter = Overflows("mic", every=10.0)
    assert counter.report(1.0) is None
    counter.overflows = 1
    first = counter.report(2.0)
    assert first is not None and first.code == "capture_overflow" and first.level == "warning"
    assert first.message.startswith("mic: 1 input overflow (")
    counter.overflows = 5
    assert counter.report(5.0) is None  # not one notice per block
    counter.dropped = 2.5
    later = counter.report(12.0)
    assert later is not None and later.t == 12.0
    assert "4 input overflows" in later.message and "2.5 s of audio dropped" in later.message
    assert "in all: 5 overflows, 2.5 s dropped" in later.message
    assert counter.report(30.0) is None  # nothing new


def test_backoff_doubles_from_half_a_second_to_ten() -> None:
    backoff = Backoff()
    assert [backoff.next() for _ in range(7)] == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    backoff.reset()
    assert backoff.next() == 0.5


def test_replay_never_loads_portaudio() -> None:
    code = (
        "import sys, bridge.cli.main, bridge.sources.capture, bridge.pipeline; assert 'sounddevice' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


# ---- bridge listen through PortAudio and PulseAudio ----


@pytest.fixture(scope="module")
def wavs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("wav")
    return {
        name: to_wav(REAL_ASR / name, folder / f"{Path(name).stem}.wav")
        for name in ("jfk.flac", "OSR_us_000_0034_8k.wav")
    }


def is_lost(event: dict[str, Any]) -> bool:
    return bool(event["type"] == "alert" and event["kind"] == "audio_lost")


def assert_ended_cleanly(out: Path, events: list[dict[str, Any]]) -> None:
    assert events[0]["type"] == "session" and events[0]["source"]["kind"] == "device"
    assert events[-1]["type"] == "end" and events[-1]["reason"] == "interrupted"
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert (out / "postmortem.md").read_text().startswith("#")


@pytest.mark.slow
def test_listen_transcribes_as_replay_does_and_ends_cleanly_on_sigint(
    pulse: PulseServer, wavs: dict[str, Path], tmp_path: Path
) -> None:
    wav = wavs["OSR_us_000_0034_8k.wav"]
    replayed = run_bridge("replay", str(wav), "--out", str(tmp_path / "replay"), "--no-voices")
    assert replayed.returncode == 0, replayed.stderr
    reference = (REAL_ASR / "OSR_us_000_0034_8k.txt").read_text()
    replay_log = (tmp_path / "replay/events.jsonl").read_text().splitlines()
    offline = wer(reference, text_of([json.loads(line) for line in replay_log]))

    listening = Listening(pulse, tmp_path / "live", "--device", "pulse")
    played(pulse, wav)
    time.sleep(2.0)
    code, stdout = listening.stop(signal.SIGINT)
    events = listening.events()
    assert code == 130 and stdout.splitlines()[-1].startswith("interrupted: ")
    assert_ended_cleanly(tmp_path / "live", events)
    live = wer(reference, text_of(events))
    assert live <= offline + 0.05, (live, offline, text_of(events))
    assert not [e for e in events if e["type"] in ("alert", "gap")]
    assert events[-1]["duration"] >= 35.0  # the call time covers all that was played


@pytest.mark.slow
def test_a_lost_device_is_alerted_the_call_goes_on_and_capture_resumes(
    pulse: PulseServer, wavs: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "live"
    listening = Listening(pulse, out, "--device", "pulse", "--silence-after", "10")
    played(pulse, wavs["jfk.flac"])
    listening.wait_for(lambda events: any(e["type"] == "transcript" for e in events), 30)
    pulse.unload_sink()  # the sound server drops the device, as when a headset is unplugged
    lost = listening.wait_for(lambda events: any(is_lost(e) for e in events), 15)
    t_lost = next(e["t"] for e in lost if is_lost(e))
    assert any(e["type"] == "notice" and e["code"] == "device_lost" for e in lost)
    # While nothing is heard the call time goes on, and with it the timers: the silence alert comes due.
    listening.wait_for(
        lambda events: any(e["type"] == "alert" and e["kind"] == "long_silence" and e["t"] > t_lost for e in events), 30
    )
    pulse.load_sink()
    listening.wait_for(lambda events: any(e["type"] == "gap" for e in events), 20)  # retried within 10 s
    played(pulse, wavs["jfk.flac"])
    back = listening.wait_for(lambda events: len([e for e in events if e["type"] == "transcript"]) >= 8, 40)
    code, _ = listening.stop(signal.SIGTERM)  # `kill` ends a session as Ctrl-C does
    events = listening.events()
    assert code == 130
    assert_ended_cleanly(out, events)
    gap = next(e for e in back if e["type"] == "gap")
    assert gap["reason"] == "device" and gap["device"] == "pulse" and gap["start"] == t_lost
    assert gap["end"] - gap["start"] >= 10.0
    alert = next(e for e in events if e["type"] == "alert" and e["kind"] == "audio_lost")
    cleared = [e for e in events if e["type"] == "alert_cleared" and e["ref"] == alert["seq"]]
    assert len(cleared) == 1 and cleared[0]["source"] == gap["seq"] and cleared[0]["t"] == gap["end"]
    second = [e for e in events if e["type"] == "transcript" and e["start"] >= gap["end"]]
    assert wer((REAL_ASR / "jfk.txt").read_text(), text_of(second)) <= 0.1


@pytest.mark.slow
def test_two_devices_are_two_labelled_channels(pulse: PulseServer, wavs: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "live"
    listening = Listening(pulse, out, "--device", "mic=pulse", "--device", "bridge=default", "--channel", "mic=Omar")
    played(pulse, wavs["jfk.flac"])
    listening.wait_for(lambda events: {0, 1} <= {e["channel"] for e in events if e["type"] == "transcript"}, 30)
    time.sleep(2.0)
    code, _ = listening.stop()
    events = listening.events()
    assert code == 130
    assert_ended_cleanly(out, events)
    session = events[0]
    assert session["source"]["channels"] == 2 and session["source"]["uri"] == "mic=pulse, bridge=default"
    assert session["options"]["devices"] == ["mic=pulse", "bridge=default"]
    reference = (REAL_ASR / "jfk.txt").read_text()
    for channel in (0, 1):
        assert wer(reference, text_of(events, channel)) <= 0.1
    assert {e["speaker"] for e in events if e["type"] == "transcript" and e["channel"] == 0} == {"Omar"}


def test_devices_lists_the_pulse_device_and_its_monitors(pulse: PulseServer) -> None:
    listed = subprocess.run([*BRIDGE, "devices"], cwd=ROOT, env=pulse.env, capture_output=True, text=True)
    assert listed.returncode == 0, listed.stderr
    assert any(line.split()[1:2] == ["pulse"] for line in listed.stdout.splitlines()[1:] if line.strip())
    assert "bridge.monitor" in listed.stdout and "--device" in listed.stdout


def test_a_wrong_device_is_one_line_pointing_at_bridge_devices(pulse: PulseServer, tmp_path: Path) -> None:
    done = subprocess.run(
        [*BRIDGE, "listen", "--device", "Zoom Loopback", "--out", str(tmp_path / "x")],
        cwd=ROOT,
        env=pulse.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr == "bridge: error: no input device named 'Zoom Loopback'; `bridge devices` lists them\n"
    assert not (tmp_path / "x").exists()


# ---- what the pipeline does with a live source's events and backlog ----


def test_the_pipeline_logs_a_live_sources_events_and_its_lag(tmp_path: Path) -> None:
    lost = "no audio from mic (USB Headset) since 00:01.0"
    source = ScriptedSource(
        100,
        {
            10: [Notice(t=1.0, level="warning", code="device_lost", message=lost, device="mic")],
            40: [Gap(t=4.0, start=1.0, end=4.0, reason="device", device="mic")],
        },
        {50: 6.0, 60: 3.0, 70: 0.5},
    )
    seen: list[Event] = []
    incident = Incident(EventLog(tmp_path / "events.jsonl"), sinks=[seen.append], monitor=Monitor())
    Pipeline(
        source=source,
        recogniser=ScriptedRecogniser({}),
        vad=LevelVad,
        incident=incident,
        model=ModelInfo(name="none", path="", sha256=None),
        options=PipelineOptions(live=True),
        session=SessionOptions(),
    ).run()
    incident.close()
    logged = read_log(tmp_path / "events.jsonl").events
    assert logged == [e for e in seen if not isinstance(e, Interim)]
    kinds = [(type(e).__name__, e.t) for e in logged]
    assert kinds == [
        ("Session", 0.0),
        ("Notice", 1.0),
        ("Alert", 1.0),
        ("Gap", 4.0),
        ("AlertCleared", 4.0),
        ("Notice", 5.1),
        ("Notice", 7.1),
        ("SessionEnd", 10.0),
    ]
    notice, alert, gap, cleared = logged[1], logged[2], logged[3], logged[4]
    assert isinstance(alert, Alert) and alert.kind == "audio_lost" and alert.ref == notice.seq  # raised by the monitor
    assert isinstance(cleared, AlertCleared) and cleared.ref == alert.seq and cleared.source == gap.seq
    behind, caught_up = logged[5], logged[6]
    assert isinstance(behind, Notice) and behind.code == "lag" and behind.level == "warning"
    assert behind.message == "transcription is 6 s behind the call; interim text paused until it catches up"
    assert isinstance(caught_up, Notice) and caught_up.code == "lag" and caught_up.level == "info"


# ---- LiveSource's shell logic against a scripted PortAudio (no sound server) ----


class FakePortAudioError(Exception):
    pass


class FakeStream:
    def __init__(self, fake: FakePortAudio, **options: Any) -> None:
        self.options, self.active = options, False
        self.callback = options["callback"]
        fake.opened.append(self)

    def start(self) -> None:
        self.active = True

    def abort(self) -> None:
        self.active = False

    def close(self) -> None:
        pass

    def deliver(self, seconds: float, *, overflow: bool = False, value: float = 0.1) -> None:
        rate = self.options["samplerate"]
        block = self.options["blocksize"]
        for _ in range(round(seconds * rate / block)):
            status = SimpleNamespace(input_overflow=overflow)
            self.callback(np.full((block, self.options["channels"]), value, np.float32), block, None, status)


class FakePortAudio:
    """What LiveSource uses of sounddevice: one 48 kHz stereo microphone that can fail to open."""

    PortAudioError = FakePortAudioError

    def __init__(self) -> None:
        self.opened: list[FakeStream] = []
        self.on_open: Callable[[FakeStream], None] = lambda stream: None
        self.attempts = 0
        self.refuse = False
        self.default = SimpleNamespace(device=[0, 0])

    def query_hostapis(self) -> list[dict[str, Any]]:
        return [{"name": "ALSA"}]

    def query_devices(self) -> list[dict[str, Any]]:
        return [{"name": "USB Headset", "hostapi": 0, "max_input_channels": 2, "default_samplerate": 48000.0}]

    def InputStream(self, **options: Any) -> FakeStream:
        self.attempts += 1
        if self.refuse:
            raise FakePortAudioError("Error opening InputStream: Unanticipated host error")
        stream = FakeStream(self, **options)
        self.on_open(stream)
        return stream

    def _terminate(self) -> None:
        pass

    def _initialize(self) -> None:
        pass


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def take(blocks: Iterator[Block], seconds: float) -> list[Block]:
    return [next(blocks) for _ in range(round(seconds * RATE / BLOCK))]


def test_live_source_resamples_counts_overflows_and_keeps_dropped_audio_as_silence() -> None:
    fake, clock = FakePortAudio(), Clock()
    fake.on_open = lambda stream: stream.deliver(1.0, overflow=True)
    source = LiveSource([DeviceSpec("usb", "mic")], clock=clock, sd=fake)
    assert source.info.kind == "device" and source.info.rate == 48000 and source.labels == ["mic"]
    blocks = source.blocks()
    got = take(blocks, 0.9)
    stream = fake.opened[0]
    assert stream.options["samplerate"] == 48000 and stream.options["channels"] == 2
    assert [b.start for b in got] == [i * BLOCK for i in range(9)] and got[0].channels.shape == (1, BLOCK)
    assert abs(float(got[5].channels.mean()) - 0.1) < 1e-3  # stereo mixed down, resampled to 16 kHz
    notices = [e for e in source.events if isinstance(e, Notice)]
    assert len(notices) == 1 and "20 input overflows" in notices[0].message  # one notice, not one per block
    # Transcription stalls: the queue fills, the callback drops, and the dropped audio comes out as silence.
    bound = source._queue.maxsize
    stream.deliver(CHUNK * (bound + 40))
    audio = [b.channels[0] for b in take(blocks, CHUNK * bound - 0.5)]
    stream.deliver(1.0)
    dropped = source._captures[0].dropped_frames / 48000  # counted by the callback
    audio += [b.channels[0] for b in take(blocks, 0.5 + dropped + 0.5)]
    silence = float((np.concatenate(audio) < 0.05).sum()) / RATE
    assert dropped >= 40 * CHUNK and abs(silence - dropped) < 0.01
    assert source._captures[0].overflows.dropped == dropped
    clock.now += REPORT_EVERY
    take(blocks, 0.3)
    assert f"{dropped:.1f} s of audio dropped" in [e for e in source.events if isinstance(e, Notice)][-1].message
    source.close()


def test_a_lost_device_is_reopened_with_backoff_while_silence_keeps_call_time() -> None:
    fake, clock = FakePortAudio(), Clock()
    fake.on_open = lambda stream: stream.deliver(2.0)
    source = LiveSource([DeviceSpec("USB Headset")], clock=clock, sd=fake)
    blocks = source.blocks()
    got = take(blocks, 1.5)
    fake.opened[0].active = False  # the sound server dropped it
    fake.refuse = True
    for _ in range(250):  # 25 s on the clock, 0.1 s at a time: silence at the clock's pace
        clock.now += 0.1
        got += take(blocks, 0.1)
    lost = [e for e in source.events if isinstance(e, Notice)]
    assert [type(e).__name__ for e in source.events] == ["Notice"]  # the monitor raises the alert from it
    assert len(lost) == 1 and lost[0].code == "device_lost" and lost[0].device == "USB Headset"
    assert 1.5 <= lost[0].t <= 2.0
    assert 4 <= fake.attempts <= 6  # 0.5, 1, 2, 4, 8, 10 s apart
    assert [b.start for b in got] == [i * BLOCK for i in range(len(got))]
    fake.refuse = False
    clock.now += 10.0
    take(blocks, 11.0)
    gap = next(e for e in source.events if isinstance(e, Gap))
    assert gap.start == lost[0].t and gap.device == "USB Headset" and 36 < gap.end < 38
    source.close()
