"""How long the report writers take for a big batch: 10,000 calls by default.

    python benchmarks/reports_bench.py [--calls 10000] [--agents 8] [--findings 3.0]

Builds synthetic but realistic CallResults (8 agents in 2 teams, 4 weeks of calls, 20 rules of
the shipped kinds, ~3 findings a call, Chinese turns with the odd phone number to mask), scored
by the real scorer, then feeds them to every registered writer exactly as `qa-check audit`
does and prints the time each writer spends in add() and close(), the summary's renderers one
by one (agents.csv, report.xlsx, index.html, coaching pages), the total, and the peak RSS.
The audit itself (reading, matching) is not timed here: see benchmarks/run.py.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checker.model import Call, Finding, Turn, Turns  # noqa: E402
from checker.report import WRITERS, ReportOptions  # noqa: E402
from checker.report.base import atomic_folder  # noqa: E402
from checker.report.summary import SummaryReports  # noqa: E402
from checker.rules.base import make_excerpt  # noqa: E402
from checker.scheme import load_scheme_text  # noqa: E402
from checker.score import score_call  # noqa: E402

TABOO = [
    ("说吧", "请问有什么可以帮您？"),
    ("我不能", "我看看能为您做些什么"),
    ("不知道", "我帮您确认一下"),
    ("没办法", "我帮您看看还有哪些解决方案"),
    ("你自己看", "我来帮您查看一下"),
    ("这是规定", "根据相关业务规定……"),
    ("不归我管", "这个问题由专门的部门负责，我帮您转接"),
    ("自己去查", "我帮您查询一下"),
    ("你听不懂吗", "可能我没有解释清楚，我再给您说明一下"),
    ("有意见去投诉", "您的意见我会帮您反馈"),
]
REQUIRED = [
    ("greet", "开场白", "开场未问候客户"),
    ("welcome", "开场白", "开场未使用标准欢迎语"),
    ("self-id", "开场白", "开场未自报工号"),
    ("offer-help", "开场白", "未主动询问客户需求"),
    ("verify", "身份核实", "未核实客户身份"),
    ("apology", "服务态度", "客户抱怨后未致歉"),
    ("hold-thanks", "服务态度", "等待后未致谢"),
    ("confirm", "业务办理", "办理前未向客户确认"),
    ("more-help", "结束语", "结束前未询问是否还有其他需要"),
    ("closing", "结束语", "结束时未致谢或道别"),
]
AGENT_TEXT = [
    "您好，欢迎致电星联通信，工号{n}为您服务，请问有什么可以帮您？",
    "好的，我这边帮您查询一下，请您稍等。",
    "感谢您的耐心等待，您本月的话费是一百二十八元，其中包含了流量包费用。",
    "非常抱歉给您带来不便，我马上为您登记报修，工程师会在二十四小时内联系您。",
    "您说的情况我了解了，我帮您确认一下套餐的生效时间。",
    "请问还有其他可以帮您的吗？感谢您的来电，再见。",
]
CUSTOMER_TEXT = [
    "我想查一下这个月的话费，怎么扣了这么多钱？",
    "我家宽带从昨天晚上开始就一直断线，到现在都没修好。",
    "你们这个服务也太差了吧，我都打了三次电话了！",
    "我的手机号是138{n:04d}5678，你们打这个号码。",
    "那个退款什么时候能到账？",
    "好的好的，那你帮我看一下吧。",
]
NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄勇", "周杰", "吴婷"]


def scheme_yaml() -> str:
    lines = [
        "scheme: bench",
        "title: 客服热线服务规范（基准）",
        "scoring: {full: 100, pass: 85, sections: {服务禁语: {max_deduct: 30}}}",
        "rules:",
    ]
    for i, (phrase, suggest) in enumerate(TABOO):
        lines += [
            f"  - id: taboo-{i:02d}",
            "    kind: forbidden",
            "    section: 服务禁语",
            f"    phrases: [{{phrase: {phrase}, suggest: {suggest}}}]",
            "    deduct: 5",
            "    per: occurrence",
            f"    message: 使用服务禁语“{phrase}”",
        ] + (["    fatal: true"] if i == 9 else [])
    for rid, section, message in REQUIRED:
        lines += [
            f"  - id: {rid}",
            "    kind: required",
            f"    section: {section}",
            "    phrases: [您好]",
            "    deduct: 3",
            f"    message: {message}",
        ]
    return "\n".join(lines) + "\n"


def synth_results(n: int, n_agents: int, per_call: float, scheme, seed: int = 11):
    rng = random.Random(seed)
    rule_ids = [f"taboo-{i:02d}" for i in range(len(TABOO))] + [r[0] for r in REQUIRED]
    weights = [rng.uniform(0.2, 3) * (0.2 if i == 9 else 1) for i in range(len(rule_ids))]
    cfg = {r.id: r.config for r in scheme.rules}
    for c in range(n):
        a = c % n_agents
        turns = []
        for t in range(12):
            if t % 2 == 0:
                turns.append(Turn("agent", rng.choice(AGENT_TEXT).format(n=3000 + a)))
            else:
                turns.append(Turn("customer", rng.choice(CUSTOMER_TEXT).format(n=rng.randrange(10_000))))
        findings = []
        k = min(8, int(rng.expovariate(1 / per_call) + 0.5))
        for rid in rng.choices(rule_ids, weights, k=k):
            rc = cfg[rid]
            turn_i = rng.randrange(0, 12, 2)
            if rid.startswith("taboo"):
                phrase = TABOO[int(rid[-2:])][0]
                base = turns[turn_i].text
                text = base[:8] + phrase + base[8:]
                turns[turn_i] = Turn("agent", text)
                span = (8, 8 + len(phrase))
                matched, suggest = phrase, TABOO[int(rid[-2:])][1]
            else:
                span, matched, suggest, text = None, "", None, turns[turn_i].text
            findings.append(
                Finding(
                    call_id=f"c{c:06d}",
                    agent_id=f"A{a:03d}",
                    rule_id=rid,
                    kind=rc.kind,
                    section=rc.section,
                    severity=rc.severity,
                    message=rc.message,
                    turn=turn_i,
                    speaker="agent",
                    matched=matched,
                    span=span,
                    excerpt=make_excerpt(text, span),
                    suggest=suggest,
                    deduct=rc.deduct,
                    fatal=rc.fatal,
                )
            )
        # excerpts were cut before later insertions into the same turn: recut them on the final text
        findings = [f if f.span is None else _recut(f, turns) for f in findings]
        findings.sort(key=lambda f: (f.turn, f.span or (0, 0)))
        day = c % 28
        call = Call(
            call_id=f"c{c:06d}",
            turns=Turns.of(turns),
            agent_id=f"A{a:03d}",
            agent_name=NAMES[a % len(NAMES)],
            team=f"{'一二三四'[a % 4 if n_agents > 8 else a % 2]}组",
            started_at=f"2026-10-{5 + day:02d}T{9 + c % 9:02d}:15:00+08:00",
            direction="inbound",
        )
        yield score_call(call, findings, scheme)


def _recut(f: Finding, turns) -> Finding:
    from dataclasses import replace

    text = turns[f.turn].text
    b = text.find(f.matched)
    span = (b, b + len(f.matched))
    return replace(f, span=span, excerpt=make_excerpt(text, span))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=10_000)
    ap.add_argument("--agents", type=int, default=8)
    ap.add_argument("--findings", type=float, default=3.0, help="mean findings per call")
    ap.add_argument("--no-mask", action="store_true")
    args = ap.parse_args()

    scheme = load_scheme_text(scheme_yaml(), name="bench.yaml")
    t = time.perf_counter()
    results = list(synth_results(args.calls, args.agents, args.findings, scheme))
    gen = time.perf_counter() - t
    n_findings = sum(len(r.findings) for r in results)
    print(
        f"# report writers — {len(results):,} calls, {args.agents} agents, {len(scheme.rules)} rules, "
        f"{n_findings:,} findings ({n_findings / len(results):.2f}/call); mask={'off' if args.no_mask else 'on'}"
    )
    print(f"# python {sys.version.split()[0]}; synthetic results built in {gen:.2f} s (not counted)\n")

    tmp = Path(tempfile.mkdtemp(prefix="qa-reports-bench-"))
    options = ReportOptions(mask=not args.no_mask)
    spent: dict[str, float] = defaultdict(float)
    t_all = time.perf_counter()
    with atomic_folder(tmp / "out") as folder:
        writers = [cls(folder, scheme, options) for cls in WRITERS.values()]
        for r in results:
            for w in writers:
                t = time.perf_counter()
                w.add(r)
                spent[f"{w.name}: add"] += time.perf_counter() - t
        for w in sorted(writers, key=lambda w: w.runs_last):
            t = time.perf_counter()
            w.close()
            spent[f"{w.name}: close"] += time.perf_counter() - t
        summary = next(w for w in writers if isinstance(w, SummaryReports))
    total = time.perf_counter() - t_all
    for name, s in spent.items():
        print(f"  {name:<28} {s:7.2f} s")
    print("  summary close, by output:")
    for name, s in summary.timings.items():
        print(f"    {name:<26} {s:7.2f} s")
    print(f"\n  total (all writers)          {total:7.2f} s   ({len(results) / total:,.0f} calls/s)")
    sizes = {p.name: p.stat().st_size for p in (tmp / "out").iterdir() if p.is_file()}
    pages = len(list((tmp / "out" / "agents").glob("*.html")))
    print(
        f"  report.xlsx {sizes.get('report.xlsx', 0) / 1e6:.1f} MB, index.html {sizes.get('index.html', 0) / 1e3:.0f} kB, "
        f"{pages} agent pages"
    )
    print(
        f"  peak RSS (whole process, results held in memory for the benchmark): "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
