"""`qa-check explain`: a call as a transcript with its findings in place, in 80 columns, plain when piped."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from checker.cli import main
from checker.explain import NO_START, explain_file, fold
from checker.scheme import load_scheme

HERE = Path(__file__).parent
SCHEME = HERE / "fixtures" / "explain" / "scheme.yaml"
BILLING = HERE / "fixtures" / "explain" / "billing.txt"
TENCENT = HERE / "read" / "fixtures" / "tx-20261102-0012.json"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def explain(*args: str):
    return CliRunner().invoke(main, ["explain", *args], catch_exceptions=False)


def widest(text: str) -> int:
    return max(cell_len(line) for line in text.splitlines())


def test_piped_output_is_plain_text_with_findings_in_place():
    result = explain(str(BILLING), "--rules", str(SCHEME))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "\x1b" not in out
    assert widest(out) <= 80
    assert all(line == line.rstrip() for line in out.splitlines())
    # the header: the call and what is known of it
    assert "call c20261102-0012" in out and "A1003 李娜" in out and "inbound" in out
    # matched text bracketed in place, where colour cannot show it
    assert "这个我们这边【退不了】，【你自己去营业厅问" in out
    assert "那你去投诉好了，【退不了】就是【退不了】。" in out
    # the margin: rule id and what it cost; a rule firing twice on a turn is summed
    assert "−10 taboo-phrases ×2" in out and "−5 opening-greeting" in out and "−2 closing-more-help" in out
    # under the turn: the message, the quoted text and the suggestion
    assert "↳ 使用服务禁语「你自己去营业厅问吧」" in out
    assert "→ 我帮您登记，由营业厅专员给您回电处理" in out
    assert "↳ 开场未问候客户" in out
    # rules that could not be judged, and the score line
    assert "Not applicable" in out and "long-silence (silence)" in out
    assert re.search(r"score 68/100\s+pass ≥ 85\s+FAILED\s+7 finding\(s\) · −32 deducted", out)


def test_each_finding_sits_under_its_own_turn():
    lines = explain(str(BILLING), "--rules", str(SCHEME)).stdout.splitlines()
    turn6 = next(i for i, line in enumerate(lines) if line.lstrip().startswith("7  坐席"))
    turn7 = next(i for i, line in enumerate(lines) if line.lstrip().startswith("8  客户"))
    between = "\n".join(lines[turn6:turn7])
    assert "taboo-phrases" in between and "→ 我帮您看看还有哪些解决方案" in between
    assert "complaint-apology" not in between


@pytest.mark.parametrize("width", [60, 80, 100])
def test_width_is_respected(width):
    for path in (BILLING, TENCENT):
        result = explain(str(path), "--rules", str(SCHEME), "--width", str(width))
        assert result.exit_code == 0
        assert widest(result.stdout) <= width, result.stdout


def test_terminal_output_colours_the_match_instead_of_bracketing_it():
    scheme = load_scheme(SCHEME)
    buffer = io.StringIO()
    console = Console(file=buffer, width=80, force_terminal=True, color_system="standard", highlight=False)
    run = explain_file(BILLING, scheme, console)
    assert run.shown == 1
    raw = buffer.getvalue()
    assert "\x1b[" in raw
    plain = ANSI.sub("", raw)
    assert "【" not in plain and "这个我们这边退不了，你自己去营业厅问吧。" in plain
    assert widest(plain) <= 80
    # the matched span carries a style of its own (bold red underline), the text around it does not
    segment = re.search(r"((?:\x1b\[[0-9;]*m)+)退不了", raw)
    assert segment and "31" in segment.group(1) and "4" in segment.group(1).split(";")


def test_recorded_console_as_the_tests_of_others_may_use():
    scheme = load_scheme(SCHEME)
    console = Console(width=80, record=True, file=io.StringIO())
    explain_file(BILLING, scheme, console)
    text = console.file.getvalue()
    assert "【退不了】" in text and "\x1b" not in text and widest(text) <= 80


def test_asr_call_shows_times_and_fatal_and_call_level_findings(tmp_path):
    result = explain(str(TENCENT), "--rules", str(SCHEME))
    assert result.exit_code == 0
    assert " 8  00:47.5  坐席  这个我们这边【退不了】" in result.stdout
    assert "Not applicable" not in result.stdout  # it has timestamps: long-silence was judged

    transcript = tmp_path / "fatal.txt"
    transcript.write_text(
        "坐席: 您好，请问有什么可以帮您？\n客户: 宽带又断了！\n坐席: 你有病吧，断了就报修啊。\n", encoding="utf-8"
    )
    out = explain(str(transcript), "--rules", str(SCHEME)).stdout
    assert "FATAL abuse" in out and "【你有病】" in out
    assert "score 0/100" in out and "fatal: abuse" in out

    rules = tmp_path / "order.yaml"
    rules.write_text(
        "scheme: s\nrules:\n  - id: verify-first\n    kind: sequence\n    section: 流程\n"
        "    steps: [{phrases: [核实]}, {phrases: [办理]}]\n    deduct: 4\n    message: 未先核实身份再办理业务\n",
        encoding="utf-8",
    )
    out = explain(str(BILLING), "--rules", str(rules)).stdout
    assert "Whole call" in out and "−4  verify-first  未先核实身份再办理业务" in out


def test_call_option_picks_one_call_of_many(tmp_path):
    path = tmp_path / "day.jsonl"
    calls = [
        {"call_id": f"c{i}", "turns": [{"speaker": "坐席", "text": text}, {"speaker": "客户", "text": "好的。"}]}
        for i, text in enumerate(["您好，请讲。", "喂，说吧。", "您好，这边退不了。"])
    ]
    path.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in calls) + "\n", encoding="utf-8")
    every = explain(str(path), "--rules", str(SCHEME))
    assert every.stdout.count("call c") == 3
    one = explain(str(path), "--rules", str(SCHEME), "--call", "c2")
    assert one.exit_code == 0 and "call c2" in one.stdout and "call c0" not in one.stdout
    assert "【退不了】" in one.stdout
    missing = explain(str(path), "--rules", str(SCHEME), "--call", "c9")
    assert missing.exit_code == 1 and "no call 'c9'" in missing.stderr and "c0, c1, c2" in missing.stderr


def test_rejected_input_exits_2_and_says_why(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"Response": {"Error": {"Code": "AuthFailure", "Message": "签名过期"}}}', encoding="utf-8")
    result = explain(str(path), "--rules", str(SCHEME))
    assert result.exit_code == 2
    assert f"{path}:1: Tencent Cloud ASR result: the request failed: AuthFailure: 签名过期" in result.stderr


def test_agent_channel_option():
    out = explain(str(TENCENT), "--rules", str(SCHEME), "--agent-channel", "1").stdout
    assert " 1  00:01.0  客户  您好" in out


def test_fold_keeps_chinese_punctuation_off_the_start_of_lines():
    text = Text("这个我们这边退不了，你自己去营业厅问吧。您本月有一笔三十八块的国际漫游流量费，手机号13857124406。")
    for width in range(8, 40):
        lines = fold(text, width).plain.split("\n")
        assert all(cell_len(line) <= width for line in lines), (width, lines)
        assert all(line[0] not in NO_START for line in lines if line), (width, lines)
        assert "".join(lines) == text.plain
    assert "13857124406" in fold(text, 30).plain.split("\n")[-1]  # a number is not cut when it can move whole
