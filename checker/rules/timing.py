"""Timing kinds: `silence`, `interruption`, `speech_rate`, `duration`.

All four need timestamps: a call without them gets the rule reported as not applicable, never as
passed. Times are compared at millisecond precision, so a 10.00 s gap meets `min_seconds: 10`
although 28.40 − 18.40 is 9.999… in floating point. Measurements (gap, count, rate, length) are
appended to the finding's message, since that is what findings.csv shows, and kept in `details`.

- `silence` (`min_seconds`): each gap between consecutive turns, next start − the latest end so
  far, of at least `min_seconds` is one finding at the turn after the gap. `except_after`
  (`{phrases | regex, speaker, max_seconds}`) excuses announced holds: a gap is not dead air when
  the last turn of `except_after.speaker` (default agent) before the gap holds one of its phrases
  (请稍等), unless the gap is longer than `except_after.max_seconds`. The rule's `speaker`
  (default `any` here) and `window` select the turns after a gap: `speaker: agent` counts only
  the silences the agent broke. `after_speaker` (`agent`|`customer`|`any`, default any) keeps
  only gaps that start at the end of a turn of that speaker (the turn with the latest end so
  far): `after_speaker: customer, speaker: agent` = the customer finished and the agent was silent.
- `interruption` (`min_overlap_seconds`, `max_count`): a turn of the rule's speaker interrupts
  when it starts before the previous turn of another speaker ended, and the overlap
  (min(that end, its own end) − its start, so a short backchannel 嗯 inside the customer's turn
  overlaps only by its own length) is at least `min_overlap_seconds`. More than `max_count`
  interruptions in the call is one finding, at the first interruption over the limit; all of
  them are listed in `details`. `min_chars` (default 0): an interrupting turn counts only with at
  least that many compact characters (Han, letters, digits), so back-channels (嗯, 好的) do not;
  `max_total_seconds`: the rule also fires when the summed overlap of the interruptions that count
  goes over it, at the interruption that took it over. With `max_total_seconds` and no
  `max_count`, the count has no limit.
- `speech_rate` (`max_chars_per_minute`, `min_chars_per_minute`): characters (Han, letters,
  digits; not punctuation or spaces) per minute over the speaker's turns in scope, time being
  the sum of those turns' durations. One call-level finding. Less than `min_speech_seconds`
  (default 20) of speech is too little to judge: not applicable.
- `duration` (`min_seconds`, `max_seconds`): call length from the first start to the last end.
  One call-level finding.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Literal

from pydantic import Field, model_validator

from ..model import Finding
from ..normalise import alnum_counts
from .base import CallContext, CompileContext, NotApplicable, Rule, RuleConfig, Speaker, register
from .phrases import PhraseMatcher, PhraseSet

__all__ = [
    "SilenceConfig",
    "SilenceRule",
    "InterruptionConfig",
    "InterruptionRule",
    "SpeechRateConfig",
    "SpeechRateRule",
    "DurationConfig",
    "DurationRule",
]


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


# --------------------------------------------------------------------------------- silence
class HoldAnnouncement(PhraseSet):
    speaker: Speaker = "agent"
    max_seconds: float | None = Field(None, gt=0)  # an announced hold longer than this still counts


class SilenceConfig(RuleConfig):
    kind: Literal["silence"]
    speaker: Speaker = "any"
    min_seconds: float = Field(gt=0)
    after_speaker: Speaker = "any"
    except_after: HoldAnnouncement | None = None


@register
class SilenceRule(TimingRule):
    kind = "silence"
    Config = SilenceConfig

    def __init__(self, config: SilenceConfig, ctx: CompileContext):
        super().__init__(config, ctx)
        self.hold = PhraseMatcher(config.except_after, ctx) if config.except_after else None

    def findings(self, ctx: CallContext) -> list[Finding]:
        cfg: SilenceConfig = self.config  # type: ignore[assignment]
        turns = ctx.call.turns
        starts, ends = turns.starts, turns.ends
        # Gaps are judged rounded to the millisecond; a raw gap this far below the limit cannot
        # round up to it, so only the near-misses and hits are rounded.
        least = cfg.min_seconds - 0.001
        scope: set[int] | None = None
        out: list[Finding] = []
        speakers = turns.speakers
        before = cfg.after_speaker
        latest_end, latest = ends[0], 0  # the latest end so far, and whose turn ended then
        for i in range(1, len(starts)):
            raw = starts[i] - latest_end  # type: ignore[operator]
            if raw >= least and (before == "any" or speakers[latest] == before):
                gap = _ms(raw)
                if scope is None:
                    scope = set(self.scope(ctx))
                if gap >= cfg.min_seconds and i in scope and not self._announced(ctx, i, gap):
                    out.append(
                        self.finding(
                            ctx,
                            turn=i,
                            message=f"{cfg.message}（静默 {_num(gap)} 秒）",
                            details={"gap_seconds": gap, "from": latest_end, "to": starts[i]},
                        )
                    )
            if ends[i] > latest_end:  # type: ignore[operator]
                latest_end, latest = ends[i], i
        return out

    def _announced(self, ctx: CallContext, after: int, gap: float) -> bool:
        hold = self.config.except_after  # type: ignore[attr-defined]
        if self.hold is None:
            return False
        if hold.max_seconds is not None and gap > hold.max_seconds:
            return False
        speakers = ctx.call.turns.speakers
        before = [j for j in range(after) if hold.speaker == "any" or speakers[j] == hold.speaker]
        return bool(before) and bool(self.hold.hits(ctx, before[-1]))


# ---------------------------------------------------------------------------- interruption
class InterruptionConfig(RuleConfig):
    kind: Literal["interruption"]
    min_overlap_seconds: float = Field(1.0, gt=0)
    max_count: int | None = Field(None, ge=0)  # default 0, or no limit beside max_total_seconds
    min_chars: int = Field(0, ge=0)
    max_total_seconds: float | None = Field(None, gt=0)

    @property
    def count_limit(self) -> int | None:
        if self.max_count is not None:
            return self.max_count
        return None if self.max_total_seconds is not None else 0


@register
class InterruptionRule(TimingRule):
    kind = "interruption"
    Config = InterruptionConfig

    def findings(self, ctx: CallContext) -> list[Finding]:
        cfg: InterruptionConfig = self.config  # type: ignore[assignment]
        turns = ctx.call.turns
        speakers, starts, ends = turns.speakers, turns.starts, turns.ends
        least = cfg.min_overlap_seconds - 0.001  # as in `silence`: only near-misses are rounded
        spoken = spoken_counts(ctx) if cfg.min_chars else None
        found: list[dict] = []
        for i in self.scope(ctx):
            if spoken is not None and spoken[i] < cfg.min_chars:
                continue  # a back-channel (嗯, 好的) is not an interruption
            # the last turn before i by someone else: the one before it, mostly (turns alternate)
            prev = i - 1
            speaker = speakers[i]
            while prev >= 0 and speakers[prev] == speaker:
                prev -= 1
            if prev < 0:
                continue
            end = ends[prev] if ends[prev] < ends[i] else ends[i]  # type: ignore[operator]
            if end - starts[i] < least:  # type: ignore[operator]
                continue
            overlap = _ms(end - starts[i])  # type: ignore[operator]
            if overlap >= cfg.min_overlap_seconds:
                found.append({"turn": i, "interrupted_turn": prev, "start": starts[i], "overlap_seconds": overlap})
        limit, total_limit = cfg.count_limit, cfg.max_total_seconds
        total = 0.0
        over = None  # the interruption that first went over a limit
        for k, item in enumerate(found):
            total = _ms(total + item["overlap_seconds"])
            if (limit is not None and k + 1 > limit) or (total_limit is not None and total > total_limit):
                over = item
                break
        if over is None:
            return []
        total = _ms(sum(item["overlap_seconds"] for item in found))
        what = [f"打断 {len(found)} 次" + (f"，上限 {limit} 次" if limit is not None else "")]
        if total_limit is not None:
            what.append(f"共 {_num(total)} 秒，上限 {_num(total_limit)} 秒")
        return [
            self.finding(
                ctx,
                turn=over["turn"],
                message=f"{cfg.message}（{'；'.join(what)}）",
                details={"count": len(found), "max_count": limit, "total_seconds": total,
                         "max_total_seconds": total_limit, "interruptions": found},
            )
        ]


# ------------------------------------------------------------------------------ speech_rate
class SpeechRateConfig(RuleConfig):
    kind: Literal["speech_rate"]
    max_chars_per_minute: float | None = Field(None, gt=0)
    min_chars_per_minute: float | None = Field(None, ge=0)
    min_speech_seconds: float = Field(20, ge=0)

    @model_validator(mode="after")
    def _a_limit(self) -> "SpeechRateConfig":
        lo, hi = self.min_chars_per_minute, self.max_chars_per_minute
        if lo is None and hi is None:
            raise ValueError("a speech_rate rule needs max_chars_per_minute and/or min_chars_per_minute")
        if lo is not None and hi is not None and lo >= hi:
            raise ValueError("min_chars_per_minute must be below max_chars_per_minute")
        return self


def spoken_chars(text: str) -> int:
    """Han characters, letters and digits: what is spoken, not punctuation or spaces."""
    return sum(map(str.isalnum, text))


def spoken_counts(ctx: CallContext) -> list[int]:
    """`spoken_chars` of every turn of the call, counted once per call; on the audit's vectorised
    path one table look-up over the code points the normalisation already made (for a whole
    batch of calls at once, see `CallContext.scan_together`)."""
    counts = ctx.memo.get("spoken_chars")
    if counts is None:
        texts = ctx.call.turns.texts
        ctx.turn_hits()  # the scan, which makes `ctx.joined`
        joined = ctx.joined
        counts = alnum_counts(joined, ctx.offsets, texts) if joined is not None else None
        if counts is None:
            counts = [spoken_chars(t) for t in texts]
        ctx.memo["spoken_chars"] = counts
    return counts


@register
class SpeechRateRule(TimingRule):
    kind = "speech_rate"
    Config = SpeechRateConfig

    def findings(self, ctx: CallContext) -> list[Finding]:
        cfg: SpeechRateConfig = self.config  # type: ignore[assignment]
        turns = ctx.call.turns
        starts, ends, spoken = turns.starts, turns.ends, spoken_counts(ctx)
        chars = 0
        seconds = 0.0
        for i in self.scope(ctx):
            length = ends[i] - starts[i]  # type: ignore[operator]
            if length > 0:  # a zero-length turn has words but no time: it would only inflate the rate
                chars += spoken[i]
                seconds += length
        seconds = _ms(seconds)
        if seconds < cfg.min_speech_seconds or seconds <= 0:
            raise NotApplicable(f"only {_num(seconds)} s of speech, need {_num(cfg.min_speech_seconds)} s")
        rate = round(chars * 60 / seconds, 1)
        too_fast = cfg.max_chars_per_minute is not None and rate > cfg.max_chars_per_minute
        too_slow = cfg.min_chars_per_minute is not None and rate < cfg.min_chars_per_minute
        if not (too_fast or too_slow):
            return []
        details = {
            "chars_per_minute": rate,
            "chars": chars,
            "speech_seconds": seconds,
            "max_chars_per_minute": cfg.max_chars_per_minute,
            "min_chars_per_minute": cfg.min_chars_per_minute,
        }
        return [self.call_level(ctx, f"{cfg.message}（{rate:.0f} 字/分钟）", details)]


# --------------------------------------------------------------------------------- duration
class DurationConfig(RuleConfig):
    kind: Literal["duration"]
    min_seconds: float | None = Field(None, ge=0)
    max_seconds: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _a_limit(self) -> "DurationConfig":
        if self.min_seconds is None and self.max_seconds is None:
            raise ValueError("a duration rule needs min_seconds and/or max_seconds")
        if self.min_seconds is not None and self.max_seconds is not None and self.min_seconds >= self.max_seconds:
            raise ValueError("min_seconds must be below max_seconds")
        if self.window is not None:
            raise ValueError("a duration rule measures the whole call and takes no window")
        return self


@register
class DurationRule(TimingRule):
    kind = "duration"
    Config = DurationConfig

    def findings(self, ctx: CallContext) -> list[Finding]:
        cfg: DurationConfig = self.config  # type: ignore[assignment]
        turns = ctx.call.turns
        length = _ms(max(turns.ends) - min(turns.starts))  # type: ignore[type-var, operator]
        too_short = cfg.min_seconds is not None and length < cfg.min_seconds
        too_long = cfg.max_seconds is not None and length > cfg.max_seconds
        if not (too_short or too_long):
            return []
        details = {"duration_seconds": length, "min_seconds": cfg.min_seconds, "max_seconds": cfg.max_seconds}
        return [self.finding(ctx, message=f"{cfg.message}（通话时长 {_clock(length)}）", details=details)]
