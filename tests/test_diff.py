"""`qa-check diff`: a rule added, removed and re-weighted, a changed pass line, the formats, the
shared scan against two separate audits, and a base scheme read from Git."""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.cli import main
from checker.diff import diff_calls, diff_paths, load_pair, render_json, render_markdown, render_text
from checker.engine import audit_calls
from checker.read import read_paths
from checker.model import Call
from checker.scheme import load_scheme

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "diff"

BASE = """
scheme: mini
scoring: {full: 100, pass: 90}
rules:
  - id: greet
    kind: required
    section: 开场白
    window: {first_turns: 1}
    phrases: [您好]
    deduct: 5
    message: 开场未问候
  - id: taboo
    kind: forbidden
    section: 服务禁语
    phrases: [不知道, 说吧]
    deduct: 5
    message: 使用服务禁语
"""

CALLS = {
    "clean": "坐席: 您好，请问有什么可以帮您？\n客户: 查话费。\n坐席: 好的，感谢您的来电，再见。",
    "rude": "坐席: 喂，说吧。\n客户: 查话费。\n坐席: 不知道，自己去查。",
    "slip": "坐席: 您好，请讲。\n客户: 我的退款呢？\n坐席: 这个我不知道，我帮您问问，再见。",
}


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def calls(tmp_path: Path) -> Path:
    folder = tmp_path / "calls"
    for call_id, text in CALLS.items():
        write(folder, f"{call_id}.txt", f"# agent_id: A1\n{text}\n")
    return folder


def run_diff(tmp_path: Path, new_text: str):
    old, new = load_pair(write(tmp_path, "base.yaml", BASE), write(tmp_path, "new.yaml", new_text))
    return diff_paths([calls(tmp_path)], old, new, old_name="base.yaml", new_name="new.yaml")


def test_same_scheme_changes_nothing(tmp_path):
    d = run_diff(tmp_path, BASE)
    assert d.calls == 3 and d.changes == [] and d.changed_rules() == [] and d.scheme_changes == []
    assert dict(d.deltas) == {0: 3}
    assert "no call's result changes." in render_text(d)


def test_rule_added(tmp_path):
    d = run_diff(
        tmp_path,
        BASE
        + """
  - id: thanks
    kind: required
    section: 结束语
    window: {last_turns: 1}
    phrases: [再见]
    deduct: 10
    message: 未道别
""",
    )
    assert d.scheme_changes == ["rule thanks added"]
    [rule] = d.changed_rules()
    assert (rule.rule_id, rule.added, rule.removed) == ("thanks", 1, 0)
    assert rule.added_example.call_id == "rude" and rule.added_example.excerpt == "不知道，自己去查。"
    [change] = d.changes
    assert (change.call_id, change.old_score, change.new_score, change.old_passed, change.new_passed) == (
        "rude",
        90.0,
        80.0,
        True,
        False,
    )
    assert dict(d.deltas) == {-10: 1, 0: 2}


def test_rule_removed(tmp_path):
    d = run_diff(tmp_path, BASE.split("  - id: taboo")[0])
    assert d.scheme_changes == ["rule taboo removed"]
    [rule] = d.changed_rules()
    assert (rule.rule_id, rule.added, rule.removed) == ("taboo", 0, 3)  # 说吧 and 不知道 in rude, 不知道 in slip
    assert rule.removed_example.quote() == "rude turn 0 (agent): 喂，【说吧】。"
    assert [(c.call_id, c.old_score, c.new_score, c.new_passed) for c in d.changes] == [
        ("rude", 90.0, 95.0, True),
        ("slip", 95.0, 100.0, True),
    ]
    assert d.flips == []  # scores moved, nothing flipped


