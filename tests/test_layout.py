"""The layout keeps its promises: data flows one way through the stages, and the deciding cores touch no
devices, sockets, threads, processes or event loop. Read from the source with `ast`, so it holds for
imports inside functions too; imports only for type checking are left out, since they run nothing."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "bridge"

LAYERS = [
    {"errors", "events", "calltime", "people", "corrections", "weights"},
    {"sources"},
    {"speech"},
    {"speakers", "language"},
    {"monitor"},
    {"log"},
    {"report"},
    {"feed"},
    {"incident", "pipeline"},
    {"cli"},
]
"""Stages in the order data flows: a module imports from its own stage or an earlier one, never a later one."""

PURE = [
    "calltime",
    "people",
    "events",
    "monitor",
    "speech/segmenter",
    "speakers/voices",
    "speakers/attribution",
    "speakers/offline",
    "language/analysis",
    "language/grammar",
    "language/pattern_file",
    "language/durations",
    "language/replies",
    "language/findings",
    "language/extraction",
    "corrections",
    "feed/access",
    "feed/fanout",
    "feed/commander_actions",
    "report/timeline",
    "report/outcomes",
    "report/evidence",
    "report/airtime",
    "report/markup",
    "report/postmortem",
    "report/stakeholder_update",
    "report/transcript_output",
    "report/action_items",
    "report/channel_message",
]
"""The cores: plain synchronous code, tested with lists in and lists out."""

SHELL = {"threading", "asyncio", "socket", "subprocess", "signal", "sounddevice", "websockets", "queue", "selectors"}
SHELL_MODULES = {"bridge.cli", "bridge.feed.server", "bridge.sources.capture", "bridge.sources.devices"}


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def _imports(path: Path) -> set[str]:
    """Absolute names of everything `path` imports at run time."""
    tree = ast.parse(path.read_text())
    typing_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for stmt in block.body
        for node in ast.walk(stmt)
    }
    package = _module(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package[: len(package) - node.level + 1], *([base] if base else [])])
            names |= {base} | {f"{base}.{alias.name}" for alias in node.names}
    return names


def _stage(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "bridge" or len(parts) < 2:
        return None
    return next((i for i, layer in enumerate(LAYERS) if parts[1] in layer), None)


MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_stage_imports_a_later_one(path: Path) -> None:
    here = _stage(_module(path))
    if here is None:
        return
    later = sorted(m for m in _imports(path) if (stage := _stage(m)) is not None and stage > here)
    assert not later, f"{_module(path)} imports from later stages: {later}"


@pytest.mark.parametrize("name", PURE)
def test_pure_cores_touch_no_shell(name: str) -> None:
    path = PACKAGE / f"{name}.py"
    imported = _imports(path)
    shells = sorted(m for m in imported if m.split(".")[0] in SHELL or any(m.startswith(s) for s in SHELL_MODULES))
    assert not shells, f"bridge.{name.replace('/', '.')} imports shell modules: {shells}"


def test_every_module_is_in_a_stage() -> None:
    assert [_module(p) for p in MODULES if _stage(_module(p)) is None] == ["bridge"]
