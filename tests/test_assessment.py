"""Unit assessment (tables 1–5 and section 二's lists) on small hand-made months, through the real
ingest and the project's Dagster definitions. Every expected number is worked out by hand in the
comments next to the data that gives it."""

from decimal import Decimal as D
from pathlib import Path

import pytest

from tests.helpers import dept, export_row, materialize_months, query, town, write_csv, write_reference

FEB, JAN = "2024-02", "2024-01"
FEB_DAY, JAN_DAY = "2024-02-01 09:00:00", "2024-01-10 09:00:00"
ADJ_HEADERS = ["单位名称", "减分项", "质效", "抽测排名"]

# Roster order: 甲镇 乙镇 丙镇 丁镇 | 区大局 区中局 区小局 区微局 区新局
UNITS = [
    town("甲镇"),
    town("乙镇", 简称="乙"),
    town("丙镇"),
    town("丁镇"),
    dept("区大局"),
    dept("区中局"),
    dept("区小局"),
    dept("区微局"),
    dept("区新局"),
]


def feb_rows() -> list[dict]:
    rows = []
    # 乙镇 first in the file: listing must follow the roster, not the file.
    # 乙镇, 8 orders: 7 signed on time → 7/8 × 5 = 4.375 → 4.38; all else full → 99.38
    rows += [export_row(f"B{i}", "乙镇", FEB_DAY, 是否按时签收="否" if i == 0 else "是") for i in range(8)]
    # 甲镇, the same 8 → 99.38; two of them enterprise orders, all full → table 4: 100
    rows += [
        export_row(
            f"A{i}",
            "甲镇",
            FEB_DAY,
            是否按时签收="否" if i == 0 else "是",
            企业诉求来源="企业直通车" if i in (1, 2) else "",
        )
        for i in range(8)
    ]
    # 丙镇, 4 orders: 3 of 4 solved → 30; → 90. Closed later: mean 96 h (longest).
    # One 省接诉即办 order without an arrival time (not within 2 h), citizen declined.
    rows += [
        export_row(
            f"C{i}",
            "丙镇",
            FEB_DAY,
            解决情况="未解决" if i == 0 else "已解决",
            办结时间="2024-02-05 09:00:00",
            是否省接诉即办="是" if i == 1 else "否",
            现场见面情况="市民不需要见面" if i == 1 else "",
        )
        for i in range(4)
    ]
    # 丁镇, 4 orders: satisfaction 满意 (1) + "87" (0.87) + 基本满意 (0.8) over 3 callbacks = 0.89 → 44.5;
    # the 4th has no callback. 3 of 3 solved → 40. → 94.5. One 市重办 → rework 1/4.
    sat = ["满意", "87", "基本满意", ""]
    rows += [
        export_row(
            f"D{i}",
            "丁镇",
            FEB_DAY,
            满意度=sat[i],
            解决情况="" if i == 3 else "已解决",
            是否市重办="是" if i == 0 else "否",
        )
        for i in range(4)
    ]
    # 区大局, exactly 50 → dept_large; 45 of 50 solved → 36 → 96. Two 省接诉即办 orders: one
    # arrives exactly 2 h after dispatch (within), one 2 h 1 min (not within).
    for i in range(50):
        fast = {}
        if i == 0:
            fast = dict(是否省接诉即办="是", 到达现场时间="2024-02-01 11:00:00", 现场见面情况="已见面")
        if i == 1:
            fast = dict(是否省接诉即办="是", 到达现场时间="2024-02-01 11:01:00", 现场见面情况="跨区域未见面")
        rows.append(export_row(f"L{i}", "区大局", FEB_DAY, 解决情况="未解决" if i < 5 else "已解决", **fast))
    # 区中局, 60, all full → 100; three enterprise orders → table 4: 100 (listed before 甲镇: more orders)
    rows += [export_row(f"M{i}", "区中局", FEB_DAY, 企业诉求来源="企业直通车" if i < 3 else "") for i in range(60)]
    # Order X1 co-handled by 区小局 and 区微局: one assignment each.
    rows += [export_row("X1", "区小局", FEB_DAY), export_row("X1", "区微局", FEB_DAY)]
    # 区小局: X1 + 48 → 49 → dept_small. Three enterprise orders: on time 2 of 3 (13.333…),
    # solved 1 of 3 (13.333…), satisfaction 1 of 3 (13.333…): scores 13.33 each, but 总得分 40.00
    # (the exact sum), not 39.99. Whole unit: on time 48/49 → 4.90, solved 47/49 → 38.37,
    # satisfied 47/49 → 47.96 → 96.23.
    for i in range(48):
        extra = {}
        if i < 3:
            extra = dict(
                企业诉求来源="企业直通车",
                是否按时办结="否" if i == 0 else "是",
                解决情况="已解决" if i == 0 else "未解决",
                满意度="满意" if i == 0 else "不满意",
            )
        rows.append(export_row(f"S{i}", "区小局", FEB_DAY, **extra))
    # 区微局: X1 + 1 → 2, full → 100
    rows.append(export_row("W1", "区微局", FEB_DAY))
    # 区新局: new this month, 3 orders, no callback at all → full credit (marked) → 100
    rows += [export_row(f"N{i}", "区新局", FEB_DAY, 解决情况="", 满意度="") for i in range(3)]
    return rows


