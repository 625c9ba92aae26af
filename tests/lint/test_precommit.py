"""The hook in a script repository, run by the real pre-commit framework.

pre-commit installs a hook repository from a Git commit. So that the test checks the working
tree as it is (a fresh clone in CI, or uncommitted work), the project's files (tracked and
untracked, minus what .gitignore leaves out) are copied into a temporary repository and committed;
that commit is the hook repository. A second temporary repository is the script library, with
its own scheme in qa_rules/ that uses a shipped dialect lexicon (so the installed package must
carry qa_rules/lexicons).

Each pre-commit environment is a pip install of this project (~30 s with a warm pip cache): one
for `try-repo` (which always builds its own), one shared by the installed-hook test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import ROOT

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

SCHEME = """\
scheme: script-library
rules:
  - id: taboo
    kind: forbidden
    section: 服务禁语
    phrases:
      - {phrase: 说吧, suggest: 请问有什么可以帮您？}
      - {phrase: 不归我管, suggest: 这个问题由专门的部门负责，我帮您转接}
    message: 使用服务禁语
  - id: dialect
    kind: dialect
    section: 方言
    dialects: [cantonese]
    message: 话术中出现方言
  - id: greet
    kind: required
    section: 开场白
    stage: opening
    phrases: [您好]
    message: 开场话术未问候客户
"""
CLEAN = "---\nstage: opening\n---\n# 开场白\n\n您好，欢迎致电，请问有什么可以帮您？\n"
BAD = "# 报修\n\n喂，说吧。报修这块不归我管。\n唔好意思，你嘅宽带冇咁快修好。\n"
COL_SAY = BAD.splitlines()[2].index("说吧") + 1  # 1-based character columns on line 3
COL_NOT_MINE = BAD.splitlines()[2].index("不归我管") + 1
HOOK_TIMEOUT = 900


def _git(cwd: Path, *args: str, env: dict[str, str]) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def _pre_commit(cwd: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=HOOK_TIMEOUT,
    )


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("pc-env")
    (home / "gitconfig").write_text("[init]\n\tdefaultBranch = main\n", encoding="utf-8")
    return {
        **os.environ,
        "GIT_CONFIG_GLOBAL": str(home / "gitconfig"),  # no user settings (signing, hooks paths…)
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "qa-check test",
        "GIT_AUTHOR_EMAIL": "qa-check@example.invalid",
        "GIT_COMMITTER_NAME": "qa-check test",
        "GIT_COMMITTER_EMAIL": "qa-check@example.invalid",
        "PRE_COMMIT_HOME": str(home / "cache"),  # one hook environment for the whole module
        "PRE_COMMIT_COLOR": "never",
    }


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory, env) -> Path:
    """This project's working tree, committed into a temporary repository."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a Git work tree")
    listed = _git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard", env=env)
    repo = tmp_path_factory.mktemp("qa-check-hook-repo")
    for name in filter(None, listed.split("\0")):
        src = ROOT / name
        if src.is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, repo / name)
    _git(repo, "init", "-q", env=env)
    _git(repo, "add", "-A", env=env)
    _git(repo, "commit", "-q", "-m", "snapshot for the pre-commit test", env=env)
    return repo


def _script_repo(path: Path, env: dict[str, str]) -> Path:
    path.mkdir()
    _git(path, "init", "-q", env=env)
    (path / "qa_rules").mkdir()
    (path / "qa_rules" / "scheme.yaml").write_text(SCHEME, encoding="utf-8")
    (path / "scripts").mkdir()
    (path / "scripts" / "opening.md").write_text(CLEAN, encoding="utf-8")
    _git(path, "add", "-A", env=env)
    _git(path, "commit", "-q", "-m", "script library", env=env)
    return path


def test_try_repo_fails_on_a_staged_bad_script(tmp_path, hook_repo, env):
    repo = _script_repo(tmp_path / "scripts-repo", env)
    (repo / "scripts" / "repair.md").write_text(BAD, encoding="utf-8")
    (repo / "scripts" / "hold.yaml").write_text("stage: hold\ntext: 稍等，说吧\n", encoding="utf-8")
    (repo / "scripts" / "notes.txt").write_text("备注：不归我管\n", encoding="utf-8")
    (repo / "scripts" / "tool.py").write_text("# 说吧\n", encoding="utf-8")  # not a script type
    _git(repo, "add", "scripts", env=env)
    result = _pre_commit(repo, "try-repo", str(hook_repo), "qa-check-lint", env=env)
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "scripts/hold.yaml:2:10: taboo 使用服务禁语" in out
    assert "scripts/notes.txt:1:4: taboo 使用服务禁语" in out
    assert "tool.py" not in out
    assert f"scripts/repair.md:3:{COL_SAY}: taboo 使用服务禁语 (→ 请问有什么可以帮您？)" in out
    assert f"scripts/repair.md:3:{COL_NOT_MINE}: taboo 使用服务禁语 (→ 这个问题由专门的部门负责，我帮您转接)" in out
    assert "scripts/repair.md:4:1: dialect 话术中出现方言（粤语：" in out
    assert "opening.md" not in out  # committed before: not staged, not checked


def test_installed_hook_blocks_a_bad_commit_and_lets_a_clean_one_through(tmp_path, hook_repo, env):
    repo = _script_repo(tmp_path / "scripts-repo", env)
    rev = _git(hook_repo, "rev-parse", "HEAD", env=env).strip()
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hook_repo.as_posix()}\n    rev: {rev}\n    hooks:\n      - id: qa-check-lint\n",
        encoding="utf-8",
    )
    installed = _pre_commit(repo, "install", env=env)
    assert installed.returncode == 0, installed.stdout + installed.stderr

    # A bad script (and an opening script that lost its greeting) cannot be committed.
    (repo / "scripts" / "repair.md").write_text(BAD, encoding="utf-8")
    (repo / "scripts" / "opening.md").write_text(CLEAN.replace("您好，", ""), encoding="utf-8")
    _git(repo, "add", "-A", env=env)
    commit = subprocess.run(
        ["git", "commit", "-m", "bad scripts"], cwd=repo, env=env, capture_output=True, text=True, timeout=HOOK_TIMEOUT
    )
    out = commit.stdout + commit.stderr
    assert commit.returncode != 0, out
    assert "qa-check lint (call scripts)" in out and "Failed" in out
    assert f"scripts/repair.md:3:{COL_SAY}: taboo 使用服务禁语 (→ 请问有什么可以帮您？)" in out
    assert "scripts/opening.md:2:1: greet 开场话术未问候客户" in out
    assert _git(repo, "log", "--oneline", env=env).count("\n") == 1  # nothing was committed

    # Fixed and suppressed: the commit goes through. The bad draft stays in the working tree,
    # unstaged: the hook only checks what is staged.
    (repo / "scripts" / "opening.md").write_text(CLEAN, encoding="utf-8")
    (repo / "scripts" / "repair.md").write_text(
        "# 报修\n\n请问有什么可以帮您？<!-- qa-check: disable-next-line=taboo -- 培训反例 -->\n"
        "反例：报修这块不归我管。\n",
        encoding="utf-8",
    )
    (repo / "draft.md").write_text(BAD, encoding="utf-8")
    _git(repo, "add", "scripts", ".pre-commit-config.yaml", env=env)
    commit = subprocess.run(
        ["git", "commit", "-m", "clean scripts"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=HOOK_TIMEOUT,
    )
    out = commit.stdout + commit.stderr
    assert commit.returncode == 0, out
    assert "qa-check lint (call scripts)" in out and "Passed" in out
    assert _git(repo, "log", "--oneline", env=env).count("\n") == 2
