"""Speaker labels to roles: the SPEC defaults plus the scheme's `roles:`."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..normalise import normalise

DEFAULT_ROLES: dict[str, list[str]] = {
    "agent": ["坐席", "座席", "客服", "话务员", "agent", "A"],
    "customer": ["客户", "用户", "顾客", "来电人", "customer", "C"],
    "system": ["系统", "机器人", "IVR", "system", "bot"],
}


class RecordError(ValueError):
    """A record that cannot become a Call; `line` is 1-based within the file when known."""

    def __init__(self, reason: str, line: int | None = None):
        super().__init__(reason)
        self.line = line


@dataclass(frozen=True)
class RoleMap:
    labels: dict[str, str] = field(default_factory=dict)  # normalised label -> role
    # ASR results label speakers by number, not name: the 0-based channel/speaker index that is the
    # agent (every other index is the customer). Scheme `asr: {agent_channel: N}`, `--agent-channel N`.
    agent_channel: int = 0
    # Tables (CSV, xlsx, Parquet) name their columns as their system exports them: header -> our
    # column name, from the scheme's `columns: {call_id: 录音编号, …}` (the defaults are in
    # `table.HEADER_ALIASES`). Kept here, with the other "what the transcript calls things" table,
    # because this is what every reader is handed.
    columns: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        extra: dict[str, list[str]] | None = None,
        agent_channel: int = 0,
        columns: Mapping[str, str | list[str]] | None = None,
    ) -> "RoleMap":
        labels = {_key(label): role for role, names in DEFAULT_ROLES.items() for label in names}
        for role, names in (extra or {}).items():
            for label in names:
                labels[_key(str(label))] = role
        headers = {}
        for name, written in (columns or {}).items():
            for header in [written] if isinstance(written, str) else written:
                headers[str(header).strip()] = name
        return cls(labels, agent_channel, headers)

    def role(self, label: object, line: int | None = None) -> str:
        # Labels as written are mostly already normal ("agent", "坐席"): look them up first.
        role = self.labels.get(label) if label.__class__ is str else None
        if role is not None:
            return role
        if not isinstance(label, str) or not label.strip():
            raise RecordError(f"turn has no speaker label (got {label!r})", line)
        role = self.labels.get(_key(label))
        if role is None:
            known = "、".join(sorted({k for k in self.labels}))
            raise RecordError(
                f"unknown speaker label {label.strip()!r}; known labels: {known} (add it under `roles:` in the scheme)",
                line,
            )
        return role


@functools.lru_cache(maxsize=4096)
def _key(label: str) -> str:
    """Labels compare normalised: 客戶 is 客户, ＡＧＥＮＴ is agent."""
    return normalise(label).compact or label.strip().lower()
