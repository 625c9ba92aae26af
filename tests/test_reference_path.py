"""Segmenting only the blocks that hold a candidate, and only the turns whose keys were found,
gives exactly the findings of a reference path that segments every turn whole with jieba."""

import sys

import pytest

from checker.audit import audit_stream
from checker.engine import audit_call
from checker.model import Call, InputError
from checker.read import RoleMap
from checker.read.records import build_call
from checker.scheme import load_scheme

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from synth import synthetic_calls


@pytest.fixture(scope="module")
def scheme():
    return load_scheme(ROOT / "qa_rules")


def records(results):
    return [(r.call.call_id, [f.to_record() for f in r.findings], r.score, r.not_applicable, r.extra) for r in results]


def compare(calls, scheme):
    fast = [audit_call(c, scheme) for c in calls]
    reference = [audit_call(c, scheme, segmenter="reference") for c in calls]
    assert records(fast) == records(reference)
    return fast


def test_sample_calls(scheme):
    calls = [
        c for c in audit_stream([ROOT / "transcripts"], scheme, ROOT / "qa_rules") if not isinstance(c, InputError)
    ]
    results = compare([r.call for r in calls], scheme)
    assert sum(len(r.findings) for r in results) > 30
    assert len(results) == 49
    by_id = {r.call.call_id: r for r in results}
    # the callback that opens with 您好像 (您/好像: no greeting) and names no 工号, at 13:00 (outside the callback hours)
    assert [(f.rule_id, f.turn) for f in by_id["c-20261112-002"].findings] == [
        ("opening-greeting", 0),
        ("opening-self-id", 0),
        ("callback-hours", None),
    ]
    abuse = by_id["c-20261112-001"]  # 你有病吧 in turn 8: fatal
    assert abuse.score == 0 and ("abuse", "你有病", 8) in [(f.rule_id, f.matched, f.turn) for f in abuse.findings]


def test_generated_calls(scheme):
    roles = RoleMap.build()
    calls = [build_call(rec, roles, "synth", None) for rec in synthetic_calls(150, seed=5)]
    results = compare(calls, scheme)
    assert sum(len(r.findings) for r in results) > 50


def test_real_corpus(scheme, corpus_path):
    from checker.read import read_file

    calls = [c for c in read_file(corpus_path, scheme.roles) if isinstance(c, Call)]
    assert len(calls) == 1384
    compare(calls, scheme)


def test_rjieba_and_jieba_give_the_same_findings(scheme, corpus_path):
    """rjieba (the default, jieba-rs) against jieba itself on real and generated calls."""
    from checker.read import read_file

    roles = RoleMap.build()
    calls = [c for c in read_file(corpus_path, scheme.roles) if isinstance(c, Call)]
    calls += [build_call(rec, roles, "synth", None) for rec in synthetic_calls(100, seed=9)]
    fast = [audit_call(c, scheme) for c in calls]
    ref = [audit_call(c, scheme, segmenter="jieba") for c in calls]
    assert records(fast) == records(ref)
