"""`literal_factors`: strings one of which every match of a regex contains (or None)."""

import ast
import re
from collections import Counter

import pytest
import yaml
from hypothesis import example, given, reject, settings, strategies as st

from checker.prefilter import MAX_STRINGS, literal_factors

from checker.engine import audit_call
from checker.model import Call
from checker.read import RoleMap, read_paths
from checker.rules import phrases
from checker.scheme import load_scheme

from .conftest import ROOT, scheme_from


def test_alternation_of_literals():
    assert literal_factors("ab|cd") == frozenset({"ab", "cd"})


def test_case_insensitive_pattern_has_no_factor():
    assert literal_factors("(?i)abc") is None
    assert literal_factors("(?i:ab)cd") == frozenset({"cd"})  # only the case-sensitive part counts


def test_class_repeat_has_no_factor():
    assert literal_factors(r"\d{11}") is None
    assert literal_factors(r"[0-9]+") is None


def test_product_of_alternations():
    assert literal_factors("(不|没)(知道|办法)") == frozenset({"不知道", "不办法", "没知道", "没办法"})
    assert literal_factors("[不没](?:知道|办法)") == frozenset({"不知道", "不办法", "没知道", "没办法"})


def test_optional_prefix_keeps_the_required_part():
    factors = literal_factors("我?(?:知道|明白)了")
    assert factors is not None
    assert any("知道了" in f for f in factors) and any("明白了" in f for f in factors)
    for text in ("知道了", "我知道了", "嗯明白了啊"):
        m = re.search("我?(?:知道|明白)了", text)
        assert any(f in m.group() for f in factors)


def test_pattern_matching_the_empty_string_has_no_factor():
    assert literal_factors("a?") is None
    assert literal_factors("a*") is None
    assert literal_factors("(?:ab|)") is None
    assert literal_factors("") is None


def test_other_constructs():
    assert literal_factors("您好") == frozenset({"您好"})
    assert literal_factors("(?:请问)+还有") in (frozenset({"请问"}), frozenset({"还有"}))  # one run or the other
    assert literal_factors("a.b") in (frozenset({"a"}), frozenset({"b"}))
    assert literal_factors("a(?=b)c") in (frozenset({"a"}), frozenset({"c"}))  # a look-ahead consumes nothing
    assert literal_factors(r"\bab") == frozenset({"ab"})
    assert literal_factors("(") is None  # not a regex
    big = "(" + "|".join("abcdefghi") + ")" + "(" + "|".join("abcdefghi") + ")"  # 81 strings
    factors = literal_factors(big)
    assert factors is None or len(factors) <= MAX_STRINGS


# -- soundness --------------------------------------------------------------------------------

CHARS = "ab知道了"
TEXT_CHARS = "ab知道了Ac "

LEAF = st.one_of(
    st.sampled_from(list(CHARS)),
    st.text(CHARS, min_size=2, max_size=3),
    st.sampled_from(["[ab]", "[知道]", "[a知]", "[^a]", "[a-b]", ".", r"\w", "a{2}", "(?:)", "^", "$", r"\b"]),
    st.text(CHARS, min_size=1, max_size=2),
)


def _extend(inner):
    return st.one_of(
        st.lists(inner, min_size=2, max_size=3).map("".join),  # concatenation
        st.lists(inner, min_size=2, max_size=3).map("".join),
        st.tuples(inner, inner).map(lambda t: f"(?:{t[0]}|{t[1]})"),
        st.tuples(inner, inner, inner).map(lambda t: f"(?:{t[0]}|{t[1]}|{t[2]})"),
        st.tuples(inner).map(lambda t: f"(?:{t[0]}|)"),
        st.tuples(inner, st.sampled_from(["?", "+", "*", "??", "+?", "*?", "{0,1}", "{1,2}", "{2}", "{1}"])).map(
            lambda t: f"(?:{t[0]}){t[1]}"
        ),
        inner.map(lambda x: f"({x})"),  # a capturing group
        inner.map(lambda x: f"(?i:{x})"),
        inner.map(lambda x: f"(?={x})"),
        inner.map(lambda x: f"(?!{x})"),
        inner.map(lambda x: f"(?>{x})"),
        inner.map(lambda x: f"(?:{x})++"),
    )


PATTERNS = st.recursive(LEAF, _extend, max_leaves=8)


def _compiles(pattern):
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True


def assert_sound(pattern, text):
    regex = re.compile(pattern)
    factors = literal_factors(pattern)
    if factors is None:
        return
    assert factors and "" not in factors
    # the match re.search finds, and the match starting at every position of the text
    matches = [regex.search(text)] + [regex.match(text, pos) for pos in range(len(text) + 1)]
    for m in matches:
        if m is not None:
            assert any(f in m.group() for f in factors), (pattern, text, m.group(), sorted(factors))


