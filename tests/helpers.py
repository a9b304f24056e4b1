"""Building small, real data folders for tests: reference files and exports in the contract's
format (Chinese headers, real CSV/XLSX files), and materializing months with Dagster."""

import csv
import io
from collections.abc import Iterable
from pathlib import Path

import duckdb

from schemas.exports import EXPORT_COLUMNS

HEADERS = [c.header for c in EXPORT_COLUMNS]
UNITS_HEADER = ["单位名称", "简称", "分组", "主要负责人", "分管负责人", "别名", "起始月", "终止月"]


def export_row(order_id: str, unit: str, received: str = "2024-02-01 09:00:00", **fields) -> dict:
    """A valid export row; keyword arguments override any column by its Chinese header."""
    row = {
        "工单编号": order_id,
        "受理时间": received,
        "受理渠道": "来电",
        "诉求类型": "求助",
        "诉求分类": "城乡建设/物业管理/卫生保洁",
        "诉求地址": "聚鑫苑小区",
        "诉求内容": "小区垃圾无人清运",
        "来电人": "王先生",
        "联系电话": "13800001111",
        "承办单位": unit,
        "派单时间": received,
        "签收时间": received,
        "办结时间": "2024-02-03 10:00:00",
        "是否按时签收": "是",
        "是否按时办结": "是",
        "解决情况": "已解决",
        "满意度": "满意",
        "是否市重办": "否",
        "是否市到期未按时回复": "否",
        "企业诉求来源": "",
        "是否省接诉即办": "否",
        "到达现场时间": "",
        "现场见面情况": "",
    }
    row.update(fields)
    return row


def write_csv(path: Path, rows: Iterable[dict], encoding: str = "utf-8", headers: list[str] | None = None) -> Path:
    rows = list(rows)
    headers = headers or (list(rows[0]) if rows else HEADERS)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=headers, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: Iterable[dict], headers: list[str] | None = None) -> Path:
    import openpyxl

    rows = list(rows)
    headers = headers or list(rows[0])
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def write_reference(
    data_dir: Path,
    units: list[dict],
    calendar: list[tuple[str, str, str]] = (),
    hotspots: list[tuple[str, str, str]] = (("物业管理", "", "城乡建设/物业管理"),),
) -> None:
    """units: dicts with keys of UNITS_HEADER (missing ones empty)."""
    ref = data_dir / "reference"
    write_csv(ref / "units.csv", [{h: u.get(h, "") for h in UNITS_HEADER} for u in units], headers=UNITS_HEADER)
    write_csv(
        ref / "calendar.csv",
        [dict(zip(["考核月", "开始日期", "结束日期"], c)) for c in calendar],
        headers=["考核月", "开始日期", "结束日期"],
    )
    write_csv(
        ref / "hotspots.csv",
        [dict(zip(["热点问题", "子类", "诉求分类前缀"], h)) for h in hotspots],
        headers=["热点问题", "子类", "诉求分类前缀"],
    )


def write_adjustments(data_dir: Path, month: str, units: list[str]) -> Path:
    """The month's adjustments.csv: no 减分项 nor 质效, 抽测排名 1..n in the order given (a run that
    computes the scores needs a rank for every ranked town and large department)."""
    rows = [{"单位名称": u, "减分项": "0", "质效": "0", "抽测排名": str(i)} for i, u in enumerate(units, start=1)]
    return write_csv(
        data_dir / "months" / month / "adjustments.csv", rows, headers=["单位名称", "减分项", "质效", "抽测排名"]
    )


def town(name: str, **extra) -> dict:
    return {"单位名称": name, "分组": "镇街园区", "主要负责人": "甲", "分管负责人": "乙", **extra}


def dept(name: str, **extra) -> dict:
    return {"单位名称": name, "分组": "区直国企", "主要负责人": "丙", "分管负责人": "丁", **extra}


def materialize_months(partition_key: str | None = None, *, selection=None, raise_on_error: bool = True, tags=None):
    """Materialize with the project's own definitions and resources (read from the environment)."""
    from dagster import materialize

    from pipelines.definitions import all_assets, all_checks
    from pipelines.resources import build_resources

    return materialize(
        list(all_assets) + list(all_checks),
        partition_key=partition_key,
        resources=build_resources(),
        selection=selection,
        raise_on_error=raise_on_error,
        tags=tags,
    )


def query(warehouse: Path, sql: str, params: dict | None = None) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True, config={"python_enable_replacements": False})
    try:
        return con.execute(sql, params or {}).fetchall()
    finally:
        con.close()


def shared_dir() -> Path:
    """The project's shared folder (the seed's reference tables): beside the clone, as CI lays it
    out, else HOTLINE_SHARED_DIR."""
    import os

    import pytest

    beside_clone = Path(__file__).resolve().parent.parent.parent / "shared"
    for candidate in (beside_clone, Path(os.environ.get("HOTLINE_SHARED_DIR", beside_clone))):
        if (candidate / "reference").is_dir():
            return candidate
    pytest.fail(f"shared folder not found at {beside_clone}; set HOTLINE_SHARED_DIR")


def failure_messages(result) -> str:
    """What the failed steps of a Dagster run said: a Failure's description, else the error."""
    messages = []
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            data = event.step_failure_data
            messages.append(
                (data.user_failure_data.description if data.user_failure_data else None) or data.error.to_string()
            )
    return "\n".join(messages)


def check_evaluations(result) -> dict:
    """The asset check evaluations of a run, by check name."""
    return {
        e.event_specific_data.check_name: e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    }
