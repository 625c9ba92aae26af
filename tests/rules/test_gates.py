"""Rule gates: a rule skips a call that holds none of its keys (`Rule.gate`), but a rule that
could not be judged there is still reported not applicable, exactly as without the gate."""

import sys
import textwrap

import pytest

from checker.engine import audit_call, audit_calls, evaluate_call
from checker.model import Call
from checker.read import RoleMap, read_paths
from checker.read.records import build_call
from checker.plan import DIALECT_GATE
from checker.scheme import load_scheme

from ..conftest import ROOT, call_from

sys.path.insert(0, str(ROOT / "benchmarks"))
from synth import synthetic_calls  # noqa: E402

SCHEME = """
dialect_lexicons:
  testese:
    title: 测试话
    markers:
      - {marker: 嘅, suggest: 的}
      - {marker: 咗, suggest: 了}
      - {marker: 冇, suggest: 没有}
lexicons:
  complaint: [投诉, 太差了]
  apology: [抱歉, 对不起]
rules:
  - id: dialect-early
    kind: dialect
    section: 方言
    dialects: [testese]
    window: {first_seconds: 30}
    min_markers: 1
    message: 开场使用方言
  - id: dialect-any
    kind: dialect
    section: 方言
    dialects: [testese]
    min_markers: 1
    message: 使用方言
  - id: apology-seconds
    kind: response
    section: 服务态度
    when: {speaker: customer, phrases: ["@complaint"]}
    expect: {speaker: agent, phrases: ["@apology"], within_seconds: 10}
    message: 投诉后十秒内未致歉
  - id: apology-turns
    kind: response
    section: 服务态度
    when: {speaker: customer, phrases: ["@complaint"]}
    expect: {speaker: agent, phrases: ["@apology"], within_turns: 2}
    message: 投诉后未致歉
  - id: apology-turns-early
    kind: response
    section: 服务态度
    window: {first_seconds: 60}
    when: {speaker: customer, phrases: ["@complaint"]}
    expect: {speaker: agent, phrases: ["@apology"], within_turns: 2}
    message: 开场投诉后未致歉
  - id: taboo
    kind: forbidden
    section: 服务禁语
    phrases: [说吧, 不知道]
    deduct: 5
    message: 使用服务禁语
  - id: taboo-early
    kind: forbidden
    section: 服务禁语
    window: {first_seconds: 20}
    phrases: [不知道]
    message: 开场使用服务禁语
  - id: taboo-regex
    kind: forbidden
    section: 服务禁语
    regex: "我?(?:不|没)(?:办法|知道)"
    message: 推诿
  - id: taboo-regex-open
    kind: forbidden
    section: 服务禁语
    regex: "\\\\d{11}"
    message: 念出手机号
"""


@pytest.fixture
def scheme(tmp_path):
    path = tmp_path / "scheme.yaml"
    path.write_text(textwrap.dedent(SCHEME), encoding="utf-8")
    return load_scheme(path)


UNTIMED_PLAIN = """
    坐席: 您好，请问有什么可以帮您？
    客户: 我想查一下话费。
    坐席: 好的，请稍等。
"""

TIMED_PLAIN = """
    [00:00.00-00:04.00] 坐席: 您好，请问有什么可以帮您？
    [00:04.50-00:07.00] 客户: 我想查一下话费。
    [00:07.50-00:09.00] 坐席: 好的，请稍等。
"""


def audit(scheme, text):
    call = call_from(text, scheme)
    return audit_call(call, scheme), call


def test_gates_are_set_where_skipping_hides_nothing(scheme):
    gates = {r.id: r.gate for r in scheme.rules}
    assert gates["dialect-early"] is None  # a window in seconds: must say not applicable
    assert gates["apology-seconds"] is None
    assert gates["apology-turns-early"] is None
    assert gates["taboo-regex-open"] is None  # a regex without a literal factor runs everywhere
    assert gates["dialect-any"] and gates["apology-turns"] and gates["taboo"] and gates["taboo-regex"]


def test_dialect_rule_with_a_seconds_window_not_applicable_without_timestamps(scheme):
    result, call = audit(scheme, UNTIMED_PLAIN)
    assert not call.has_timestamps
    assert "dialect-early" in result.not_applicable  # no marker in the call, still not applicable
    assert "dialect-any" not in result.not_applicable
    assert not [f for f in result.findings if f.kind == "dialect"]
    # with a marker, the same
    result, _ = audit(scheme, UNTIMED_PLAIN + "    客户: 我冇钱啊。\n")
    assert "dialect-early" in result.not_applicable
    assert [f.rule_id for f in result.findings if f.kind == "dialect"] == []  # the customer's turn: agent rules


def test_dialect_rule_with_a_seconds_window_judged_with_timestamps(scheme):
    result, call = audit(scheme, TIMED_PLAIN)
    assert call.has_timestamps
    assert "dialect-early" not in result.not_applicable
    result, _ = audit(scheme, TIMED_PLAIN + "    [00:10.00-00:12.00] 坐席: 我帮你搞咗佢。\n")
    assert "dialect-early" not in result.not_applicable
    assert [f.rule_id for f in result.findings if f.kind == "dialect"] == ["dialect-early", "dialect-any"]