def jan_rows() -> list[dict]:
    return [
        export_row("JA1", "甲镇", JAN_DAY),
        export_row("JA2", "甲镇", JAN_DAY, 解决情况="未解决"),  # 0.5 → Feb 1.0: +0.5
        export_row("JB1", "乙镇", JAN_DAY),  # 1.0 → 1.0: 0
        export_row("JC1", "丙镇", JAN_DAY),  # 1.0 → 0.75: −0.25
        export_row("JL1", "区大局", JAN_DAY),  # 1.0 → 0.9: −0.1
        export_row("JM1", "区中局", JAN_DAY),
        export_row("JM2", "区中局", JAN_DAY, 解决情况="未解决"),  # 0.5 → 1.0: +0.5
    ]


FEB_ADJUSTMENTS = [
    # 乙镇: −0.5 and +0.5: 考核得分 98.88, 办理得分 99.38 (ties 甲镇)
    {"单位名称": "甲镇", "减分项": "0", "质效": "0", "抽测排名": "1"},
    {"单位名称": "乙", "减分项": "-0.5", "质效": "0.5", "抽测排名": "1"},
    {"单位名称": "丙镇", "减分项": "0", "质效": "0", "抽测排名": "2"},
    {"单位名称": "丁镇", "减分项": "0", "质效": "0", "抽测排名": "3"},
    {"单位名称": "区大局", "减分项": "0", "质效": "0", "抽测排名": "2"},
    {"单位名称": "区中局", "减分项": "0", "质效": "0", "抽测排名": "1"},
    {"单位名称": "区小局", "减分项": "0", "质效": "0", "抽测排名": "3"},  # ignored while dept_small
]
JAN_ADJUSTMENTS = [
    {"单位名称": n, "减分项": "0", "质效": "0", "抽测排名": str(i + 1)} for i, n in enumerate(["甲镇", "乙镇", "丙镇"])
]

OVERRIDE_RULES = """\
groups:
  dept_large_threshold: 49
scores:
  points:
    response: 10
  overall_rank_weights:
    handling_rank: 0.7
    sampling_rank: 0.3
enterprise:
  tie_order: roster
onsite:
  within_hours: 3
"""


def write_data(data: Path, rules_yaml: str | None = None, feb_adjustments=FEB_ADJUSTMENTS) -> None:
    aliases = [dict(u, 别名="乙") if u["单位名称"] == "乙镇" else u for u in UNITS]
    write_reference(data, aliases)
    if rules_yaml:
        (data / "reference" / "rules.yaml").write_text(rules_yaml, encoding="utf-8")
    write_csv(data / "months" / JAN / "exports" / "jan.csv", jan_rows())
    write_csv(data / "months" / JAN / "adjustments.csv", JAN_ADJUSTMENTS, headers=ADJ_HEADERS)
    write_csv(data / "months" / FEB / "exports" / "feb.csv", feb_rows())
    write_csv(data / "months" / FEB / "adjustments.csv", feb_adjustments, headers=ADJ_HEADERS)


