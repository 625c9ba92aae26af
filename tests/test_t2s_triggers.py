"""The OpenCC trigger characters: a text without one is left unchanged by t2s, so the audit
converts only the turns that hold one. Checked against the installed dictionaries and against
OpenCC itself on real and generated text."""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from checker import normalise, t2s_triggers
from checker.normalise import SEPARATOR, _t2s, _t2s_where_needed, normalise_call
from tests.conftest import CORPUS


def _units(text: str):
    return np.frombuffer(text.encode("utf-16-le"), dtype=np.uint16)


def _tool_runs() -> bool:
    folder = t2s_triggers.share_dir()
    if folder is None:
        return False
    try:
        with tempfile.TemporaryDirectory() as tmp:
            list(t2s_triggers._entries(folder / "TSPhrases.ocd2", Path(tmp) / "x.txt"))
        return True
    except (OSError, subprocess.CalledProcessError):
        return False


needs_tool = pytest.mark.skipif(not _tool_runs(), reason="OpenCC's opencc_dict tool is not available")


@pytest.fixture
def chars() -> frozenset[str]:
    """The shipped triggers, when they hold for the installed OpenCC (see the first test)."""
    found = t2s_triggers.trigger_chars()
    if found is None:
        pytest.skip("the shipped triggers are not for the installed OpenCC")
    return found


def test_shipped_triggers_hold_for_the_installed_opencc():
    # Else the audit falls back to converting every turn: correct, but slower. Another OpenCC
    # release may ship other dictionaries (then `python -m checker.t2s_triggers` regenerates the
    # file); the same release must match.
    import re

    import opencc

    derived_from = re.search(
        r"Derived from OpenCC (\S+);", t2s_triggers.TRIGGERS_FILE.read_text(encoding="utf-8")
    ).group(1)
    chars = t2s_triggers.trigger_chars()
    if chars is None and opencc.__version__ != derived_from:
        pytest.skip(f"triggers derived from OpenCC {derived_from}, {opencc.__version__} installed: regenerate them")
    assert chars is not None
    assert "們" in chars and "說" in chars and "覆" in chars  # 回覆 → 回复: 覆 alone converts too
    assert "您" not in chars and "好" not in chars and "吗" not in chars


@needs_tool
def test_shipped_triggers_are_what_the_dictionaries_give(chars):
    folder = t2s_triggers.share_dir()
    assert set(t2s_triggers.derive(folder)) == set(chars)


@needs_tool
def test_every_converting_key_holds_a_trigger(chars):
    folder = t2s_triggers.share_dir()
    keys = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name in t2s_triggers.DICTIONARIES:
            for key, value in t2s_triggers._entries(folder / name, Path(tmp) / f"{name}.txt"):
                if value != key:
                    keys += 1
                    assert not chars.isdisjoint(key), (name, key, value)
    assert keys > 5000


def test_a_text_without_triggers_is_unchanged_by_opencc(chars):
    # Every BMP character that OpenCC converts on its own is a trigger.
    bmp = [chr(cp) for cp in range(0x3400, 0xA000)]
    converted = _t2s("\n".join(bmp)).split("\n")
    assert len(converted) == len(bmp)
    assert all(c == ch or ch in chars for ch, c in zip(bmp, converted))


def test_mismatched_dictionaries_mean_convert_everything(tmp_path, monkeypatch, chars):
    shipped = t2s_triggers.TRIGGERS_FILE.read_text(encoding="utf-8")
    stale = tmp_path / "t2s_triggers.txt"
    stale.write_text(shipped.replace("# sha256 TSPhrases.ocd2 ", "# sha256 TSPhrases.ocd2 0"), encoding="utf-8")
    monkeypatch.setattr(t2s_triggers, "TRIGGERS_FILE", stale)
    t2s_triggers.trigger_chars.cache_clear()
    normalise._trigger_table.cache_clear()
    try:
        assert t2s_triggers.trigger_chars() is None
        assert normalise._trigger_table() is None
        assert _t2s_where_needed("您好\ue000說吧", _units("您好\ue000說吧")) == "您好\ue000说吧"
    finally:
        monkeypatch.undo()
        t2s_triggers.trigger_chars.cache_clear()
        normalise._trigger_table.cache_clear()
    assert t2s_triggers.trigger_chars() is not None


@pytest.mark.parametrize(
    "texts, simplified",
    [
        (
            ["您好，请问有什么可以帮您？", "说吧"],
            ["您好，请问有什么可以帮您？", "说吧"],
        ),  # no trigger: nothing converted
        # phrases whose own characters do not all convert
        (
            ["您好，請問有什麼可以幫您？", "说吧", "深沈的夜", "回覆一下", "一目瞭然"],
            ["您好，请问有什么可以帮您？", "说吧", "深沉的夜", "回复一下", "一目了然"],
        ),
        (["乾隆", "沈澱", "", "", "後來"], ["乾隆", "沉淀", "", "", "后来"]),  # 乾隆 is a name: kept
        (["謝謝你們"], ["谢谢你们"]),
        ([""], [""]),
    ],
)
def test_converting_only_the_texts_with_triggers_equals_converting_all(texts, simplified):
    joined = SEPARATOR.join(texts)
    assert _t2s_where_needed(joined, _units(joined)) == _t2s(joined)
    assert _t2s_where_needed(joined, _units(joined)).split(SEPARATOR) == simplified


TEXT = st.text(
    st.sampled_from(list("您好请问還有什麼可以幫您說吧深沈回覆瞭然乾隆沈澱後来的一目坏毛，。？ abc123")), max_size=12
)


@settings(max_examples=300, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=8))
def test_converting_only_the_texts_with_triggers_equals_converting_all_generated(texts):
    joined = SEPARATOR.join(texts)
    assert _t2s_where_needed(joined, _units(joined)) == _t2s(joined)


def test_real_corpus_normalises_as_with_every_turn_converted(corpus_path, monkeypatch):
    texts = [t["text"] for line in CORPUS.open(encoding="utf-8") for t in json.loads(line)["turns"]][:6000]
    batches = [texts[i : i + 400] for i in range(0, len(texts), 400)]
    fast = [normalise_call(b, vectorised=True) for b in batches]
    monkeypatch.setattr(normalise, "_trigger_table", lambda: None)
    slow = [normalise_call(b, vectorised=True) for b in batches]
    for f, s in zip(fast, slow):
        assert (f is None) == (s is None)
        if f is not None:
            assert f.text == s.text and f.compact == s.compact


@pytest.mark.parametrize(
    "texts",
    [
        ["好的😊", "請問還有什麼可以幫您", "说吧"],  # an emoji sends the batch to the general path
        ["𠁞字", "谢谢", "後來😊"],  # a trigger past the BMP converts (𠁞 → 𠀾)
        ["😊", "", "您好"],  # nothing to convert
    ],
)
def test_a_batch_past_the_bmp_converts_only_the_texts_with_triggers_and_as_converting_all(texts, monkeypatch):
    joined = SEPARATOR.join(texts)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    assert _t2s_where_needed(joined, codes) == _t2s(joined)
    calls: list[str] = []
    real = normalise._t2s
    monkeypatch.setattr(normalise, "_t2s", lambda text: calls.append(text) or real(text))
    fast = normalise_call(texts, vectorised=True)
    assert calls == [t for t in texts if real(t) != t]  # those alone, one at a time, not the whole batch
    monkeypatch.setattr(normalise, "_trigger_table", lambda: None)
    slow = normalise_call(texts, vectorised=True)
    assert fast is not None and slow is not None
    assert (fast.text, fast.compact) == (slow.text, slow.compact)
