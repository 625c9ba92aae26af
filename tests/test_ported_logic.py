"""The ported scorecard's logic rules (examples/ported/logic.yaml): every example holds, every rule
has examples both ways, and the file uses the constructs it is there to show."""

import pytest

from checker.ruletest import check_example
from checker.scheme import load_scheme

from .conftest import ROOT

PORTED = ROOT / "examples" / "ported"


@pytest.fixture(scope="module")
def scheme():
    return load_scheme(PORTED)


def _logic_rules():
    return [r for r in load_scheme(PORTED).rules if r.id.startswith("l-")]


@pytest.mark.parametrize(
    "rule_id, index", [(r.id, i) for r in _logic_rules() for i in range(len(r.config.examples))], ids=str
)
def test_example(scheme, rule_id, index):
    rule = scheme.rule(rule_id)
    result = check_example(scheme, rule, index, rule.config.examples[index])
    assert result.ok, result.report()


def test_rules_fire_and_not_and_firing_examples_state_matched(scheme):
    rules = [r for r in scheme.rules if r.id.startswith("l-")]
    assert len(rules) >= 13
    for rule in rules:
        assert {ex.fires for ex in rule.config.examples} == {True, False}, rule.id
        assert all(ex.matched is not None for ex in rule.config.examples if ex.fires), rule.id


def test_the_constructs_are_all_there(scheme):
    configs = [r.config for r in scheme.rules if r.id.startswith("l-")]
    kinds = {c.kind for c in configs}
    assert {"composite", "repetition", "interruption", "silence", "response", "required", "forbidden"} <= kinds
    conds = [cond for c in configs if c.kind == "composite" for cond in c.conditions.values()]
    assert {cond.placement for cond in conds} >= {"after", "before", "around"}
    assert any(cond.within_seconds for cond in conds) and any(cond.max_count == 0 for cond in conds)
    assert any(getattr(c, "min_distinct", 1) > 1 for c in configs)
    assert any(c.kind == "forbidden" and c.min_count > 1 for c in configs)
    assert {getattr(c, "unanswered_at_end", None) for c in configs} >= {"fire", "ignore"}
    assert any(c.kind == "interruption" and c.min_chars and c.max_total_seconds for c in configs)
    assert any(c.kind == "silence" and c.after_speaker != "any" for c in configs)
