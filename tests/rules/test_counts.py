"""Counts on phrase rules (SPEC "Counts on phrase rules"): `min_count` on required and forbidden,
`min_distinct` on required."""

import pytest

from checker.engine import audit_call
from checker.yamlpos import SchemeError

from ..conftest import call_from, scheme_from


def run(scheme_yaml, transcript):
    scheme = scheme_from(scheme_yaml)
    return list(audit_call(call_from(transcript, scheme), scheme).findings)


REQUIRED = """
rules:
  - id: verify-identity
    kind: required
    section: 身份核实
    speaker: agent
    phrases: [姓名, 身份证, 手机号, 地址]
    min_count: 2
    min_distinct: 2
    message: 身份核实不足两项
"""


def test_required_any_n_of_met():
    assert run(REQUIRED, "坐席: 请报一下姓名。\n客户: 张三。\n坐席: 再报一下手机号。") == []


def test_required_one_below_the_threshold_fires_call_level_with_counts():
    findings = run(REQUIRED, "坐席: 请报一下姓名。\n客户: 张三。\n坐席: 好的。")
    assert len(findings) == 1 and findings[0].turn is None
    assert findings[0].message == "身份核实不足两项（1 次，1 种）"
    assert findings[0].details == {"count": 1, "distinct": 1, "min_count": 2, "min_distinct": 2}


def test_required_same_phrase_twice_is_one_distinct():
    findings = run(REQUIRED, "坐席: 请报一下姓名。\n坐席: 姓名再说一遍。")
    assert findings[0].details["count"] == 2 and findings[0].details["distinct"] == 1


def test_required_customer_turns_do_not_count():
    assert run(REQUIRED, "坐席: 请报一下姓名。\n客户: 我的手机号是多少来着") != []


FORBIDDEN = """
rules:
  - id: too-many-fillers
    kind: forbidden
    section: 表达
    speaker: agent
    phrases: [那个, 就是说]
    min_count: 3
    per: occurrence
    deduct: 1
    max_deduct: 5
    message: 口头禅过多
"""


@pytest.mark.parametrize("n, fires", [(2, False), (3, True)])
def test_forbidden_min_count_one_below_the_threshold(n, fires):
    text = "\n".join(["坐席: 那个，您稍等。"] * n + ["客户: 那个那个。"])
    findings = run(FORBIDDEN, text)
    assert len(findings) == (n if fires else 0)  # then each occurrence is one finding


def test_forbidden_min_count_then_per_occurrence_deduction():
    scheme = scheme_from(FORBIDDEN)
    call = call_from("坐席: 那个，就是说，那个。\n坐席: 那个。", scheme)
    result = audit_call(call, scheme)
    assert [f.matched for f in result.findings] == ["那个", "就是说", "那个", "那个"]
    assert result.score == 96  # 4 × 1, under the cap of 5


def test_counts_must_be_positive():
    with pytest.raises(SchemeError, match="min_count"):
        scheme_from(FORBIDDEN.replace("min_count: 3", "min_count: 0"))
    with pytest.raises(SchemeError, match="unknown key 'min_distinct'"):
        scheme_from(FORBIDDEN.replace("min_count: 3", "min_distinct: 2"))


def test_lint_counts_over_the_whole_script():
    from checker.lint.run import Linter
    from checker.lint.scripts import parse_script

    linter = Linter(scheme_from(FORBIDDEN))
    two = parse_script("那个，您好。\n那个，请稍等。\n", "two.md")
    three = parse_script("那个，您好。\n那个，请稍等。\n就是说，好了。\n", "three.md")
    assert linter.lint_script_file(two) == []
    assert [(f.line, f.col, f.matched) for f in linter.lint_script_file(three)] == [
        (1, 1, "那个"),
        (2, 1, "那个"),
        (3, 1, "就是说"),
    ]
