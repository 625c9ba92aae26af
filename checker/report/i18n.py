"""Words of the human-facing reports (Excel headers, dashboard, coaching pages) in Chinese for a
Chinese scheme and in English otherwise. Machine files (CSV, JSONL) keep their column ids."""

from __future__ import annotations

import re

__all__ = ["language_of", "Words", "words_for"]

_CJK = re.compile(r"[\u4e00-\u9fff]")


def language_of(scheme) -> str:
    """ "zh" when the scheme's title, sections or messages are written in Chinese."""
    texts = [getattr(scheme, "title", "") or ""]
    for r in getattr(scheme, "rules", []):
        texts += [r.config.section, r.config.message]
    return "zh" if any(_CJK.search(t or "") for t in texts) else "en"


COLUMNS = {
    "zh": {
        "agent_id": "坐席工号",
        "agent_name": "坐席姓名",
        "team": "班组",
        "calls": "通话数",
        "mean_score": "平均分",
        "median_score": "中位分",
        "pass_rate": "合格率",
        "fatal_calls": "一票否决通话",
        "findings": "问题数",
        "findings_per_100_calls": "每百通问题数",
        "top_rules": "最常见问题",
        "rank_in_team": "班组排名",
        "team_agents": "班组人数",
        "period": "本期",
        "prev_period": "上期",
        "period_calls": "本期通话数",
        "period_mean_score": "本期平均分",
        "prev_period_mean_score": "上期平均分",
        "mean_score_change": "平均分变化",
        "pass_rate_change": "合格率变化",
        "rule_id": "规则",
        "section": "类别",
        "kind": "类型",
        "severity": "级别",
        "message": "说明",
        "calls_affected": "涉及通话",
        "applicable_calls": "适用通话",
        "hit_rate": "命中率",
        "points_deducted": "累计扣分",
        "rules": "规则数",
        "call_id": "通话编号",
        "turn": "轮次",
        "speaker": "说话人",
        "start": "开始(秒)",
        "matched": "命中内容",
        "excerpt": "原文摘录",
        "suggest": "建议话术",
        "deduct": "扣分",
        "fatal": "一票否决",
        "how": "匹配方式",
        "started_at": "通话时间",
        "score": "得分",
        "passed": "合格",
        "not_applicable": "不适用规则",
        "customer_dialect": "客户方言",
        "week": "周",
        "week_start": "周一日期",
    },
    "en": {},
}


