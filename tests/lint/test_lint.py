"""`qa-check lint`: which rules run on a script, where findings point, exit codes, formats."""

import json

from checker.lint.run import Linter
from checker.lint.scripts import parse_script

from .conftest import run_lint, write


def lint_text(scheme, text: str, fmt: str = "markdown", path: str = "s.md"):
    return Linter(scheme).lint_script_file(parse_script(text, path, fmt))


def test_text_output_is_path_line_col_rule_message_suggestion(tmp_path, scheme_file):
    f = write(
        tmp_path / "lib" / "a.md",
        """
        # 话术
        喂，说吧，什么事？
        """,
    )
    result = run_lint("--rules", scheme_file, f)
    assert result.exit_code == 1
    assert result.stdout == f"{f}:2:3: taboo 使用服务禁语 (→ 请问有什么可以帮您？)\n"
    assert "1 error(s), 0 warning(s) in 1 file(s)" in result.stderr


def test_columns_count_characters_not_bytes(lint_scheme):
    # 😀 is one character (four UTF-8 bytes, two UTF-16 units); tabs count as one column.
    [f] = lint_text(lint_scheme, "😀\t好，說吧\n")
    assert (f.line, f.col, f.end_col, f.matched) == (1, 5, 7, "說吧")


def test_forbidden_rules_read_every_line_whoever_speaks_and_ignore_windows(lint_scheme):
    found = lint_text(lint_scheme, "第一行 不归我管\n第二行 他妈的\n第三行\n")
    assert [(f.rule_id, f.line, f.severity) for f in found] == [
        ("late-taboo", 1, "error"),  # window: last_turns 1 does not hide line 1 of a script
        ("customer-swear", 2, "warning"),  # speaker: customer still lints
    ]


def test_dialect_switch_needs_no_customer_in_a_script(lint_scheme):
    found = lint_text(lint_scheme, "我部手机冇信号，搞咗成日都唔得\n只有一个冇字\n")
    assert [(f.rule_id, f.line, f.col) for f in found] == [("dialect-switch", 1, 5)]
    assert "冇、咗、唔得" in found[0].message or found[0].matched == "冇、咗、唔得"


def test_required_rules_apply_only_to_scripts_that_opt_in(lint_scheme):
    plain = lint_text(lint_scheme, "没有问候的话术\n")
    assert plain == []  # no stage: greet, welcome and thanks (no stage at all) do not run
    opening = lint_text(lint_scheme, "---\ntitle: 开场\nstage: opening\n---\n请讲\n")
    assert [(f.rule_id, f.line, f.col, f.end_col) for f in opening] == [("greet", 3, 1, 6), ("welcome", 3, 1, 6)]
    ok = lint_text(lint_scheme, "---\nstage: opening\n---\n请讲\n\n最后才说：您好，欢迎致电\n")
    assert ok == []  # the whole script counts: windows are ignored


def test_when_meta_compares_only_the_fields_a_script_declares(lint_scheme):
    outbound = lint_text(lint_scheme, "---\nstage: opening\ndirection: outbound\n---\n您好\n")
    assert outbound == []  # welcome applies to inbound calls only
    inbound = lint_text(lint_scheme, "---\nstage: opening\ndirection: inbound\n---\n您好\n")
    assert [f.rule_id for f in inbound] == ["welcome"]


def test_yaml_scripts_point_at_their_own_line_and_stage_key(lint_scheme):
    text = (
        "scripts:\n"
        "  - stage: callback\n"
        "    text: |\n"
        "      您好，我是客服\n"
        "      这个我不能帮您办理\n"
        "  - stage: opening\n"
        "    text: 您好，欢迎致电\n"
        "count: 3\n"
    )
    found = lint_text(lint_scheme, text, fmt="yaml", path="s.yaml")
    assert [(f.rule_id, f.line, f.col, f.end_col, f.matched) for f in found] == [
        ("welcome", 2, 5, 10, ""),
        ("taboo", 5, 9, 12, "我不能"),
    ]
    assert found[1].suggest == "我看看能为您做些什么"


def test_suppressions_through_the_cli_and_json_keeps_them_flagged(tmp_path, scheme_file):
    f = write(
        tmp_path / "a.md",
        """
        反例：说吧 <!-- qa-check: disable=taboo -- 培训反例 -->
        <!-- qa-check: disable-next-line=taboo -->
        第二个反例：我不能
        这里没有禁语 <!-- qa-check: disable=taboo,casual,nope -->
        """,
    )
    text = run_lint("--rules", scheme_file, f)
    assert text.exit_code == 1  # unknown-rule is an error
    line4 = f.read_text(encoding="utf-8").splitlines()[3]
    taboo, casual, nope = (line4.index(x) + 1 for x in ("taboo", "casual", "nope"))
    assert text.stdout.splitlines() == [
        f"{f}:4:{taboo}: unused-suppression suppression of 'taboo' is unused: no such finding on this line",
        f"{f}:4:{casual}: unused-suppression suppression of 'casual' is unused: no such finding on this line",
        f"{f}:4:{nope}: unknown-rule 'nope' is not a rule of scheme 'lint-test'",
    ]
    assert "2 suppressed" in text.stderr
    doc = json.loads(run_lint("--rules", scheme_file, "--format", "json", f).stdout)
    suppressed = [(x["line"], x["rule_id"], x["justification"]) for x in doc["findings"] if x["suppressed"]]
    assert suppressed == [(1, "taboo", "培训反例"), (3, "taboo", None)]
    assert doc["summary"] == {"error": 1, "warning": 2, "info": 0, "suppressed": 2}


