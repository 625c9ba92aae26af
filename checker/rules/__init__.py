"""The rule kinds. Importing this package registers every kind in `KINDS`."""

from .base import KINDS, CallContext, CompileContext, NotApplicable, Rule, RuleConfig
from . import required, forbidden, dialect  # noqa: F401  (registration)
from . import response, sequence  # noqa: F401  (registration)
from . import silence, interruption, speech_rate, duration, metadata  # noqa: F401  (registration)
from . import composite, repetition  # noqa: F401  (registration)

__all__ = ["KINDS", "CallContext", "CompileContext", "NotApplicable", "Rule", "RuleConfig"]