def build(
    tmp: Path,
    rules_yaml: str | None = None,
    feb_adjustments=FEB_ADJUSTMENTS,
    months=(JAN, FEB),
    raise_on_error: bool = True,
):
    """A data folder under tmp, materialized month by month with the project's definitions."""
    env = {
        "HOTLINE_DATA_DIR": tmp / "data",
        "HOTLINE_WAREHOUSE": tmp / "data" / "warehouse.duckdb",
        "HOTLINE_REPORTS_DIR": tmp / "reports",
        "HOTLINE_PHONE_KEY_FILE": tmp / "secrets" / "phone.key",
        "DAGSTER_HOME": tmp / "dagster_home",
    }
    (tmp / "data").mkdir(parents=True)
    (tmp / "dagster_home").mkdir()
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, str(value))
        write_data(tmp / "data", rules_yaml, feb_adjustments)
        results = [materialize_months(m, raise_on_error=raise_on_error) for m in months]
    return env["HOTLINE_WAREHOUSE"], results


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("assessment"))[0]


@pytest.fixture(scope="module")
def overridden(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("assessment_rules"), OVERRIDE_RULES)[0]


def rows_of(warehouse: Path, table: str, key: str = "unit", month: str = FEB) -> dict[str, dict]:
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        frame = con.sql(f"SELECT * FROM {table} WHERE month = $m", params={"m": month}).pl()
    finally:
        con.close()
    return {r[key]: r for r in frame.iter_rows(named=True)}


def cells(row: dict, *columns: str) -> tuple:
    return tuple(row[c] for c in columns)


# --------------------------------------------------------------------------- mart.unit_scores
def test_rounding_half_away_from_zero_on_exact_values(warehouse):
    s = rows_of(warehouse, "mart.unit_scores")
    # 7/8 × 5 = 4.375 → 4.38 (a float would give 4.37)
    assert s["甲镇"]["response_score"] == D("4.38")
    assert s["甲镇"]["response_rate"] == D("0.8750")
    assert cells(s["甲镇"], "assessment_score", "handling_score") == (D("99.38"), D("99.38"))


def test_groups_and_threshold_exactly_at_50(warehouse):
    s = rows_of(warehouse, "mart.unit_scores")
    groups = {u: r["group_code"] for u, r in s.items()}
    assert groups == {
        "甲镇": "town",
        "乙镇": "town",
        "丙镇": "town",
        "丁镇": "town",
        "区大局": "dept_large",
        "区中局": "dept_large",
        "区小局": "dept_small",
        "区微局": "dept_small",
        "区新局": "dept_small",
    }
    assert s["区大局"]["volume"] == 50 and s["区小局"]["volume"] == 49


def test_co_handled_order_counts_for_both_units(warehouse):
    s = rows_of(warehouse, "mart.unit_scores")
    assert (s["区小局"]["volume"], s["区微局"]["volume"]) == (49, 2)
    assert query(
        warehouse, "SELECT count(*) FROM core.assignments WHERE month = $m AND order_id = 'X1'", {"m": FEB}
    ) == [(2,)]


def test_town_scores_ranks_and_listing(warehouse):
    s = rows_of(warehouse, "mart.unit_scores")
    columns = (
        "response_score",
        "ontime_score",
        "resolution_score",
        "satisfaction_score",
        "deduction",
        "assessment_score",
        "assessment_rank",
        "quality_bonus",
        "handling_score",
        "handling_rank",
        "sampling_rank",
        "overall_rank",
        "list_order",
    )
    assert cells(s["甲镇"], *columns) == (D("4.38"), 5, 40, 50, 0, D("99.38"), 1, 0, D("99.38"), 1, 1, 1, 1)
    # 乙镇 is first in the file but second in the roster: tied on every rank, listed second
    assert cells(s["乙镇"], *columns) == (
        D("4.38"),
        5,
        40,
        50,
        D("-0.5"),
        D("98.88"),
        2,
        D("0.5"),
        D("99.38"),
        1,
        1,
        1,
        2,
    )
    # handling ranks 1, 1, 3, 4: competition ranking
    assert cells(s["丁镇"], *columns) == (5, 5, 40, D("44.50"), 0, D("94.50"), 3, 0, D("94.50"), 3, 3, 4, 4)
    assert cells(s["丙镇"], *columns) == (5, 5, 30, 50, 0, D("90.00"), 4, 0, D("90.00"), 4, 2, 3, 3)
    # 综合: 甲 乙 1×0.3+1×0.7 = 1.0; 丙 4×0.3+2×0.7 = 2.6; 丁 3×0.3+3×0.7 = 3.0
    assert [s[u]["overall_key"] for u in ("甲镇", "乙镇", "丙镇", "丁镇")] == [D("1.0"), D("1.0"), D("2.6"), D("3.0")]
    assert s["乙镇"]["short_name"] == "乙" and s["乙镇"]["roster_order"] == 2


