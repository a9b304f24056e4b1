"""The report's text and tables, built from the marts (``ReportData``) as a ``Report``.

Formatting only: every number is a mart's. The wording follows the seed report (the February
2024 通报 of the 东昌府区 12345 hotline); names (district, centre, hotline, recipients, channel
labels, group labels) come from the rules' ``report:`` and ``groups:`` settings.

Analyst text. What needs a person (what a hotspot's problems mainly concern, a typical case) is
drafted with the facts the marts give and a placeholder ``【待补充：…】`` (see model.py). The analyst
either edits the DOCX directly, or writes the text into ``data/months/YYYY-MM/notes.md`` under a
heading ``## 补充：<key>`` (the key is printed in the placeholder, e.g. ``## 补充：热点·物业管理``): the
text under it replaces the whole paragraph holding that placeholder on the next run. Everything in
notes.md outside such blocks is section 五 (热线工作动态)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from hotline.report.data import ReportData
from hotline.report.model import (
    PLACEHOLDER_CLOSE,
    PLACEHOLDER_OPEN,
    Cell,
    Figure,
    PageBreak,
    Paragraph,
    Report,
    Run,
    Table,
)

CN_NUMBERS = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]
CN_ORDINALS = ["（一）", "（二）", "（三）", "（四）", "（五）", "（六）", "（七）", "（八）", "（九）", "（十）"]
FILL_HEADING = re.compile(r"^#{1,6}\s*补充\s*[:：]\s*(?P<key>.+?)\s*$")

# chart keys → captions (the seed's captions where it has the chart)
CAPTIONS = {
    "channels": "各渠道受理量数据图",
    "request_types": "来电类别数据图",
    "hotspots": "热点问题占比情况",
    "enterprise_units": "企业诉求承办量",
    "trend": "近13个月受理量及主要热点问题走势",
}


# --------------------------------------------------------------------------- formatting
def dec(value: Any) -> Decimal | None:
    if value is None:
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def plain(value: Any) -> str:
    """A score as the seed prints tables 1–3: no trailing zeros (35.70 → 35.7, 5.00 → 5, -0.20 → -0.2)."""
    d = dec(value)
    if d is None:
        return ""
    if d == d.to_integral_value():
        return str(int(d))
    return format(d.normalize(), "f")


_ASSESSED_SCORES = (
    "response_score",
    "ontime_score",
    "resolution_score",
    "satisfaction_score",
    "deduction",
    "assessment_score",
)


def _scored_unit_cells(r: dict[str, Any]) -> list[Cell]:
    """The first cells of a row of tables 1–3: unit, its leaders, volume and the assessment's scores."""
    return [
        Cell(r["unit"]),
        Cell(r["primary_leader"] or ""),
        Cell(r["deputy_leader"] or ""),
        Cell(str(r["volume"])),
        *[Cell(plain(r[c])) for c in _ASSESSED_SCORES],
    ]


def whole_or_2(value: Any) -> str:
    """Whole numbers bare, others with 2 decimals (100 → 100, 87.8 → 87.80, 82.5 → 82.50): the seed's
    percentages in the text and table 4's scores."""
    d = dec(value)
    if d is None:
        return ""
    if d == d.to_integral_value():
        return str(int(d))
    return f"{d.quantize(Decimal('0.01')):f}"


def pct_text(value: Any) -> str:
    return "—" if value is None else whole_or_2(value) + "%"


def pct_2(value: Any) -> str:
    """A percentage with 2 decimals always (table 4's 率 columns: 100.00%)."""
    d = dec(value)
    return "" if d is None else f"{d.quantize(Decimal('0.01')):f}%"


def rate_pct_2(rate: Any) -> str:
    """A fraction rate (0.9615) as a 2-decimal percentage (96.15%)."""
    d = dec(rate)
    return "" if d is None else pct_2(d * 100)


def change(pct: Any, kind: str) -> str:
    """同比增长 16.08% / 环比下降 27.24% / 同比持平; without a base: 无同期数据 / 无上月数据."""
    d = dec(pct)
    if d is None:
        return "无同期数据" if kind == "同比" else "无上月数据"
    if d > 0:
        return f"{kind}增长{whole_or_2(d)}%"
    if d < 0:
        return f"{kind}下降{whole_or_2(-d)}%"
    return f"{kind}持平"


