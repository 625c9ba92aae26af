"""The values a `when_meta` key or a metadata rule accepts (`Options`)."""

from __future__ import annotations

from typing import Any

__all__ = ["Options"]


class Options:
    """The values a `when_meta` key or a metadata rule accepts, asked `value in options` of
    every call. A value matches an option when both are None; when either is a boolean, their
    lower-cased texts are equal (true / True / "TRUE"); otherwise when their texts are equal
    (1 and "1", "None" and None). Decided by set look-ups built once."""

    __slots__ = ("none", "plain", "lowered", "bools")

    def __init__(self, options: list) -> None:
        self.none = any(o is None for o in options)
        self.plain = frozenset(str(o) for o in options if not isinstance(o, bool))
        self.lowered = frozenset(str(o).lower() for o in options)
        self.bools = frozenset(str(o).lower() for o in options if isinstance(o, bool))

    def __contains__(self, value: Any) -> bool:
        if value is None:
            return self.none
        if isinstance(value, bool):
            return str(value).lower() in self.lowered
        text = str(value)
        return text in self.plain or (bool(self.bools) and text.lower() in self.bools)
