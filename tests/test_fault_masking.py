"""Nothing personal in faults: a faulty cell holding a name, a phone or an ID number is rejected
with its value masked as 诉求地址 is, in core.rejected_rows, the command's output, Dagster's event
log and ``hotline validate``. And the masking itself: numbers written with dots, dashes, spaces or
in full width, an ID in groups, a surname with a form of address."""

import json
import os
import subprocess
import sys

import polars as pl
import pytest
from dagster import DagsterInstance

from hotline.contract.exports import _masked_addresses, mask_address
from tests.helpers import export_row, query, town, write_adjustments, write_csv, write_reference

MONTH = "2024-02"
CALENDAR = [("2024-01", "2023-12-23", "2024-01-24"), ("2024-02", "2024-01-25", "2024-02-22")]

MASKED = [
    ("电话139.8765.4321", "电话[电话已隐去]"),
    ("139—8765—4321", "[电话已隐去]"),
    ("139 8765 4321转", "[电话已隐去]转"),
    ("１３９－８７６５－４３２１", "[电话已隐去]"),
    ("+86 139 8765 4321", "[电话已隐去]"),
    ("(0635)888 1234", "[电话已隐去]"),
    ("0635-8881234", "[电话已隐去]"),
    ("身份证3715 0219 9001 0112 34", "身份证[证件号已隐去]"),
    ("身份证371502 19900101 1234", "身份证[证件号已隐去]"),
    ("37150219800101123X", "[证件号已隐去]"),
    ("13912345678 13800001111", "[电话已隐去] [电话已隐去]"),
    ("欧阳女士家门口", "[姓名已隐去]家门口"),
    ("诸葛先生、上官老师和王师傅", "[姓名已隐去]、[姓名已隐去]和[姓名已隐去]"),
    ("李阿姨张大爷", "[姓名已隐去][姓名已隐去]"),
    # what must stay: house numbers, dates, place names
    ("幸福小区3号楼2单元101室", "幸福小区3号楼2单元101室"),
    ("3-2-101室", "3-2-101室"),
    ("2024-02-01 08:30:00", "2024-02-01 08:30:00"),
    ("古楼街道先锋村", "古楼街道先锋村"),
]


@pytest.mark.parametrize("text,masked", MASKED, ids=[m[0] for m in MASKED])
def test_address_masking_covers_the_ways_numbers_and_names_are_written(text, masked):
    frame = pl.DataFrame(
        {"address": [text], "caller_name": [None]}, schema={"address": pl.String, "caller_name": pl.String}
    )
    assert frame.select(mask_address(pl.col("address"), pl.col("caller_name"))).item() == masked
    assert _masked_addresses(frame).to_list() == [masked]


NAMES = ["欧阳娜娜", "司马相如"]
NUMBERS = ["139.8765.4321", "139—8765—4321", "3715 0219 9001 0112 34", "158 0000 1234", "13912345678"]


def _planted_rows() -> list[dict]:
    """Five rows whose faulty cells hold a name, a phone and an ID number, one clean row."""
    return [
        export_row("A1", "柳园街道"),
        export_row("A2", "柳园街道", 满意度="欧阳娜娜 139.8765.4321", 来电人="欧阳娜娜"),
        export_row("A3", "柳园街道", 派单时间="13912345678"),
        export_row("A4", "柳园街道", 诉求类型="欧阳女士3715 0219 9001 0112 34"),
        export_row("A5", "司马相如139—8765—4321", 来电人="司马相如"),
        export_row("A6", "柳园街道", 解决情况="已解决，司马相如 158 0000 1234", 来电人="司马相如"),
    ]


def _secrets() -> list[str]:
    digits = ["".join(ch for ch in n if ch.isdigit()) for n in NUMBERS]
    return NAMES + NUMBERS + digits + ["欧阳女士"]


def _leaks(label: str, text: str) -> list[str]:
    return [f"{label}: {s}" for s in _secrets() if s in text or json.dumps(s)[1:-1] in text]


def _hotline(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ},
        cwd=env["data"].parent,
        timeout=600,
    )


def test_fault_values_are_masked_in_the_warehouse_output_event_log_and_validate(hotline_env):
    write_reference(hotline_env["data"], [town("柳园街道")], calendar=CALENDAR)
    write_adjustments(hotline_env["data"], MONTH, ["柳园街道"])
    exports = hotline_env["data"] / "months" / MONTH / "exports"
    write_csv(exports / "export.csv", _planted_rows())

    done = _hotline(hotline_env, "run", MONTH)
    assert done.returncode == 1, done.stdout + done.stderr
    rejected = query(
        hotline_env["warehouse"], "SELECT row_number, column_name, value FROM core.blocked_faults ORDER BY row_number"
    )
    assert rejected == [
        (3, "满意度", "[姓名已隐去] [电话已隐去]"),
        (4, "派单时间", "[电话已隐去]"),
        (5, "诉求类型", "[姓名已隐去][证件号已隐去]"),
        (6, "承办单位", "[姓名已隐去][电话已隐去]"),
        (7, "解决情况", "已解决,[姓名已隐去] [电话已隐去]"),  # NFKC-folded, as checked
    ]
    # The command names the faults (masked) ...
    assert (
        "CHECK FAILED core/assignments no_rejected_rows: 5 fault(s): 2024-02 is blocked (5 rejected row(s))"
        in done.stdout
    ), done.stdout
    assert "[姓名已隐去] [电话已隐去]" in done.stdout
    leaks = _leaks("run output", done.stdout + done.stderr)
    leaks += _leaks("core.blocked_faults", repr(query(hotline_env["warehouse"], "SELECT * FROM core.blocked_faults")))

    # ... and so does Dagster's event log, read back from the instance's own storage.
    os.environ["DAGSTER_HOME"] = str(hotline_env["dagster_home"])
    instance = DagsterInstance.get()
    try:
        runs = instance.get_runs()
        assert runs, "the run was not recorded in the instance"
        logged = []
        for run in runs:
            for entry in instance.all_logs(run.run_id):
                logged.append(entry.user_message or "")
                if entry.dagster_event is not None:
                    logged.append(repr(entry.dagster_event))
    finally:
        instance.dispose()
    text = "\n".join(logged)
    assert "[姓名已隐去][证件号已隐去]" in text  # the faults are there, masked
    leaks += _leaks("event log", text)

    checked = _hotline(hotline_env, "validate", str(exports))
    assert checked.returncode == 1
    assert "export.csv row 5, column 诉求类型" in checked.stdout and "[证件号已隐去]" in checked.stdout
    leaks += _leaks("validate output", checked.stdout + checked.stderr)
    assert not leaks, "\n".join(leaks)
    # The search finds what is there: every planted text is in the export itself.
    planted = (exports / "export.csv").read_text(encoding="utf-8")
    assert all(s in planted for s in NAMES + NUMBERS)
