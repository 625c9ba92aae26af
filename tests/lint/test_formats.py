"""Output formats: SARIF 2.1.0 valid against the official schema, with rule metadata and help."""

import json
from pathlib import Path

import jsonschema
import pytest

from checker import cli
from checker.lint.formats import FORMATTERS, get_formatter

from .conftest import run_lint, write

SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


@pytest.fixture
def sarif(tmp_path, scheme_file, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(
        tmp_path / "lib" / "开场.md",
        """
        ---
        stage: opening
        ---
        喂，说吧 <!-- qa-check: disable=taboo -- 培训反例 -->
        我部手机冇信号，搞咗成日都唔得
        亲爱的 <!-- qa-check: disable=nope -->
        """,
    )
    write(tmp_path / "lib" / "broken.yaml", "a: [1\n")
    result = run_lint("--rules", scheme_file, "--format", "sarif", "lib")
    assert result.exit_code == 2  # broken.yaml cannot be read; the rest is still reported
    return json.loads(result.stdout)


def test_sarif_validates_against_the_official_schema(sarif):
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    errors = sorted(jsonschema.Draft4Validator(SCHEMA).iter_errors(sarif), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)
    assert sarif["version"] == "2.1.0" and sarif["$schema"].endswith("sarif-schema-2.1.0.json")


def test_sarif_results_regions_and_suppressions(sarif):
    [run] = sarif["runs"]
    assert run["columnKind"] == "unicodeCodePoints"
    results = {(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]): r for r in run["results"]}
    taboo = results[("taboo", 4)]
    loc = taboo["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "lib/%E5%BC%80%E5%9C%BA.md", "uriBaseId": "%SRCROOT%"}
    assert loc["region"] == {
        "startLine": 4,
        "startColumn": 3,
        "endLine": 4,
        "endColumn": 5,
        "snippet": {"text": "说吧"},
    }
    assert taboo["suppressions"] == [{"kind": "inSource", "status": "accepted", "justification": "培训反例"}]
    assert taboo["message"]["text"] == "使用服务禁语 (→ 请问有什么可以帮您？)"
    assert results[("greet", 2)]["level"] == "error" and "suppressions" not in results[("greet", 2)]
    assert results[("casual", 6)]["level"] == "note"
    assert results[("unknown-rule", 6)]["level"] == "error"
    rules = run["tool"]["driver"]["rules"]
    for r in run["results"]:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
    assert run["invocations"][0]["executionSuccessful"] is False
    assert (
        "broken.yaml:2:1: YAML syntax error"
        in run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
    )


def test_sarif_rule_metadata_carries_help_with_phrases_and_examples(sarif):
    rules = {r["id"]: r for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    # Only the rules the lint can report, plus its own two; `thanks` (no stage) never runs on scripts.
    assert set(rules) == {
        "taboo",
        "customer-swear",
        "late-taboo",
        "dialect-switch",
        "greet",
        "welcome",
        "casual",
        "unknown-rule",
        "unused-suppression",
    }
    taboo = rules["taboo"]
    assert taboo["shortDescription"]["text"] == "使用服务禁语"
    assert taboo["defaultConfiguration"]["level"] == "error"
    assert taboo["properties"]["tags"] == ["服务禁语", "forbidden"]
    assert "说吧（→ 请问有什么可以帮您？）" in taboo["help"]["text"]
    assert "Example 1 (fires; matched “说吧”): 坐席: 喂，说吧" in taboo["help"]["text"]
    md = taboo["help"]["markdown"]
    assert "| 说吧 | 请问有什么可以帮您？ |" in md and "坐席: 您在看小说吧" in md
    assert rules["customer-swear"]["defaultConfiguration"]["level"] == "warning"
    assert "Remove the directive" in rules["unused-suppression"]["help"]["text"]


def test_every_format_is_offered_by_the_cli_and_renders_an_empty_report(lint_scheme):
    from checker.lint.findings import LintReport

    assert tuple(FORMATTERS) == cli.LINT_FORMATS
    for name in FORMATTERS:
        out = get_formatter(name).render(LintReport(lint_scheme))
        assert out == "" or out.endswith("\n")
    with pytest.raises(ValueError, match="unknown format"):
        get_formatter("xml")


def test_json_format_matches_the_records(tmp_path, scheme_file):
    f = write(tmp_path / "a.txt", "说吧\n")
    doc = json.loads(run_lint("--rules", scheme_file, "--format", "json", f).stdout)
    assert doc["scheme"] == "lint-test" and doc["files"] == [str(f)] and doc["errors"] == []
    assert doc["findings"] == [
        {
            "path": str(f),
            "line": 1,
            "col": 1,
            "end_line": 1,
            "end_col": 3,
            "rule_id": "taboo",
            "kind": "forbidden",
            "section": "服务禁语",
            "severity": "error",
            "message": "使用服务禁语",
            "matched": "说吧",
            "suggest": "请问有什么可以帮您？",
            "suppressed": False,
            "justification": None,
        }
    ]
