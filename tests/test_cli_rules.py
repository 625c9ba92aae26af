"""`qa-check rules validate|test`: exit codes and diff-like failure messages."""

import textwrap

from click.testing import CliRunner

from checker.cli import main

SCHEME = """
rules:
  - id: greet
    kind: required
    section: 开场白
    window: {first_turns: 1}
    phrases: [您好]
    message: 开场未问候
    examples:
      - {fires: true, transcript: "坐席: 喂，说吧\\n客户: 查话费"}
      - {fires: false, transcript: "坐席: 您好，请讲\\n客户: 查话费"}
      - {fires: true, name: wrong on purpose, transcript: "坐席: 您好\\n客户: 嗯"}
"""


def test_validate_ok_and_invalid(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(textwrap.dedent(SCHEME), encoding="utf-8")
    result = CliRunner().invoke(main, ["rules", "validate", str(good)])
    assert result.exit_code == 0 and "is valid: 1 rule(s)" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "rules:\n  - {id: x, kind: required, section: s, message: m, phrases: [a], colour: red}\n", encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["rules", "validate", str(bad)])
    assert result.exit_code == 3
    assert f"{bad}:2:67: unknown key 'colour'" in result.output


def test_rules_test_reports_the_failing_example(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(textwrap.dedent(SCHEME), encoding="utf-8")
    result = CliRunner().invoke(main, ["rules", "test", str(path)])
    assert result.exit_code == 1
    assert "FAIL" in result.output and "greet example 3 (wrong on purpose)" in result.output
    assert "expected fires: true, got 0 finding(s)" in result.output
    assert "| 坐席: 您好" in result.output
    assert "2 passed, 1 failed" in result.output


def test_rules_test_failure_is_a_diff_of_expected_and_actual_findings(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        textwrap.dedent("""
        rules:
          - id: taboo
            kind: forbidden
            section: 服务禁语
            phrases: [{phrase: 说吧, suggest: 请讲}]
            message: 使用服务禁语
            examples:
              - {fires: true, matched: 我不能, transcript: "坐席: 喂，说吧"}
    """),
        encoding="utf-8",
    )
    out = CliRunner().invoke(main, ["rules", "test", str(path)]).output
    assert f"FAIL {path}:3:5: taboo example 1" in out  # at the rule's `id:`
    assert "expected matched ['我不能'], got ['说吧']" in out
    assert "  - expected: fires, matched ['我不能']\n  + actual:   1 finding(s)\n" in out
    assert "  + finding at turn 0: matched '说吧' 使用服务禁语 (→ 请讲)" in out
