"""The compiled modules (`checker._compiled`, built by setup.py) run the same code as their sources:
the same reports byte for byte, and a source edited since the build is run as Python."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from checker._compiled import MODULES, PURE_ENV, compiled_modules, source_hash, source_path

from benchmarks.synth import write_jsonl
from tests.conftest import CORPUS, ROOT


def _env(**extra: str) -> dict[str, str]:
    """This process's environment without QA_CHECK_PURE, plus `extra`."""
    return {k: v for k, v in os.environ.items() if k != PURE_ENV} | extra


def _audit(inputs: list[Path], out: Path, pure: bool) -> None:
    env = _env(**{PURE_ENV: "1"}) if pure else _env()
    cmd = [sys.executable, "-m", "checker", "audit", *map(str, inputs), "--rules", str(ROOT / "qa_rules"),
           "--out", str(out), "--jobs", "1"]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env)
    assert done.returncode in (0, 1), done.stderr  # 1: some call failed its audit, as expected
    assert "changed since compiled" not in done.stderr


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _run(code: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=_env(**env))


def test_every_listed_module_has_its_source():
    for module in MODULES:
        assert Path(source_path(module)).is_file(), module


def test_pure_runs_every_module_from_its_source():
    done = _run("from checker._compiled import compiled_modules; print(len(compiled_modules()))", **{PURE_ENV: "1"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0"


def test_the_install_compiled_the_modules():
    compiled = compiled_modules()
    if not compiled:
        pytest.skip("this install compiled nothing (no Cython or no C compiler, or QA_CHECK_COMPILE=0): all Python")
    assert sorted(compiled) == sorted(MODULES)


def test_compiled_and_pure_write_the_same_reports(tmp_path):
    if not compiled_modules():
        pytest.skip("nothing compiled: there is only one way to run")
    calls = tmp_path / "calls.jsonl"
    write_jsonl(calls, 400, seed=11)
    inputs = [ROOT / "transcripts", calls] + ([CORPUS] if CORPUS.is_file() else [])
    _audit(inputs, tmp_path / "compiled", pure=False)
    _audit(inputs, tmp_path / "pure", pure=True)
    compiled, pure = _files(tmp_path / "compiled"), _files(tmp_path / "pure")
    assert compiled.keys() == pure.keys()
    assert len(compiled) > 5
    for name in compiled:
        assert compiled[name] == pure[name], name
    findings = (tmp_path / "compiled" / "findings.jsonl").read_text(encoding="utf-8").splitlines()
    assert len({json.loads(line)["rule_id"] for line in findings}) >= 10  # most kinds had their say


def _imported_with_record(hashes: dict) -> tuple[dict[str, str], str]:
    """Where checker.score and checker.match come from, and the start-up's stderr, with `hashes`
    standing in for the build's record (`checker/_built.py`)."""
    code = (
        "import sys, types\n"
        "built = types.ModuleType('checker._built')\n"
        f"built.HASHES = {hashes!r}\n"
        "sys.modules['checker._built'] = built\n"
        "import checker.score, checker.match\n"
        "print(checker.score.__file__)\n"
        "print(checker.match.__file__)\n"
    )
    done = _run(code)
    assert done.returncode == 0, done.stderr
    score_file, match_file = done.stdout.split()
    return {"score": score_file, "match": match_file}, done.stderr


needs_compiled = pytest.mark.skipif(not compiled_modules(), reason="nothing compiled: every module is its .py")


@needs_compiled
def test_a_source_changed_since_the_build_runs_as_python():
    hashes = {m: source_hash(source_path(m)) for m in MODULES}
    hashes["checker.score"] = "0" * 64  # as if checker/score.py had been edited since the build
    files, stderr = _imported_with_record(hashes)
    assert files["score"].endswith(os.path.join("checker", "score.py"))
    assert not files["match"].endswith(".py")  # the unchanged ones stay compiled
    assert "changed since compiled" in stderr and "checker/score.py" in stderr and "match.py" not in stderr


@needs_compiled
def test_a_compiled_module_the_record_does_not_vouch_for_runs_as_python():
    # e.g. left beside its source by an earlier build, the last one having compiled nothing
    hashes = {m: source_hash(source_path(m)) for m in MODULES if m != "checker.score"}
    files, stderr = _imported_with_record(hashes)
    assert files["score"].endswith(os.path.join("checker", "score.py"))
    assert "checker/score.py" in stderr
    files, stderr = _imported_with_record({})
    assert files["match"].endswith(os.path.join("checker", "match.py"))


def test_an_unchanged_build_says_nothing():
    hashes = {m: source_hash(source_path(m)) for m in MODULES}
    code = (
        "import sys, types\n"
        "built = types.ModuleType('checker._built')\n"
        f"built.HASHES = {hashes!r}\n"
        "sys.modules['checker._built'] = built\n"
        "import checker.engine\n"
    )
    done = _run(code)
    assert done.returncode == 0 and done.stderr == "", done.stderr
