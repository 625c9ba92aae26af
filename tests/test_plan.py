"""One plan for every runner (`plan.Plan`): the audit, `qa-check rules test` and `qa-check lint`
skip a rule, or judge it not applicable, for the same reasons, declared once by its kind."""

from __future__ import annotations

import textwrap

from checker.engine import evaluate_call
from checker.lint.run import Linter
from checker.lint.scripts import read_script
from checker.plan import DIALECT_GATE, Plan
from checker.rules import CallContext
from checker.ruletest import run_examples
from checker.scheme import load_scheme_text
from checker.segment import get_segmenter

from .conftest import call_from

SCHEME = """
rules:
  - id: taboo
    kind: forbidden
    section: 服务禁语
    phrases: [说吧, 不知道]
    message: 使用服务禁语
  - id: retired
    kind: forbidden
    section: 服务禁语
    phrases: [随便]
    enabled: false
    message: 停用的规则
  - id: dead-air
    kind: silence
    section: 静默
    min_seconds: 5
    message: 静默过长
    examples:
      - fires: true
        transcript: |
          坐席: 您好
          客户: 我要查话费
  - id: long-call
    kind: duration
    section: 时长
    max_seconds: 600
    message: 通话过长
"""

UNTIMED = """
    坐席: 您好，说吧。
    客户: 我要查话费。
"""


def scheme():
    return load_scheme_text(textwrap.dedent(SCHEME), name="plan.yaml")


def test_the_kinds_declare_gates_and_timestamps():
    s = scheme()
    steps = {step.rule.id: step for step in s.plan().steps}
    assert list(steps) == ["taboo", "dead-air", "long-call"]  # the disabled rule is not planned
    assert steps["taboo"].bit == 2 and not steps["taboo"].needs_timestamps  # bit 0 is DIALECT_GATE
    assert (steps["dead-air"].bit, steps["dead-air"].needs_timestamps) == (0, True)
    assert (steps["long-call"].bit, steps["long-call"].needs_timestamps) == (0, True)
    assert s.plan().opens["说吧"] == (("agent", 2),)
    assert DIALECT_GATE == 1


def test_a_run_on_an_untimed_call():
    s = scheme()
    call = call_from(UNTIMED, s)
    outcome = s.plan().run(CallContext(call, s.book, get_segmenter("rjieba")))
    assert [(f.rule_id, f.turn, f.matched) for f in outcome.findings] == [("taboo", 0, "说吧")]
    assert outcome.not_applicable == {"dead-air": "needs timestamps", "long-call": "needs timestamps"}
    assert outcome.rule_errors == [] and outcome.open_gates == 2
    findings, not_applicable, ctx = evaluate_call(call, s)
    assert [f.matched for f in findings] == ["说吧"] and not_applicable == ("dead-air", "long-call")
    assert ctx.open_gates == 2 and ctx.rule_errors == []


def test_a_closed_gate_skips_the_rule():
    s = scheme()
    call = call_from("    客户: 说吧。\n    坐席: 好的。\n", s)  # 说吧 in the customer's turn only
    outcome = s.plan().run(CallContext(call, s.book, get_segmenter("rjieba")))
    assert outcome.open_gates == 0 and outcome.findings == []


def test_rules_test_says_why_through_the_plan():
    [result] = run_examples(scheme())
    assert result.rule_id == "dead-air"
    assert result.problems == (
        "expected the rule to fire, but it was not applicable (needs timestamps)",
        "expected fires: true, got 0 finding(s)",
    )


def test_lint_runs_the_plan_of_the_script_views(tmp_path):
    s = scheme()
    linter = Linter(s)
    assert isinstance(linter.plan, Plan)
    assert [step.rule.id for step in linter.plan.steps] == ["taboo"]  # the rules that read scripts
    assert linter.plan.steps[0].rule.gate_speaker is None  # every line is anyone's
    path = tmp_path / "script.txt"
    path.write_text("您好，说吧。\n", encoding="utf-8")
    found = linter.lint_script_file(read_script(path))
    assert [(f.rule_id, f.line, f.col, f.matched) for f in found] == [("taboo", 1, 4, "说吧")]
