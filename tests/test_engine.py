"""`audit_calls` (calls normalised and scanned together, one batch) gives exactly what
`audit_call` gives call by call."""

import sys

import pytest

from checker.engine import audit_call, audit_calls
from checker.model import Call, Turn
from checker.read import RoleMap, read_file, read_paths
from checker.read.records import build_call
from checker.scheme import load_scheme

from .conftest import ROOT, scheme_from

sys.path.insert(0, str(ROOT / "benchmarks"))
from synth import synthetic_calls

BATCH = 32  # what the audit hands `audit_calls`


@pytest.fixture(scope="module")
def scheme():
    return load_scheme(ROOT / "qa_rules")


def result_records(results):
    return [
        (r.call.call_id, [f.to_json() for f in r.findings], r.score, r.passed, r.fatal, r.not_applicable, r.extra)
        for r in results
    ]


def assert_batch_equals_one_by_one(calls, scheme, sizes=(BATCH,)):
    one_by_one = [audit_call(c, scheme) for c in calls]
    expected = result_records(one_by_one)
    for size in sizes:
        together = [r for i in range(0, len(calls), size) for r in audit_calls(calls[i : i + size], scheme)]
        assert [r.call for r in together] == list(calls)
        assert result_records(together) == expected, size
    return one_by_one


def sample_calls(scheme):
    return [c for c in read_paths([ROOT / "transcripts"], scheme.roles) if isinstance(c, Call)]


def test_sample_calls(scheme):
    calls = sample_calls(scheme)
    assert len(calls) > 20
    results = assert_batch_equals_one_by_one(calls, scheme, sizes=(BATCH, 5, len(calls)))
    assert sum(len(r.findings) for r in results) > 30
    assert any(r.not_applicable for r in results) or all(c.has_timestamps for c in calls)


def test_generated_calls(scheme):
    roles = RoleMap.build()
    calls = [build_call(rec, roles, "synth", None) for rec in synthetic_calls(200, seed=11)]
    calls += [build_call(rec, roles, "synth", None) for rec in synthetic_calls(40, seed=12, timestamps=False)]
    results = assert_batch_equals_one_by_one(calls, scheme, sizes=(BATCH, 7))
    assert sum(len(r.findings) for r in results) > 50
    assert any(r.extra.get("customer_dialect") for r in results)


def test_real_corpus(scheme, corpus_path):
    calls = [c for c in read_file(corpus_path, scheme.roles) if isinstance(c, Call)]
    assert len(calls) == 1384
    assert_batch_equals_one_by_one(calls, scheme)


def test_batch_with_a_call_that_nfkc_lengthens(scheme):
    """㈱ (→ (株)) cannot be normalised with the others in one piece: that call scans alone, the
    others still together; the same results."""
    calls = sample_calls(scheme)[:6]
    odd = Call(
        "nfkc",
        (
            Turn("agent", "您好，欢迎致电星联通信㈱，请问有什么可以帮您？", 0.0, 4.0),
            Turn("customer", "我想查一下话费，说吧。", 4.5, 7.0),
            Turn("agent", "不知道，系统上没显示。", 7.5, 9.0),
            Turn("agent", "请问还有其他可以帮您的吗？感谢您的来电，再见！", 9.5, 12.0),
        ),
    )
    mixed = calls[:3] + [odd] + calls[3:]
    results = assert_batch_equals_one_by_one(mixed, scheme, sizes=(len(mixed), 2))
    assert results[3].findings  # the odd call is really audited
    # and the findings quote the turn as written, ㈱ included
    assert all(f.matched in odd.turns[f.turn].text for f in results[3].findings if f.turn is not None)


def test_batch_with_characters_outside_the_bmp(scheme):
    """An emoji in one call sends the whole batch down the general (UTF-32) path."""
    calls = sample_calls(scheme)[:5]
    emoji = Call(
        "emoji",
        (
            Turn("agent", "您好😀，欢迎致电星联通信，请问有什么可以帮您？"),
            Turn("customer", "𠀀我想查话费👍"),
            Turn("agent", "说吧，不知道。"),
        ),
    )
    assert_batch_equals_one_by_one(calls[:2] + [emoji] + calls[2:], scheme, sizes=(8, 3))


def test_batch_of_one_and_empty_batch(scheme):
    calls = sample_calls(scheme)[:1]
    assert result_records(audit_calls(calls, scheme)) == result_records([audit_call(calls[0], scheme)])
    assert audit_calls([], scheme) == []