def test_numeric_and_label_satisfaction_mixed(warehouse):
    d = rows_of(warehouse, "mart.unit_scores")["丁镇"]
    # 满意 1 + "87" 0.87 + 基本满意 0.8 = 2.67 over 3 callbacks (the 4th has none) = 0.89 → × 50 = 44.50
    assert cells(
        d, "satisfaction_callbacks", "satisfaction_credit_sum", "satisfaction_rate", "satisfaction_score"
    ) == (
        3,
        D("2.67"),
        D("0.8900"),
        D("44.50"),
    )
    assert cells(d, "resolution_callbacks", "resolution_rate", "resolution_score") == (3, D("1.0000"), D("40.00"))


def test_no_callback_gets_full_credit_and_is_marked(warehouse):
    s = rows_of(warehouse, "mart.unit_scores")
    n = s["区新局"]
    assert cells(n, "resolution_callbacks", "satisfaction_callbacks") == (0, 0)
    assert cells(n, "resolution_full_credit", "satisfaction_full_credit") == (True, True)
    assert cells(n, "resolution_rate", "resolution_score", "satisfaction_score", "assessment_score") == (
        D("1.0000"),
        40,
        50,
        100,
    )
    # 丁镇 lacks a callback on one order only: not marked
    assert cells(s["丁镇"], "resolution_full_credit", "satisfaction_full_credit") == (False, False)


def test_dept_small_ranks_on_composite_score_without_sampling(warehouse):
    s = rows_of(warehouse, "mart.unit_scores")
    columns = (
        "ontime_score",
        "resolution_score",
        "satisfaction_score",
        "assessment_score",
        "assessment_rank",
        "handling_score",
        "sampling_rank",
        "overall_rank",
        "list_order",
    )
    # 区微局 and 区新局 tie at 100: ranks 1, 1, then 区小局 3; listed in roster order
    assert cells(s["区微局"], *columns) == (5, 40, 50, 100, 1, 100, None, 1, 1)
    assert cells(s["区新局"], *columns) == (5, 40, 50, 100, 1, 100, None, 1, 2)
    # 48/49 × 5 = 4.898 → 4.90; 47/49 × 40 = 38.367 → 38.37; 47/49 × 50 = 47.959 → 47.96
    # (区小局 has 抽测排名 3 in the adjustments: ignored, dept_small has no sampling)
    assert cells(s["区小局"], *columns) == (D("4.90"), D("38.37"), D("47.96"), D("96.23"), 3, D("96.23"), None, 3, 3)


def test_dept_large(warehouse):
    s = rows_of(warehouse, "mart.unit_scores")
    # 区大局 45/50 solved → 36 → 96; handling 2, sampling 2 → 综合 2; 区中局 100, 1, 1 → 1
    assert cells(
        s["区大局"],
        "resolution_score",
        "handling_score",
        "handling_rank",
        "sampling_rank",
        "overall_rank",
        "list_order",
    ) == (36, 96, 2, 2, 2, 2)
    assert cells(s["区中局"], "handling_score", "handling_rank", "sampling_rank", "overall_rank", "list_order") == (
        100,
        1,
        1,
        1,
        1,
    )


def test_resolution_rate_against_previous_month(warehouse):
    s = rows_of(warehouse, "mart.unit_scores")
    mom = {u: r["resolution_rate_mom"] for u, r in s.items()}
    assert mom == {
        "甲镇": D("0.5"),
        "乙镇": D("0"),
        "丙镇": D("-0.25"),
        "丁镇": None,
        "区大局": D("-0.1"),
        "区中局": D("0.5"),
        "区小局": None,
        "区微局": None,
        "区新局": None,
    }
    assert s["甲镇"]["resolution_rate_prev"] == D("0.5")