def test_rule_reweighted(tmp_path):
    d = run_diff(
        tmp_path, BASE.replace("    deduct: 5\n    message: 使用服务禁语", "    deduct: 8\n    message: 使用服务禁语")
    )
    assert d.scheme_changes == ["rule taboo: deduct 5 → 8"]
    assert d.changed_rules() == []  # the same findings, each costing more
    assert [(c.call_id, c.old_score, c.new_score, c.old_passed, c.new_passed) for c in d.changes] == [
        ("rude", 90.0, 87.0, True, False),
        ("slip", 95.0, 92.0, True, True),
    ]
    assert [c.call_id for c in d.passed_flips] == ["rude"]


def test_pass_line_changed(tmp_path):
    d = run_diff(tmp_path, BASE.replace("pass: 90", "pass: 96"))
    assert d.scheme_changes == ["pass line 90 → 96"]
    assert [(c.call_id, c.old_score, c.new_score, c.old_passed, c.new_passed) for c in d.changes] == [
        ("rude", 90.0, 90.0, True, False),
        ("slip", 95.0, 95.0, True, False),
    ]
    assert dict(d.deltas) == {0: 3}
    data = json.loads(render_json(d))
    assert data["calls"][0] == {
        "call_id": "rude",
        "old_score": 90.0,
        "new_score": 90.0,
        "old_passed": True,
        "new_passed": False,
        "old_fatal": False,
        "new_fatal": False,
        "agent_id": "A1",
    }
    assert data["rules"] == [] and data["summary"]["passed_flips"] == 2


def test_json_lists_changed_calls_and_rules_only(tmp_path):
    d = run_diff(tmp_path, BASE.replace("[不知道, 说吧]", "[说吧]"))
    data = json.loads(render_json(d))
    assert [c["call_id"] for c in data["calls"]] == ["slip"]
    assert {k: data["calls"][0][k] for k in ("call_id", "old_score", "new_score", "old_passed", "new_passed")} == {
        "call_id": "slip",
        "old_score": 95.0,
        "new_score": 100.0,
        "old_passed": True,
        "new_passed": True,
    }
    assert [{k: r[k] for k in ("rule_id", "added", "removed")} for r in data["rules"]] == [
        {"rule_id": "taboo", "added": 0, "removed": 2}
    ]
    assert data["rules"][0]["removed_example"] == {
        "call_id": "rude",
        "turn": 2,
        "speaker": "agent",
        "excerpt": "【不知道】，自己去查。",
        "message": "使用服务禁语",
    }
    assert data["rules"][0]["added_example"] is None


def test_markdown_snapshot(tmp_path):
    d = run_diff(
        tmp_path,
        BASE.replace("pass: 90", "pass: 92").replace("[不知道, 说吧]", "[不知道, 说吧, 自己去查]")
        + """
  - id: thanks
    kind: required
    section: 结束语
    window: {last_turns: 1}
    phrases: [再见]
    deduct: 3
    message: 未道别
""",
    )
    expected = (FIXTURES / "mini.md").read_text(encoding="utf-8")
    assert render_markdown(d) == expected


def test_shared_scan_gives_what_two_separate_audits_give(tmp_path):
    """The two schemes compiled into one book, each call scanned once: every call's score,
    verdict and findings are those of auditing it under each scheme loaded on its own."""
    changed = tmp_path / "rules"
    shutil.copytree(ROOT / "qa_rules", changed)
    path = changed / "hotline-standard.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        "  closing_thanks: [感谢您的来电, 感谢来电, 感谢您的耐心, 感谢您的接听, 祝您生活愉快, 再见]",
        "  closing_thanks: [感谢您的来电, 感谢来电, 感谢您的耐心, 感谢您的接听, 祝您生活愉快]\n"
        "  extra_taboo: [随便你, 爱咋咋地, 等着吧]",
    )
    text = text.replace("    phrases: [神经病,", '    phrases: ["@extra_taboo", 神经病,')
    path.write_text(text, encoding="utf-8")
    old, new = load_pair(ROOT / "qa_rules", changed)
    assert old.book is new.book
    calls = [c for c in read_paths([ROOT / "transcripts"], new.roles) if isinstance(c, Call)]
    d = diff_calls(calls, old, new)
    before, after = (
        {r.call.call_id: r for r in audit_calls(calls, load_scheme(path))} for path in (ROOT / "qa_rules", changed)
    )
    expected = [
        cid for cid in before if (before[cid].score, before[cid].passed) != (after[cid].score, after[cid].passed)
    ]
    assert [c.call_id for c in d.changes] == expected and expected
    for c in d.changes:
        assert (c.old_score, c.new_score) == (before[c.call_id].score, after[c.call_id].score)
    added = sum(len(after[c].findings) for c in after) - sum(len(before[c].findings) for c in before)
    assert sum(r.added - r.removed for r in d.rules.values()) == added


