"""Suppression directives: parsing, what they silence, and the checks on the directives themselves."""

from checker.lint.findings import LintFinding
from checker.lint.suppress import apply_suppressions, find_directives, mask_directives


def finding(line: int, rule_id: str = "taboo", col: int = 1) -> LintFinding:
    return LintFinding("s.md", line, col, line, col + 2, rule_id, "error", "使用服务禁语")


def test_directive_forms_ids_columns_and_justification():
    lines = [
        "反例：说吧 <!-- qa-check: disable=taboo,abuse -- 培训反例 -->",
        "<!-- qa-check: disable-next-line=taboo-->",
        "text: 说吧   # qa-check: disable = taboo : 引用客户原话",
        "没有指令的行",
        "qa-check: disable",
    ]
    d1, d2, d3, d4 = find_directives(lines)
    col = lines[0].index("taboo") + 1  # 1-based character column
    assert (d1.line, d1.next_line, d1.ids, d1.justification) == (
        1,
        False,
        (("taboo", col), ("abuse", col + 6)),
        "培训反例",
    )
    assert (d2.line, d2.target, d2.ids, d2.justification) == (2, 3, (("taboo", 34),), None)
    assert (d3.ids[0][0], d3.justification) == ("taboo", "引用客户原话")
    assert (d4.line, d4.ids) == (5, ())


def test_mask_keeps_length_and_text_before_the_directive():
    line = "说吧 qa-check: disable=taboo -- 我不能"
    masked = mask_directives(line)
    assert len(masked) == len(line) and masked.rstrip() == "说吧"
    assert mask_directives("说吧") == "说吧"


def test_same_line_and_next_line_suppress_only_the_named_rule():
    directives = find_directives(["说吧 qa-check: disable=taboo -- 反例", "qa-check: disable-next-line=taboo", "说吧"])
    found = [finding(1), finding(1, "abuse"), finding(3), finding(2)]
    out = apply_suppressions("s.md", found, directives, ["taboo", "abuse"], "t")
    flags = {(f.line, f.rule_id): (f.suppressed, f.justification) for f in out}
    assert flags == {
        (1, "taboo"): (True, "反例"),
        (1, "abuse"): (False, None),
        (3, "taboo"): (True, None),
        (2, "taboo"): (False, None),  # disable-next-line does not cover its own line
    }


def test_unknown_rule_is_an_error_with_a_hint_and_unused_is_a_warning():
    line = "说吧 # qa-check: disable=tabo,abuse"
    directives = find_directives([line])
    out = apply_suppressions("s.yaml", [finding(1)], directives, ["taboo", "abuse"], "lint-test")
    extra = {f.rule_id: f for f in out if f.kind == "lint"}
    assert extra["unknown-rule"].severity == "error"
    assert extra["unknown-rule"].message == "'tabo' is not a rule of scheme 'lint-test' (did you mean 'taboo'?)"
    assert (extra["unknown-rule"].line, extra["unknown-rule"].col) == (1, line.index("tabo") + 1)
    assert extra["unused-suppression"].severity == "warning"
    assert (
        "'abuse'" in extra["unused-suppression"].message and extra["unused-suppression"].col == line.index("abuse") + 1
    )
    # The finding named by a misspelt id is not silenced.
    assert [f.suppressed for f in out if f.rule_id == "taboo"] == [False]


def test_a_directive_without_ids_and_builtin_ids_are_reported():
    directives = find_directives(["qa-check: disable", "qa-check: disable=unused-suppression"])
    out = apply_suppressions("s.txt", [], directives, ["taboo"], "t")
    messages = [(f.line, f.rule_id, f.message) for f in out]
    assert messages[0][:2] == (1, "unknown-rule") and "names no rule" in messages[0][2]
    assert messages[1][:2] == (2, "unknown-rule") and "cannot be suppressed" in messages[1][2]


def test_one_directive_covers_every_finding_of_its_rule_on_the_line():
    directives = find_directives(["说吧说吧 qa-check: disable=taboo"])
    out = apply_suppressions("s.txt", [finding(1, col=1), finding(1, col=3)], directives, ["taboo"], "t")
    assert [f.suppressed for f in out] == [True, True]