def month_number(month: str) -> int:
    return int(month[5:7])


def month_word(month: str) -> str:
    """二月份"""
    return f"{CN_NUMBERS[month_number(month)]}月份"


def cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def joined(names: Iterable[str]) -> str:
    return "、".join(names)


def placeholder(key: str, what: str) -> Run:
    return Run(f"{PLACEHOLDER_OPEN}{what}（{key}）{PLACEHOLDER_CLOSE}", placeholder=True)


# --------------------------------------------------------------------------- notes.md
def split_notes(text: str | None) -> tuple[list[str], dict[str, str]]:
    """notes.md → (section 五 paragraphs, {fill key: text})."""
    if not text:
        return [], {}
    dynamics: list[str] = []
    fills: dict[str, list[str]] = {}
    current: list[str] = dynamics
    for line in text.splitlines():
        m = FILL_HEADING.match(line.strip())
        if m:
            current = fills.setdefault(m.group("key"), [])
            continue
        if line.lstrip().startswith("#") and current is not dynamics:
            current = dynamics  # any other heading ends a 补充 block
        current.append(line)
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", "\n".join(dynamics)) if p.strip()]
    paragraphs = [p for p in paragraphs if not p.startswith("#")]
    return paragraphs, {k: "\n".join(v).strip() for k, v in fills.items() if "\n".join(v).strip()}


