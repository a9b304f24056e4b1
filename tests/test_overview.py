"""mart.overview, mart.channel_counts, mart.request_type_shares and mart.enterprise_summary on
small hand-made data folders, through the real ingest and real Dagster runs.

The helpers here (DataFolder, run_month, query) are shared with test_hotspots.py."""

import csv
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, AssetSelection, materialize

import pipelines.definitions
from hotline.marts import dependent_months
from pipelines.resources import build_resources
from tests.helpers import HEADERS

UNITS = [
    # 单位名称, 分组, 别名
    ("甲镇", "镇街园区", ""),
    ("乙街道", "镇街园区", ""),
    ("丙镇", "镇街园区", ""),
    ("丁镇", "镇街园区", ""),
    ("区人社局", "区直国企", "区人力资源和社会保障局"),
    ("区市场监管局", "区直国企", ""),
    ("区住建局", "区直国企", ""),
    ("区水利局", "区直国企", ""),
]
TAXONOMY = [
    # 热点问题, 子类, 诉求分类前缀
    ("拖欠工资", "", "劳动和社会保障/劳动关系/拖欠工资"),
    ("拖欠工资", "农民工欠薪", "劳动和社会保障/劳动关系/拖欠工资/农民工欠薪"),
    ("拖欠工资", "企业欠薪", "劳动和社会保障/劳动关系/拖欠工资/企业欠薪"),
    ("物业管理", "", "城乡建设/物业管理"),
    ("用水", "", "城乡建设/供水"),
    ("用水", "农村生活用水", "城乡建设/供水/农村供水"),
]
WAGES_MIGRANT = "劳动和社会保障/劳动关系/拖欠工资/农民工欠薪"
WAGES_FIRM = "劳动和社会保障/劳动关系/拖欠工资/企业欠薪"
WAGES = "劳动和社会保障/劳动关系/拖欠工资"
PROPERTY = "城乡建设/物业管理/卫生保洁"
WATER_RURAL = "城乡建设/供水/农村供水/停水"
WATER_CITY = "城乡建设/供水/城市供水"
OTHER = "社会管理/其他事项"


MY_MARTS = [
    AssetKey(["mart", n])
    for n in (
        "overview",
        "channel_counts",
        "request_type_shares",
        "enterprise_summary",
        "hotspots",
        "hotspot_places",
        "anomalies",
    )
]


def day_in_window(month: str) -> datetime:
    """The 10th of the month: inside the default window (23rd of the previous month to the 22nd)."""
    return datetime(int(month[:4]), int(month[5:7]), 10, 9, 0, 0)


class DataFolder:
    """A data folder in the contract's layout, written by hand."""

    def __init__(self, root: Path, units=UNITS, taxonomy=TAXONOMY):
        self.root = root
        (root / "reference").mkdir(parents=True, exist_ok=True)
        self.write_csv(
            root / "reference" / "units.csv",
            ["单位名称", "简称", "分组", "主要负责人", "分管负责人", "别名", "起始月", "终止月"],
            [(u, "", g, "负责人", "分管", a, "", "") for u, g, a in units],
        )
        self.set_taxonomy(taxonomy)
        self._serial: dict[str, int] = {}

    @staticmethod
    def write_csv(path: Path, header: list[str], rows) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)

    def set_taxonomy(self, taxonomy) -> None:
        self.write_csv(self.root / "reference" / "hotspots.csv", ["热点问题", "子类", "诉求分类前缀"], taxonomy)

    def order_rows(
        self,
        month: str,
        units: list[str] | str = "区人社局",
        path: str = OTHER,
        channel: str = "来电",
        request_type: str = "求助",
        address: str = "",
        enterprise: str = "",
        resolution: str = "已解决",
        satisfaction: str = "满意",
        on_time: str = "是",
        signed_on_time: str = "是",
        city_overdue: str = "否",
        count: int = 1,
    ) -> list[list[str]]:
        """``count`` orders, each assigned to every unit of ``units`` (co-handled when several)."""
        units = [units] if isinstance(units, str) else units
        rows = []
        for _ in range(count):
            self._serial[month] = self._serial.get(month, 0) + 1
            order_id = f"GD{month.replace('-', '')}{self._serial[month]:06d}"
            received = day_in_window(month) + timedelta(minutes=self._serial[month] % 600)
            dispatched = received + timedelta(minutes=30)
            for unit in units:
                rows.append(
                    [
                        order_id,
                        f"{received:%Y-%m-%d %H:%M:%S}",
                        channel,
                        request_type,
                        path,
                        address,
                        "",
                        "",
                        "",
                        unit,
                        f"{dispatched:%Y-%m-%d %H:%M:%S}",
                        f"{dispatched + timedelta(minutes=20):%Y-%m-%d %H:%M:%S}",
                        f"{dispatched + timedelta(days=1):%Y-%m-%d %H:%M:%S}",
                        signed_on_time,
                        on_time,
                        resolution,
                        satisfaction,
                        "否",
                        city_overdue,
                        enterprise,
                        "否",
                        "",
                        "",
                    ]
                )
        return rows

    def write_month(self, month: str, rows: list[list[str]], city: dict[str, str] | None = None) -> None:
        month_dir = self.root / "months" / month
        self.write_csv(month_dir / "exports" / "export.csv", HEADERS, rows)
        if city:
            self.write_csv(month_dir / "city_assessment.csv", ["指标", "数值"], city.items())