def test_response_rule_within_seconds_not_applicable_without_timestamps(scheme):
    result, _ = audit(scheme, UNTIMED_PLAIN)  # no trigger at all
    assert "apology-seconds" in result.not_applicable
    assert "apology-turns" not in result.not_applicable
    assert "apology-turns-early" not in result.not_applicable  # no trigger: nothing to judge, as before
    result, _ = audit(scheme, UNTIMED_PLAIN + "    客户: 你们服务太差了！\n    坐席: 嗯。\n")
    assert {"apology-seconds", "apology-turns-early"} <= set(result.not_applicable)
    assert [f.rule_id for f in result.findings if f.kind == "response"] == ["apology-turns"]


def test_response_rule_within_seconds_judged_with_timestamps(scheme):
    result, _ = audit(scheme, TIMED_PLAIN)
    assert not {"apology-seconds", "apology-turns", "apology-turns-early"} & set(result.not_applicable)
    assert not [f for f in result.findings if f.kind == "response"]
    result, _ = audit(
        scheme,
        TIMED_PLAIN
        + """
    [00:10.00-00:12.00] 客户: 你们服务太差了！
    [00:12.50-00:14.00] 坐席: 嗯。
    """,
    )
    assert [f.rule_id for f in result.findings if f.kind == "response"] == [
        "apology-seconds",
        "apology-turns",
        "apology-turns-early",
    ]


def test_forbidden_rule_whose_phrases_are_absent_finds_nothing(scheme):
    for text in (UNTIMED_PLAIN, TIMED_PLAIN):
        result, _ = audit(scheme, text)
        assert not [f for f in result.findings if f.kind == "forbidden"]
        assert not {"taboo", "taboo-early", "taboo-regex", "taboo-regex-open"} & set(result.not_applicable)
    result, _ = audit(scheme, UNTIMED_PLAIN + "    坐席: 不知道，说吧。\n")
    assert [(f.rule_id, f.matched) for f in result.findings if f.kind == "forbidden"] == [
        ("taboo", "不知道"),
        ("taboo-regex", "不知道"),
        ("taboo", "说吧"),
    ]
    assert "taboo-early" in result.not_applicable  # its phrase is there, its window needs timestamps


def test_a_key_only_in_another_speakers_turn_opens_no_gate(scheme):
    speakers = {r.id: r.gate_speaker for r in scheme.rules}
    assert speakers["taboo"] == speakers["dialect-any"] == "agent"
    assert speakers["apology-turns"] == "customer"  # the trigger's speaker, not the rule's
    assert speakers["taboo-early"] is None  # a window in seconds: asked whoever said it, to say not applicable
    bits = {step.rule.id: step.bit for step in scheme.plan().steps}
    text = UNTIMED_PLAIN + "    客户: 我不知道，说吧，我冇钱啊，太差了。\n"
    _, not_applicable, ctx = evaluate_call(call_from(text, scheme), scheme)
    open_gates = ctx.open_gates
    assert not open_gates & (bits["taboo"] | bits["dialect-any"])  # only the customer said them
    assert open_gates & bits["apology-turns"] and open_gates & DIALECT_GATE  # the customer's own
    assert "taboo-early" in not_applicable
    _, _, ctx = evaluate_call(call_from(text + "    坐席: 说吧。\n", scheme), scheme)
    assert ctx.open_gates & bits["taboo"]


def ungated(scheme, monkeypatch):
    for rule in scheme.rules:
        monkeypatch.setattr(rule, "gate", None)
    # The plan is made once per rule list: made again, now without gates.
    monkeypatch.delitem(scheme.__dict__, "_plan", raising=False)
    assert not any(step.bit for step in scheme.plan().steps)


def records(results):
    return [([f.to_json() for f in r.findings], r.score, r.passed, r.not_applicable, r.extra) for r in results]


def test_gated_results_equal_ungated_results(scheme, monkeypatch):
    texts = [
        UNTIMED_PLAIN,
        TIMED_PLAIN,
        UNTIMED_PLAIN + "    客户: 我冇钱啊，太差了。\n    坐席: 说吧。\n",
        TIMED_PLAIN + "    [00:40.00-00:42.00] 客户: 我要投诉。\n    [00:43.00-00:44.00] 坐席: 我没办法。\n",
    ]
    calls = [call_from(t, scheme) for t in texts]
    roles = RoleMap.build()
    calls += [build_call(r, roles, "synth", None) for r in synthetic_calls(40, seed=3)]
    calls += [build_call(r, roles, "synth", None) for r in synthetic_calls(40, seed=4, timestamps=False)]
    gated = records(audit_calls(calls, scheme))
    ungated(scheme, monkeypatch)
    assert records([audit_call(c, scheme) for c in calls]) == gated
    assert any(r[3] for r in gated) and any(r[0] for r in gated)


def test_shipped_scheme_gated_equals_ungated(monkeypatch):
    scheme = load_scheme(ROOT / "qa_rules")
    calls = [c for c in read_paths([ROOT / "transcripts"], scheme.roles) if isinstance(c, Call)]
    roles = RoleMap.build()
    calls += [build_call(r, roles, "synth", None) for r in synthetic_calls(30, seed=8, timestamps=False)]
    gated = records([audit_call(c, scheme) for c in calls])
    assert any(r.gate is not None for r in scheme.rules)
    ungated(scheme, monkeypatch)
    assert records([audit_call(c, scheme) for c in calls]) == gated
