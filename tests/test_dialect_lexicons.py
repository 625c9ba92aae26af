"""The shipped dialect lexicons on real sentences: hand-written cases per dialect, HKCanCor
(spoken Hong Kong Cantonese, shipped with pycantonese) and the real Mandarin service chats."""

import json
import unicodedata

import pytest
import yaml

from checker.dialects import flag_dialect
from checker.normalise import normalise

from .conftest import CORPUS, ROOT

CASES = yaml.safe_load((ROOT / "tests" / "fixtures" / "dialect_cases.yaml").read_text(encoding="utf-8"))
DIALECTS = ["cantonese", "wu", "sichuanese", "northeastern", "minnan"]


def _cases(kind):
    return [(d, c) for d in DIALECTS for c in CASES[d][kind]]


@pytest.mark.parametrize("dialect, case", _cases("fires"), ids=lambda v: v if isinstance(v, str) else v["text"])
def test_dialect_sentence_fires_with_its_markers(dialect, case):
    (found,) = flag_dialect([case["text"]], dialect, min_markers=1)
    assert found, f"{dialect} rule did not fire on {case['text']}"
    (all_markers,) = flag_dialect([case["text"]], dialect, min_markers=0.5)
    assert sorted(normalise(m).compact for m in all_markers) == sorted(case["markers"])


@pytest.mark.parametrize("dialect, case", _cases("silent"), ids=lambda v: v if isinstance(v, str) else v["text"])
def test_mandarin_sentence_sharing_characters_does_not_fire(dialect, case):
    assert flag_dialect([case["text"]], dialect, min_markers=1) == [[]], case["why"]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_ordinary_service_mandarin_never_fires(dialect):
    lines = CASES["mandarin_all_silent"]
    flagged = [t for t, m in zip(lines, flag_dialect(lines, dialect, min_markers=1)) if m]
    assert flagged == []


@pytest.mark.parametrize("case", CASES["known_limits"], ids=lambda c: c["text"])
def test_known_limits_behave_as_documented(case):
    (found,) = flag_dialect([case["text"]], case["dialect"], min_markers=1)
    assert bool(found) is case["fires_anyway"], case["why"]


def test_suggestion_gives_the_mandarin_wording():
    from checker.engine import audit_call
    from checker.read import parse_text
    from checker.scheme import load_scheme

    scheme = load_scheme(ROOT / "qa_rules")
    call = parse_text("客户: 我部手机冇信号，搞咗好耐\n坐席: 唔该你等等，我帮你睇下点解冇信号", scheme.roles)
    result = audit_call(call, scheme)
    (f,) = [f for f in result.findings if f.rule_id == "no-dialect-switch"]
    assert "粤语" in f.message and "冇" in f.matched and "唔该" in f.matched
    assert "唔该→谢谢" in f.suggest and "冇→没有" in f.suggest
    assert result.extra["customer_dialect"] == "cantonese"


def _counted(text):
    return sum(1 for ch in text if not ch.isspace() and not unicodedata.category(ch).startswith("P"))


@pytest.fixture(scope="module")
def hkcancor():
    pycantonese = pytest.importorskip("pycantonese")
    texts = ["".join(t.word for t in u.tokens) for u in pycantonese.hkcancor().utterances()]
    return [t for t in texts if _counted(t) >= 6]


def test_hkcancor_recall_traditional_and_simplified(hkcancor):
    import opencc

    t2s = opencc.OpenCC("t2s")
    for texts in (hkcancor, [t2s.convert(t) for t in hkcancor]):
        flagged = sum(bool(m) for m in flag_dialect(texts, "cantonese", min_markers=1))
        assert flagged / len(texts) >= 0.85, f"recall {flagged / len(texts):.3f}"


def test_real_mandarin_service_chats_almost_never_flagged():
    if not CORPUS.is_file():
        pytest.skip("shared corpus not present")
    turns = [t["text"] for line in CORPUS.open(encoding="utf-8") for t in json.loads(line)["turns"]]
    for dialect in DIALECTS:
        flagged = sum(bool(m) for m in flag_dialect(turns, dialect, min_markers=1))
        assert flagged / len(turns) <= 0.001, f"{dialect}: {flagged} of {len(turns)} turns"