@pytest.fixture
def data(tmp_path, monkeypatch) -> DataFolder:
    root = tmp_path / "data"
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(root))
    monkeypatch.setenv("HOTLINE_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("HOTLINE_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("HOTLINE_PHONE_KEY_FILE", str(tmp_path / "keys" / "phone.key"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    (tmp_path / "dagster_home").mkdir()
    return DataFolder(root)


def run_month(month: str, marts=MY_MARTS) -> None:
    """Materialize the month's marts and everything they need, in one real Dagster run (the same
    definitions the CLI and the UI load; only this module's marts and their upstream assets)."""
    # the ingest writes several tables in one step that cannot be split: select them together
    selection = AssetSelection.assets(*marts).upstream().required_multi_asset_neighbors()
    result = materialize(
        pipelines.definitions.all_assets, partition_key=month, selection=selection, resources=build_resources()
    )
    assert result.success


def query(sql: str, params: dict | None = None) -> list[dict]:
    from hotline.settings import Settings

    with duckdb.connect(str(Settings.from_env().warehouse), read_only=True) as con:
        cursor = con.execute(sql, params or {})
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


def overview_row(month: str) -> dict:
    rows = query("SELECT * FROM mart.overview WHERE month = $m", {"m": month})
    assert len(rows) == 1
    return rows[0]


# --------------------------------------------------------------------------- tests
def test_counts_distinct_orders_and_rates(data):
    rows = (
        # co-handled by a town and a department: one order, counted once in orders, once per group
        data.order_rows(
            "2024-02",
            units=["甲镇", "区人社局"],
            channel="来电",
            request_type="求助",
            resolution="已解决",
            satisfaction="满意",
        )
        # co-handled by two departments (one written by its alias): one order
        + data.order_rows(
            "2024-02",
            units=["区市场监管局", "区人力资源和社会保障局"],
            channel="微信",
            request_type="咨询",
            resolution="未解决",
            satisfaction="基本满意",
            on_time="否",
        )
        + data.order_rows(
            "2024-02",
            units="乙街道",
            channel="来电",
            request_type="求助",
            resolution="",
            satisfaction="",
            enterprise="企业直通车",
            signed_on_time="否",
            city_overdue="是",
        )
        + data.order_rows("2024-02", units="区住建局", channel="来电", request_type="建议", satisfaction="90")
    )
    data.write_month("2024-02", rows, city={"诉求解决率": "87.80", "综合满意率": "91.86"})
    run_month("2024-02")

    o = overview_row("2024-02")
    assert (o["window_start"].isoformat(), o["window_end"].isoformat(), o["days"]) == ("2024-01-23", "2024-02-22", 31)
    assert o["orders"] == 4 and o["assignments"] == 6
    assert o["daily_avg"] == 0  # 4 / 31 rounds to 0
    assert (o["town_orders"], o["dept_orders"]) == (2, 3)
    assert (o["town_share_pct"], o["dept_share_pct"]) == (Decimal("50.00"), Decimal("75.00"))
    assert o["enterprise_orders"] == 1 and o["city_overdue_orders"] == 1
    # over the 6 assignments: 5 signed on time, 4 completed on time
    assert o["response_rate"] == Decimal("0.8333") and o["ontime_rate"] == Decimal("0.6667")
    # resolution: 5 results (1, 1, 0, 0, 1) → 0.6; satisfaction: (1, 1, 0.8, 0.8, 0.9) / 5 = 0.9
    assert o["resolution_rate"] == Decimal("0.6000") and o["satisfaction_rate"] == Decimal("0.9000")
    # the city's figures where given, ours otherwise
    assert o["city_response_pct"] is None and o["city_resolution_pct"] == Decimal("87.80")
    assert o["report_response_pct"] == Decimal("83.33") and o["report_resolution_pct"] == Decimal("87.80")
    assert o["report_satisfaction_pct"] == Decimal("91.86")
    # no base month loaded: NULL, never 0
    assert o["orders_last_month"] is None and o["mom_pct"] is None
    assert o["orders_last_year"] is None and o["yoy_pct"] is None

    channels = query(
        "SELECT channel, orders, share_pct, rank FROM mart.channel_counts WHERE month = '2024-02' ORDER BY rank, "
        "channel"
    )
    assert [(c["channel"], c["orders"], c["share_pct"], c["rank"]) for c in channels] == [
        ("来电", 3, Decimal("75.00"), 1),
        ("微信", 1, Decimal("25.00"), 2),
    ]
    types = query(
        "SELECT request_type, orders, share_pct FROM mart.request_type_shares WHERE month = '2024-02' ORDER BY "
        "orders DESC, request_type"
    )
    assert {t["request_type"]: (t["orders"], t["share_pct"]) for t in types} == {
        "求助": (2, Decimal("50.00")),
        "咨询": (1, Decimal("25.00")),
        "建议": (1, Decimal("25.00")),
    }


def test_daily_average_rounds_half_away_from_zero(data):
    # 2024-02's window has 31 days by the default rule: 372 / 31 = 12 exactly, 388 / 31 = 12.52 → 13
    data.write_month("2024-02", data.order_rows("2024-02", count=388))
    run_month("2024-02", marts=[AssetKey(["mart", "overview"])])
    assert overview_row("2024-02")["daily_avg"] == 13


def test_base_month_backfilled_later_brings_the_deltas(data):
    data.write_month("2024-02", data.order_rows("2024-02", count=12))
    data.write_month("2024-01", data.order_rows("2024-01", count=16))
    data.write_month("2023-02", data.order_rows("2023-02", count=10))

    run_month("2024-02")
    first = overview_row("2024-02")
    assert (first["orders_last_month"], first["mom_pct"]) == (None, None)
    assert (first["orders_last_year"], first["yoy_pct"]) == (None, None)

    # backfill the bases after the month that compares with them
    run_month("2024-01")
    run_month("2023-02")
    assert dependent_months("2024-01") == ["2024-02", "2025-01"]
    assert dependent_months("2023-02") == ["2023-03", "2024-02"]
    run_month("2024-02")
    again = overview_row("2024-02")
    assert (again["orders_last_month"], again["mom_pct"]) == (16, Decimal("-25.00"))
    assert (again["orders_last_year"], again["yoy_pct"]) == (10, Decimal("20.00"))


def test_zero_base_gives_no_change(data):
    # the base month is loaded but holds no enterprise order and no 微信 order: a base of 0
    data.write_month("2024-01", data.order_rows("2024-01", channel="来电", count=3))
    data.write_month(
        "2024-02",
        data.order_rows("2024-02", channel="微信", enterprise="企业直通车", count=2)
        + data.order_rows("2024-02", channel="来电", count=6),
    )
    run_month("2024-01")
    run_month("2024-02")
    wechat = query("SELECT * FROM mart.channel_counts WHERE month = '2024-02' AND channel = '微信'")[0]
    assert (wechat["orders"], wechat["orders_last_month"], wechat["mom_pct"]) == (2, 0, None)
    assert (wechat["orders_last_year"], wechat["yoy_pct"]) == (None, None)
    phone = query("SELECT * FROM mart.channel_counts WHERE month = '2024-02' AND channel = '来电'")[0]
    assert (phone["orders_last_month"], phone["mom_pct"]) == (3, Decimal("100.00"))
    ent = query("SELECT * FROM mart.enterprise_summary WHERE month = '2024-02'")[0]
    assert (ent["enterprise_orders"], ent["orders_last_month"], ent["mom_pct"]) == (2, 0, None)


def test_enterprise_summary(data):
    rows = (
        data.order_rows("2024-02", units="乙街道", enterprise="企业直通车", count=3)
        + data.order_rows("2024-02", units="甲镇", enterprise="企业直通车", count=2)
        + data.order_rows(
            "2024-02", units="丙镇", enterprise="省企业诉求接诉即办", count=2
        )  # tie with 甲镇: roster order
        + data.order_rows("2024-02", units="丁镇", enterprise="企业直通车", count=1)
        + data.order_rows(
            "2024-02", units="区住建局", enterprise="企业直通车", resolution="未解决", satisfaction="不满意", count=2
        )
        + data.order_rows(
            "2024-02", units="区市场监管局", enterprise="企业直通车", resolution="", satisfaction="", count=2
        )
        + data.order_rows("2024-02", units="区水利局", enterprise="企业直通车", satisfaction="基本满意", count=1)
        + data.order_rows("2024-02", units="区人社局", enterprise="省企业诉求接诉即办", count=1)
        + data.order_rows("2024-02", units="区人社局", count=5)  # not enterprise
    )
    data.write_month("2024-02", rows)
    data.write_month("2024-01", data.order_rows("2024-01", units="甲镇", enterprise="企业直通车", count=20))
    run_month("2024-01")
    run_month("2024-02")
    e = query("SELECT * FROM mart.enterprise_summary WHERE month = '2024-02'")[0]
    assert (e["enterprise_orders"], e["provincial_orders"], e["direct_orders"]) == (14, 3, 11)
    assert (e["orders_last_month"], e["mom_pct"]) == (20, Decimal("-30.00"))
    assert e["top_towns"] == ["乙街道", "甲镇", "丙镇"] and e["top_town_assignments"] == [3, 2, 2]
    # 区市场监管局 and 区住建局 tie at 2: roster order; then 区人社局 (1) before 区水利局 (1)
    assert e["top_depts"] == ["区市场监管局", "区住建局", "区人社局"]
    # resolution over the 12 assignments with a result: 10 solved → 83.33%
    assert (e["resolution_pct"], e["resolution_rate"]) == (Decimal("83.33"), Decimal("0.8333"))
    # satisfaction: 9 × 1 + 0.8 + 2 × 0 over 12 → 0.81666… → 81.67%
    assert e["satisfaction_pct"] == Decimal("81.67")


def test_backfill_range_in_one_run_compares_with_its_earlier_months(data):
    # `hotline backfill 2024-01 2024-02` is one run over both partitions (single-run backfill
    # policy): each asset handles the months oldest first, so 2024-02 sees 2024-01's orders.
    data.write_month("2024-01", data.order_rows("2024-01", path=OTHER, count=5))
    data.write_month("2024-02", data.order_rows("2024-02", path=OTHER, count=8))
    ingest = AssetSelection.assets(
        AssetKey(["core", "export_files"]), AssetKey(["core", "rejected_rows"]), AssetKey(["core", "adjustments"])
    )
    result = materialize(
        pipelines.definitions.all_assets,
        selection=AssetSelection.assets(*MY_MARTS).upstream() | ingest,
        resources=build_resources(),
        tags={"dagster/asset_partition_range_start": "2024-01", "dagster/asset_partition_range_end": "2024-02"},
    )
    assert result.success
    o = overview_row("2024-02")
    assert (o["orders"], o["orders_last_month"], o["mom_pct"]) == (8, 5, Decimal("60.00"))
    assert overview_row("2024-01")["orders"] == 5
