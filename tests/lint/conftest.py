"""A small scheme of the rules the script lint runs (and some it must not), and a CLI runner."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.cli import main

LINT_SCHEME = """
scheme: lint-test
title: 话术检查测试方案
rules:
  - id: taboo
    kind: forbidden
    section: 服务禁语
    phrases:
      - {phrase: 说吧, suggest: 请问有什么可以帮您？}
      - {phrase: 我不能, suggest: 我看看能为您做些什么}
    message: 使用服务禁语
    examples:
      - {fires: true, matched: 说吧, transcript: "坐席: 喂，说吧"}
      - {fires: false, transcript: "坐席: 您在看小说吧"}
  - id: customer-swear
    kind: forbidden
    section: 客户用语
    speaker: customer
    phrases: [他妈的]
    severity: warning
    message: 出现脏话
  - id: late-taboo
    kind: forbidden
    section: 服务禁语
    window: {last_turns: 1}
    phrases: [不归我管]
    message: 推诿客户
  - id: dialect-switch
    kind: dialect
    section: 方言
    markers: [冇, 咗, 唔得]
    mode: switch
    message: 使用方言
  - id: greet
    kind: required
    section: 开场白
    window: {first_turns: 1}
    stage: opening
    phrases: [您好]
    message: 开场未问候
  - id: welcome
    kind: required
    section: 开场白
    stage: [opening, callback]
    when_meta: {direction: inbound}
    phrases: [欢迎致电]
    message: 未说欢迎致电
  - id: thanks
    kind: required
    section: 结束语
    phrases: [感谢]
    message: 未致谢
  - id: casual
    kind: forbidden
    section: 用语
    severity: info
    phrases: [亲爱的]
    message: 用语过于随意
"""


@pytest.fixture
def scheme_file(tmp_path: Path) -> Path:
    path = tmp_path / "rules" / "lint-test.yaml"
    path.parent.mkdir()
    path.write_text(textwrap.dedent(LINT_SCHEME), encoding="utf-8")
    return path


@pytest.fixture
def lint_scheme(scheme_file: Path):
    from checker.scheme import load_scheme

    return load_scheme(scheme_file)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def run_lint(*args: str):
    """`qa-check lint ARGS…`; result.stdout, result.stderr, result.exit_code."""
    return CliRunner().invoke(main, ["lint", *map(str, args)], catch_exceptions=False)
