"""Counting occurrences (SPEC "Rule language v2": counts on phrase rules and conditions).

An occurrence is one hit of a `PhraseMatcher` in a scope, after boundaries and exceptions, with
overlaps already resolved (longest, then leftmost). Two occurrences are of *different phrases*
when their compact normalised texts differ: for a literal phrase that text is the phrase's own
key, so 退款 twice is one phrase; for a regex, an entity or a similar sentence it is the text
matched, which is what "different matched texts" means there.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..normalise import compact_of
from .base import CallContext
from .phrases import Hit

__all__ = ["distinct", "identity"]


def identity(ctx: CallContext, hit: Hit) -> str:
    """What makes an occurrence a different phrase from another: its compact normalised text."""
    return compact_of(ctx.norm_text(hit.turn)[hit.begin : hit.end])


def distinct(ctx: CallContext, hits: Iterable[Hit]) -> int:
    """The number of different phrases among `hits`."""
    return len({identity(ctx, h) for h in hits})
