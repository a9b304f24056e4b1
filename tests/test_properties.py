"""Properties over generated small months, through real Dagster runs of the project's definitions:
nothing is lost (rows in = stored + rejected + replaced), totals equal the sum of their parts, ranks
are competition rankings, a re-run changes nothing, and neither the order of the rows nor how they
are split across files (nor a re-export of some of them) changes the stored month or the marts."""

import contextlib
import os
import tempfile
from pathlib import Path

import duckdb
from dagster import AssetSelection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import helpers
from tests.helpers import dept, export_row, town, write_csv, write_reference

MONTH = "2024-02"
CALENDAR = [("2024-01", "2023-12-23", "2024-01-24"), ("2024-02", "2024-01-25", "2024-02-22")]
TOWNS, DEPTS = ["柳园街道", "新区街道", "古楼街道"], ["区住建局", "区税务局"]
ROSTER = [town(n) for n in TOWNS] + [dept(n) for n in DEPTS]
NO_REPORT = AssetSelection.all() - AssetSelection.groups("report")
FLAG = st.sampled_from(["是", "否"])


@st.composite
def orders(draw):
    """One order: its order-level fields and one or two assignments."""
    units = draw(st.lists(st.sampled_from(TOWNS + DEPTS), min_size=1, max_size=2, unique=True))
    day = draw(st.integers(0, 28))
    received = (
        f"2024-{'01' if day < 7 else '02'}-{25 + day if day < 7 else day - 6:02d} {draw(st.integers(0, 23)):02d}:15:00"
    )
    shared = {
        "受理渠道": draw(st.sampled_from(["来电", "微信", "随手拍"])),
        "诉求类型": draw(st.sampled_from(["求助", "咨询", "投诉"])),
        "诉求分类": draw(st.sampled_from(["城乡建设/物业管理/卫生保洁", "劳动和社会保障/劳动关系/拖欠工资"])),
    }
    rows = []
    for unit in units:
        rows.append(
            {
                **shared,
                "承办单位": unit,
                "是否按时签收": draw(FLAG),
                "是否按时办结": draw(FLAG),
                "解决情况": draw(st.sampled_from(["已解决", "未解决", ""])),
                "满意度": draw(st.sampled_from(["满意", "基本满意", "不满意", "", "85"])),
                "received": received,
            }
        )
    return rows


BAD = [{"承办单位": "区不存在局"}, {"派单时间": "2024-02-30 08:00"}, {"诉求类型": "吐槽"}]


@st.composite
def months(draw):
    drawn = draw(st.lists(orders(), min_size=3, max_size=25))
    rows = []
    for i, order in enumerate(drawn):
        for row in order:
            fields = {k: v for k, v in row.items() if k not in ("received", "承办单位")}
            rows.append(export_row(f"P{i:03d}", row["承办单位"], received=row["received"], **fields))
    bad = [
        export_row(f"Q{i}", "柳园街道", **fix)
        for i, fix in enumerate(draw(st.lists(st.sampled_from(BAD), max_size=2)))
    ]
    permutation = draw(st.permutations(range(len(rows) + len(bad))))
    files = draw(st.integers(1, 3))
    cuts = sorted(draw(st.lists(st.integers(0, len(permutation)), min_size=files - 1, max_size=files - 1)))
    reexported = draw(st.lists(st.integers(0, len(rows) - 1), max_size=3, unique=True))
    return rows, bad, permutation, cuts, reexported