SLIP = """
rules:
  - id: taboo
    kind: forbidden
    section: 服务禁语
    phrases: [说吧]
    deduct: 5
    message: 使用服务禁语
"""


def test_batch_with_a_compatibility_ideograph_next_to_an_emoji():
    scheme = scheme_from(SLIP)
    calls = [
        Call("compat", (Turn("agent", "好的，说\ufad0吧"),)),
        Call("emoji", (Turn("agent", "您好😀"),)),
        Call("fires", (Turn("agent", "好的😀说吧"),)),
    ]
    alone = [audit_call(c, scheme) for c in calls]
    assert result_records(audit_calls(calls, scheme)) == result_records(alone)
    # U+FAD0 normalises to U+22844, not a character of 说吧: only the third call holds the phrase.
    assert [[(f.matched, f.turn) for f in r.findings] for r in alone] == [[], [], [("说吧", 0)]]
    assert [r.score for r in alone] == [100, 100, 95]


def test_spans_are_plain_ints_on_every_path(scheme):
    """Spans come out as Python ints whichever path placed them (a batch with an emoji takes the
    general one, where positions are a numpy array): the resume journal writes them as JSON."""
    import json

    from checker.resume import Journal

    calls = [
        Call("e1", (Turn("agent", "喂，说吧😀"), Turn("customer", "好"))),
        Call("e2", (Turn("agent", "您好，说吧"), Turn("customer", "嗯"))),
    ]
    for result in audit_calls(calls, scheme):
        spans = [f.span for f in result.findings if f.span is not None]
        assert spans, result.call.call_id
        assert all(type(b) is int and type(e) is int for b, e in spans)
        line = json.loads(Journal.line_for(result))
        assert [f["span"] for f in line["findings"] if f.get("span")] == [list(s) for s in spans]


def test_batch_key_index_is_each_calls_own(scheme):
    """The key -> turns index that the batch scan fills for each call (in its one pass over the
    matches) is what indexing that call's own hit table gives, calls without a match included."""
    from checker.rules.base import CallContext, _key_index
    from checker.segment import get_segmenter

    roles = RoleMap.build()
    calls = [build_call(rec, roles, "synth", None) for rec in synthetic_calls(40, seed=21)]
    calls.insert(3, Call("silent", (Turn("agent", "嗯。", 0.0, 1.0), Turn("customer", "好。", 1.0, 2.0))))
    calls.append(Call("silent-last", (Turn("agent", "嗯。", 0.0, 1.0),)))
    contexts = [CallContext(c, scheme.book, get_segmenter(scheme.segmenter), vectorised=True) for c in calls]
    CallContext.scan_together(contexts)
    assert contexts[0].joined is not None  # the batch path ran
    for c in contexts:
        assert c._key_turns == _key_index(c._hits)
    assert contexts[3]._key_turns == {} and contexts[-1]._key_turns == {}


def test_a_lengthening_call_scans_alone_and_the_rest_together(scheme, monkeypatch):
    """… (→ ...) is in 4 % of the real corpus's calls, so in most batches of 64: the batch's other
    calls share one normalised text and one automaton pass, the odd call scans itself."""
    from checker.normalise import joinable
    from checker.rules.base import CallContext
    from checker.segment import get_segmenter

    calls = [c for c in sample_calls(scheme) if joinable(c.turns.texts)][:6]
    assert not all(joinable(c.turns.texts) for c in sample_calls(scheme))  # the sample calls hold one too
    odd = Call("ellipsis", (Turn("agent", "您好…请问有什么可以帮您？"), Turn("customer", "说吧。")))
    contexts = [
        CallContext(c, scheme.book, get_segmenter(scheme.segmenter), vectorised=True)
        for c in [*calls[:2], odd, *calls[2:]]
    ]
    CallContext.scan_together(contexts)
    shared = {id(c.joined) for i, c in enumerate(contexts) if i != 2}
    assert len(shared) == 1 and contexts[0].joined is not None
    assert contexts[2].joined is None and contexts[2]._norms is None  # scanned when first asked
    tried: list = []
    real = CallContext._scan_joined
    monkeypatch.setattr(CallContext, "_scan_joined", staticmethod(lambda cs, v: tried.append(cs) or real(cs, v)))
    assert contexts[2].key_turns()  # turn by turn, without a joined attempt the batch saw fail
    monkeypatch.undo()
    assert tried == [] and contexts[2].joined is None and len(contexts[2]._norms) == 2
    assert_batch_equals_one_by_one([*calls[:2], odd, *calls[2:]], scheme, sizes=(7, 3))
