"""`composite` rules: named conditions, `fires_when`, counts, anchors, evidence, scheme errors."""

import pytest

from checker.engine import audit_call
from checker.lint.run import Linter
from checker.lint.scripts import parse_script
from checker.rules import CallContext
from checker.rules.expression import ExpressionError, parse
from checker.segment import get_segmenter
from checker.yamlpos import SchemeError

from ..conftest import call_from, scheme_from

PROMISE = """
rules:
  - id: promise-without-verify
    kind: composite
    section: 服务规范
    message: 承诺到账前未核实
    conditions:
      refund:   {speaker: customer, phrases: [退款]}
      promise:  {speaker: agent, phrases: [马上到账], after: refund, within_turns: 4}
      verified: {speaker: agent, phrases: [核实], before: promise}
    fires_when: refund and promise and not verified
    evidence: promise
"""


def run(scheme_yaml, transcript):
    scheme = scheme_from(scheme_yaml)
    result = audit_call(call_from(transcript, scheme), scheme)
    return list(result.findings), result.not_applicable


def test_fires_at_the_evidence_condition():
    findings, _ = run(
        PROMISE,
        """
        客户: 我要退款。
        坐席: 好的。
        坐席: 钱马上到账。
    """,
    )
    assert [(f.turn, f.matched, f.kind) for f in findings] == [(2, "马上到账", "composite")]
    assert findings[0].message == "承诺到账前未核实（成立：refund、promise；不成立：verified）"
    assert findings[0].details["conditions"]["promise"] == {"count": 1, "met": True, "turns": [2]}
    assert findings[0].details["evidence"] == "promise"


def test_not_condition_stops_it():
    findings, _ = run(
        PROMISE,
        """
        客户: 我要退款。
        坐席: 我先帮您核实一下订单。
        坐席: 好的，钱马上到账。
    """,
    )
    assert findings == []


def test_verification_after_the_promise_does_not_count():
    findings, _ = run(
        PROMISE,
        """
        客户: 我要退款。
        坐席: 好的，钱马上到账。
        坐席: 我再核实一下。
    """,
    )
    assert [f.turn for f in findings] == [1]


@pytest.mark.parametrize("gap, fires", [(3, True), (4, True), (5, False)])
def test_anchor_within_turns_counts_every_turn(gap, fires):
    # promise must be at most 4 turns after refund, whoever speaks in between.
    filler = "".join("客户: 嗯。\n" if k % 2 else "坐席: 好的。\n" for k in range(gap - 1))
    findings, _ = run(PROMISE, "客户: 我要退款。\n" + filler + "坐席: 钱马上到账。\n")
    assert bool(findings) is fires


def test_after_in_the_same_turn_means_further_on():
    scheme = PROMISE.replace("speaker: customer, phrases: [退款]", "speaker: agent, phrases: [退款]")
    # 退款 then 马上到账 in one turn: after (within_turns 0 distance); the reverse order is not.
    assert [f.matched for f in run(scheme, "坐席: 退款的话马上到账。")[0]] == ["马上到账"]
    assert run(scheme, "坐席: 马上到账，这是退款。")[0] == []


def test_before_and_around():
    yaml = """
rules:
  - id: r
    kind: composite
    section: s
    message: m
    conditions:
      apology: {phrases: [抱歉]}
      thanks: {phrases: [感谢], %s: apology, within_turns: 1}
    fires_when: thanks
"""
    text = """
        坐席: 感谢您。
        坐席: 抱歉。
    """
    assert [f.turn for f in run(yaml % "before", text)[0]] == [0]
    assert run(yaml % "after", text)[0] == []
    assert [f.turn for f in run(yaml % "around", text)[0]] == [0]
    far = """
        坐席: 感谢您。
        客户: 嗯。
        坐席: 抱歉。
    """
    assert run(yaml % "around", far)[0] == []  # out of range: two turns apart


def test_within_seconds_compares_turn_starts_and_needs_timestamps():
    scheme = PROMISE.replace("within_turns: 4", "within_seconds: 10")
    near = """
        [00:00.00-00:03.00] 客户: 我要退款。
        [00:10.00-00:12.00] 坐席: 钱马上到账。
    """
    far = near.replace("00:10.00-00:12.00", "00:10.01-00:12.00")
    assert [f.turn for f in run(scheme, near)[0]] == [1]
    assert run(scheme, far)[0] == []
    findings, na = run(scheme, "客户: 我要退款。\n坐席: 钱马上到账。")
    assert findings == [] and na == ("promise-without-verify",)