def test_exit_codes(tmp_path, scheme_file):
    clean = write(tmp_path / "clean.md", "您好，请问有什么可以帮您？\n")
    warn = write(tmp_path / "warn.txt", "他妈的 亲爱的\n")
    bad = write(tmp_path / "bad.yaml", "a: [1\n")
    assert run_lint("--rules", scheme_file, clean).exit_code == 0
    result = run_lint("--rules", scheme_file, warn)
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 2  # warning and info do not fail
    result = run_lint("--rules", scheme_file, clean, bad)
    assert result.exit_code == 2 and f"{bad}:2:1: YAML syntax error" in result.stderr
    assert run_lint("--rules", scheme_file, tmp_path / "missing.md").exit_code == 2
    broken = write(tmp_path / "broken.yaml", "rules:\n  - {id: x, kind: nope}\n")
    assert run_lint("--rules", broken, clean).exit_code == 3
    assert run_lint("--rules", scheme_file).exit_code == 0  # no files: nothing to do


def test_folders_are_searched_and_the_scheme_is_never_linted_with_itself(tmp_path, scheme_file):
    lib = tmp_path / "lib"
    write(lib / "a.md", "说吧\n")
    write(lib / "sub" / "b.yaml", "t: 说吧\n")
    write(lib / ".hidden" / "c.md", "说吧\n")
    write(lib / "notes.rst", "说吧\n")
    (lib / "rules").mkdir()
    (lib / "rules" / "s.yaml").write_text(scheme_file.read_text(encoding="utf-8"), encoding="utf-8")
    result = run_lint("--rules", lib / "rules", lib)
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == [
        str(lib / "a.md"),
        str(lib / "sub" / "b.yaml"),
    ]
    # Named explicitly, a file of the scheme is still skipped.
    assert run_lint("--rules", scheme_file, scheme_file).stdout == ""


def test_github_annotations(tmp_path, scheme_file):
    f = write(tmp_path / "a,b.md", "说吧 亲爱的\n")
    out = run_lint("--rules", scheme_file, "--format", "github", f).stdout.splitlines()
    path = str(f).replace(",", "%2C").replace(":", "%3A")
    assert out == [
        f"::error file={path},line=1,col=1,endLine=1,endColumn=3,title=taboo::使用服务禁语 (→ 请问有什么可以帮您？)",
        f"::notice file={path},line=1,col=4,endLine=1,endColumn=7,title=casual::用语过于随意",
    ]


def test_scheme_from_environment_variable(tmp_path, scheme_file, monkeypatch):
    f = write(tmp_path / "a.md", "说吧\n")
    monkeypatch.setenv("QA_CHECK_RULES", str(scheme_file))
    assert run_lint(f).exit_code == 1


def test_one_linter_lints_many_files_with_one_compiled_scheme(tmp_path, lint_scheme):
    files = [write(tmp_path / f"f{i}.md", f"第{i}行 说吧\n") for i in range(5)]
    report = Linter(lint_scheme).lint_paths(files)
    assert [f.path for f in report.findings] == [str(p) for p in files] and report.failed


MULTI_KEY_SCHEME = """
scheme: multi-key
title: 多条件适用范围
rules:
  - id: sales-taboo
    kind: forbidden
    section: 服务禁语
    when_meta: {direction: outbound, team: sales}
    phrases: [说吧]
    message: 使用服务禁语
"""


def test_a_multi_key_when_meta_is_narrowed_to_the_fields_a_script_declares():
    from tests.conftest import scheme_from

    scheme = scheme_from(MULTI_KEY_SCHEME)
    # Only `direction` is declared: `team` cannot be judged on a script, so it is not asked.
    [f] = lint_text(scheme, "---\ndirection: outbound\n---\n好的，说吧\n")
    assert (f.rule_id, f.line, f.col, f.matched) == ("sales-taboo", 4, 4, "说吧")
    assert lint_text(scheme, "---\ndirection: inbound\n---\n好的，说吧\n") == []
    assert lint_text(scheme, "---\ndirection: outbound\nteam: service\n---\n好的，说吧\n") == []
    [g] = lint_text(scheme, "---\ndirection: outbound\nteam: sales\n---\n好的，说吧\n")
    assert g.line == 5


def test_a_multi_key_when_meta_on_calls_needs_every_field():
    from checker.engine import audit_call
    from tests.conftest import call_from, scheme_from

    scheme = scheme_from(MULTI_KEY_SCHEME)

    def fired(header: str) -> list[str]:
        call = call_from(header + "\n坐席: 好的，说吧\n客户: 我查话费", scheme)
        return [f.matched for f in audit_call(call, scheme).findings]

    assert fired("# direction: outbound\n# team: sales") == ["说吧"]
    assert fired("# direction: outbound\n# team: service") == []
    assert fired("# direction: outbound") == []  # a call without `team` is not in the population
    assert fired("# direction: inbound\n# team: sales") == []