def test_handling_time_and_city_rework(warehouse):
    s = rows_of(warehouse, "mart.unit_scores")
    # 2024-02-01 09:00 → 2024-02-03 10:00 = 49 h; 丙镇 → 2024-02-05 09:00 = 96 h
    assert (s["甲镇"]["mean_handling_hours"], s["丙镇"]["mean_handling_hours"]) == (49, 96)
    assert {u: r["city_rework_rate"] for u, r in s.items() if r["city_rework_rate"]} == {"丁镇": D("0.25")}


def test_units_without_assignments_are_not_ranked(tmp_path):
    warehouse, _ = build(tmp_path, months=(JAN,))
    assert set(rows_of(warehouse, "mart.unit_scores", month=JAN)) == {"甲镇", "乙镇", "丙镇", "区大局", "区中局"}


# --------------------------------------------------------------------------- tables 4 and 5
def test_enterprise_scores(warehouse):
    e = rows_of(warehouse, "mart.enterprise_scores")
    columns = (
        "volume",
        "ontime_rate",
        "ontime_score",
        "resolution_rate",
        "resolution_score",
        "satisfaction_rate",
        "satisfaction_score",
        "total_score",
        "rank",
        "list_order",
    )
    assert cells(e["区中局"], *columns) == (3, 1, 20, 1, 40, 1, 40, 100, 1, 1)
    assert cells(e["甲镇"], *columns) == (2, 1, 20, 1, 40, 1, 40, 100, 1, 2)
    # 13.33 + 13.33 + 13.33 = 39.99, but 总得分 rounds the exact sum 40 (as the seed's 81.13)
    assert cells(e["区小局"], *columns) == (
        3,
        D("0.6667"),
        D("13.33"),
        D("0.3333"),
        D("13.33"),
        D("0.3333"),
        D("13.33"),
        D("40.00"),
        3,
        3,
    )
    assert set(e) == {"区中局", "甲镇", "区小局"}


def test_onsite_2h(warehouse):
    o = rows_of(warehouse, "mart.onsite_2h")
    columns = ("orders", "within_2h", "not_within_2h", "met_on_site", "not_met_cross_region", "not_met_declined")
    # exactly 2 h counts as within; 2 h 1 min does not; no arrival time does not
    assert cells(o["区大局"], *columns) == (2, 1, 1, 1, 1, 0)
    assert cells(o["丙镇"], *columns) == (1, 0, 1, 0, 0, 1)
    assert cells(o["合计"], *columns) == (3, 1, 2, 1, 1, 1)
    assert [o[u]["list_order"] for u in ("区大局", "丙镇", "合计")] == [1, 2, 3]
    assert o["合计"]["is_total"] is True


# --------------------------------------------------------------------------- section 二
def test_highlights(warehouse):
    rows = query(
        warehouse,
        """SELECT group_code, list_code, list(short_name ORDER BY position)
                               FROM mart.unit_highlights WHERE month = $m GROUP BY ALL""",
        {"m": FEB},
    )
    lists = {(g, kind): names for g, kind, names in rows}
    assert lists == {
        ("town", "overall_top"): ["甲镇", "乙", "丙镇"],
        ("town", "overall_bottom"): ["乙", "丙镇", "丁镇"],
        # resolution 40, 40, 40 (tie: 综合排名 1, 1, 4 then roster), 30
        ("town", "resolution_top"): ["甲镇", "乙", "丁镇"],
        ("town", "resolution_bottom"): ["乙", "丁镇", "丙镇"],
        ("town", "satisfaction_top"): ["甲镇", "乙", "丙镇"],
        ("town", "satisfaction_bottom"): ["乙", "丙镇", "丁镇"],
        ("town", "longest_handling"): ["丙镇", "甲镇", "乙"],
        ("town", "city_rework"): ["丁镇"],
        ("town", "resolution_rise"): ["甲镇"],
        ("town", "resolution_fall"): ["丙镇"],
        ("dept_large", "overall_top"): ["区中局", "区大局"],
        ("dept_large", "overall_bottom"): ["区中局", "区大局"],
        ("dept_large", "resolution_top"): ["区中局", "区大局"],
        ("dept_large", "resolution_bottom"): ["区中局", "区大局"],
        ("dept_large", "satisfaction_top"): ["区中局", "区大局"],
        ("dept_large", "satisfaction_bottom"): ["区中局", "区大局"],
        ("dept_large", "longest_handling"): ["区中局", "区大局"],
        ("dept_large", "resolution_rise"): ["区中局"],
        ("dept_large", "resolution_fall"): ["区大局"],
        ("dept_small", "overall_top"): ["区微局", "区新局", "区小局"],
        ("dept_small", "overall_bottom"): ["区微局", "区新局", "区小局"],
    }
    values = dict(
        ((g, kind, u), v)
        for g, kind, u, v in query(
            warehouse,
            "SELECT group_code, list_code, unit, value FROM mart.unit_highlights WHERE month = $m",
            {"m": FEB},
        )
    )
    assert values[("town", "resolution_fall", "丙镇")] == D("-0.25")
    assert values[("town", "longest_handling", "丙镇")] == 96


