from __future__ import annotations

import builtins
from typing import Any

import pytest

from bridge.errors import BridgeError, CaptureError, UsageError
from bridge.sources.devices import (
    INSTALL,
    Device,
    DeviceSpec,
    devices_table,
    is_loopback,
    match_device,
    parse_device,
    portaudio,
)

DEVICES = [
    Device(index=0, name="HDA Intel PCH: ALC3246 Analog (hw:0,0)", hostapi="ALSA", channels=2, rate=48000),
    Device(index=2, name="USB Headset: Audio (hw:1,0)", hostapi="ALSA", channels=1, rate=44100),
    Device(index=3, name="pulse", hostapi="ALSA", channels=32, rate=44100),
    Device(index=4, name="default", hostapi="ALSA", channels=32, rate=44100),
    Device(index=7, name="Monitor of Built-in Audio Analog Stereo", hostapi="PulseAudio", channels=2, rate=44100),
    Device(index=9, name="Speakers (Realtek) [Loopback]", hostapi="Windows WASAPI", channels=2, rate=48000),
    Device(index=11, name="BlackHole 2ch", hostapi="Core Audio", channels=2, rate=48000),
]


@pytest.mark.parametrize(
    "spec, expected",
    [
        ("pulse", DeviceSpec("pulse")),
        ("3", DeviceSpec("3")),
        ("mic=USB", DeviceSpec("USB", "mic")),
        (" bridge = pulse ", DeviceSpec("pulse", "bridge")),
        ("a=b=c", DeviceSpec("b=c", "a")),
    ],
)
def test_parse_device(spec: str, expected: DeviceSpec) -> None:
    assert parse_device(spec) == expected


@pytest.mark.parametrize("spec", ["=pulse", "mic=", " = "])
def test_parse_device_needs_label_and_device(spec: str) -> None:
    with pytest.raises(UsageError, match="LABEL=NAME"):
        parse_device(spec)


@pytest.mark.parametrize(
    "query, index",
    [
        ("3", 3),
        ("11", 11),
        ("pulse", 3),
        ("PULSE", 3),
        ("usb", 2),
        ("blackhole", 11),
        ("default", 4),
        ("Loopback", 9),
        ("ALC3246", 0),
    ],
)
def test_match_device_by_index_exact_name_or_unique_part(query: str, index: int) -> None:
    assert match_device(query, DEVICES).index == index


def test_an_exact_name_wins_over_parts_of_others() -> None:
    devices = [*DEVICES, Device(index=12, name="pulse monitor", hostapi="ALSA", channels=2, rate=44100)]
    assert match_device("pulse", devices).index == 3


@pytest.mark.parametrize(
    "query, message",
    [
        ("5", "no input device with index 5; `bridge devices` lists them"),
        ("Zoom", "no input device named 'Zoom'; `bridge devices` lists them"),
        (
            "audio",
            "'audio' matches several input devices (2: USB Headset: Audio (hw:1,0), "
            "7: Monitor of Built-in Audio Analog Stereo); give its index",
        ),
    ],
)
def test_a_wrong_device_is_one_line_naming_it(query: str, message: str) -> None:
    with pytest.raises(CaptureError) as raised:
        match_device(query, DEVICES)
    assert str(raised.value) == message
    assert isinstance(raised.value, BridgeError)


@pytest.mark.parametrize(
    "name, loopback",
    [
        ("bridge.monitor", True),
        ("Monitor of Built-in Audio Analog Stereo", True),
        ("Speakers [Loopback]", True),
        ("BlackHole 16ch", True),
        ("Soundflower (2ch)", True),
        ("Stereo Mix (Realtek Audio)", True),
        ("pulse", False),
        ("USB Headset", False),
        ("MacBook Pro Microphone", False),
    ],
)
def test_loopback_devices_are_marked(name: str, loopback: bool) -> None:
    assert is_loopback(name) is loopback


def test_devices_table() -> None:
    table = devices_table(DEVICES, ["bridge.monitor", "alsa_output.pci.analog-stereo.monitor"])
    lines = table.splitlines()
    assert lines[0].split() == ["index", "name", "host", "API", "ch", "rate"]
    rows = {int(line.split()[0]): line for line in lines[1 : 1 + len(DEVICES)]}
    assert sorted(rows) == [d.index for d in DEVICES]
    assert "Windows WASAPI" in rows[9] and "48000" in rows[9]
    marked = {i for i, row in rows.items() if row.endswith("loopback: what this computer plays")}
    assert marked == {7, 9, 11}
    assert "pactl set-default-source bridge.monitor" in table
    assert "       alsa_output.pci.analog-stereo.monitor" in lines
    assert "--device mic=0 --device bridge=pulse" in table
    assert table.endswith("\n") and all(line == line.rstrip() for line in lines)


def test_devices_table_without_devices() -> None:
    assert devices_table([]).startswith("no input devices")


def test_missing_portaudio_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_portaudio(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "sounddevice":
            raise OSError("PortAudio library not found")
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(__import__("sys").modules, "sounddevice", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_portaudio)
    with pytest.raises(CaptureError) as raised:
        portaudio()
    assert str(raised.value) == "live capture needs the PortAudio library: apt-get install libportaudio2"
    assert INSTALL == "apt-get install libportaudio2"
