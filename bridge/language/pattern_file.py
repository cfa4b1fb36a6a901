"""The pattern file: the word lists and expressions the analyzer's rules read (bridge/language/patterns/en.json),
with the user's additions (--patterns FILE) merged in and checked when the file is read, so a wrong key, type or
expression is one line naming it at start-up instead of a failure on the first sentence that meets it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UsageError

__all__ = ["DEFAULT_PATTERNS", "Patterns", "load_patterns"]

DEFAULT_PATTERNS = Path(__file__).parent / "patterns" / "en.json"


@dataclass(frozen=True)
class Patterns:
    data: dict[str, Any]

    def words(self, key: str) -> frozenset[str]:
        return frozenset(self.data[key])


_REGEX_KEYS = frozenset(
    {
        "self_identification",
        "status_phrases",
        "owners_after_verb",
        "group_offers",
        "volunteers",
        "decision_phrases",
        "assignments",
    }
)
"""Keys whose entries are regular expressions, compiled when the file is read so a bad one is refused then."""
_GROUPS = {"self_identification": ("name",), "owners_after_verb": ("name",), "group_offers": ("task",)}
"""Named groups the analyzer reads from each match of these keys' expressions."""
_CATEGORIES = ("mitigation", "investigation", "communication", "follow-up")
"""An action item's categories (events.Category): the log's schema knows no other."""


def load_patterns(extra: Path | None = None) -> Patterns:
    data = json.loads(DEFAULT_PATTERNS.read_text())
    if extra is not None:
        try:
            user = json.loads(extra.read_text())
        except (OSError, ValueError) as e:
            raise UsageError(f"cannot read --patterns {extra}: {getattr(e, 'strerror', None) or e}") from None
        _merge(data, user, f"--patterns {extra}")
    return Patterns(data)


def _merge(data: dict[str, Any], user: object, where: str) -> None:
    """Add the user's rules to `data`, refusing (UsageError, one line) anything the analyzer could not use."""
    if not isinstance(user, dict):
        raise UsageError(f"{where}: a JSON {_json_type(user)}; give an object with keys as in {DEFAULT_PATTERNS.name}")
    for key, value in user.items():
        if key not in data or key == "about":
            known = ", ".join(k for k in data if k != "about")
            raise UsageError(f"{where}: unknown key {key!r}; the keys are {known}")
        if key == "patterns":
            for label, pats in _object_of_lists(where, key, value).items():
                data["patterns"].setdefault(label, []).extend(pats)
        elif key == "categories":
            for category, words in _object_of_lists(where, key, value).items():
                if category not in _CATEGORIES:
                    raise UsageError(f"{where}: categories: {category!r} is not one of {', '.join(_CATEGORIES)}")
                _strings(where, f"categories.{category}", words)
                data["categories"].setdefault(category, []).extend(words)
        else:
            _strings(where, key, value)
            if key in _REGEX_KEYS:
                for expression in value:
                    _regex(where, key, expression)
            data[key] = [*data[key], *value]


def _object_of_lists(where: str, key: str, value: object) -> dict[str, list[Any]]:
    if not isinstance(value, dict):
        raise UsageError(f"{where}: {key!r} must be an object of name to list, not a JSON {_json_type(value)}")
    for name, items in value.items():
        if not isinstance(items, list):
            raise UsageError(f"{where}: {key}.{name} must be a list, not a JSON {_json_type(items)}")
    return value


def _strings(where: str, key: str, value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        got = _json_type(value) if not isinstance(value, list) else "list holding other than strings"
        raise UsageError(f"{where}: {key!r} must be a list of strings, not a JSON {got}")


def _regex(where: str, key: str, expression: str) -> None:
    try:
        compiled = re.compile(expression)
    except (re.error, OverflowError, RecursionError) as e:
        raise UsageError(f"{where}: {key}: {expression!r} is not a regular expression ({e})") from None
    for group in _GROUPS.get(key, ()):
        if group not in compiled.groupindex:
            raise UsageError(f"{where}: {key}: {expression!r} needs a named group (?P<{group}>...)")


def _json_type(value: object) -> str:
    names = {dict: "object", list: "list", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")
