"""Exports as other platforms and Excel write them (issue 13, findings 3, 4, 6 and 10): headers by
name with aliases, files of one month in different column orders or without optional columns, a
month without callback columns, a totals line, order numbers Excel rewrote, a huge number in a
date cell, 诉求分类 joined by another separator. Each case either gives exactly the clean month's
numbers (mart.unit_scores equal) or stops naming file, row, column and value, leaving the month as
it was. Real files, real DuckDB, real Dagster runs."""

import csv
import io
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from dagster import AssetSelection

from hotline.contract.exports import read_export, validate_month
from hotline.contract.files import FileFault, RowFaults
from hotline.contract.platform_exports import load_column_aliases
from hotline.generator.synth import generate
from hotline.rules import load_rules
from hotline.rules_model import typed_rules
from tests import helpers
from tests.helpers import check_evaluations, export_row, failure_messages, query, write_csv

MONTH = "2024-02"
CALENDAR = [("2024-01", "2023-12-23", "2024-01-24"), ("2024-02", "2024-01-25", "2024-02-22")]
WINDOW = (date(2024, 1, 25), date(2024, 2, 22))
UNIT_NAMES = pl.DataFrame(
    {"name": ["柳园街道", "区住建局"], "unit": ["柳园街道", "区住建局"], "unit_group": ["town", "dept_large"]}
)
NO_REPORT = AssetSelection.all() - AssetSelection.groups("report")
SCORES = "SELECT * FROM mart.unit_scores WHERE month = '2024-02' ORDER BY group_code, unit"


def judge(*paths: Path, aliases=None):
    exports = [read_export(p, aliases) for p in paths]
    return exports, validate_month(exports, typed_rules(load_rules(Path("/nonexistent"))), *WINDOW, UNIT_NAMES)


# --------------------------------------------------------------------------- a generated month
@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """A generated month (3 export files, one a re-export with late callbacks), as a data folder."""
    data = tmp_path_factory.mktemp("generated") / "data"
    generate(data, MONTH, MONTH, assignments_per_month=600, seed=3)
    return data


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def write_rows(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))


def exports_of(data: Path) -> list[Path]:
    return sorted((data / "months" / MONTH / "exports").iterdir())


def keep_age_order(data: Path) -> None:
    """The generated files' age order (the re-export last), whatever the rewriting did to mtimes."""
    for i, path in enumerate(exports_of(data)):
        os.utime(path, (1_700_000_000 + i, 1_700_000_000 + i))


def month_env(generated: Path, env: dict) -> Path:
    """The generated month copied into the test's own data folder."""
    shutil.rmtree(env["data"])
    shutil.copytree(generated, env["data"])
    keep_age_order(env["data"])
    return env["data"]


@pytest.fixture(scope="module")
def clean_scores(generated, tmp_path_factory) -> list[tuple]:
    """mart.unit_scores of the generated month as generated."""
    tmp = tmp_path_factory.mktemp("clean")
    env = {"data": tmp / "data", "warehouse": tmp / "data" / "warehouse.duckdb"}
    shutil.copytree(generated, env["data"])
    keep_age_order(env["data"])
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOTLINE_DATA_DIR", str(env["data"]))
        patch.setenv("HOTLINE_WAREHOUSE", str(env["warehouse"]))
        patch.setenv("HOTLINE_REPORTS_DIR", str(tmp / "reports"))
        patch.setenv("HOTLINE_PHONE_KEY_FILE", str(tmp / "secrets" / "key"))
        patch.setenv("DAGSTER_HOME", str(tmp))
        assert helpers.materialize_months(MONTH, selection=NO_REPORT).success
        scores = query(env["warehouse"], SCORES)
    assert len(scores) > 20 and sum(r[5] for r in scores) > 500  # units ranked, volume counted
    return scores


def run(env) -> tuple[bool, str, object]:
    result = helpers.materialize_months(MONTH, selection=NO_REPORT, raise_on_error=False)
    return result.success, failure_messages(result), result


def rename_headers(path: Path, renames: dict[str, str]) -> None:
    header, rows = read_rows(path)
    write_rows(path, [renames.get(h, h) for h in header], rows)


