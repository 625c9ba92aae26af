"""Seeded synthetic calls of realistic length for benchmarks and scale tests.

A call is an opening, a body of customer/agent exchanges drawn from realistic service sentences
and a closing — ~45 turns by default, about the length of a 6–8 minute hotline call. Like a real
floor, most calls are clean: 70 % have no slip, the rest one to five (a bad opening or closing,
a forbidden phrase, a hollow 我知道了); 15 % are complaints, 8 % have a dialect-speaking
customer, and an agent now and then follows the customer into the dialect.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import datetime, timedelta

GOOD_OPENINGS = [
    "您好，欢迎致电星联通信，工号{n}为您服务，请问有什么可以帮您？",
    "您好，欢迎致电星联通信，客服代表{n}号很高兴为您服务，请问您需要办理什么业务？",
]
BAD_OPENINGS = ["喂，说吧，什么事？", "你好，这里是客服热线，请讲。"]
CUSTOMER = [
    "我想查一下这个月的话费，怎么扣了这么多钱？",
    "我家宽带从昨天晚上开始就一直断线，到现在都没修好。",
    "我上个月办的那个套餐，流量是不是没有到账啊？",
    "嗯，对，就是那个尾号{n}的号码。",
    "那我要是现在改套餐，下个月能生效吗？",
    "我想把国际漫游开通一下，下周要去香港出差。",
    "好的好的，那你帮我看一下吧。",
    "那个退款什么时候能到账？订单号是{n}。",
    "嗯，行，那就这样吧。",
    "是机主本人，身份证后四位是{n}。",
    "那我需要准备什么材料吗？",
    "哦，原来是这样，我明白了。",
]
COMPLAINTS = [
    "你们这个服务也太差了吧，我都打了三次电话了！",
    "你们上次说会有人上门，结果等了一整天也没人来。",
    "我不满意你们的处理方式，我要投诉。",
]
DIALECT_CUSTOMER = {
    "cantonese": ["冇问题，你帮我搞咗佢先啦。", "我部手机成日冇信号，点算啊？", "唔该你帮我睇下张单几时到。"],
    "sichuanese": ["啥子时候能修好嘛，我等了好久了。", "要得要得，那就这么办嘛。"],
}
AGENT = [
    "好的，我这边帮您查询一下，请您稍等。",
    "感谢您的耐心等待，您本月的话费是一百二十八元，其中包含了流量包费用。",
    "您说的情况我了解了，我帮您确认一下套餐的生效时间。",
    "国际漫游已经为您开通，资费标准稍后会以短信形式发送给您。",
    "这个问题我已经帮您反馈给相关部门，三个工作日内会有专人回复您。",
    "退款会在三到五个工作日内原路退回到您的支付账户。",
    "请问您是机主本人吗？麻烦您提供一下身份证后四位。",
    "好的，已经为您核实身份，谢谢您的配合。",
    "新套餐会在下个月一号生效，当月还是按原套餐计费。",
    "您可以通过营业厅应用查看办理进度，也可以随时来电咨询。",
]
APOLOGY = "非常抱歉给您带来不便，我马上为您登记处理，工程师会在二十四小时内联系您。"
BAD_AGENT = ["这个我不能帮您办理，您得去营业厅。", "不知道，系统上没显示。", "我知道了。", "这不归我管，你找别人吧。"]
DIALECT_AGENT = {"cantonese": "冇问题，我帮你搞咗佢啦。", "sichuanese": "要得，莫得问题，我马上给你弄。"}
GOOD_CLOSINGS = [
    "请问还有其他可以帮您的吗？感谢您的来电，祝您生活愉快，再见！",
    "还有其他问题吗？感谢来电，再见。",
]
BAD_CLOSINGS = ["好的，那先这样，拜拜。"]


AGENTS = 12


def synthetic_calls(count: int, seed: int = 7, turns: int = 45, timestamps: bool = True) -> Iterator[dict]:
    """`count` call records in the native JSON shape; the same seed gives the same calls."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 2, 8, 0)
    for i in range(count):
        t = 0.0
        out = []

        agent = i % AGENTS
        badge = 2000 + 137 * (agent + 1)  # an agent says the same 工号 in every call

        def say(speaker: str, text: str, n: int | None = None) -> None:
            nonlocal t
            dur = max(1.0, len(text) / rng.uniform(3.5, 5.5))
            turn: dict[str, object] = {
                "speaker": speaker,
                "text": text.format(n=n if n is not None else rng.randint(1000, 9999)),
            }
            if timestamps:
                turn["start"], turn["end"] = round(t, 2), round(t + dur, 2)
            out.append(turn)  # noqa: B023 - say() is only called within this loop turn, on this call's list
            t += dur + rng.uniform(0.2, 2.5)

        # Most calls are clean; some have one or two slips; a few are bad — as on a real floor.
        slips = rng.choices([0, 1, 2, 5], weights=[70, 18, 8, 4])[0]
        dialect = rng.choices([None, "cantonese", "sichuanese"], weights=[92, 5, 3])[0]
        complaint = rng.random() < 0.15
        bad_at = set(rng.sample(range(turns // 2), min(slips, turns // 2)))
        say("agent", rng.choice(BAD_OPENINGS if 0 in bad_at else GOOD_OPENINGS), badge)
        k = 0
        while len(out) < turns - 2:
            k += 1
            if complaint and k == 2:
                say("customer", rng.choice(COMPLAINTS))
                say("agent", APOLOGY)
                continue
            if dialect and k % 4 == 1:
                say("customer", rng.choice(DIALECT_CUSTOMER[dialect]))
            else:
                say("customer", rng.choice(CUSTOMER))
            if k in bad_at:
                say("agent", rng.choice(BAD_AGENT))
            elif dialect and slips >= 2 and k == 5:
                say("agent", DIALECT_AGENT[dialect])
            else:
                say("agent", rng.choice(AGENT))
        say("customer", "好的，谢谢。")
        say("agent", rng.choice(BAD_CLOSINGS if 1 in bad_at else GOOD_CLOSINGS))
        started = start + timedelta(days=i % 19, minutes=(i * 7) % 600)
        yield {
            "call_id": f"S{seed}-{i:07d}",
            "agent_id": f"A{1001 + agent}",
            "team": "一组" if i % 2 else "二组",
            "started_at": started.isoformat() + "+08:00",
            "direction": "outbound" if i % 9 == 0 else "inbound",
            "metadata": {
                "hangup_by": "agent" if i % 13 == 0 else "customer",
                "call_type": "complaint" if complaint else "inquiry",
            },
            "turns": out,
        }


def write_jsonl(path, count: int, seed: int = 7, **kw) -> int:
    """Write `count` synthetic calls to `path`; returns the bytes of turn text written."""
    text_bytes = 0
    with open(path, "w", encoding="utf-8") as fh:
        for call in synthetic_calls(count, seed, **kw):
            text_bytes += sum(len(t["text"].encode("utf-8")) for t in call["turns"])
            fh.write(json.dumps(call, ensure_ascii=False) + "\n")
    return text_bytes


def repeat_corpus(source, target, copies: int) -> int:
    """Write the JSON Lines corpus `source` `copies` times over to `target`, each copy's call ids
    made unique (`ID-k`); returns the calls written."""
    with open(source, encoding="utf-8") as src:
        records = [json.loads(line) for line in src if line.strip()]
    with open(target, "w", encoding="utf-8") as out:
        for k in range(copies):
            for rec in records:
                out.write(json.dumps({**rec, "call_id": f"{rec['call_id']}-{k}"}, ensure_ascii=False) + "\n")
    return copies * len(records)