# --------------------------------------------------------------------------- the report
class Builder:
    def __init__(self, data: ReportData, report_date: date, charts: dict[str, Any]):
        self.d = data
        self.s = data.settings
        self.date = report_date
        self.charts = charts
        self.blocks: list = []
        self.tables: dict[str, Table] = {}
        self.figures: dict[str, Figure] = {}
        self.dynamics, self.fills = split_notes(data.notes)
        self.top_n = int(data.rules.highlights.top_n)
        self.m = month_number(data.month)
        self.mw = month_word(data.month)

    # helpers ---------------------------------------------------------------
    def p(self, *runs: Run | str, style: str = "body", fill_key: str | None = None) -> None:
        runs_ = [r if isinstance(r, Run) else Run(r) for r in runs]
        if fill_key and fill_key in self.fills:
            # the analyst's text (notes.md "## 补充：<key>") replaces the drafted paragraph
            for text in [t.strip() for t in re.split(r"\n\s*\n", self.fills[fill_key]) if t.strip()]:
                self.blocks.append(Paragraph([Run(" ".join(text.splitlines()))], style))
            return
        self.blocks.append(Paragraph(runs_, style, fill_key))

    def b(self, text: str) -> Run:
        return Run(text, bold=True)

    def figure(self, key: str) -> None:
        path = self.charts.get(key)
        if path is None:
            return
        fig = Figure(key, path, CAPTIONS[key])
        self.figures[key] = fig
        self.blocks.append(fig)

    def table(self, t: Table, page_break: bool = True) -> None:
        self.tables[t.key] = t
        if page_break:
            self.blocks.append(PageBreak())
        self.blocks.append(t)

    def group_label(self, code: str) -> str:
        return self.d.rules.groups.labels[code]

    # sections --------------------------------------------------------------
    def build(self) -> Report:
        s, o = self.s, self.d.overview
        self.p(s.title, style="title")
        self.p(s.centre, style="centre")
        self.p(cn_date(self.date), style="date")
        self.p(s.bulletin_title.format(month=self.mw), style="bulletin")
        self.section_overview(o)
        self.section_handling(o)
        self.section_hotspots()
        self.section_enterprise()
        self.section_dynamics()
        self.annex_list()
        self.annex_tables()
        self.p(f"主送：{s.recipients}", style="distribution")
        self.p(f"抄送：{s.copies}", style="distribution")
        return Report(self.d.month, s.title, self.blocks, self.tables, self.figures)

    def section_overview(self, o: dict[str, Any]) -> None:
        s = self.s
        self.p("一、受理概况", style="h1")
        labels = s.channel_labels or {}
        channels = list(self.d.channels.head(int(s.top_channels)).iter_rows(named=True))
        channel_text = "，".join(f"{labels.get(c['channel'], c['channel'])}{c['orders']}件" for c in channels)
        self.p(
            f"{self.m}月份，{s.hotline_name}共受理各类承办事项{o['orders']}件，{change(o['yoy_pct'], '同比')}，"
            f"{change(o['mom_pct'], '环比')}，日均受理量{o['daily_avg']}件。"
            + (f"受理量较多的渠道有{channel_text}。" if channels else "")
        )
        self.p(
            f"{s.district}响应率{pct_text(o['report_response_pct'])}，按时办理率{pct_text(o['report_ontime_pct'])}，"
            f"诉求解决率{pct_text(o['report_resolution_pct'])}，综合满意率{pct_text(o['report_satisfaction_pct'])}。"
        )
        self.figure("channels")
        types = list(self.d.request_types.iter_rows(named=True))
        k = int(s.request_types_with_share)
        with_share = "；".join(
            f"{t['request_type']}类工单{t['orders']}件，占比{whole_or_2(t['share_pct'])}%" for t in types[:k]
        )
        rest = "，".join(f"{t['request_type']}类工单{t['orders']}件" for t in types[k:])
        if types:
            self.p("从群众来电类别看，" + with_share + (f"，{rest}" if rest else "") + "。")
        self.figure("request_types")

    def _top_bottom_rows(self) -> list[list[Cell]]:
        rows: list[list[Cell]] = []
        for code in ("town", "dept_large", "dept_small"):
            label = self.group_label(code)
            title = re.sub(r"^(.*?)(（.*）)?$", lambda m: f"{m.group(1)}综合排名{m.group(2) or ''}", label)
            rows.append([Cell(title, colspan=4, bold=True)])
            rows.append(
                [
                    Cell("前三名" if self.top_n == 3 else f"前{self.top_n}名", colspan=2, bold=True),
                    Cell("后三名" if self.top_n == 3 else f"后{self.top_n}名", colspan=2, bold=True),
                ]
            )
            top = self.d.highlight_rows(code, "overall_top")
            bottom = self.d.highlight_rows(code, "overall_bottom")
            for i in range(max(len(top), len(bottom))):
                row = []
                for side in (top, bottom):
                    if i < len(side):
                        r = side[i]
                        row += [Cell(r["short_name"] or r["unit"]), Cell(plain(r["value"]))]
                    else:
                        row += [Cell(""), Cell("")]
                rows.append(row)
        return rows

    def _lists_sentence(self, group: str) -> list[Run]:
        d, n = self.d, CN_NUMBERS[self.top_n] if self.top_n <= 12 else str(self.top_n)
        runs: list[Run] = []
        res_top, res_bottom = d.highlight(group, "resolution_top"), d.highlight(group, "resolution_bottom")
        sat_top, sat_bottom = d.highlight(group, "satisfaction_top"), d.highlight(group, "satisfaction_bottom")
        runs += [
            self.b(f"解决率前{n}名"),
            Run(f"是{joined(res_top)}，"),
            self.b(f"后{n}名"),
            Run(f"是{joined(res_bottom)}；"),
        ]
        runs += [
            self.b(f"满意率前{n}名"),
            Run(f"是{joined(sat_top)}，"),
            self.b(f"后{n}名"),
            Run(f"是{joined(sat_bottom)}；"),
        ]
        longest = d.highlight(group, "longest_handling")
        runs += [self.b("办理时长较长"), Run(f"的是{joined(longest)}；")] if longest else []
        rework = d.highlight(group, "city_rework")
        runs += [self.b("市重办率较高"), Run(f"的是{joined(rework)}。")] if rework else [Run("无市重办工单。")]
        rise, fall = d.highlight(group, "resolution_rise"), d.highlight(group, "resolution_fall")
        if len(rise) == self.top_n:  # the seed: 解决率环比提高的前三名是…
            runs += [self.b(f"解决率环比提高的前{n}名"), Run(f"是{joined(rise)}；")]
        elif rise:  # fewer rises than the list's length
            runs += [self.b("解决率环比提高"), Run(f"的是{joined(rise)}；")]
        else:
            runs += [Run("解决率环比均未提高；")]
        runs += [self.b("下降幅度较大"), Run(f"的是{joined(fall)}。")] if fall else [Run("解决率环比均未下降。")]
        return runs

    def section_handling(self, o: dict[str, Any]) -> None:
        self.p("二、办理情况", style="h1")
        self.p("（一）承办单位考核情况", style="h2")
        self.table(
            Table(
                key="top_bottom",
                sheet="综合排名",
                label=None,
                title=None,
                header=[],
                flat_header=["单位", "综合排名", "单位", "综合排名"],
                rows=self._top_bottom_rows(),
                widths=[3, 1, 3, 1],
            ),
            page_break=False,
        )
        self.p("（二）具体办理情况", style="h2")
        town = self.group_label("town")
        self.p(
            self.b(f"1. {town}办理情况。"),
            Run(f"{town}共承办工单{o['town_orders']}件，占总量的{whole_or_2(o['town_share_pct'])}%。"),
            *self._lists_sentence("town"),
        )
        self.p(
            self.b("2. 区直部门及国企办理情况。"),
            Run(
                f"区直部门及国企共承办工单{o['dept_orders']}件，占总量的{whole_or_2(o['dept_share_pct'])}%。在承办量较多的部门中，"
            ),
            *self._lists_sentence("dept_large"),
        )
        overdue = o["city_overdue_orders"] or 0
        self.p(
            self.b("3. 市到期未按时回复情况。"),
            Run("本月未有市到期未按时回复工单。" if overdue == 0 else f"本月市到期未按时回复工单{overdue}件。"),
        )

    def section_hotspots(self) -> None:
        d = self.d
        self.p("三、民生热点问题", style="h1")
        self.figure("hotspots")
        rows = {(r["hotspot"], r["sub_hotspot"]): r for r in d.hotspots.iter_rows(named=True)}
        for i, name in enumerate(d.extras["top_hotspots"]):
            h = rows[(name, None)]
            subs = sorted(
                (r for (hs, sub), r in rows.items() if hs == name and sub is not None and r["orders"]),
                key=lambda r: -r["orders"],
            )
            text = (
                f"{CN_ORDINALS[i]}{name}问题{h['orders']}件，{change(h['yoy_pct'], '同比')}，"
                f"{change(h['mom_pct'], '环比')}。"
            )
            if subs:
                text += (
                    "其中，"
                    + "，".join(f"{r['sub_hotspot']}问题{r['orders']}件，{change(r['yoy_pct'], '同比')}" for r in subs)
                    + "。"
                )
            self.p(text)
            places = [
                r["place"]
                for r in d.places.filter(d.places["hotspot"] == name).iter_rows(named=True)
                if r["sub_hotspot"] is None
            ]
            key = f"热点·{name}"
            drafted = self._aspects_text(name)
            if drafted:
                self.p(Run("问题主要涉及：" + drafted), fill_key=key)
                continue
            runs = [Run("问题主要涉及："), placeholder(key, f"{name}问题主要涉及的方面、原因与典型情况，由分析员归纳")]
            if places:
                runs.append(Run(f"。诉求较多的地点有{joined(places)}等。"))
            else:
                runs.append(Run("。"))
            self.p(*runs, fill_key=key)
        self._watch_list()
        self.figure("trend")

    def _terms(self, hotspot: str, aspect: str) -> list[str]:
        terms = self.d.extras.get("terms")
        if terms is None or terms.height == 0:
            return []
        rows = terms.filter((terms["hotspot"] == hotspot) & (terms["aspect"] == aspect)).sort("rank")
        return rows["term"].to_list()

    def _aspects_text(self, hotspot: str) -> str | None:
        """一是{方面}方面{N}件，群众主要反映{term}、{term}等问题，主要涉及{place}、{place}等。二是… — the
        hotspot's largest aspects until they cover text.aspects_cover_pct of it, at most
        text.max_aspects (mart.hotspot_aspects, hotspot_terms). Without aspects, the hotspot's own
        terms and places; None when there is nothing to say (the placeholder stays)."""
        t = self.d.rules.text
        n_terms, n_places = int(t.terms_in_report), int(t.places_in_report)
        aspects = self.d.extras.get("aspects")
        rows = (
            []
            if aspects is None
            else [
                r
                for r in aspects.filter(aspects["hotspot"] == hotspot).sort("rank", "aspect").iter_rows(named=True)
                if not r["other"]
            ]
        )
        chosen, covered = [], Decimal(0)
        for r in rows:
            if len(chosen) >= int(t.max_aspects) or covered >= Decimal(str(t.aspects_cover_pct)):
                break
            chosen.append(r)
            covered += dec(r["share_pct"]) or Decimal(0)

        def clauses(terms: list[str], places: list[str]) -> str:
            text = f"，群众主要反映{joined(terms[:n_terms])}等问题" if terms else ""
            return text + (f"，主要涉及{joined(places[:n_places])}等" if places else "")

        if not chosen:
            own = self.d.places.filter(self.d.places["hotspot"] == hotspot)
            places = [r["place"] for r in own.iter_rows(named=True) if r["sub_hotspot"] is None]
            terms = self._terms(hotspot, "")
            return clauses(terms, places).removeprefix("，") + "。" if terms else None
        return "".join(
            f"{CN_NUMBERS[i + 1]}是{r['aspect']}方面{r['orders']}件"
            f"{clauses(self._terms(hotspot, r['aspect']), list(r['places'] or []))}。"
            for i, r in enumerate(chosen)
        )

    def _watch_list(self) -> None:
        """需关注: the places where orders about one aspect cluster (mart.place_clusters) and the
        significant rises (mart.anomalies, surge)."""
        t, d = self.d.rules.text, self.d
        clusters = d.extras.get("clusters")
        items = []
        if clusters is not None:
            for c in clusters.head(int(t.clusters_in_report)).iter_rows(named=True):
                first, last = c["first_received"], c["last_received"]
                items.append(
                    f"{c['place']}{first.month}月{first.day}日至{last.month}月{last.day}日"
                    f"{c['aspect']}方面诉求{c['orders']}件（{c['callers']}位来电人）"
                )
        kinds = {"hotspot": "热点问题", "sub_hotspot": "热点问题", "channel": "受理渠道", "unit": "承办单位"}
        grouped: dict[str, list[str]] = {}
        for a in d.anomalies.iter_rows(named=True):
            bases = [
                change(a[f"{b}_pct"], label) for b, label in (("yoy", "同比"), ("mom", "环比")) if a.get(f"rise_{b}")
            ]
            grouped.setdefault(kinds.get(a["kind"], a["kind"]), []).append(
                f"{a['item'].replace('/', '·')}{a['count']}件（{'，'.join(bases)}）"
            )
        order = list(dict.fromkeys(kinds.values()))
        rank = {kind: i for i, kind in enumerate(order)}
        rises = [f"{kind}{'、'.join(grouped[kind])}" for kind in sorted(grouped, key=lambda k: rank.get(k, len(rank)))]
        if not items and not rises:
            self.p(self.b("需关注。"), Run("本月未发现聚集性诉求，也未发现显著上升的问题。"))
            return
        runs = [self.b("需关注。")]
        if items:
            runs.append(
                Run(
                    f"聚集性诉求（同一地点{plain(t.cluster_days)}日内同一方面{plain(t.cluster_min_orders)}件以上）："
                    + "；".join(items)
                    + "。"
                )
            )
        if rises:
            runs.append(Run("显著上升的有：" + "；".join(rises) + "。"))
        self.p(*runs)

    def section_enterprise(self) -> None:
        e = self.d.enterprise
        self.p("四、企业诉求办理情况", style="h1")
        self.p(
            f"本月共受理企业诉求{e['enterprise_orders']}件，{change(e['mom_pct'], '环比')}，"
            f"其中通过省企业诉求“接诉即办”平台受理{e['provincial_orders']}件，通过“企业直通车”平台受理{e['direct_orders']}件。"
        )
        towns, depts = [self.d.short(u) for u in e["top_towns"] or []], [self.d.short(u) for u in e["top_depts"] or []]
        parts = []
        if towns:
            parts.append(f"镇街中，{joined(towns)}承办量较高")
        if depts:
            parts.append(f"区直部门中，{joined(depts)}承办量较高")
        if parts:
            self.p("从承办量看，" + "；".join(parts) + "。")
        key = "企业·诉求内容"
        terms = self._terms(self.d.rules.text.enterprise_label, "")
        if terms:
            self.p(Run(f"从诉求内容看，主要涉及{joined(terms)}等。"), fill_key=key)
        else:
            self.p(
                Run("从诉求内容看，主要涉及"),
                placeholder(key, "企业诉求的主要内容，如企业纠纷、综合审批等"),
                Run("等。"),
                fill_key=key,
            )
        self.figure("enterprise_units")
        self.p(
            f"从办理情况看，企业诉求解决率{pct_text(e['resolution_pct'])}，综合满意率{pct_text(e['satisfaction_pct'])}。"
        )
        key = "企业·典型案例"
        self.p(placeholder(key, "部门办理较好的方面及一则典型案例（不含市民个人信息）"), fill_key=key)

    def section_dynamics(self) -> None:
        self.p("五、热线工作动态", style="h1")
        if self.dynamics:
            for text in self.dynamics:
                self.p(" ".join(line.strip() for line in text.splitlines()))
        else:
            self.p(placeholder("热线工作动态", f"本月热线工作动态，写入 data/months/{self.d.month}/notes.md"))

    def _titles(self) -> list[str]:
        mw, th = self.mw, self.d.rules.groups.dept_large_threshold
        hours = plain(self.d.rules.onsite.within_hours)
        return [
            f"{self.group_label('town')}{mw}办理情况表",
            f"承办量≥{th}件区直（国企）{mw}办理情况表",
            f"承办量<{th}件区直（国企）{mw}办理情况表",
            f"{mw}企业诉求办理情况表",
            f"各单位省“接诉即办”工单{hours}小时到现场情况统计表",
        ]

    def annex_list(self) -> None:
        self.p("附件：", style="plain")
        for i, title in enumerate(self._titles(), 1):
            self.p(f"{i}. {title}", style="plain")

    def annex_tables(self) -> None:
        d, mw = self.d, self.mw
        pts = d.rules.scores.points
        w = d.rules.scores.overall_rank_weights
        th = d.rules.groups.dept_large_threshold
        score_heads = [
            f"响应率得分({plain(pts.response)})",
            f"按时办理率得分({plain(pts.ontime)})",
            f"解决率得分({plain(pts.resolution)})",
            f"满意率得分({plain(pts.satisfaction)})",
        ]
        rank_note = f"注：综合排名按照办理情况排名×{plain(w.handling_rank)}、抽测排名×{plain(w.sampling_rank)}计算。"

        def ranked_table(n: int, code: str, leader: str, title: str, sheet: str) -> Table:
            heads = [
                "单位",
                leader,
                "分管负责人",
                "承办量",
                *score_heads,
                "减分项",
                "考核得分",
                "质效",
                "办理得分",
                "办理排名",
                "抽测排名",
                "综合排名",
            ]
            rows = [
                [
                    *_scored_unit_cells(r),
                    *[Cell(plain(r[c])) for c in ("quality_bonus", "handling_score")],
                    *[
                        Cell("" if r[c] is None else str(r[c]))
                        for c in ("handling_rank", "sampling_rank", "overall_rank")
                    ],
                ]
                for r in d.scores(code).iter_rows(named=True)
            ]
            return Table(
                f"table{n}",
                sheet,
                f"表{n}",
                title,
                [[Cell(h, bold=True) for h in heads]],
                heads,
                rows,
                rank_note,
                widths=[3, 2, 2, 1.4] + [1.4] * 11,
            )

        titles = self._titles()
        self.table(
            ranked_table(1, "town", "党委负责人", f"{self.group_label('town')}{mw}市民热线办理情况表", "表1 镇街园区")
        )
        self.table(
            ranked_table(
                2,
                "dept_large",
                "主要负责人",
                f"承办量≥{th}件区直（国企）{mw}市民热线办理情况表",
                "表2 区直≥" + str(th),
            )
        )

        heads3 = [
            "单位",
            "主要负责人",
            "分管负责人",
            "承办量",
            *score_heads,
            "减分项",
            "考核得分",
            "考核排名",
            "质效",
            "综合得分",
            "综合排名",
        ]
        rows3 = [
            [
                *_scored_unit_cells(r),
                Cell(str(r["assessment_rank"])),
                Cell(plain(r["quality_bonus"])),
                Cell(plain(r["handling_score"])),
                Cell("" if r["overall_rank"] is None else str(r["overall_rank"])),
            ]
            for r in d.scores("dept_small").iter_rows(named=True)
        ]
        o = d.overview
        window = f"注：{self.m}月数据统计时间为{cn_date(o['window_start'])}至{cn_date(o['window_end'])}"
        self.table(
            Table(
                "table3",
                "表3 区直<" + str(th),
                "表3",
                f"承办量<{th}件区直（国企）{mw}市民热线办理情况表",
                [[Cell(h, bold=True) for h in heads3]],
                heads3,
                rows3,
                window,
                widths=[3, 2, 2, 1.4] + [1.4] * 10,
            )
        )

        ep = d.rules.enterprise.points
        groups4 = [
            ("按时办理", "按时办理率", "按时办理得分", ep.ontime),
            ("解决情况", "解决率", "解决得分", ep.resolution),
            ("满意度", "满意率", "满意得分", ep.satisfaction),
        ]
        header4 = [
            [
                Cell("单位", rowspan=2, bold=True),
                Cell("承办量", rowspan=2, bold=True),
                *[Cell(f"{g}（{plain(p)}分）", colspan=2, bold=True) for g, _, _, p in groups4],
                Cell("总得分", rowspan=2, bold=True),
                Cell("排名", rowspan=2, bold=True),
            ],
            [Cell(x, bold=True) for _ in groups4 for x in ("率", "得分")],
        ]
        flat4 = [
            "单位",
            "承办量",
            *[x for _, rate, score, p in groups4 for x in (rate, f"{score}({plain(p)})")],
            "总得分",
            "排名",
        ]
        rows4 = [
            [
                Cell(r["unit"]),
                Cell(str(r["volume"])),
                Cell(rate_pct_2(r["ontime_rate"])),
                Cell(whole_or_2(r["ontime_score"])),
                Cell(rate_pct_2(r["resolution_rate"])),
                Cell(whole_or_2(r["resolution_score"])),
                Cell(rate_pct_2(r["satisfaction_rate"])),
                Cell(whole_or_2(r["satisfaction_score"])),
                Cell(whole_or_2(r["total_score"])),
                Cell(str(r["rank"])),
            ]
            for r in d.enterprise_scores.iter_rows(named=True)
        ]
        self.table(
            Table(
                "table4",
                "表4 企业诉求",
                "表4",
                titles[3],
                header4,
                flat4,
                rows4,
                "注：企业诉求按照营商环境考核指标计算得分",
                widths=[3, 1.2, 1.4, 1.2, 1.4, 1.2, 1.4, 1.2, 1.3, 1],
            )
        )

        hours = plain(d.rules.onsite.within_hours)
        sub5 = ["与市民现场见面沟通量", "因跨区域未与市民现场见面沟通量", "因市民表示不需要现场见面沟通量"]
        first5 = ["承办单位", "工单数", f"{hours}小时内到现场量", f"{hours}小时未到现场量"]
        header5 = [
            [*[Cell(h, rowspan=2, bold=True) for h in first5], Cell("与市民现场见面沟通情况", colspan=3, bold=True)],
            [Cell(h, bold=True) for h in sub5],
        ]
        rows5 = [
            [
                Cell(r["unit"], bold=bool(r["is_total"])),
                *[
                    Cell(str(r[c]))
                    for c in (
                        "orders",
                        "within_2h",
                        "not_within_2h",
                        "met_on_site",
                        "not_met_cross_region",
                        "not_met_declined",
                    )
                ],
            ]
            for r in d.onsite.iter_rows(named=True)
        ]
        self.table(
            Table(
                "table5",
                "表5 省接诉即办",
                "表5",
                titles[4],
                header5,
                first5 + sub5,
                rows5,
                widths=[3, 1.2, 1.6, 1.6, 1.8, 2.2, 2.2],
            )
        )


def build_report(data: ReportData, report_date: date, charts: dict[str, Any]) -> Report:
    return Builder(data, report_date, charts).build()