# --------------------------------------------------------------------------- finding 3: aliases
def test_callback_columns_named_as_other_platforms_give_the_clean_scores_and_are_said(
    generated, clean_scores, hotline_env
):
    data = month_env(generated, hotline_env)
    spellings = [
        {"解决情况": "回访解决情况", "满意度": "回访满意度"},
        {"解决情况": "解决情况（回访）", "满意度": " 满意度(回访) ", "工单编号": "工单号", "承办单位": "承办部门"},
        {"解决情况": "是否解决", "满意度": "满意程度"},
    ]
    for path, renames in zip(exports_of(data), spellings):
        rename_headers(path, renames)
    keep_age_order(data)
    ok, message, result = run(hotline_env)
    assert ok, message
    assert query(hotline_env["warehouse"], SCORES) == clean_scores
    notes = (
        next(e for e in result.get_asset_materialization_events() if e.asset_key.path == ["core", "assignments"])
        .materialization.metadata["reader notes"]
        .value
    )
    first, second = exports_of(data)[:2]
    assert f"{first.name}: column 「回访满意度」 read as 满意度" in notes, notes
    assert f"{second.name}: column 「解决情况（回访）」 read as 解决情况" in notes, notes
    assert f"{second.name}: column 「工单号」 read as 工单编号" in notes, notes


def test_a_columns_csv_alias_gives_the_clean_scores(generated, clean_scores, hotline_env):
    data = month_env(generated, hotline_env)
    write_rows(
        data / "reference" / "columns.csv", ["别名", "列名"], [["处理结果", "解决情况"], ["群众评价", "满意度"]]
    )
    for path in exports_of(data):
        rename_headers(path, {"解决情况": "处理结果", "满意度": "群众评价"})
    keep_age_order(data)
    ok, message, _ = run(hotline_env)
    assert ok, message
    assert query(hotline_env["warehouse"], SCORES) == clean_scores


