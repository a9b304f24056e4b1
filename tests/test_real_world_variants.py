"""Real-world variants of a generated month, run as a district runs them (`hotline run 2024-02`
in a subprocess, real files, real DuckDB, real Dagster): each either gives exactly the clean
month's mart.unit_scores or exits non-zero naming file, row, column and value with nothing of
the month stored. These are the variants an independent tester found handled wrongly."""

import csv
import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hotline.generator.synth import generate
from tests.helpers import query

MONTH = "2024-02"
ROOT = Path(__file__).parents[1]
SCORES = f"SELECT * FROM mart.unit_scores WHERE month = '{MONTH}' ORDER BY group_code, unit"
ADJUSTMENTS = Path("months") / MONTH / "adjustments.csv"


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """A generated month (3 export files, one a re-export with late callbacks), as a data folder."""
    data = tmp_path_factory.mktemp("generated") / "data"
    generate(data, MONTH, MONTH, assignments_per_month=600, seed=3)
    return data


def hotline_run(env: dict[str, Path]) -> subprocess.CompletedProcess:
    """`hotline run 2024-02` on the environment's data folder (the hotline_env variables)."""
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run", MONTH], capture_output=True, text=True, timeout=600, cwd=ROOT
    )


@pytest.fixture(scope="module")
def clean_scores(generated, tmp_path_factory) -> list[tuple]:
    """mart.unit_scores of the generated month as generated, through the same command."""
    tmp = tmp_path_factory.mktemp("clean")
    shutil.copytree(generated, tmp / "data")
    with pytest.MonkeyPatch.context() as patch:
        for variable, path in (
            ("HOTLINE_DATA_DIR", tmp / "data"),
            ("HOTLINE_WAREHOUSE", tmp / "data" / "w.duckdb"),
            ("HOTLINE_REPORTS_DIR", tmp / "reports"),
            ("HOTLINE_PHONE_KEY_FILE", tmp / "key"),
            ("DAGSTER_HOME", tmp),
        ):
            patch.setenv(variable, str(path))
        done = hotline_run({})
        assert done.returncode == 0, done.stdout + done.stderr
        scores = query(tmp / "data" / "w.duckdb", SCORES)
    assert len(scores) > 20 and sum(r[5] for r in scores) == 600  # every unit ranked, every row counted
    return scores


def month_copy(generated: Path, env: dict[str, Path]) -> Path:
    shutil.rmtree(env["data"])
    shutil.copytree(generated, env["data"])
    return env["data"]


