"""Input devices: which ones PortAudio offers, which of them carry the call's own audio (loopback or monitor
devices), and which one a `--device` option means.

The pure parts (the `Device` records, matching an option to a device, the table `bridge devices` prints)
take lists and are tested without a sound server. Only `portaudio` and `input_devices` touch PortAudio,
and `sounddevice` is imported there, not at import time, so everything else works where PortAudio is missing.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from ..errors import CaptureError, UsageError

__all__ = [
    "Device",
    "DeviceSpec",
    "devices_table",
    "input_devices",
    "is_loopback",
    "match_device",
    "parse_device",
    "portaudio",
    "pulse_monitors",
]

INSTALL = "apt-get install libportaudio2"

_LOOPBACK_NAMES = ("monitor", "loopback", "blackhole", "soundflower", "stereo mix", "what u hear")
"""Name fragments of devices that carry what the computer plays: PulseAudio/PipeWire monitor sources,
WASAPI loopback ("[Loopback]"), macOS's BlackHole, Soundflower and Loopback, Windows' Stereo Mix."""


@dataclass(frozen=True)
class Device:
    index: int
    name: str
    hostapi: str
    channels: int
    """Input channels."""
    rate: int
    """Default sample rate: what the device runs at natively, so what we capture at."""

    @property
    def loopback(self) -> bool:
        return is_loopback(self.name)


@dataclass(frozen=True)
class DeviceSpec:
    """One `--device [LABEL=]NAME|INDEX` option."""

    query: str
    label: str | None = None


def parse_device(spec: str) -> DeviceSpec:
    label, sep, query = spec.partition("=")
    if not sep:
        return DeviceSpec(spec.strip())
    if not label.strip() or not query.strip():
        raise UsageError(f"--device {spec}: give LABEL=NAME or LABEL=INDEX, e.g. --device mic=0")
    return DeviceSpec(query.strip(), label.strip())


def is_loopback(name: str) -> bool:
    lowered = name.lower()
    return any(fragment in lowered for fragment in _LOOPBACK_NAMES)


def match_device(query: str, devices: Sequence[Device]) -> Device:
    """The input device an option names: an index, the exact name, or a part of one name (any case)."""
    if query.isdigit():
        for device in devices:
            if device.index == int(query):
                return device
        raise CaptureError(f"no input device with index {query}; `bridge devices` lists them")
    lowered = query.lower()
    exact = [d for d in devices if d.name.lower() == lowered]
    if exact:
        return exact[0]
    partial = [d for d in devices if lowered in d.name.lower()]
    if len(partial) == 1:
        return partial[0]
    if partial:
        names = ", ".join(f"{d.index}: {d.name}" for d in partial)
        raise CaptureError(f"{query!r} matches several input devices ({names}); give its index")
    raise CaptureError(f"no input device named {query!r}; `bridge devices` lists them")


def devices_table(devices: Sequence[Device], monitors: Iterable[str] = ()) -> str:
    """What `bridge devices` prints: the input devices, loopback ones marked, and how to choose."""
    if not devices:
        return "no input devices: PortAudio finds no microphone or loopback device on this machine\n"
    lines = [f"{'index':>5}  {'name':32} {'host API':18} {'ch':>3} {'rate':>6}  "]
    for d in devices:
        mark = "loopback: what this computer plays" if d.loopback else ""
        lines.append(f"{d.index:>5}  {d.name[:32]:32} {d.hostapi[:18]:18} {d.channels:>3} {d.rate:>6}  {mark}")
    monitors = list(monitors)
    if monitors:
        lines.append("")
        lines.append("PulseAudio monitor sources (what each output plays), through the `pulse` device:")
        lines.extend(f"       {m}" for m in monitors)
        lines.append(
            f"  choose one with `pactl set-default-source {monitors[0]}` (or PULSE_SOURCE={monitors[0]}), "
            "then --device pulse"
        )
    lines.append("")
    lines.append(
        "listen with --device INDEX or --device NAME (any unique part of the name); label each of several "
        "devices, e.g. --device mic=0 --device bridge=pulse, to get one channel per device"
    )
    return "\n".join(line.rstrip() for line in lines) + "\n"


def portaudio() -> ModuleType:
    """sounddevice, imported only now: it loads the system PortAudio library, which replay does not need."""
    try:
        import sounddevice
    except OSError:
        raise CaptureError(f"live capture needs the PortAudio library: {INSTALL}") from None
    module: ModuleType = sounddevice
    return module


def input_devices(sd: ModuleType | None = None) -> list[Device]:
    sd = sd or portaudio()
    apis: list[dict[str, Any]] = list(sd.query_hostapis())
    found: list[Device] = []
    for index, info in enumerate(sd.query_devices()):
        if int(info["max_input_channels"]) > 0:
            api = str(apis[int(info["hostapi"])]["name"])
            channels, rate = int(info["max_input_channels"]), int(info["default_samplerate"])
            found.append(Device(index=index, name=str(info["name"]), hostapi=api, channels=channels, rate=rate))
    return found


def pulse_monitors() -> list[str]:
    """The monitor sources of a running PulseAudio (or PipeWire's pulse server), when `pactl` is there."""
    if shutil.which("pactl") is None:
        return []
    try:
        listed = subprocess.run(["pactl", "list", "short", "sources"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return []
    names = [line.split("\t")[1] for line in listed.stdout.splitlines() if line.count("\t") >= 1]
    return [n for n in names if n.endswith(".monitor")]
