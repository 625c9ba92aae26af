"""What the timing kinds share (`silence`, `interruption`, `speech_rate`, `duration`, one module each).

All four need timestamps: a call without them gets the rule reported as not applicable, never as
passed. Times are compared at millisecond precision, so a 10.00 s gap meets `min_seconds: 10`
although 28.40 − 18.40 is 9.999… in floating point. Measurements (gap, count, rate, length) are
appended to the finding's message, since that is what findings.csv shows, and kept in `details`.
"""

from __future__ import annotations

from dataclasses import replace

from ..model import Finding
from ..normalise import alnum_counts
from .base import CallContext, Rule

__all__ = ["TimingRule", "spoken_chars", "spoken_counts"]


def _ms(seconds: float) -> float:
    return round(seconds, 3)


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60:d}:{seconds % 60:02d}"


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


class TimingRule(Rule):
    needs_timestamps = True

    def call_level(self, ctx: CallContext, message: str, details: dict) -> Finding:
        """A call-level finding that still names whose speech it is about, when that is one role."""
        finding = self.finding(ctx, message=message, details=details)
        if self.config.speaker != "any":
            finding = replace(finding, speaker=self.config.speaker)
        return finding


def spoken_chars(text: str) -> int:
    """Han characters, letters and digits: what is spoken, not punctuation or spaces."""
    return sum(map(str.isalnum, text))


def spoken_counts(ctx: CallContext) -> list[int]:
    """`spoken_chars` of every turn of the call, counted once per call; on the audit's vectorised
    path one table look-up over the code points the normalisation already made (for a whole
    batch of calls at once, see `CallContext.scan_together`)."""
    counts = ctx.spoken_chars
    if counts is None:
        texts = ctx.call.turns.texts
        ctx.turn_hits()  # the scan, which makes `ctx.joined`
        joined = ctx.joined
        counts = alnum_counts(joined, ctx.offsets, texts) if joined is not None else None
        if counts is None:
            counts = [spoken_chars(t) for t in texts]
        ctx.spoken_chars = counts
    return counts