def read_rows(path: Path, encoding: str = "utf-8-sig") -> tuple[list[str], list[list[str]]]:
    with path.open(encoding=encoding, newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def write_rows(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([header, *rows])
    path.write_bytes(buffer.getvalue().encode(encoding))


def rewrite_cells(path: Path, change, encoding: str = "utf-8") -> None:
    """Every cell through change(header, value)."""
    header, rows = read_rows(path)
    write_rows(path, header, [[change(header[i], value) for i, value in enumerate(row)] for row in rows], encoding)


def test_dotted_dates_as_wps_writes_them_give_the_clean_scores(generated, clean_scores, hotline_env):
    data = month_copy(generated, hotline_env)
    times = {"受理时间", "派单时间", "签收时间", "办结时间", "到达现场时间"}
    for path in sorted((data / "months" / MONTH / "exports").iterdir()):
        rewrite_cells(path, lambda header, value: value.replace("-", ".") if header in times else value)
    header, rows = read_rows(next((data / "months" / MONTH / "exports").iterdir()))
    assert rows[0][header.index("受理时间")].count(".") == 2  # 2024.01.25 07:44:53
    done = hotline_run(hotline_env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert query(hotline_env["warehouse"], SCORES) == clean_scores


def test_adjustments_with_the_unicode_minus_sign_give_the_clean_scores(generated, clean_scores, hotline_env):
    data = month_copy(generated, hotline_env)
    rewrite_cells(
        data / ADJUSTMENTS, lambda header, value: value.replace("-", "\u2212") if header == "减分项" else value
    )
    assert "古楼街道,\u22120.24,2,11" in (data / ADJUSTMENTS).read_text(encoding="utf-8")
    done = hotline_run(hotline_env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert query(hotline_env["warehouse"], SCORES) == clean_scores


def test_empty_trailing_rows_excel_leaves_in_reference_files_give_the_clean_scores(
    generated, clean_scores, hotline_env
):
    """units.csv saved by Excel as GBK and adjustments.csv each end with a row of only commas."""
    data = month_copy(generated, hotline_env)
    for path, encoding in ((data / "reference" / "units.csv", "gbk"), (data / ADJUSTMENTS, "utf-8")):
        header, rows = read_rows(path)
        write_rows(path, header, rows + [[""] * len(header)], encoding)
    assert (data / ADJUSTMENTS).read_bytes().endswith(b",,,\r\n")
    done = hotline_run(hotline_env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert query(hotline_env["warehouse"], SCORES) == clean_scores


def test_an_adjustments_row_without_a_unit_name_blocks_the_month_naming_the_row(generated, hotline_env):
    data = month_copy(generated, hotline_env)
    header, rows = read_rows(data / ADJUSTMENTS)
    write_rows(data / ADJUSTMENTS, header, rows + [["", "-0.5", "1", "3"]])
    done = hotline_run(hotline_env)
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "Traceback" not in out and "TransactionException" not in out
    row = len(rows) + 2
    assert f"| {ADJUSTMENTS.as_posix()} | {row} | 单位名称 |" in out, out
    assert "单位名称 is empty: write the unit's name or delete the row" in out, out
    # nothing of the month stored: no assignments (and no marts were built)
    assert query(
        hotline_env["warehouse"], "SELECT count(*) FROM core.assignments WHERE month = $month", {"month": MONTH}
    ) == [(0,)]
    stored = query(
        hotline_env["warehouse"],
        "SELECT row_number, column_name, reason FROM core.blocked_faults WHERE month = $month AND row_number = $row",
        {"month": MONTH, "row": row},
    )
    assert (row, "单位名称", "单位名称 is empty: write the unit's name or delete the row") in stored, stored


def test_long_order_numbers_kept_in_number_cells_are_a_file_fault_not_repeated_orders(generated, hotline_env):
    """An XLSX whose 工单编号 holds 20-digit platform numbers as number cells (a float each): the last
    digits are gone, so the orders cannot be told apart; the file is refused as a whole, by name."""
    import openpyxl

    data = month_copy(generated, hotline_env)
    path = sorted((data / "months" / MONTH / "exports").iterdir())[0]
    header, rows = read_rows(path)
    book = openpyxl.Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(
            [float("2024" + value[2:]) if name == "工单编号" else value for name, value in zip(header, row)]
        )
    book.save(path.with_suffix(".xlsx"))
    path.unlink()
    done = hotline_run(hotline_env)
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "Traceback" not in out and "appear again" not in out, out
    assert (
        f"{path.with_suffix('.xlsx').name}: {len(rows)} order number(s) in 工单编号 are number cells too "
        "long to keep every digit (row 2: 20242024019999997952)"
    ) in out, out
    assert query(
        hotline_env["warehouse"], "SELECT count(*) FROM core.assignments WHERE month = $month", {"month": MONTH}
    ) == [(0,)]


def test_two_exports_joined_into_one_file_header_and_all_give_the_clean_scores(generated, clean_scores, hotline_env):
    """`copy /b a.csv+b.csv` (or two sheets pasted one under the other): the second header stands
    among the rows; it is skipped and said, and the rows of both keep the clean month's numbers."""
    from hotline.contract.exports import read_export

    data = month_copy(generated, hotline_env)
    first, second = sorted((data / "months" / MONTH / "exports").iterdir())[:2]
    second_header_row = len(read_rows(first)[1]) + 2  # the first file's header and rows above it
    joined = first.with_name("工单导出_2024-02_合并.csv")
    joined.write_bytes(first.read_bytes() + second.read_bytes())
    first.unlink()
    second.unlink()
    assert read_export(joined).notes == [
        f"1 row(s) repeating the header skipped (row(s) {second_header_row}): two exports pasted into one sheet"
    ]
    done = hotline_run(hotline_env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert query(hotline_env["warehouse"], SCORES) == clean_scores