def count_rule(**cond):
    keys = ", ".join(f"{k}: {v}" for k, v in cond.items())
    return f"""
rules:
  - id: r
    kind: composite
    section: s
    message: m
    conditions:
      sorry: {{phrases: [抱歉, 对不起, 不好意思], {keys}}}
    fires_when: sorry
"""


@pytest.mark.parametrize("n, fires", [(2, False), (3, True)])
def test_min_count_one_below_the_threshold(n, fires):
    text = "\n".join(["坐席: 抱歉。"] * n)
    assert bool(run(count_rule(min_count=3), text)[0]) is fires


def test_max_count_zero_means_absent_and_rule_fires_without_keys():
    scheme = count_rule(max_count=0)
    findings, _ = run(scheme, "坐席: 您好。\n客户: 你好。")
    assert len(findings) == 1 and findings[0].turn is None  # call-level: nothing to point at
    assert run(scheme, "坐席: 抱歉。")[0] == []


def test_min_distinct_counts_different_phrases():
    scheme = count_rule(min_count=2, min_distinct=2)
    assert run(scheme, "坐席: 抱歉。\n坐席: 抱歉抱歉。")[0] == []
    assert [f.matched for f in run(scheme, "坐席: 抱歉。\n坐席: 对不起。")[0]] == ["抱歉"]


def test_fires_when_precedence_and_parentheses():
    yaml = """
rules:
  - id: r
    kind: composite
    section: s
    message: m
    conditions:
      a: {phrases: [退款]}
      b: {phrases: [核实]}
      c: {phrases: [到账]}
    fires_when: %s
"""
    text = "坐席: 退款。"  # a true, b and c false
    assert run(yaml % "a or b and c", text)[0]  # a or (b and c)
    assert not run(yaml % "(a or b) and c", text)[0]
    assert run(yaml % "not (b or c) and a", text)[0]
    assert not run(yaml % "not not b", text)[0]


def test_finding_skips_negated_and_false_conditions():
    yaml = """
rules:
  - id: r
    kind: composite
    section: s
    message: m
    conditions:
      thanks: {phrases: [感谢]}
      sorry: {phrases: [抱歉], min_count: 2}
      bye: {phrases: [再见]}
    fires_when: not sorry and (thanks or bye)
"""
    # thanks is false (absent), sorry is negated: the finding points at bye.
    findings, _ = run(yaml, "坐席: 抱歉。\n坐席: 再见。")
    assert [(f.turn, f.matched) for f in findings] == [(1, "再见")]


def test_gate_skips_calls_without_keys_unless_it_can_fire_empty():
    scheme = scheme_from(PROMISE)
    rule = scheme.rule("promise-without-verify")
    # refund and promise are both needed; refund has as few keys as promise and comes first
    assert rule.gate == frozenset({"退款"}) and rule.gate_speaker == "customer"
    assert scheme_from(count_rule(max_count=0)).rule("r").gate is None
    either = scheme_from(PROMISE.replace("refund and promise and not verified", "refund or verified"))
    assert either.rule("promise-without-verify").gate == frozenset({"退款", "核实"})
    assert either.rule("promise-without-verify").gate_speaker is None  # customer's or agent's turns
    # a call holding only the promise is skipped by the engine: nothing can fire there
    assert run(PROMISE, "坐席: 钱马上到账。")[0] == []


def test_condition_defaults_to_the_rules_speaker_and_window():
    yaml = """
rules:
  - id: r
    kind: composite
    section: s
    message: m
    speaker: agent
    window: {last_turns: 1}
    conditions:
      bye: {phrases: [再见]}
    fires_when: not bye
"""
    assert run(yaml, "坐席: 再见。\n客户: 再见。\n坐席: 好的。")[0]  # only the agent's last turn counts
    assert not run(yaml, "坐席: 好的。\n客户: 嗯。\n坐席: 再见。")[0]