@settings(max_examples=300, deadline=None)
@given(PATTERNS, st.text(TEXT_CHARS, max_size=12))
@example("我?(?:知道|明白)了", "我知道了")
@example("(?:a|)b", "b")
@example("(?:ab)?知道", "知道")
@example("a(?=b)", "ab")
def test_every_match_holds_a_factor(pattern, text):
    assert_sound(pattern, text)


@settings(max_examples=300, deadline=None)
@given(PATTERNS.filter(lambda p: literal_factors(p) is not None), st.data())
def test_every_match_holds_a_factor_in_texts_that_match(pattern, data):
    """Texts drawn to hold a match of the pattern (random texts mostly match nothing)."""
    try:
        text = data.draw(st.from_regex(pattern, alphabet=TEXT_CHARS).filter(lambda t: len(t) <= 40), label="text")
    except SystemError:
        # CPython 3.11's own re, drawing the text: "The span of capturing group is wrong" for a
        # group inside a possessive repeat (`(?:(a)|b)++`). Not the prefilter's doing: skip it.
        reject()
    assert re.search(pattern, text)
    assert_sound(pattern, text)


# The rest of the syntax the parser reads: escapes, named groups, comments, braces that are not
# repeats, classes with escapes and a literal `-` or `]`.
MORE_TEXT_CHARS = TEXT_CHARS + ".{}]-\n\b中"
MORE_LEAF = st.one_of(
    LEAF,
    st.sampled_from(
        [
            r"\.",
            r"\x61",
            r"\u77e5",
            r"\{",
            "a{}",
            "{",
            "}",
            "]",
            r"[\]a]",
            "[a-]",
            "[-b]",
            r"[\n.]",
            r"\n",
            "(?#c)",
            "(?P<n>a.)",
            "(?s:a.)",
            "(?m:^a)",
            r"[\b]",
            r"\中",
            "a{,1}",
            "a{1,}",
        ]
    ),
)
MORE_PATTERNS = st.recursive(MORE_LEAF, _extend, max_leaves=6).filter(_compiles)


@settings(max_examples=300, deadline=None)
@given(MORE_PATTERNS, st.data())
def test_every_match_holds_a_factor_across_the_syntax(pattern, data):
    try:
        text = data.draw(st.from_regex(pattern, alphabet=MORE_TEXT_CHARS).filter(lambda t: len(t) <= 40), label="text")
    except SystemError:  # as above: CPython's own re, drawing the text
        reject()
    assert_sound(pattern, text)


@settings(max_examples=200, deadline=None)
@given(PATTERNS)
def test_global_case_insensitive_flag_means_no_factor(pattern):
    assert literal_factors("(?i)" + pattern) is None


# -- what the parser reads, and where it gives up -------------------------------------------------


def test_escapes_and_groups():
    assert literal_factors(r"\x41bc") == frozenset({"Abc"})
    assert literal_factors(r"\u4e2d国") == frozenset({"中国"})
    assert literal_factors(r"a\.b\.c") == frozenset({"a.b.c"})
    assert literal_factors(r"a\中b") == frozenset({"a中b"})  # a non-ASCII escape is the character
    assert literal_factors(r"[\]]x") == frozenset({"]x"})
    assert literal_factors(r"[a-]b") == frozenset({"ab", "-b"})  # a trailing - is a literal
    assert literal_factors(r"[\b]ab") == frozenset({"\bab"})  # backspace, inside a class
    assert literal_factors(r"(?P<x>您好)\s*欢迎") == frozenset({"您好"})
    assert literal_factors(r"(?#a comment)请稍等") == frozenset({"请稍等"})
    assert literal_factors(r"(?s:ab)c") == frozenset({"abc"})
    assert literal_factors(r"(?a)\w+好") == frozenset({"好"})


def test_braces():
    assert literal_factors("a{}b") == frozenset({"a{}b"})  # not a repeat: literals
    assert literal_factors("ab{") == frozenset({"ab{"})
    assert literal_factors("a{,1}b") == frozenset({"ab", "b"})
    assert literal_factors("a{2}b") == frozenset({"a"})  # a repeat of more than one: a run ends
    assert literal_factors(r"1[3-9]\d{9}") == frozenset({"1"})


def test_what_the_parser_does_not_read_gives_no_factor():
    assert literal_factors("(?x)a b") is None  # verbose: spaces and # read differently
    assert literal_factors(r"(a)\1b") is None  # \1: a back-reference (or an octal escape)
    assert literal_factors(r"\0ab") is None
    assert literal_factors(r"\N{DIGIT ONE}ab") is None
    assert literal_factors("(?L)ab") is None  # not a str flag: `re` refuses it
    assert literal_factors("(?-i:ab)") is None


