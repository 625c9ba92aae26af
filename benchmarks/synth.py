"""Seeded synthetic calls of realistic length for benchmarks and scale tests.

A call is an opening, a body of customer/agent exchanges drawn from realistic service sentences
(with the occasional forbidden phrase, hold, complaint or dialect marker, so rules do fire), and
a closing — ~45 turns by default, about the length of a 6–8 minute hotline call.
"""
from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import datetime, timedelta

OPENINGS = [
    "您好，欢迎致电星联通信，工号{n}为您服务，请问有什么可以帮您？",
    "您好，星联通信客服代表{n}号，很高兴为您服务，请问您需要办理什么业务？",
    "喂，说吧，什么事？",
    "你好，这里是客服热线，请讲。",
]
CUSTOMER = [
    "我想查一下这个月的话费，怎么扣了这么多钱？",
    "我家宽带从昨天晚上开始就一直断线，到现在都没修好。",
    "我上个月办的那个套餐，流量是不是没有到账啊？",
    "你们这个服务也太差了吧，我都打了三次电话了！",
    "嗯，对，就是那个尾号{n}的号码。",
    "那我要是现在改套餐，下个月能生效吗？",
    "我想把国际漫游开通一下，下周要去香港出差。",
    "你们上次说会有人上门，结果等了一整天也没人来。",
    "好的好的，那你帮我看一下吧。",
    "我不满意你们的处理方式，我要投诉。",
    "冇问题，你帮我搞咗佢先啦。",
    "啥子时候能修好嘛，我等了好久了。",
    "那个退款什么时候能到账？订单号是{n}。",
    "嗯，行，那就这样吧。",
]
AGENT = [
    "好的，我这边帮您查询一下，请您稍等。",
    "感谢您的耐心等待，您本月的话费是一百二十八元，其中包含了流量包费用。",
    "非常抱歉给您带来不便，我马上为您登记报修，工程师会在二十四小时内联系您。",
    "您说的情况我了解了，我帮您确认一下套餐的生效时间。",
    "这个我不能帮您办理，您得去营业厅。",
    "不知道，系统上没显示。",
    "您稍等，我看看能为您做些什么。",
    "国际漫游已经为您开通，资费标准稍后会以短信形式发送给您。",
    "我知道了。",
    "这个问题我已经帮您反馈给相关部门，三个工作日内会有专人回复您。",
    "退款会在三到五个工作日内原路退回到您的支付账户。",
    "请问您是机主本人吗？麻烦您提供一下身份证后四位。",
    "好的，已经为您核实身份，谢谢您的配合。",
    "冇问题，我帮你搞咗佢啦。",
]
CLOSINGS = [
    "请问还有其他可以帮您的吗？感谢您的来电，祝您生活愉快，再见！",
    "好的，那先这样，拜拜。",
    "还有其他问题吗？感谢来电，再见。",
]


def synthetic_calls(count: int, seed: int = 7, turns: int = 45, timestamps: bool = True) -> Iterator[dict]:
    """`count` call records in the native JSON shape; the same seed gives the same calls."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 2, 8, 0)
    for i in range(count):
        t = 0.0
        out = []

        def say(speaker: str, text: str) -> None:
            nonlocal t
            dur = max(1.0, len(text) / rng.uniform(3.5, 5.5))
            turn = {"speaker": speaker, "text": text.format(n=rng.randint(1000, 9999))}
            if timestamps:
                turn["start"], turn["end"] = round(t, 2), round(t + dur, 2)
            out.append(turn)
            t += dur + rng.uniform(0.2, 2.5)

        say("agent", rng.choice(OPENINGS))
        while len(out) < turns - 2:
            say("customer", rng.choice(CUSTOMER))
            say("agent", rng.choice(AGENT))
        say("customer", "好的，谢谢。")
        say("agent", rng.choice(CLOSINGS))
        started = start + timedelta(days=i % 19, minutes=(i * 7) % 600)
        yield {
            "call_id": f"S{seed}-{i:07d}",
            "agent_id": f"A{1001 + i % 12}",
            "team": "一组" if i % 2 else "二组",
            "started_at": started.isoformat() + "+08:00",
            "direction": "outbound" if i % 9 == 0 else "inbound",
            "metadata": {"hangup_by": "agent" if i % 13 == 0 else "customer"},
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
