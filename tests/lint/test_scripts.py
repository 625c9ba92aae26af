"""Reading script files: which text is linted, and where each character stands in the file."""

import textwrap

import pytest

from checker.lint.scripts import ScriptError, parse_script, read_script, script_format


def md(text: str, fmt: str = "markdown", path: str = "s.md"):
    return parse_script(textwrap.dedent(text).lstrip("\n"), path, fmt)


def located(sf):
    """(line, col, text) of every linted line."""
    return [(l.line, l.col, l.text.strip()) for l in sf.lines]


def test_markdown_front_matter_stage_fields_and_lines():
    sf = md("""
        ---
        stage: opening
        direction: inbound
        title: 开场白
        ---
        # 开场白

        您好，欢迎致电。
        """)
    [script] = sf.scripts
    assert script.stages == ("opening",)
    assert script.fields == {"direction": "inbound", "title": "开场白"}
    assert script.anchor == (2, 1)  # the `stage:` key
    # Front-matter string values are linted at their own position, then every non-blank body line.
    assert located(sf) == [(3, 12, "inbound"), (4, 8, "开场白"), (6, 1, "# 开场白"), (8, 1, "您好，欢迎致电。")]


def test_markdown_html_comments_are_not_linted_and_columns_hold():
    sf = md("""
        您好，<!-- 说吧 --> 说吧
        <!-- 跨行
        说吧 -->之后 说吧
        """)
    lines = sf.lines
    assert [l.line for l in lines] == [1, 3]
    assert "说吧" not in lines[0].text[:15] and lines[0].text.index("说吧") == 15
    assert lines[1].text.strip() == "之后 说吧" and lines[1].text.index("之后") == 6


def test_code_fences_are_linted():
    sf = md("""
        ```
        坐席：说吧
        ```
        """)
    assert located(sf) == [(1, 1, "```"), (2, 1, "坐席：说吧"), (3, 1, "```")]


def test_directive_text_is_masked_out_of_the_linted_text():
    sf = md("反例：说吧 qa-check: disable=taboo -- 不能说“我不能”\n", fmt="text", path="s.txt")
    [line] = sf.lines
    assert line.text == "反例：说吧" and len(sf.source_lines[0]) > len(line.text)


def test_text_file_without_front_matter_is_one_script_without_stage():
    sf = md("第一行\n\n  第三行\n", fmt="text", path="s.txt")
    [script] = sf.scripts
    assert script.stages == () and located(sf) == [(1, 1, "第一行"), (3, 1, "第三行")]


def test_yaml_only_string_values_each_with_its_own_position():
    sf = md(
        """
        title: 开场白
        count: 3
        enabled: true
        3: 数字键的值
        lines:
          - 您好，请讲
          - "转义\\u8bf4吧 x"
          - '单引号 说吧'
        flow: {a: 说吧, b: 5}
        block: |
          第一行 说吧
            缩进的行

          第三行
        folded: >
          折叠第一行
          折叠第二行
        plain: 多行纯量
          第二行
        """,
        fmt="yaml",
        path="s.yaml",
    )
    assert located(sf) == [
        (1, 8, "开场白"),
        (4, 4, "数字键的值"),
        (6, 5, "您好，请讲"),
        (7, 6, "转义说吧 x"),
        (8, 6, "单引号 说吧"),
        (9, 11, "说吧"),
        (11, 3, "第一行 说吧"),
        (12, 5, "缩进的行"),
        (14, 3, "第三行"),
        (16, 3, "折叠第一行"),
        (17, 3, "折叠第二行"),
        (18, 8, "多行纯量"),
        (19, 3, "第二行"),
    ]


def test_yaml_escapes_map_every_character_to_its_column():
    sf = md('t: "\\u8bf4\\u5427 好"\n', fmt="yaml", path="s.yaml")
    [line] = sf.lines
    assert line.text == "说吧 好"
    assert [line.column(i) for i in range(len(line.text))] == [5, 11, 17, 18]
    assert line.column(len(line.text)) == 19


def test_yaml_stage_mappings_are_scripts_with_inherited_fields():
    sf = md(
        """
        direction: inbound
        scripts:
          - stage: opening
            text: 您好
          - stage: [closing, callback]
            direction: outbound
            text: 再见
        note: 不属于任何话术
        """,
        fmt="yaml",
        path="s.yaml",
    )
    by_stage = {s.stages: s for s in sf.scripts}
    assert set(by_stage) == {(), ("opening",), ("closing", "callback")}
    assert by_stage[("opening",)].anchor == (3, 5)
    assert by_stage[("opening",)].fields["direction"] == "inbound"
    assert by_stage[("closing", "callback")].fields["direction"] == "outbound"
    assert [l.text for l in by_stage[()].lines] == ["inbound", "不属于任何话术"]
    assert [l.text for l in by_stage[("opening",)].lines] == ["您好"]


def test_yaml_root_stage_makes_the_whole_file_one_script():
    sf = md("stage: refund\ntext: 我帮您查询一下\n", fmt="yaml", path="s.yaml")
    [script] = sf.scripts
    assert script.stages == ("refund",) and [l.text for l in script.lines] == ["我帮您查询一下"]


def test_yaml_syntax_error_has_a_position():
    with pytest.raises(ScriptError) as exc:
        md("a: [1\nb: 2\n", fmt="yaml", path="s.yaml")
    assert (exc.value.line, exc.value.col) == (2, 2) and "YAML syntax error" in str(exc.value)


def test_front_matter_syntax_error_points_into_the_file():
    with pytest.raises(ScriptError) as exc:
        md("---\nstage: opening\ntitle: a: b\n---\n正文\n")
    assert exc.value.line == 3


def test_a_stage_must_be_a_name_or_a_list_of_names():
    with pytest.raises(ScriptError) as exc:
        md("stage: {a: 1}\n", fmt="yaml", path="s.yaml")
    assert "`stage` must be" in str(exc.value) and (exc.value.line, exc.value.col) == (1, 8)


def test_unclosed_front_matter_is_an_error():
    with pytest.raises(ScriptError):
        md("---\nstage: opening\n正文\n")


def test_format_by_suffix_and_bad_encoding(tmp_path):
    assert [script_format(n) for n in ("a.md", "a.MARKDOWN", "a.yml", "a.txt", "a.rst")] == [
        "markdown",
        "markdown",
        "yaml",
        "text",
        "text",
    ]
    bad = tmp_path / "bad.txt"
    bad.write_bytes("第一行\n".encode() + b"\xff\xfe bad\n")
    with pytest.raises(ScriptError) as exc:
        read_script(bad)
    assert exc.value.line == 2 and "UTF-8" in str(exc.value)


def test_crlf_and_bom(tmp_path):
    path = tmp_path / "win.txt"
    path.write_bytes("\ufeff第一行\r\n说吧\r\n".encode())
    sf = read_script(path)
    assert located(sf) == [(1, 1, "第一行"), (2, 1, "说吧")]
