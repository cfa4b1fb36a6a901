"""Who is who: the one rule for whether two names are the same person."""

from __future__ import annotations

__all__ = ["key", "same"]


def key(name: str) -> str:
    """A name as compared: spacing and case do not make another person ("Marcus  Lee" is "marcus lee")."""
    return " ".join(name.split()).casefold()


def same(a: str | None, b: str | None) -> bool:
    """Whether two names are the same person. Unknown (None) is nobody in particular."""
    return a is not None and b is not None and key(a) == key(b)
