"""Scheme errors point at file:line:col and are all reported before any transcript is read."""

import textwrap

import pytest

from checker.scheme import load_scheme, load_scheme_text
from checker.yamlpos import SchemeError

GOOD_RULE = """
  - id: greet
    kind: required
    section: 开场白
    phrases: [您好]
    message: 未问候
"""


def problems(text: str) -> list[str]:
    with pytest.raises(SchemeError) as exc:
        load_scheme_text(textwrap.dedent(text), name="s.yaml")
    return exc.value.problems


def test_unknown_key_points_at_the_key():
    out = problems("rules:" + GOOD_RULE + "    phrasez: [x]\n")
    assert out == ["s.yaml:7:5: unknown key 'phrasez'"]


def test_wrong_type_points_at_the_value():
    out = problems("rules:" + GOOD_RULE + "    deduct: lots\n")
    assert len(out) == 1 and out[0].startswith("s.yaml:7:13: deduct: Input should be a valid number")


def test_duplicate_rule_id():
    out = problems("rules:" + GOOD_RULE + GOOD_RULE)
    assert out == ["s.yaml:8:9: duplicate rule id 'greet' (first at s.yaml:2:5)"]


def test_duplicate_yaml_key():
    out = problems("rules:" + GOOD_RULE + "    section: 结束语\n")
    assert out == ["s.yaml:7:5: duplicate key 'section' (first at line 4)"]


def test_bad_regex():
    out = problems("""
    rules:
      - id: r
        kind: forbidden
        section: s
        message: m
        regex: '(unclosed'
    """)
    assert len(out) == 1 and out[0].startswith("s.yaml:7:12:") and "bad regex" in out[0]


def test_unknown_lexicon_and_dialect_and_kind():
    out = problems("""
    lexicons:
      apology: [抱歉]
    rules:
      - id: r
        kind: required
        section: s
        message: m
        phrases: ["@apologies"]
      - id: d
        kind: dialect
        section: s
        message: m
        dialects: [klingon]
      - id: k
        kind: requird
        section: s
        message: m
    """)
    assert out[0] == "s.yaml:9:15: unknown lexicon '@apologies' (known: apology)"
    assert out[1].startswith("s.yaml:14:16: unknown dialect 'klingon' (known: cantonese")
    assert out[2].startswith("s.yaml:16:11: unknown rule kind 'requird'; valid kinds: ")
    assert "required" in out[2] and "forbidden" in out[2]


def test_missing_message_and_section_do_not_load():
    out = problems("""
    rules:
      - id: r
        kind: forbidden
        phrases: [说吧]
    """)
    assert any("section" in p for p in out) and any("message" in p for p in out)


def test_phrase_of_punctuation_only_is_an_error():
    out = problems("""
    rules:
      - id: r
        kind: forbidden
        section: s
        message: m
        phrases: ["，。"]
    """)
    assert len(out) == 1 and "nothing to match" in out[0]


def test_lexicon_reference_expands():
    scheme = load_scheme_text(
        textwrap.dedent("""
    lexicons:
      apology: [抱歉, {phrase: 对不起, suggest: 非常抱歉}]
    rules:
      - id: r
        kind: required
        section: s
        message: m
        phrases: ["@apology", 不好意思]
    """)
    )
    assert [p.text for p in scheme.rule("r").matcher.phrases] == ["抱歉", "对不起", "不好意思"]


def test_folder_scheme_merges_top_level_files(tmp_path):
    (tmp_path / "a.yaml").write_text("scheme: merged\nrules:" + GOOD_RULE, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(
        "rules:\n  - {id: bye, kind: required, section: 结束语, phrases: [再见], message: 未道别}\n", encoding="utf-8"
    )
    sub = tmp_path / "lexicons"
    sub.mkdir()
    (sub / "hakka.yaml").write_text(
        "dialect: hakka\ntitle: 客家话\nmarkers:\n  - {marker: 𠊎, weight: 1.0, suggest: 我}\n", encoding="utf-8"
    )
    scheme = load_scheme(tmp_path)
    assert scheme.name == "merged"
    assert [r.id for r in scheme.rules] == ["greet", "bye"]
    assert "hakka" in [d.name for d in scheme.dialects]


def test_broken_lexicon_file_is_a_scheme_error(tmp_path):
    (tmp_path / "a.yaml").write_text("rules:" + GOOD_RULE, encoding="utf-8")
    (tmp_path / "lexicons").mkdir()
    (tmp_path / "lexicons" / "hakka.yaml").write_text(
        "dialect: hakka\nmarkers:\n  - {marker: 𠊎, weight: 3}\n", encoding="utf-8"
    )
    with pytest.raises(SchemeError) as exc:
        load_scheme(tmp_path)
    assert exc.value.problems[0].startswith(f"{tmp_path / 'lexicons' / 'hakka.yaml'}:3:25: markers.0.weight")


def test_duplicate_id_across_files_names_both(tmp_path):
    (tmp_path / "a.yaml").write_text("rules:" + GOOD_RULE, encoding="utf-8")
    (tmp_path / "b.yaml").write_text("rules:" + GOOD_RULE, encoding="utf-8")
    with pytest.raises(SchemeError) as exc:
        load_scheme(tmp_path)
    assert exc.value.problems == [
        f"{tmp_path / 'b.yaml'}:2:9: duplicate rule id 'greet' (first at {tmp_path / 'a.yaml'}:2:5)"
    ]


def test_yaml_syntax_error_has_position():
    out = problems("rules:\n  - id: [unclosed\n")
    assert out[0].startswith("s.yaml:3:1: YAML syntax error")


def test_unknown_lexicon_in_a_nested_list_points_at_the_item():
    out = problems("""
    rules:
      - id: s
        kind: sequence
        section: s
        message: m
        steps: [{phrases: [您好]}, {phrases: ["@nope"]}]
    """)
    assert out == ["s.yaml:7:41: steps[1].phrases[0]: unknown lexicon '@nope' (known: none defined)"]
