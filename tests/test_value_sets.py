"""Closed value sets: every value of 解决情况, 满意度, the 是/否 columns, 诉求类型, 企业诉求来源 and
现场见面情况 is known, or it is a row fault naming the value and the accepted ones. pandera passes a
check whose expression yields NULL, so each check is tried with a value outside its set (one its
expression cannot evaluate, where there is one) and with an empty cell. Files are real CSVs."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest
from dagster import AssetSelection

from hotline.contract.exports import read_export, validate_month
from hotline.contract.files import RowFaults, cast_numbers, read_csv_with_headers, validate_reference
from hotline.ingest import store_month
from hotline.reference import load_adjustments, load_hotspots, load_roster
from hotline.rules import RulesError, load_rules
from hotline.rules_model import typed_rules
from hotline.warehouse import prepare
from schemas.reference import ADJUSTMENTS_HEADERS, ADJUSTMENTS_SCHEMA, CITY_HEADERS, CITY_REQUIRED, CITY_SCHEMA
from tests import helpers
from tests.helpers import check_evaluations, export_row, query, town, write_csv, write_reference

MONTH = "2024-02"
WINDOW = (date(2024, 1, 25), date(2024, 2, 22))
CALENDAR = [("2024-01", "2023-12-23", "2024-01-24"), ("2024-02", "2024-01-25", "2024-02-22")]
UNIT_NAMES = pl.DataFrame({"name": ["柳园街道"], "unit": ["柳园街道"], "unit_group": ["town"]})
DEFAULT_RULES = load_rules(Path("/nonexistent"))


def judge(tmp_path: Path, rows: list[dict], rules=DEFAULT_RULES, name="export.csv"):
    path = write_csv(tmp_path / name, rows)
    return validate_month([read_export(path)], typed_rules(rules), *WINDOW, UNIT_NAMES)


# header → (a value outside its set, words of the reason naming the accepted values)
OUTSIDE = {
    "解决情况": ("差不多", "解决情况 must be one of 已解决/基本解决/未解决 or empty"),
    "满意度": ("一般", "满意度 must be one of 非常满意/满意/基本满意/不满意/非常不满意 or a number 0–100"),
    "诉求类型": ("吐槽", "诉求类型 must be one of 求助/咨询/建议/感谢/投诉/举报/其他"),
    "企业诉求来源": ("别的平台", "企业诉求来源 must be empty or 省企业诉求接诉即办/企业直通车"),
    "现场见面情况": ("没见到", "现场见面情况 must be empty or 已见面/跨区域未见面/市民不需要见面"),
    "是否按时签收": ("也许", "是否按时签收 must be 是 or 否"),
    "是否按时办结": ("未知", "是否按时办结 must be 是 or 否"),
    "是否市重办": ("不详", "是否市重办 must be 是 or 否"),
    "是否市到期未按时回复": ("待定", "是否市到期未按时回复 must be 是 or 否"),
    "是否省接诉即办": ("?", "是否省接诉即办 must be 是 or 否"),
    "受理时间": ("2024-03-01 08:00:00", "受理时间 must fall in the month's window 2024-01-25..2024-02-22"),
}


@pytest.mark.parametrize("header", sorted(OUTSIDE))
def test_a_value_outside_its_set_is_a_row_fault_naming_value_and_accepted_ones(tmp_path, header):
    value, words = OUTSIDE[header]
    month = judge(tmp_path, [export_row("A1", "柳园街道"), export_row("A2", "柳园街道", **{header: value})])
    faults = month.faults.rows(named=True)
    assert [(f["row_number"], f["column_name"], f["value"]) for f in faults] == [(3, header, value)]
    assert words in faults[0]["reason"], faults[0]["reason"]
    assert month.rows["order_id"].to_list() == ["A1"]


# Optional columns: empty is accepted (no callback, no source, 否). Required ones: one fault, the
# empty value's own, not a second one from the value check.
EMPTY_ACCEPTED = [
    "解决情况",
    "满意度",
    "企业诉求来源",
    "现场见面情况",
    "是否市重办",
    "是否市到期未按时回复",
    "是否省接诉即办",
]
EMPTY_REQUIRED = ["诉求类型", "是否按时签收", "是否按时办结", "受理时间", "工单编号"]


@pytest.mark.parametrize("header", EMPTY_ACCEPTED)
def test_an_empty_optional_value_is_accepted(tmp_path, header):
    month = judge(tmp_path, [export_row("A1", "柳园街道", **{header: ""})])
    assert month.faults.height == 0, month.faults.rows()
    assert month.rows.height == 1


@pytest.mark.parametrize("header", EMPTY_REQUIRED)
def test_an_empty_required_value_is_one_fault(tmp_path, header):
    month = judge(tmp_path, [export_row("A1", "柳园街道"), export_row("A2", "柳园街道", **{header: ""})])
    faults = month.faults.rows(named=True)
    assert [(f["row_number"], f["column_name"]) for f in faults] == [(3, header)]
    assert "required value is empty" in faults[0]["reason"]


@pytest.mark.parametrize("value", ["-5", "100.5", "1e2", "85%", "+80", "八十", "NaN", "inf"])
def test_a_satisfaction_score_is_a_plain_number_0_to_100(tmp_path, value):
    month = judge(tmp_path, [export_row("A1", "柳园街道", 满意度=value)])
    assert month.faults.select("column_name", "value").rows() == [("满意度", value)]


@pytest.mark.parametrize(
    "written,stored",
    [
        ("满 意", "满意"),
        ("满意\u3000", "满意"),
        ("基本\u3000满意", "基本满意"),
        ("ｂ", None),
        ("85", "85"),
        ("０", "0"),
        ("１００", "100"),
        ("85.5", "85.5"),
    ],
)
def test_labels_are_read_after_nfkc_and_white_space_folding(tmp_path, written, stored):
    month = judge(tmp_path, [export_row("A1", "柳园街道", 满意度=written, 解决情况="已\u3000解决")])
    if stored is None:
        assert month.faults.select("column_name", "value").rows() == [("满意度", "b")]
        return
    assert month.faults.height == 0, month.faults.rows()
    assert month.rows.select("satisfaction_result", "resolution_result").row(0) == (stored, "已解决")


def test_a_label_only_folding_could_confuse_is_not_guessed(tmp_path):
    # Two labels that fold to the same text: neither spelling is guessed for the other.
    rules = {**DEFAULT_RULES, "credit": {**DEFAULT_RULES["credit"], "satisfaction": {"满意": 1, "满 意": 0.5}}}
    month = judge(tmp_path, [export_row("A1", "柳园街道", 满意度="满  意")], rules=rules)
    assert month.faults.select("column_name", "value").rows() == [("满意度", "满  意")]


def _month_folder(env, rows, rules_yaml: str | None = None):
    write_reference(env["data"], [town("柳园街道")], calendar=CALENDAR)
    helpers.write_adjustments(env["data"], MONTH, ["柳园街道"])
    if rules_yaml is not None:
        (env["data"] / "reference" / "rules.yaml").write_text(rules_yaml, encoding="utf-8")
    write_csv(env["data"] / "months" / MONTH / "exports" / "export.csv", rows)


def test_satisfaction_label_outside_the_credit_map_blocks_the_month(hotline_env):
    """Finding 1: 一般 and 很不满意 used to pass (NULL) and leave the denominator, exit 0."""
    rows = [export_row(f"A{i}", "柳园街道", 满意度="满意") for i in range(8)]
    rows += [export_row("B1", "柳园街道", 满意度="一般"), export_row("B2", "柳园街道", 满意度="很不满意")]
    _month_folder(hotline_env, rows)
    result = helpers.materialize_months(MONTH, selection=AssetSelection.all(), raise_on_error=False)
    assert not result.success
    check = check_evaluations(result)["no_rejected_rows"]
    assert not check.passed and check.metadata["rejected rows"].value == 2
    assert query(
        hotline_env["warehouse"], "SELECT row_number, column_name, value FROM core.blocked_faults ORDER BY row_number"
    ) == [(10, "满意度", "一般"), (11, "满意度", "很不满意")]
    assert not [e for e in result.get_asset_materialization_events() if e.asset_key.path[0] == "mart"]


def test_a_district_adds_a_label_with_its_credit_in_rules_yaml(hotline_env):
    rules = (
        "credit:\n  satisfaction:\n    非常满意: 1\n    满意: 1\n    基本满意: 0.8\n    一般: 0.6\n"
        "    不满意: 0\n    非常不满意: 0\nvalues:\n  request_types: [求助, 咨询, 表扬]\n"
    )
    rows = [
        export_row("A1", "柳园街道", 满意度="一般", 诉求类型="表扬"),
        export_row("A2", "柳园街道", 满意度="85"),
        export_row("A3", "柳园街道", 满意度="0"),
        export_row("A4", "柳园街道", 满意度="100", 解决情况=""),
    ]
    _month_folder(hotline_env, rows, rules)
    assert helpers.materialize_months(MONTH, selection=AssetSelection.groups("reference", "ingest")).success
    got = query(
        hotline_env["warehouse"],
        "SELECT order_id, request_type, satisfaction_credit, resolution_credit "
        "FROM core.assignments ORDER BY order_id",
    )
    assert [(o, t, float(s), None if r is None else float(r)) for o, t, s, r in got] == [
        ("A1", "表扬", 0.6, 1.0),
        ("A2", "求助", 0.85, 1.0),
        ("A3", "求助", 0.0, 1.0),
        ("A4", "求助", 1.0, None),
    ]


@pytest.mark.parametrize(
    "rules_yaml,words",
    [
        ("credit:\n  satisfaction:\n    100: 1\n", "credit.satisfaction: the key 100 must be a label (a text)"),
        ("values:\n  request_types: 求助\n", "values.request_types = '求助': expected a list of 诉求类型 texts"),
        ("values:\n  request_types: []\n", "values.request_types = []: expected a list of 诉求类型 texts"),
    ],
)
def test_rules_yaml_value_sets_must_be_texts(tmp_path, rules_yaml, words):
    (tmp_path / "rules.yaml").write_text(rules_yaml, encoding="utf-8")
    with pytest.raises(RulesError) as caught:
        load_rules(tmp_path)
    assert words in str(caught.value)


def test_a_label_without_a_credit_cannot_reach_the_warehouse(tmp_path):
    """The SQL never turns an unknown label into an empty credit: rows validated under rules that
    know 一般, stored with a credit map that does not, fail the insert and leave the month."""
    with_label = {
        **DEFAULT_RULES,
        "credit": {
            **DEFAULT_RULES["credit"],
            "satisfaction": {**DEFAULT_RULES["credit"]["satisfaction"], "一般": 0.6},
        },
    }
    month = judge(tmp_path, [export_row("A1", "柳园街道", 满意度="一般")], rules=with_label)
    assert month.faults.height == 0
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    try:
        prepare(con)
        with pytest.raises(duckdb.Error) as caught:
            store_month(con, MONTH, month, typed_rules(DEFAULT_RULES), "key")
        assert "满意度 without a credit reached the warehouse: export.csv row 2" in str(caught.value)
        assert "一般" not in str(caught.value)
        assert con.execute("SELECT count(*) FROM core.assignments").fetchall() == [(0,)]
        # The same rows with the rules they were validated under store their credit.
        store_month(con, MONTH, month, typed_rules(with_label), "key")
        assert con.execute("SELECT satisfaction_credit FROM core.assignments").fetchall() == [(Decimal("0.6"),)]
    finally:
        con.close()


# --------------------------------------------------------------------------- reference files
def test_units_csv_checks_decide_empty_cells(tmp_path):
    ref = tmp_path / "reference"
    write_reference(
        tmp_path,
        [
            town("甲镇"),
            town("乙镇", 分组="乡镇"),
            town("丙镇", 起始月="2024-2"),
            town("丁镇", 终止月="二月"),
            town("戊镇", 分组=""),
            town("己镇", 起始月=""),
        ],
    )
    with pytest.raises(RowFaults) as caught:
        load_roster(ref, typed_rules(DEFAULT_RULES))
    assert [(row, column) for row, column, _, _ in caught.value.faults] == [
        (3, "分组"),
        (4, "起始月"),
        (5, "终止月"),
        (6, "分组"),
    ]
    reasons = {(row, column): reason for row, column, _, reason in caught.value.faults}
    assert reasons[(3, "分组")] == "分组 must be 镇街园区 or 区直国企"
    assert reasons[(6, "分组")] == "required value is empty: fill it in"
    assert reasons[(4, "起始月")] == "起始月 must be a month like 2024-02"


def test_hotspots_csv_prefix_checks(tmp_path):
    write_reference(
        tmp_path, [town("甲镇")], hotspots=[("物业", "", "城乡建设/物业管理"), ("空", "", "/"), ("无", "", "")]
    )
    with pytest.raises(RowFaults) as caught:
        load_hotspots(tmp_path / "reference")
    assert [(row, column) for row, column, _, _ in caught.value.faults] == [(3, "诉求分类前缀"), (4, "诉求分类前缀")]


def test_adjustments_checks_decide_empty_and_not_a_number(tmp_path):
    path = write_csv(
        tmp_path / "adjustments.csv",
        [
            {"单位名称": "甲镇", "减分项": "0", "质效": "1", "抽测排名": "1"},
            {"单位名称": "乙镇", "减分项": "2", "质效": "-1", "抽测排名": "0"},
            {"单位名称": "丙镇", "减分项": "nan", "质效": "", "抽测排名": ""},
        ],
    )
    with pytest.raises(RowFaults) as caught:
        validate_reference(load_adjustments(path), ADJUSTMENTS_SCHEMA, path, ADJUSTMENTS_HEADERS)
    got = {(row, column): reason for row, column, _, reason in caught.value.faults}
    assert got == {
        (3, "减分项"): "减分项 must be 0 or negative",
        (3, "质效"): "质效 must be 0 or positive",
        (3, "抽测排名"): "抽测排名 must be a rank from 1",
        (4, "减分项"): "减分项 must be 0 or negative",
        (4, "质效"): "required value is empty: fill it in",
    }


def test_city_assessment_checks(tmp_path):
    path = write_csv(
        tmp_path / "city_assessment.csv",
        [
            {"指标": "响应率", "数值": "99"},
            {"指标": "好评率", "数值": "50"},
            {"指标": "按时办理率", "数值": "101"},
            {"指标": "", "数值": "90"},
            {"指标": "诉求解决率", "数值": "nan"},
        ],
    )
    frame = cast_numbers(
        read_csv_with_headers(path, CITY_HEADERS, CITY_REQUIRED), {"value_pct": pl.Float64}, path, CITY_HEADERS
    )
    with pytest.raises(RowFaults) as caught:
        validate_reference(frame, CITY_SCHEMA, path, CITY_HEADERS)
    got = {(row, column): reason for row, column, _, reason in caught.value.faults}
    assert got == {
        (3, "指标"): "指标 must be one of 响应率/按时办理率/诉求解决率/综合满意率",
        (4, "数值"): "数值 must be a percentage 0–100",
        (5, "指标"): "required value is empty: fill it in",
        (6, "数值"): "数值 must be a percentage 0–100",
    }


def test_a_no_callback_label_is_a_fault_until_the_district_names_it_then_reads_as_empty(hotline_env):
    """未回访 written where the callback would be: a row fault whose reason says where such a label
    goes; once rules.yaml lists it under callbacks.no_callback_labels, the assignment has no
    callback (it leaves the denominator), whatever its spacing or width."""
    rows = [
        export_row("A1", "柳园街道", 满意度="满意"),
        export_row("A2", "柳园街道", 满意度="未回访", 解决情况="未 回访"),
        export_row("A3", "柳园街道", 满意度="不满意"),
    ]
    _month_folder(hotline_env, rows)
    result = helpers.materialize_months(
        MONTH, selection=AssetSelection.groups("reference", "ingest"), raise_on_error=False
    )
    assert not result.success
    # one row per rejected input row, its faulty columns together
    reasons = query(hotline_env["warehouse"], "SELECT row_number, column_name, value, reason FROM core.blocked_faults")
    assert [(n, c, v) for n, c, v, _ in reasons] == [(3, "满意度、解决情况", "未回访 | 未 回访")]
    assert reasons[0][3].count("callbacks.no_callback_labels") == 2
    (hotline_env["data"] / "reference" / "rules.yaml").write_text(
        "callbacks:\n  no_callback_labels: [未回访]\n", encoding="utf-8"
    )
    assert helpers.materialize_months(MONTH, selection=AssetSelection.groups("reference", "ingest")).success
    got = query(
        hotline_env["warehouse"],
        "SELECT order_id, resolution_credit, satisfaction_credit FROM core.assignments ORDER BY order_id",
    )
    assert [(o, r, None if s is None else float(s)) for o, r, s in got] == [
        ("A1", Decimal("1.0000"), 1.0),
        ("A2", None, None),
        ("A3", Decimal("1.0000"), 0.0),
    ]
