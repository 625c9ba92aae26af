"""`qa-check rules test` (checker/ruletest.py): `matched` is compared exactly, and every firing
example of the schemes we ship or show states what it fires on, so that it cannot pass on garbage."""

import pytest
import yaml

from checker.ruletest import check_example, run_examples
from checker.scheme import load_scheme

from .conftest import ROOT, scheme_from

# The shipped scheme and every example scheme; `test_no_other_scheme_under_examples` keeps the
# list complete.
SCHEMES = [ROOT / "qa_rules", ROOT / "examples" / "ported"]

TWO_PHRASES = """
rules:
  - id: taboo
    kind: forbidden
    section: 服务禁语
    phrases: [说吧, 不知道]
    message: 使用服务禁语
    examples:
      - {fires: true, matched: 说吧, transcript: "坐席: 喂，说吧\\n客户: 话费\\n坐席: 不知道"}
      - {fires: true, matched: [说吧, 不知道], turn: 0, transcript: "坐席: 喂，说吧\\n客户: 话费\\n坐席: 不知道"}
      - {fires: true, matched: [不知道, 说吧], transcript: "坐席: 喂，说吧\\n客户: 话费\\n坐席: 不知道"}
"""


def _examples(scheme):
    return [(rule, i, ex) for rule in scheme.rules for i, ex in enumerate(rule.config.examples)]


def test_matched_is_compared_exactly_not_as_a_prefix():
    scheme = scheme_from(TWO_PHRASES)
    rule = scheme.rule("taboo")
    first, both, reversed_ = (check_example(scheme, rule, i, ex) for _, i, ex in _examples(scheme))
    # Two findings, 说吧 then 不知道: stating only the first is no longer enough.
    assert [f.matched for f in first.findings] == ["说吧", "不知道"]
    assert first.problems == ("expected matched ['说吧'], got ['说吧', '不知道']",)
    assert both.ok
    assert reversed_.problems == ("expected matched ['不知道', '说吧'], got ['说吧', '不知道']",)


@pytest.mark.parametrize("path", SCHEMES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_firing_example_states_matched_and_turn(path):
    scheme = load_scheme(path)
    missing = []
    for result in run_examples(scheme):
        ex = result.example
        if not ex.fires:
            continue
        where = f"{result.rule_id} example {result.index + 1}"
        if ex.matched is None:
            missing.append(f"{where}: no `matched` (the rule found {[f.matched for f in result.findings]})")
        turns = [line for line in ex.transcript.splitlines() if line.strip() and not line.lstrip().startswith("#")]
        first_turn = result.findings[0].turn if result.findings else None
        if len(turns) > 1 and first_turn is not None and ex.turn is None:
            missing.append(f"{where}: no `turn` in a transcript of {len(turns)} turns (the rule found {first_turn})")
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("path", SCHEMES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_example_holds(path):
    failed = [r.report() for r in run_examples(load_scheme(path)) if not r.ok]
    assert not failed, "\n\n".join(failed)


def test_no_other_scheme_under_examples():
    """A scheme added under examples/ must join SCHEMES above (and so state its examples' matches)."""
    listed = {p.resolve() for p in SCHEMES}
    found = set()
    for path in sorted((ROOT / "examples").rglob("*.y*ml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "rules" in data:
            found.add(path.parent.resolve() if path.parent.resolve() in listed else path.resolve())
    assert found == {(ROOT / "examples" / "ported").resolve()}
    assert found <= listed