def test_hotline_validate_reads_columns_csv_and_says_the_alias(tmp_path):
    data = tmp_path / "data"
    helpers.write_reference(data, [helpers.town("柳园街道"), helpers.dept("区住建局")], calendar=CALENDAR)
    write_rows(data / "reference" / "columns.csv", ["别名", "列名"], [["评价结果", "满意度"]])
    path = data / "months" / MONTH / "exports" / "export.csv"
    rows = [export_row("A1", "柳园街道"), export_row("A2", "区住建局", 满意度="不满意")]
    write_csv(path, [{("评价结果" if k == "满意度" else k): v for k, v in r.items()} for r in rows])
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "validate", str(data)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).parents[1],
        env={**os.environ, "HOTLINE_DATA_DIR": str(data)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"note    {path}: column 「评价结果」 read as 满意度" in done.stdout, done.stdout
    assert f"ok      {data / 'reference' / 'columns.csv'}" in done.stdout, done.stdout


@pytest.mark.parametrize(
    "rows,faults",
    [
        ([["满意度", "解决情况"]], [(2, "别名", "is itself a contract header")]),
        ([["评价", "评分"]], [(2, "列名", "列名 must be a header of the export contract")]),
        ([["评价", "满意度"], [" 评价", "解决情况"]], [(2, "别名", "more than once"), (3, "别名", "more than once")]),
        ([["", "满意度"]], [(2, "别名", "required value is empty")]),
    ],
)
def test_a_bad_columns_csv_names_row_and_column(tmp_path, rows, faults):
    write_rows(tmp_path / "columns.csv", ["别名", "列名"], rows)
    with pytest.raises(RowFaults) as caught:
        load_column_aliases(tmp_path)
    got = [(row, column, reason) for row, column, _, reason in caught.value.faults]
    assert len(got) == len(faults), got
    for (row, column, reason), (want_row, want_column, words) in zip(got, faults):
        assert (row, column) == (want_row, want_column) and words in reason, got


def test_aliases_and_a_totals_line_read_the_same_in_xlsx_and_gbk_csv(tmp_path):
    renames = {"满意度": "满意度【回访】", "解决情况": "回访解决情况", "承办单位": "办理单位"}
    rows = [
        {renames.get(k, k): v for k, v in export_row("A1", "柳园街道", 满意度="不满意").items()},
        {renames.get(k, k): v for k, v in export_row("A2", "区住建局", 解决情况="未解决").items()},
    ]
    total = {**{k: "" for k in rows[0]}, "工单编号": "合　计：2 条"}
    xlsx = helpers.write_xlsx(tmp_path / "e.xlsx", rows + [total])
    gbk = write_csv(tmp_path / "e.csv", rows + [total], encoding="gbk")
    for path in (xlsx, gbk):
        (export,), month = judge(path)
        assert month.faults.height == 0, month.faults.rows()
        got = month.rows.sort("order_id").select("unit", "resolution_result", "satisfaction_result").rows()
        assert got == [("柳园街道", "已解决", "不满意"), ("区住建局", "未解决", "满意")], path
        assert (
            "column 「满意度【回访】」 read as 满意度" in export.notes
            and "column 「办理单位」 read as 承办单位" in export.notes
        )
        assert "row 4 is a 合计 line, not an order: skipped (its count 2 agrees with the file)" in export.notes, (
            export.notes
        )


def test_two_headers_meaning_one_column_are_a_file_fault_naming_both(tmp_path):
    row = export_row("A1", "柳园街道")
    path = write_csv(tmp_path / "both.csv", [{**row, "回访满意度": "满意"}], headers=[*row, "回访满意度"])
    with pytest.raises(FileFault) as caught:
        read_export(path)
    assert str(caught.value).startswith(
        f"{path}: the columns 「满意度」 and 「回访满意度」 (columns 17 and 24, Q and X) both mean 满意度"
    ), caught.value


def test_unknown_columns_are_kept_out_and_reported_once(tmp_path):
    row = export_row("A1", "柳园街道")
    path = write_csv(tmp_path / "extra.csv", [{**row, "坐席工号": "007"}], headers=[*row, "坐席工号"])
    (export,), month = judge(path)
    assert export.extra_columns == ["坐席工号"] and "坐席工号" not in month.rows.columns


# --------------------------------------------------------------------------- finding 4: column order
def test_files_in_other_column_orders_and_without_optional_columns_give_the_clean_scores(
    generated, clean_scores, hotline_env
):
    data = month_env(generated, hotline_env)
    first, second, third = exports_of(data)
    header, rows = read_rows(first)
    order = list(reversed(range(len(header))))
    write_rows(first, [header[i] for i in order], [[r[i] for i in order] for r in rows])
    header, rows = read_rows(second)
    kept = [i for i, h in enumerate(header) if h not in ("诉求内容", "来电人")]
    write_rows(second, [header[i] for i in kept], [[r[i] for i in kept] for r in rows])
    keep_age_order(data)
    ok, message, _ = run(hotline_env)
    assert ok, message
    assert query(hotline_env["warehouse"], SCORES) == clean_scores


# --------------------------------------------------------------------------- no callback column at all
def test_a_month_without_callback_columns_stops_unless_the_rules_say_none_are_recorded(generated, hotline_env):
    data = month_env(generated, hotline_env)
    for path in exports_of(data):
        header, rows = read_rows(path)
        kept = [i for i, h in enumerate(header) if h not in ("解决情况", "满意度")]
        write_rows(path, [header[i] for i in kept], [[r[i] for i in kept] for r in rows])
    keep_age_order(data)
    ok, message, _ = run(hotline_env)
    assert not ok
    folder = data / "months" / MONTH / "exports"
    assert (
        f"{folder}: no export of 2024-02 has a 解决情况 column "
        "(or an alias: 回访解决情况、解决情况（回访）、是否解决); "
        "no export of 2024-02 has a 满意度 column"
    ) in message, message
    assert "every unit gets full marks for 解决率 (40 points) and 满意率 (50 points)" in message, message
    assert "callbacks: {recorded: false}" in message, message
    assert query(hotline_env["warehouse"], "SELECT count(*) FROM core.assignments") == [(0,)]

    (data / "reference" / "rules.yaml").write_text("callbacks:\n  recorded: false\n", encoding="utf-8")
    ok, message, _ = run(hotline_env)
    assert ok, message
    # no callbacks recorded: every ranked unit gets the rules' no_callback_rate (1) on both
    assert query(
        hotline_env["warehouse"], "SELECT DISTINCT resolution_rate, satisfaction_rate FROM mart.unit_scores"
    ) == [(1, 1)]


def test_callbacks_recorded_must_be_true_or_false(tmp_path):
    (tmp_path / "rules.yaml").write_text("callbacks:\n  recorded: nein\n", encoding="utf-8")
    from hotline.rules import RulesError

    with pytest.raises(RulesError, match="callbacks.recorded = 'nein': expected true or false"):
        load_rules(tmp_path)


def test_one_file_without_callback_columns_is_fine_when_another_has_them(tmp_path):
    with_callbacks = write_csv(tmp_path / "a.csv", [export_row("A1", "柳园街道", 满意度="不满意")])
    row = {k: v for k, v in export_row("A2", "区住建局").items() if k not in ("解决情况", "满意度")}
    without = write_csv(tmp_path / "b.csv", [row])
    exports, month = judge(with_callbacks, without)
    assert month.faults.height == 0
    assert month.rows.sort("order_id")["satisfaction_result"].to_list() == ["不满意", None]
    assert [e.columns.count("满意度") for e in exports] == [1, 0]


# --------------------------------------------------------------------------- totals lines
def _with_total(path: Path, cells: list[str]) -> int:
    header, rows = read_rows(path)
    write_rows(path, header, rows + [cells + [""] * (len(header) - len(cells)), [""] * len(header)])
    return len(rows) + 2  # the totals line's row number (header = row 1)


def test_a_totals_line_with_the_right_count_is_skipped_with_a_note(generated, clean_scores, hotline_env):
    data = month_env(generated, hotline_env)
    first = exports_of(data)[0]
    rows = len(read_rows(first)[1])
    total_row = _with_total(first, ["合计", f"{rows}"])
    third = exports_of(data)[2]
    _with_total(third, ["总计：", "", f"共{len(read_rows(third)[1])}条"])
    keep_age_order(data)
    ok, message, result = run(hotline_env)
    assert ok, message
    assert query(hotline_env["warehouse"], SCORES) == clean_scores
    assert query(hotline_env["warehouse"], "SELECT count(*) FROM core.rejected_rows WHERE fault") == [(0,)]
    notes = (
        next(e for e in result.get_asset_materialization_events() if e.asset_key.path == ["core", "assignments"])
        .materialization.metadata["reader notes"]
        .value
    )
    assert f"{first.name}: row {total_row} is a 合计 line, not an order: skipped (its count {rows} agrees" in notes, (
        notes
    )


def test_a_totals_line_with_another_count_stops_the_month_and_changes_nothing(generated, clean_scores, hotline_env):
    data = month_env(generated, hotline_env)
    assert run(hotline_env)[0]
    first = exports_of(data)[0]
    rows = len(read_rows(first)[1])
    total_row = _with_total(first, ["合计", "", "", "", "", "", "", "", "", "", str(rows + 3)])
    keep_age_order(data)
    ok, message, _ = run(hotline_env)
    assert not ok
    assert f"{first}: row {total_row} is a 合计 line stating {rows + 3}, but the file has {rows} rows" in message, (
        message
    )
    assert "the export may be incomplete" in message
    assert query(hotline_env["warehouse"], SCORES) == clean_scores


def test_a_totals_line_without_a_count_and_one_among_the_records(tmp_path):
    rows = [export_row("A1", "柳园街道"), export_row("A2", "区住建局")]
    path = write_csv(tmp_path / "t.csv", rows)
    path.write_text(path.read_text(encoding="utf-8") + "小计" + "," * 22 + "\n", encoding="utf-8")
    (export,), month = judge(path)
    assert month.rows["order_id"].sort().to_list() == ["A1", "A2"] and month.faults.height == 0
    assert "row 4 is a 小计 line, not an order: skipped (it states no count)" in export.notes
    # a 合计 with a date is not a totals line: it stays a record, and its faults are named
    path.write_text(
        path.read_text(encoding="utf-8").replace("小计" + "," * 22, "合计,2024-02-01" + "," * 21), encoding="utf-8"
    )
    (export,), month = judge(path)
    assert ("t.csv", 4, "承办单位") in {(r[0], r[1], r[2]) for r in month.faults.rows()}


# --------------------------------------------------------------------------- order numbers Excel rewrote
def test_order_numbers_in_scientific_notation_are_a_file_fault_saying_how_to_export_them(
    generated, clean_scores, hotline_env
):
    data = month_env(generated, hotline_env)
    assert run(hotline_env)[0]
    first = exports_of(data)[0]
    header, rows = read_rows(first)
    at = header.index("工单编号")
    for row in rows:
        row[at] = f"{float(row[at][2:]):.5E}".replace("E+0", "E+")
    write_rows(first, header, rows, encoding="gbk")  # Excel re-saved it as Chinese Excel's CSV
    keep_age_order(data)
    ok, message, _ = run(hotline_env)
    assert not ok
    assert f"{first}: {len(rows)} order number(s) in 工单编号 are in scientific notation (row 2: " in message, message
    assert "Excel rewrote the numbers" in message and "formatted as Text" in message, message
    assert query(hotline_env["warehouse"], SCORES) == clean_scores


@pytest.mark.parametrize("order_id", ["2.02402E+15", "2.024E+15", "2E+15", "2.02402e+15"])
def test_each_spelling_of_scientific_notation_is_refused(tmp_path, order_id):
    path = write_csv(tmp_path / "s.csv", [export_row("A1", "柳园街道"), export_row(order_id, "区住建局")])
    with pytest.raises(FileFault, match=r"1 order number\(s\) in 工单编号 are in scientific notation \(row 3: "):
        read_export(path)


# --------------------------------------------------------------------------- finding 6: a huge number as a date
# the fault's value is shown masked: a run of 15 or 18 digits may be an ID number
@pytest.mark.parametrize(
    "value, shown",
    [("202402011234567", "[证件号已隐去]"), ("2024020112345678901", "[证件号已隐去]1"), ("1E+300", "1E+300")],
)
def test_a_long_number_in_a_date_cell_is_a_row_fault_not_a_traceback(tmp_path, value, shown):
    path = write_csv(tmp_path / "d.csv", [export_row("A1", "柳园街道"), export_row("A2", "区住建局", 派单时间=value)])
    _, month = judge(path)
    assert [(r["row_number"], r["column_name"], r["value"]) for r in month.faults.iter_rows(named=True)] == [
        (3, "派单时间", shown)
    ]
    assert "not a date and time like 2024-02-01 08:30:00" in month.faults["reason"][0]
    assert month.rows["order_id"].to_list() == ["A1"]


def test_a_long_number_in_an_xlsx_date_cell_is_a_row_fault(tmp_path):
    import openpyxl

    rows = [export_row("A1", "柳园街道"), export_row("A2", "区住建局")]
    path = helpers.write_xlsx(tmp_path / "d.xlsx", rows)
    book = openpyxl.load_workbook(path)
    book.active.cell(row=3, column=helpers.HEADERS.index("受理时间") + 1, value=202402011234567)
    book.save(path)
    _, month = judge(path)
    assert [(r["row_number"], r["column_name"]) for r in month.faults.iter_rows(named=True)] == [(3, "受理时间")]


# --------------------------------------------------------------------------- 诉求分类 separators
def _with_separator(path: Path, separator: str) -> None:
    header, rows = read_rows(path)
    at = header.index("诉求分类")
    for row in rows:
        row[at] = row[at].replace("/", separator)
    write_rows(path, header, rows)


HOTSPOTS = "SELECT * FROM mart.hotspots WHERE month = '2024-02' ORDER BY ALL"


def test_classification_written_with_another_separator_gives_the_clean_numbers(generated, clean_scores, hotline_env):
    data = month_env(generated, hotline_env)
    assert run(hotline_env)[0]
    clean_hotspots = query(hotline_env["warehouse"], HOTSPOTS)
    paths_sql = "SELECT order_id, unit, category_path FROM core.assignments ORDER BY ALL"
    clean_paths = query(hotline_env["warehouse"], paths_sql)
    for path, separator in zip(exports_of(data), ["-", "＞", " / "]):
        _with_separator(path, separator)
    keep_age_order(data)
    ok, message, result = run(hotline_env)
    assert ok, message
    assert query(hotline_env["warehouse"], SCORES) == clean_scores
    assert query(hotline_env["warehouse"], HOTSPOTS) == clean_hotspots
    assert query(hotline_env["warehouse"], paths_sql) == clean_paths
    assert check_evaluations(result)["hotspots_matched"].passed
    notes = (
        next(e for e in result.get_asset_materialization_events() if e.asset_key.path == ["core", "assignments"])
        .materialization.metadata["reader notes"]
        .value
    )
    assert f"{exports_of(data)[0].name}: 诉求分类 written with '-' between levels in" in notes, notes


def test_orders_matching_no_hotspot_warn_naming_the_separator(tmp_path, hotline_env):
    """A taxonomy the '-'-written paths do not match: nothing can be read with '/', and the
    non-blocking check hotspots_matched warns, in the run's summary too."""
    data = hotline_env["data"]
    helpers.write_reference(
        data,
        [helpers.town("柳园街道"), helpers.dept("区住建局")],
        calendar=CALENDAR,
        hotspots=[("用水", "", "城乡建设/供水")],
    )
    rows = [export_row(f"A{i}", "柳园街道", 诉求分类="城乡建设-物业管理-卫生保洁") for i in range(3)]
    rows.append(export_row("A9", "区住建局", 诉求分类="城乡建设/供水/城市供水"))
    write_csv(data / "months" / MONTH / "exports" / "e.csv", rows)
    result = helpers.materialize_months(MONTH, selection=AssetSelection.groups("reference", "ingest"))
    check = check_evaluations(result)["hotspots_matched"]
    assert not check.passed and check.severity.value == "WARN"
    assert check.description == (
        "2024-02: 3 of 4 orders (75.0%) match no hotspot prefix and count as 其他, "
        "at least 60%; "
        "their 诉求分类 joins levels with '-', not '/': re-export it with '/' or match "
        "hotspots.csv to how the platform writes it"
    )
    lines = []
    from pipelines.execution import _summarise

    _summarise(result, lines.append)
    summary = "CHECK WARNING core/assignments hotspots_matched: 2024-02: 3 of 4 orders"
    assert any(line.startswith(summary) for line in lines), lines
    # a warning, not a block: the rows are stored as written
    assert query(hotline_env["warehouse"], "SELECT count(*) FROM core.assignments WHERE hotspot = '其他'") == [(3,)]
    # hotline validate says the same, as a warning that does not fail it
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "validate", str(data / "months" / MONTH)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).parents[1],
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "warning 2024-02: 3 of 4 orders (75.0%) match no hotspot prefix and count as 其他" in done.stdout, (
        done.stdout
    )


