"""A small, realistic batch audited by the real engine, and its reports written once per session.

Three agents in two teams over two weeks; calls that pass, fail on taboo phrases (with the
phrase's suggestion), miss the greeting, and one fatal abuse; a customer and an agent quoting a
mobile number, an ID card number, a bank card number and an e-mail address, to be masked.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from checker.engine import audit_call
from checker.read import parse_text
from checker.report import ReportOptions, write_reports
from checker.scheme import load_scheme_text

SCHEME = """
scheme: mini-hotline
title: 客服热线服务规范
scoring: {full: 100, pass: 85, sections: {服务禁语: {max_deduct: 30}}}
rules:
  - id: greet
    kind: required
    section: 开场白
    window: {first_turns: 1}
    phrases: [您好, 你好]
    deduct: 5
    message: 开场未问候客户
  - id: taboo
    kind: forbidden
    section: 服务禁语
    phrases:
      - {phrase: 说吧, suggest: 请问有什么可以帮您？}
      - {phrase: 我不能, suggest: 我看看能为您做些什么}
      - {phrase: 不知道, suggest: 我帮您确认一下}
    per: occurrence
    deduct: 10
    message: 使用服务禁语
  - id: abuse
    kind: forbidden
    section: 服务禁语
    phrases: [神经病]
    fatal: true
    message: 辱骂客户
  - id: closing
    kind: required
    section: 结束语
    window: {last_turns: 1}
    phrases: [再见, 感谢您的来电]
    deduct: 3
    suggest: 感谢您的来电，祝您生活愉快，再见！
    message: 结束时未致谢或道别
"""

PHONE = "13912345678"
ID_NUMBER = "11010519491231002X"
CARD = "6228480402564890018"
EMAIL = "zhang.san@example.com"


def _call(call_id, agent, name, team, day, turns):
    head = f"# call_id: {call_id}\n# agent_id: {agent}\n# agent_name: {name}\n# team: {team}\n# started_at: {day}T10:00:00+08:00\n"
    return head + textwrap.dedent(turns).strip()


GOOD = """
坐席: 您好，欢迎致电星联通信，请问有什么可以帮您？
客户: 我想查一下这个月的话费。
坐席: 好的，已经帮您查好了，本月话费八十元。
客户: 好的，谢谢。
坐席: 感谢您的来电，再见。
"""
RUDE = """
坐席: 喂，说吧，什么事？
客户: 我的手机号是{phone}，话费怎么扣了这么多？
坐席: 我不能帮你查，{phone}这个号不是你本人的吧，说吧。
客户: 你们怎么回事？
坐席: 不知道，你自己去营业厅。
"""
FATAL = """
坐席: 您好，请讲。
客户: 我的身份证号是{id}，银行卡{card}，邮箱{email}，帮我登记。
坐席: 你是不是神经病，登记什么登记。
客户: 你怎么骂人？
坐席: 再见。
"""


def transcripts() -> list[str]:
    calls = []
    agents = [("A001", "张伟", "一组"), ("A002", "王芳", "一组"), ("A003", "李娜", "二组")]
    days = ["2026-11-03", "2026-11-05", "2026-11-10", "2026-11-12"]  # two ISO weeks (W45, W46)
    n = 0
    for a, (agent, name, team) in enumerate(agents):
        for d, day in enumerate(days):
            n += 1
            if agent == "A002" and d in (1, 2, 3):
                body = RUDE.format(phone=PHONE)
            elif agent == "A003" and d == 3:
                body = FATAL.format(id=ID_NUMBER, card=CARD, email=EMAIL)
            elif agent == "A001" and d == 0:
                body = RUDE.format(phone=PHONE)
            else:
                body = GOOD
            calls.append(_call(f"call-{n:02d}", agent, name, team, day, body))
    return calls


@pytest.fixture(scope="session")
def scheme():
    return load_scheme_text(textwrap.dedent(SCHEME), name="mini.yaml")


@pytest.fixture(scope="session")
def results(scheme):
    return [audit_call(parse_text(t, scheme.roles, default_id=f"c{i}"), scheme) for i, t in enumerate(transcripts())]


def write(out: Path, scheme, results, **options) -> Path:
    write_reports(out, scheme, iter(results), options=ReportOptions(**options))
    return out


@pytest.fixture(scope="session")
def report(tmp_path_factory, scheme, results) -> Path:
    """The reports of the batch, masked (the default)."""
    return write(tmp_path_factory.mktemp("report") / "out", scheme, results)


@pytest.fixture(scope="session")
def report_unmasked(tmp_path_factory, scheme, results) -> Path:
    return write(tmp_path_factory.mktemp("report-unmasked") / "out", scheme, results, mask=False)


def all_text(folder: Path) -> str:
    """Every byte the reports hold, as text (the xlsx unzipped), to look for personal data."""
    import zipfile

    parts = []
    for p in sorted(folder.rglob("*")):
        if not p.is_file():
            continue
        if p.suffix == ".xlsx":
            with zipfile.ZipFile(p) as z:
                parts += [z.read(n).decode("utf-8", "replace") for n in z.namelist()]
        else:
            parts.append(p.read_text(encoding="utf-8-sig", errors="replace"))
    return "\n".join(parts)