def test_cli_formats_and_fail_on_flip(tmp_path):
    base = write(tmp_path, "base.yaml", BASE)
    new = write(tmp_path, "new.yaml", BASE.replace("pass: 90", "pass: 96"))
    folder = calls(tmp_path)
    runner = CliRunner()
    result = runner.invoke(main, ["diff", str(folder), "--base", str(base), "--rules", str(new), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert [c["call_id"] for c in json.loads(result.stdout)["calls"]] == ["rude", "slip"]
    result = runner.invoke(main, ["diff", str(folder), "--base", str(base), "--rules", str(new), "--fail-on-flip"])
    assert result.exit_code == 1
    assert "3 call(s) audited under both schemes: 2 flip passed (2 pass → fail, 0 fail → pass)" in result.stdout
    same = runner.invoke(main, ["diff", str(folder), "--base", str(base), "--rules", str(base), "--fail-on-flip"])
    assert same.exit_code == 0


def test_both_schemes_are_validated_first(tmp_path):
    base = write(
        tmp_path,
        "base.yaml",
        BASE.replace(
            "    deduct: 5\n    message: 开场未问候", "    deduct: 5\n    colour: red\n    message: 开场未问候"
        ),
    )
    new = write(tmp_path, "new.yaml", BASE.replace("kind: forbidden", "kind: forbiden"))
    result = CliRunner().invoke(main, ["diff", str(tmp_path / "nowhere"), "--base", str(base), "--rules", str(new)])
    assert result.exit_code == 3  # before the missing input is even looked at
    assert f"{base}:11:5: unknown key 'colour'" in result.output
    assert f"{new}:" in result.output and "forbiden" in result.output


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=cwd, check=True, capture_output=True
    )


@pytest.fixture
def repo(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    root = tmp_path / "repo"
    write(root / "rules", "scheme.yaml", BASE)
    write(root / "rules" / "lexicons", "extra.yaml", "dialect: extra\ntitle: 测试\nmarkers:\n  - {marker: 侬好}\n")
    for call_id, text in CALLS.items():
        write(root / "calls", f"{call_id}.txt", f"# agent_id: A1\n{text}\n")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "base")
    return root


def test_base_from_a_git_revision(repo, monkeypatch):
    monkeypatch.chdir(repo)
    write(repo / "rules", "scheme.yaml", BASE.replace("pass: 90", "pass: 96"))
    result = CliRunner().invoke(
        main, ["diff", "calls", "--base", "main:rules", "--rules", "rules", "--format", "markdown"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("### qa-check diff: `main:rules` → `rules`")
    assert "- pass line 90 → 96" in result.stdout and "| `rude` | A1 | pass | **fail** | 90 → 90 |" in result.stdout
    single = CliRunner().invoke(
        main, ["diff", "calls", "--base", "main:rules/scheme.yaml", "--rules", "rules/scheme.yaml"]
    )
    assert single.exit_code == 0 and "2 flip passed" in single.stdout


def test_invalid_base_in_git_points_at_the_revision(repo, monkeypatch):
    monkeypatch.chdir(repo)
    write(
        repo / "rules",
        "scheme.yaml",
        BASE.replace(
            "    deduct: 5\n    message: 开场未问候", "    deduct: 5\n    colour: red\n    message: 开场未问候"
        ),
    )
    _git(repo, "commit", "-qam", "broken")
    write(repo / "rules", "scheme.yaml", BASE)
    result = CliRunner().invoke(main, ["diff", "calls", "--base", "HEAD:rules", "--rules", "rules"])
    assert result.exit_code == 3
    assert "HEAD:rules/scheme.yaml:11:5: unknown key 'colour'" in result.output
    missing = CliRunner().invoke(main, ["diff", "calls", "--base", "HEAD:nothere", "--rules", "rules"])
    assert missing.exit_code == 3 and "HEAD:nothere: not a scheme in Git" in missing.output


def test_rules_the_change_leaves_alone_are_evaluated_once(tmp_path):
    from checker.diff import split_rules

    base = write(
        tmp_path,
        "base.yaml",
        BASE.replace("phrases: [不知道, 说吧]", 'phrases: ["@rude"]') + "lexicons:\n  rude: [不知道, 说吧]\n",
    )
    old, new = load_pair(
        base,
        write(tmp_path, "new.yaml", base.read_text(encoding="utf-8").replace("rude: [不知道, 说吧]", "rude: [不知道]")),
    )
    split = split_rules(old, new)
    assert [r.id for r in split.common.rules] == ["greet"]  # the lexicon behind taboo changed
    assert [r.id for r in split.old_only.rules] == ["taboo"] and [r.id for r in split.new_only.rules] == ["taboo"]
    unchanged = split_rules(*load_pair(base, base))
    assert [r.id for r in unchanged.common.rules] == ["greet", "taboo"]
    assert unchanged.old_only is None and unchanged.new_only is None
    d = diff_paths([calls(tmp_path)], old, new)
    [rule] = d.changed_rules()
    assert (rule.rule_id, rule.added, rule.removed) == ("taboo", 0, 1)  # 说吧 in rude
    assert d.scheme_changes == ["lexicon rude: −说吧"]


def test_readme_worked_example(tmp_path):
    """The README's change to complaint-apology, diffed on the sample calls, adds the findings and
    flips the calls that its markdown shows."""
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("Worked example: calibration showed") :]
    change = re.search(r"```diff\n(.*?)```", section, re.S).group(1)
    before = next(l[1:] for l in change.splitlines() if l.startswith("-"))
    after = next(l[1:] for l in change.splitlines() if l.startswith("+"))
    shown = re.search(r"```sh\n.*?```\n\n(### qa-check diff.*?)\n\nThree calls", section, re.S).group(1)
    changed = tmp_path / "qa_rules"
    shutil.copytree(ROOT / "qa_rules", changed)
    scheme = changed / "hotline-standard.yaml"
    text = scheme.read_text(encoding="utf-8")
    assert before in text
    scheme.write_text(text.replace(before, after), encoding="utf-8")
    d = diff_paths(
        [ROOT / "transcripts"], *load_pair(ROOT / "qa_rules", changed), old_name="HEAD:qa_rules", new_name="qa_rules"
    )
    real = render_markdown(d)

    def rows(md):  # flipped calls and rules
        return [line for line in md.splitlines() if line.startswith("| `")]

    assert rows(real) == rows(shown)
    assert "- rule complaint-apology: when.phrases +什么态度 +怎么这么说话 +找了半天" in shown


def test_ci_recipe_runs_the_three_checks():
    import yaml

    workflow = yaml.safe_load((ROOT / "examples" / "ci" / "qa-scheme.yml").read_text(encoding="utf-8"))
    assert "pull_request" in workflow[True]  # YAML 1.1 reads the key `on` as true
    runs = " ".join(step.get("run", "") for step in workflow["jobs"]["check"]["steps"])
    assert "qa-check rules test qa_rules" in runs and "qa-check lint scripts/" in runs
    assert 'qa-check diff samples/ --base "origin/${{ github.base_ref }}:qa_rules"' in runs
    assert "--format markdown --fail-on-flip" in runs