def test_no_private_regex_modules():
    """The parser is ours: nothing in checker/ imports `re`'s private parser (its tree changes
    between Python versions)."""
    private = {"sre_parse", "sre_constants", "sre_compile", "re._parser", "re._constants", "re._compiler"}
    for path in (ROOT / "checker").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                names = {node.module or ""} | {f"{node.module}.{a.name}" for a in node.names}
            else:
                continue
            assert not names & private, (path, node.lineno)


# -- the shipped schemes' regexes, and the audit with and without the prefilter ---------------------

# Every `regex` in qa_rules/ and examples/, with the factors the prefilter must find in it.
SHIPPED_REGEXES = {
    r"^\W*(?:(?:嗯|哦|噢|好的?)\W*)*我?(?:知道|明白)了\W*$": frozenset({"知道了", "我知道了", "明白了", "我明白了"}),
}


def _regexes_in(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "regex":
                yield from [value] if isinstance(value, str) else value
            else:
                yield from _regexes_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from _regexes_in(value)


def _shipped_regexes():
    found = set()
    for folder in ("qa_rules", "examples"):
        for path in sorted((ROOT / folder).rglob("*.y*ml")):
            for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
                found.update(_regexes_in(doc))
    return found


def _sample_turns():
    return [t.text for c in read_paths([ROOT / "transcripts"], RoleMap.build()) if isinstance(c, Call) for t in c.turns]


def test_shipped_scheme_regexes():
    assert _shipped_regexes() == set(SHIPPED_REGEXES)
    for pattern, factors in SHIPPED_REGEXES.items():
        assert literal_factors(pattern) == factors


def test_shipped_scheme_regexes_are_sound_on_the_sample_transcripts():
    """Each match of a shipped regex in a sample turn holds one of its factors (and there are
    matches: three agent turns, hollow-acknowledgement's findings, and one customer's 好的，明白了。)."""
    turns = _sample_turns()
    matched = []
    for pattern, factors in SHIPPED_REGEXES.items():
        for text in turns:
            for m in re.finditer(pattern, text):
                matched.append(m.group())
                assert any(f in m.group() for f in factors), (pattern, text)
    assert sorted(matched) == sorted(["嗯，知道了。", "好的，明白了。", "嗯，我知道了。", "知道了。"])


# Regexes of the kinds service standards write, run on the sample transcripts next to the
# shipped scheme: each has a factor, so the prefilter skips turns for all of them.
REGEX_SCHEME = r"""
scheme: regexes
rules:
  - {id: cannot, kind: forbidden, section: 禁语, speaker: agent, per: occurrence, regex: '(?:不|没)(?:知道|办法)', deduct: 1, message: m}
  - {id: more, kind: required, section: 结束语, speaker: agent, regex: '请问.{0,6}(?:还有|其他)', deduct: 1, message: m}
  - {id: jobno, kind: forbidden, section: 开场, speaker: agent, per: occurrence, regex: '工号\s*\d{3,5}', deduct: 1, message: m}
  - {id: money, kind: forbidden, section: 费用, per: occurrence, regex: '\d+(?:\.\d+)?元', deduct: 1, message: m}
  - {id: ok, kind: forbidden, section: 应答, speaker: agent, per: occurrence, regex: '^[嗯哦]+\W*(?:好的|行)\W*$', deduct: 1, message: m}
  - {id: wait, kind: forbidden, section: 应答, speaker: agent, per: occurrence, regex: '(?<!请)稍等', deduct: 1, message: m}
"""


def _audit_records(scheme):
    calls = [c for c in read_paths([ROOT / "transcripts"], scheme.roles) if isinstance(c, Call)]
    return [
        (r.call.call_id, [f.to_json() for f in r.findings], r.score) for r in (audit_call(c, scheme) for c in calls)
    ]


@pytest.mark.parametrize("which", ["shipped", "regexes"])
def test_findings_agree_with_and_without_the_prefilter(which, monkeypatch):
    def build():
        return load_scheme(ROOT / "qa_rules") if which == "shipped" else scheme_from(REGEX_SCHEME)

    filtered = build()
    keyed = [r.id for r in filtered.rules if getattr(getattr(r, "matcher", None), "regex_keys", None)]
    with monkeypatch.context() as m:
        m.setattr(phrases, "literal_factors", lambda pattern: None)
        unfiltered = build()
    assert not [r.id for r in unfiltered.rules if getattr(getattr(r, "matcher", None), "regex_keys", None)]
    with_prefilter = _audit_records(filtered)
    assert with_prefilter == _audit_records(unfiltered)
    counts = Counter(f["rule_id"] for _, findings, _ in with_prefilter for f in findings)
    if which == "shipped":
        assert keyed == ["hollow-acknowledgement"]
        assert counts["hollow-acknowledgement"] == 3
    else:
        assert keyed == ["cannot", "more", "jobno", "money", "ok", "wait"]
        assert {k: counts[k] for k in keyed} == {"cannot": 7, "more": 11, "jobno": 48, "money": 44, "ok": 0, "wait": 1}