@contextlib.contextmanager
def fresh_env():
    """A fresh data folder, warehouse, key and instance per example (hypothesis runs many)."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env = {
            "HOTLINE_DATA_DIR": tmp / "data",
            "HOTLINE_WAREHOUSE": tmp / "data" / "warehouse.duckdb",
            "HOTLINE_REPORTS_DIR": tmp / "reports",
            "HOTLINE_PHONE_KEY_FILE": tmp / "secrets" / "key",
            "DAGSTER_HOME": tmp / "dagster_home",
        }
        saved = {k: os.environ.get(k) for k in env}
        for key, value in env.items():
            os.environ[key] = str(value)
        (tmp / "data").mkdir()
        (tmp / "dagster_home").mkdir()
        try:
            yield {k: Path(v) for k, v in env.items()}
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def write_month(data: Path, files: list[list[dict]]) -> None:
    write_reference(data, ROSTER, calendar=CALENDAR)
    month_dir = data / "months" / MONTH
    exports = month_dir / "exports"
    if exports.exists():
        for old in exports.iterdir():
            old.unlink()
    for i, rows in enumerate(files):
        path = write_csv(exports / f"part{i}.csv", rows, headers=helpers.HEADERS)
        os.utime(path, (1_700_000_000 + i, 1_700_000_000 + i))
    write_csv(
        month_dir / "adjustments.csv",
        [
            {"单位名称": u, "减分项": "0", "质效": "0", "抽测排名": str(i + 1) if u in TOWNS else ""}
            for i, u in enumerate(TOWNS + DEPTS)
        ],
    )


def snapshot(warehouse: Path) -> dict:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [
            f"{s}.{t}"
            for s, t in con.execute(
                "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema = 'mart' ORDER BY "
                "1, 2"
            ).fetchall()
        ]
        got = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}
        columns = [
            c
            for (c,) in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'core' AND table_name = "
                "'assignments' "
                "AND column_name NOT IN ('source_file', 'source_row') ORDER BY ordinal_position"
            ).fetchall()
        ]
        got["core.assignments"] = con.execute(
            f"SELECT {', '.join(columns)} FROM core.assignments ORDER BY ALL"
        ).fetchall()
        return got
    finally:
        con.close()


def scalar(warehouse: Path, sql: str):
    return helpers.query(warehouse, sql)[0][0]


def assert_competition_ranking(warehouse: Path) -> None:
    rows = helpers.query(
        warehouse,
        "SELECT group_code, assessment_score, assessment_rank, handling_score, handling_rank, "
        "overall_rank FROM mart.unit_scores WHERE month = $m",
        {"m": MONTH},
    )
    for group in {r[0] for r in rows}:
        members = [r for r in rows if r[0] == group]
        for score_at, rank_at in ((1, 2), (3, 4)):
            for r in members:
                if r[rank_at] is not None:
                    assert r[rank_at] == 1 + sum(o[score_at] > r[score_at] for o in members), (group, r)
        ranks = sorted(r[5] for r in members if r[5] is not None)
        for i, rank in enumerate(ranks):  # 1, 1, 3: ties share the better rank, the next skips
            assert rank == (1 if i == 0 else ranks[i - 1] if rank == ranks[i - 1] else i + 1), (group, ranks)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(months())
def test_generated_months_keep_every_row_add_up_and_do_not_depend_on_order_or_files(month):
    rows, bad, permutation, cuts, reexported = month
    everything = rows + bad
    with fresh_env() as env:
        warehouse = env["HOTLINE_WAREHOUSE"]
        # A: all rows in one file, as generated.
        write_month(env["HOTLINE_DATA_DIR"], [everything])
        result = helpers.materialize_months(MONTH, selection=NO_REPORT, raise_on_error=False)
        assert result.success == (not bad)
        # Nothing lost: rows in = stored + rejected + replaced (of the attempt: a month with a
        # rejected row is blocked and stores nothing, its faults are listed).
        assert helpers.query(
            warehouse, "SELECT rows_in, rows_stored, rows_rejected, rows_replaced FROM core.month_loads"
        ) == [(len(everything), len(rows), len(bad), 0)]
        assert scalar(warehouse, "SELECT count(*) FROM core.assignments") == (0 if bad else len(rows))
        assert scalar(warehouse, "SELECT count(*) FROM core.blocked_faults") == len(bad)
        if not bad:
            orders = len({r["工单编号"] for r in rows})
            assert scalar(warehouse, "SELECT orders FROM mart.overview") == orders
            assert scalar(warehouse, "SELECT sum(orders) FROM mart.channel_counts") == orders
            assert scalar(warehouse, "SELECT sum(orders) FROM mart.request_type_shares") == orders
            assert scalar(warehouse, "SELECT sum(volume) FROM mart.unit_scores") == len(rows)
            assert_competition_ranking(warehouse)
        first = snapshot(warehouse)

        # Re-running the month changes nothing.
        helpers.materialize_months(MONTH, selection=NO_REPORT, raise_on_error=False)
        assert snapshot(warehouse) == first

        # B: shuffled, split across files, and a newer file re-exporting some rows unchanged.
        shuffled = [everything[i] for i in permutation]
        bounds = [0, *cuts, len(shuffled)]
        parts = [shuffled[a:b] for a, b in zip(bounds, bounds[1:])]
        parts = [p for p in parts if p] + ([[rows[i] for i in reexported]] if reexported else [])
        write_month(env["HOTLINE_DATA_DIR"], parts)
        helpers.materialize_months(MONTH, selection=NO_REPORT, raise_on_error=False)
        assert helpers.query(
            warehouse, "SELECT rows_in, rows_stored, rows_rejected, rows_replaced FROM core.month_loads"
        ) == [(len(everything) + len(reexported), len(rows), len(bad), len(reexported))]
        assert snapshot(warehouse) == first