@pytest.mark.parametrize(
    "text, message",
    [
        ("a and", "expected a condition name"),
        ("(a or b", "'(' is never closed"),
        ("a b", "expected `and`, `or` or the end"),
        ("a)", "unbalanced ')'"),
        ("", "empty expression"),
    ],
)
def test_expression_syntax_errors(text, message):
    with pytest.raises(ExpressionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse(text)


def problems(yaml):
    with pytest.raises(SchemeError) as err:
        scheme_from(yaml, name="s.yaml")
    return err.value.problems


def test_unknown_names_and_cycles_are_errors_with_positions_all_at_once():
    found = problems("""
rules:
  - id: r
    kind: composite
    section: s
    message: m
    conditions:
      a: {phrases: [退款], after: b}
      b: {phrases: [核实], before: a}
      c: {phrases: [到账], around: zz}
    fires_when: a and (b or AND) and not q
    evidence: nope
  - id: r2
    kind: composite
    section: s
    message: m
    conditions:
      a: {phrases: [退款]}
    fires_when: "a and (a"
""")
    assert found == [
        "s.yaml:11:29: fires_when: unknown condition 'AND' (operators are lower-case: and, or, not) (known: a, b, c)",
        "s.yaml:11:42: fires_when: unknown condition 'q' (known: a, b, c)",
        "s.yaml:12:15: evidence: unknown condition 'nope' (known: a, b, c)",
        "s.yaml:10:34: conditions.c.around: unknown condition 'zz' (known: a, b, c)",
        "s.yaml:8:33: conditions.a.after: anchor cycle a → b → a",
        "s.yaml:19:24: fires_when: '(' is never closed",
    ]


def test_self_anchor_is_a_cycle_and_condition_keys_are_checked():
    found = problems("""
rules:
  - id: r
    kind: composite
    section: s
    message: m
    conditions:
      a: {phrases: [退款], after: a, within_turns: 1}
      b: {phrases: [核实], within_turns: 2, min_count: 3, max_count: 1}
    fires_when: a and b
""")
    assert found[0].startswith("s.yaml:9:10: conditions.b: ")
    assert "max_count is below min_count" in found[0]
    assert found[1] == "s.yaml:8:33: conditions.a.after: anchor cycle a → a"


def test_cli_exits_3_on_a_bad_composite(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "bad.yaml"
    path.write_text(PROMISE.replace("and not verified", "and not verifed"), encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "checker", "rules", "test", str(path)], capture_output=True, text=True)
    assert res.returncode == 3
    assert f"{path}:11:44: fires_when: unknown condition 'verifed'" in res.stderr + res.stdout


def test_lint_reads_a_staged_composite_on_every_line():
    scheme = scheme_from("""
rules:
  - id: refund-script
    kind: composite
    stage: refund
    section: 话术
    message: 退款话术承诺到账却未提核实
    conditions:
      promise: {speaker: agent, phrases: [马上到账]}
      verified: {speaker: customer, phrases: [核实], before: promise}
    fires_when: promise and not verified
""")
    linter = Linter(scheme)
    bad = parse_script("---\nstage: refund\n---\n您好。\n退款马上到账。\n", "bad.md")
    good = parse_script("---\nstage: refund\n---\n我先核实一下。\n退款马上到账。\n", "good.md")
    other = parse_script("您好。\n退款马上到账。\n", "other.md")
    found = linter.lint_script_file(bad)
    assert [(f.line, f.col, f.matched) for f in found] == [(5, 3, "马上到账")]
    assert linter.lint_script_file(good) == []
    assert linter.lint_script_file(other) == []  # no `stage: refund`: not held to it


def test_composite_occurrences_are_shared_with_phrase_matching():
    # A condition is a PhraseSet matched by PhraseMatcher: word boundaries and exceptions hold.
    yaml = """
rules:
  - id: r
    kind: composite
    section: s
    message: m
    conditions:
      taboo: {phrases: [说吧], exceptions: []}
      happy: {phrases: [满意], exceptions: [不满意]}
    fires_when: taboo or happy
"""
    assert run(yaml, "坐席: 您平时看小说吧？\n客户: 不满意。")[0] == []
    scheme = scheme_from(yaml)
    ctx = CallContext(call_from("坐席: 说吧。", scheme), scheme.book, get_segmenter("rjieba"))
    assert {n: len(h) for n, h in scheme.rule("r").occurrences(ctx).items()} == {"taboo": 1, "happy": 0}