@pytest.mark.parametrize(
    "written,read",
    [
        # a file that writes '/' too: only the values the taxonomy confirms are read with '/'
        (
            ["城乡建设/物业管理/卫生保洁", "城乡建设-供水-城市供水", "交通运输-出租车"],
            ["城乡建设/物业管理/卫生保洁", "城乡建设/供水/城市供水", "交通运输-出租车"],
        ),
        # a file that never writes '/': its separator, confirmed once, is read as '/' in every value
        (["城乡建设＞供水＞城市供水", "交通运输＞出租车"], ["城乡建设/供水/城市供水", "交通运输/出租车"]),
        # nothing confirms it: left as written (and counted by hotspots_matched)
        (["交通运输|出租车", "交通运输|公交"], ["交通运输|出租车", "交通运输|公交"]),
        (["城乡建设 / 供水", "城乡建设／燃气"], ["城乡建设/供水", "城乡建设/燃气"]),
    ],
)
def test_classification_separators_are_read_as_slash_only_where_unambiguous(tmp_path, written, read):
    from hotline.contract.platform_exports import normalise_category_separators

    path = write_csv(tmp_path / "c.csv", [export_row(f"A{i}", "柳园街道", 诉求分类=c) for i, c in enumerate(written)])
    export = read_export(path)
    normalise_category_separators(export, ["城乡建设/供水", "城乡建设/物业管理"])
    assert export.rows["category_path"].to_list() == read
    assert any("诉求分类 written with" in n for n in export.notes) == (written != read)


def test_a_bad_columns_csv_fails_the_run_naming_row_and_column(hotline_env):
    data = hotline_env["data"]
    helpers.write_reference(data, [helpers.town("柳园街道")], calendar=CALENDAR)
    write_rows(data / "reference" / "columns.csv", ["别名", "列名"], [["评价结果", "满意程度"]])
    write_csv(data / "months" / MONTH / "exports" / "e.csv", [export_row("A1", "柳园街道")])
    result = helpers.materialize_months(
        MONTH, selection=AssetSelection.groups("reference", "ingest"), raise_on_error=False
    )
    assert not result.success
    message = failure_messages(result)
    assert f"{data / 'reference' / 'columns.csv'}: 1 fault(s)" in message, message
    assert "row 2, column 列名: 列名 must be a header of the export contract" in message, message
    assert "Traceback" not in message