# --------------------------------------------------------------------------- rule settings
def test_changed_rules_change_the_result(overridden):
    s = rows_of(overridden, "mart.unit_scores")
    # response points 10: 7/8 × 10 = 8.75
    assert cells(s["甲镇"], "response_score", "assessment_score") == (D("8.75"), D("103.75"))
    # weights 0.7 / 0.3: 丙 4×0.7+2×0.3 = 3.4, 丁 3×0.7+3×0.3 = 3.0 → 丁 now before 丙
    assert [(s[u]["overall_key"], s[u]["overall_rank"]) for u in ("丙镇", "丁镇")] == [(D("3.4"), 4), (D("3.0"), 3)]
    # threshold 49: 区小局 is a large department now, with its 抽测排名 3
    assert cells(s["区小局"], "group_code", "sampling_rank") == ("dept_large", 3)
    e = rows_of(overridden, "mart.enterprise_scores")
    # tie_order roster: 甲镇 before 区中局
    assert (e["甲镇"]["list_order"], e["区中局"]["list_order"]) == (1, 2)
    # within 3 h: both of 区大局's arrivals count
    assert rows_of(overridden, "mart.onsite_2h")["区大局"]["within_2h"] == 2


# --------------------------------------------------------------------------- blocking checks
def test_checks_block_publication_and_name_unit_and_file(tmp_path):
    bad = [
        dict(FEB_ADJUSTMENTS[0], 减分项="0.3"),  # 减分项 > 0
        dict(FEB_ADJUSTMENTS[1], 质效="-1"),  # 质效 < 0
        dict(FEB_ADJUSTMENTS[2], 抽测排名=""),  # missing 抽测排名
        *FEB_ADJUSTMENTS[3:5],  # 区中局 has no row at all
        {"单位名称": "区不存在局", "减分项": "0", "质效": "0", "抽测排名": "9"},
    ]
    _, results = build(tmp_path, feb_adjustments=bad, raise_on_error=False)
    feb = results[1]
    assert not feb.success
    checks = {e.check_name: e for e in feb.get_asset_check_evaluations()}
    assert not checks["sampling_rank_complete"].passed
    text = checks["sampling_rank_complete"].description
    assert "丙镇: 抽测排名 is empty (months/2024-02/adjustments.csv row 4)" in text
    assert "区中局: no row for the unit (months/2024-02/adjustments.csv)" in text
    text = checks["adjustments_units_in_roster"].description
    assert not checks["adjustments_units_in_roster"].passed and "区不存在局" in text and "row 7" in text
    text = checks["adjustments_valid"].description
    assert not checks["adjustments_valid"].passed
    assert "甲镇: 减分项 must be 0 or negative (got 0.3) (months/2024-02/adjustments.csv row 2)" in text
    assert "乙镇: 质效 must be 0 or positive" in text
    # nothing downstream of the blocked scores was published
    assert query(
        tmp_path / "data" / "warehouse.duckdb",
        "SELECT count(*) FROM mart.unit_highlights WHERE month = $m",
        {"m": FEB},
    ) == [(0,)]


def test_checks_pass_on_complete_adjustments(tmp_path):
    _, results = build(tmp_path, months=(JAN,))
    checks = {e.check_name: e.passed for e in results[0].get_asset_check_evaluations()}
    assert checks["sampling_rank_complete"] and checks["adjustments_units_in_roster"] and checks["adjustments_valid"]