class Words:
    """Labels and sentences of one language; `w.col(name)` is a column header."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.zh = lang == "zh"

    def col(self, name: str) -> str:
        return COLUMNS.get(self.lang, {}).get(name, name)

    def speaker(self, role: str) -> str:
        if self.zh:
            return {"agent": "坐席", "customer": "客户"}.get(role, role)
        return role

    def __getattr__(self, key: str) -> str:
        table = _ZH if self.zh else _EN
        try:
            return table[key]
        except KeyError:
            raise AttributeError(key) from None


_ZH = {
    "dashboard_title": "质检看板",
    "generated": "生成",
    "scheme": "质检方案",
    "calls": "通话数",
    "agents": "坐席数",
    "mean_score": "平均分",
    "median_score": "中位分",
    "pass_rate": "合格率",
    "fatal_calls": "一票否决",
    "findings_per_100": "每百通问题数",
    "score_distribution": "得分分布",
    "pass_rate_per_agent": "各坐席合格率",
    "hit_rate_per_rule": "各规则命中率（涉及通话占比）",
    "hit_rate_per_section": "各类别命中率",
    "trend_per_week": "每周趋势",
    "no_dates": "通话没有日期信息，无法按周统计。",
    "agent_table": "坐席一览",
    "agent_table_hint": "点击表头排序；点击坐席进入个人辅导页。",
    "pass_line": "合格线",
    "pass_line_score": "合格线 {score} 分",
    "legend_passed": "合格通话",
    "legend_failed": "不合格通话",
    "legend_at_or_above_team": "不低于团队合格率",
    "legend_below_team": "低于团队合格率",
    "team_pass_rate": "团队合格率 {rate}",
    "legend_share": "涉及通话占比",
    "masked_note": "个人信息（手机号、固话、身份证号、银行卡号、邮箱、客户姓名与地址）已打码。",
    "unmasked_note": "注意：本报告未对个人信息打码（--no-mask）。",
    "coaching_title": "个人辅导报告",
    "back": "返回看板",
    "summary_vs_team": "与团队对比",
    "you": "本人",
    "team": "团队",
    "rank": "班组排名",
    "change": "较上期",
    "top_issues": "需要改进的地方",
    "no_issues": "本期没有发现问题，继续保持！",
    "what_to_say": "建议这样说",
    "say_phrases": "说出{phrases}等规范用语",
    "say_instead": "不说“{said}”，改说“{suggest}”",
    "phrase_join": "、",
    "examples": "典型例子",
    "does_well": "做得好的地方",
    "call": "通话",
    "score": "得分",
    "turn": "第{n}轮",
    "call_level": "（整通电话）",
    "issue_line": "{message}：{calls} 通电话出现（占 {rate}，团队 {team_rate}）",
    "strength_rule": "“{message}”的问题从未出现（团队 {team_rate} 的通话有此问题）",
    "strength_section": "{section}：全部通话都没有问题",
    "strength_pass": "合格率 {mine} 高于团队 {team}",
    "strength_score": "平均分 {mine} 高于团队 {team}",
    "level_pass": "合格率 {mine}，与团队持平",
    "level_score": "平均分 {mine}，与团队持平",
    "change_between": "{period} 较 {prev}",
    "undated_in_period": "（另含 {n} 通无日期通话）",
    "fatal_issue": "一票否决：{calls} 通电话因此判 0 分、不合格",
    "unknown_agent": "未标注坐席",
    "unknown_note": (
        "以下通话没有坐席工号（agent_id），无法归到具体坐席，也不参与班组排名。归属坐席的办法："
        "在转写文件开头写一行“# agent_id: 工号”（可加 # agent_name、# team）；或者准备一个按 call_id "
        "对应的通话信息表 CSV（列：call_id, agent_id, agent_name, team, started_at），命名为 calls_meta.csv "
        "放在转写文件所在的文件夹，或用 qa-check audit --calls-meta 文件 指定。详见 README 的“Call metadata side-car”。"
    ),
    "strength_none": "坚持按规范服务，下期争取更多亮点。",
    "fatal_tag": "一票否决",
    "deduct_tag": "扣 {points} 分",
    "period_change": "本期（{period}）平均分 {cur}，上期（{prev}）{old}，变化 {delta}",
    "week": "周",
    "score_axis": "得分",
    "calls_axis": "通话数",
    "agent": "坐席",
    "rule": "规则",
    "section": "类别",
    "affected": "涉及通话",
    "report_files": "明细：report.xlsx（Excel）、findings.csv、calls.csv、agents.csv",
    "summary_sheet_title": "质检汇总",
    "truncated_note": "问题明细共 {total} 条，超过 Excel 单表上限，Findings 表只列出前 {kept} 条；完整明细见 findings.csv。",
    "period_label": "统计周期",
    "rejected_inputs": "被拒绝的输入",
    "undated_calls": "无日期通话",
    "failed_calls": "不合格通话",
    "findings": "问题数",
    "agent_id": "坐席工号",
    "agent_name": "姓名",
}

_EN = {
    "dashboard_title": "QA dashboard",
    "generated": "Generated",
    "scheme": "Scheme",
    "calls": "Calls",
    "agents": "Agents",
    "mean_score": "Mean score",
    "median_score": "Median score",
    "pass_rate": "Pass rate",
    "fatal_calls": "Fatal calls",
    "findings_per_100": "Findings per 100 calls",
    "score_distribution": "Score distribution",
    "pass_rate_per_agent": "Pass rate per agent",
    "hit_rate_per_rule": "Hit rate per rule (share of calls)",
    "hit_rate_per_section": "Hit rate per section",
    "trend_per_week": "Trend per week",
    "no_dates": "The calls carry no dates: no weekly trend.",
    "agent_table": "Agents",
    "agent_table_hint": "Click a header to sort; click an agent for their coaching page.",
    "pass_line": "pass",
    "pass_line_score": "pass line {score}",
    "legend_passed": "passed calls",
    "legend_failed": "failed calls",
    "legend_at_or_above_team": "at or above the team's pass rate",
    "legend_below_team": "below the team's pass rate",
    "team_pass_rate": "team pass rate {rate}",
    "legend_share": "share of calls affected",
    "masked_note": "Personal data (mobile and landline numbers, ID and bank card numbers, e-mail, customers' names and addresses) is masked.",
    "unmasked_note": "Warning: personal data is NOT masked in this report (--no-mask).",
    "coaching_title": "Coaching report",
    "back": "Back to the dashboard",
    "summary_vs_team": "You and the team",
    "you": "You",
    "team": "Team",
    "rank": "Rank in team",
    "change": "Change",
    "top_issues": "What to change",
    "no_issues": "No issues found in this period: keep it up!",
    "what_to_say": "Say instead",
    "say_phrases": "Use the standard wording, e.g. {phrases}",
    "say_instead": "Instead of “{said}”, say “{suggest}”",
    "phrase_join": ", ",
    "examples": "Examples",
    "does_well": "What you do well",
    "call": "Call",
    "score": "Score",
    "turn": "turn {n}",
    "call_level": "(whole call)",
    "issue_line": "{message}: in {calls} call(s) ({rate}; team {team_rate})",
    "strength_rule": "Never: “{message}” (team: {team_rate} of calls)",
    "strength_section": "{section}: no issue in any call",
    "strength_pass": "Pass rate {mine}, above the team's {team}",
    "strength_score": "Mean score {mine}, above the team's {team}",
    "level_pass": "Pass rate {mine}, level with the team",
    "level_score": "Mean score {mine}, level with the team",
    "change_between": "{period} vs {prev}",
    "undated_in_period": " (and {n} call(s) without a date)",
    "fatal_issue": "Fatal: {calls} call(s) scored 0 and failed for this",
    "unknown_agent": "No agent given",
    "unknown_note": (
        "These calls carry no agent id, so they belong to no agent and take no rank. To attach them: "
        "a line “# agent_id: ID” at the top of a transcript (also # agent_name, # team); or a CSV keyed by "
        "call_id (columns call_id, agent_id, agent_name, team, started_at) named calls_meta.csv in the "
        "transcripts' folder, or given with qa-check audit --calls-meta FILE. See “Call metadata side-car” in the README."
    ),
    "strength_none": "Keep following the script; aim for more highlights next period.",
    "fatal_tag": "fatal",
    "deduct_tag": "−{points} points",
    "period_change": "This week ({period}) mean score {cur}, previous ({prev}) {old}, change {delta}",
    "week": "Week",
    "score_axis": "score",
    "calls_axis": "calls",
    "agent": "Agent",
    "rule": "Rule",
    "section": "Section",
    "affected": "Calls affected",
    "report_files": "Details: report.xlsx, findings.csv, calls.csv, agents.csv",
    "summary_sheet_title": "QA summary",
    "truncated_note": "{total} findings exceed Excel's sheet limit: the Findings sheet lists the first {kept}; findings.csv has them all.",
    "period_label": "Period",
    "rejected_inputs": "Rejected inputs",
    "undated_calls": "Calls without a date",
    "failed_calls": "Failed calls",
    "findings": "Findings",
    "agent_id": "Agent",
    "agent_name": "Name",
}


def words_for(scheme) -> Words:
    return Words(language_of(scheme))
