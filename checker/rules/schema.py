"""The YAML keys every rule takes (`RuleConfig`) and the small models they are made of; a kind's
own keys are a `RuleConfig` subclass in its module."""

from __future__ import annotations

from typing import Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


__all__ = ["Example", "PhraseItem", "PhraseSpec", "RuleConfig", "Severity", "Speaker", "Strict", "Window"]

Speaker = Literal["agent", "customer", "any"]
Severity = Literal["error", "warning", "info"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Window(Strict):
    first_turns: int | None = Field(None, ge=1)
    last_turns: int | None = Field(None, ge=1)
    first_seconds: float | None = Field(None, gt=0)
    last_seconds: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _one_window(self) -> "Window":
        set_keys = [k for k, v in self.model_dump().items() if v is not None]
        if len(set_keys) != 1:
            raise ValueError("a window takes exactly one of first_turns, last_turns, first_seconds, last_seconds")
        return self

    @property
    def needs_timestamps(self) -> bool:
        return self.first_seconds is not None or self.last_seconds is not None


class Example(Strict):
    fires: bool
    transcript: str
    count: int | None = Field(None, ge=0)  # exact number of findings expected
    matched: Union[str, list[str], None] = None  # the quoted text of the findings, in order
    suggest: str | None = None  # the suggestion the first finding must carry
    turn: int | None = None  # the turn the first finding must point at
    name: str | None = None


class PhraseSpec(Strict):
    phrase: str
    suggest: str | None = None


PhraseItem = Union[str, PhraseSpec]


class RuleConfig(Strict):
    """The keys every rule takes (SPEC "Rules in")."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
    kind: str
    section: str = Field(min_length=1)
    message: str = Field(min_length=1)
    speaker: Speaker = "agent"
    window: Window | None = None
    when_meta: dict[str, Any] = Field(default_factory=dict)
    deduct: float = Field(0, ge=0)
    per: Literal["call", "occurrence"] = "call"
    max_deduct: float | None = Field(None, ge=0)
    fatal: bool = False
    severity: Severity = "error"
    suggest: str | None = None
    examples: list[Example] = Field(default_factory=list)
    enabled: bool = True
    description: str | None = None

    @field_validator("when_meta")
    @classmethod
    def _plain_values(cls, v: dict[str, Any]) -> dict[str, Any]:
        for key, value in v.items():
            if isinstance(value, (dict,)):
                raise ValueError(f"when_meta {key!r} must be a value or a list of values")
        return v
