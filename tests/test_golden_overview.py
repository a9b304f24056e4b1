"""Golden test: the bundled sample reproduces every number of sections 一, 三 and 四 of the seed
report (shared/reference/2024-02/facts.md), through the real ingest and real Dagster runs of
2023-02, 2024-01 and 2024-02.

Expected values are written out below in the report's terms; each one is also looked up in
facts.md (so a figure typed here that the reference does not state fails too). On failure the
test prints one table of every figure that differs: figure, expected, got."""

import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, AssetSelection, materialize

import pipelines.definitions
from pipelines.resources import build_resources
from tests.helpers import shared_dir

MONTHS = ["2023-02", "2024-01", "2024-02"]
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


FACTS = shared_dir() / "reference" / "2024-02" / "facts.md"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    from hotline.generator.sample import write_sample

    root = tmp_path_factory.mktemp("golden")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOTLINE_DATA_DIR", str(root / "data"))
        mp.setenv("HOTLINE_WAREHOUSE", str(root / "warehouse.duckdb"))
        mp.setenv("HOTLINE_REPORTS_DIR", str(root / "reports"))
        mp.setenv("HOTLINE_PHONE_KEY_FILE", str(root / "keys" / "phone.key"))
        mp.setenv("DAGSTER_HOME", str(root / "dagster_home"))
        (root / "dagster_home").mkdir()
        write_sample(root / "data")
        ingest = AssetSelection.assets(
            AssetKey(["core", "export_files"]), AssetKey(["core", "rejected_rows"]), AssetKey(["core", "adjustments"])
        )
        selection = AssetSelection.assets(*MY_MARTS).upstream() | ingest
        for month in MONTHS:  # bases first, as a backfill would
            result = materialize(
                pipelines.definitions.all_assets, partition_key=month, selection=selection, resources=build_resources()
            )
            assert result.success, f"materializing {month} failed"
    return root / "warehouse.duckdb"


class Golden:
    """Collects figure / expected / got, and fails once with all the differences."""

    def __init__(self, warehouse: Path):
        self.con = duckdb.connect(str(warehouse), read_only=True)
        self.facts = FACTS.read_text(encoding="utf-8")
        self.rows: list[tuple[str, str, str]] = []
        self.checked = 0

    def one(self, sql: str, **params):
        rows = self.con.execute(sql, params).fetchall()
        return rows[0] if len(rows) == 1 else (None,) * 20 if not rows else (f"<{len(rows)} rows>",) * 20

    def check(self, figure: str, expected, got, in_facts: str | None = None) -> None:
        """``in_facts``: the text facts.md must hold for this figure (default: str(expected))."""
        self.checked += 1
        needle = in_facts if in_facts is not None else str(expected)
        if needle and needle not in self.facts:
            self.rows.append((figure, f"{expected} (not in facts.md!)", str(got)))
        elif not same(expected, got):
            self.rows.append((figure, str(expected), str(got)))

    def verdict(self) -> None:
        """Fail with every difference at once (call at the end of a test)."""
        if self.rows:
            width = max(len(r[0]) for r in self.rows)
            lines = [f"{'figure'.ljust(width)} | expected | got"] + [
                f"{f.ljust(width)} | {e} | {g}" for f, e, g in self.rows
            ]
            pytest.fail(
                f"{len(self.rows)} of {self.checked} figures differ from facts.md:\n" + "\n".join(lines), pytrace=False
            )


def same(expected, got) -> bool:
    if isinstance(expected, str) and isinstance(got, Decimal):
        return Decimal(expected) == got
    if isinstance(expected, (int, Decimal)) and isinstance(got, (int, Decimal)):
        return Decimal(expected) == Decimal(got)
    return expected == got


def pct(text: str) -> Decimal:
    return Decimal(text)


@pytest.fixture
def golden(warehouse):
    g = Golden(warehouse)
    yield g
    g.con.close()


def test_section_1_overview(golden):
    g = golden
    o = dict(
        zip(
            [
                "orders",
                "yoy",
                "mom",
                "last_month",
                "last_year",
                "daily",
                "resp",
                "ontime",
                "resol",
                "satis",
                "town",
                "town_pct",
                "dept",
                "dept_pct",
                "overdue",
            ],
            g.one(
                "SELECT orders, yoy_pct, mom_pct, orders_last_month, orders_last_year, daily_avg, "
                "report_response_pct, report_ontime_pct, report_resolution_pct, report_satisfaction_pct, "
                "town_orders, town_share_pct, "
                "dept_orders, dept_share_pct, city_overdue_orders FROM mart.overview WHERE month = '2024-02'"
            ),
        )
    )
    g.check("orders", 11198, o["orders"])
    g.check("orders 同比 %", pct("16.08"), o["yoy"], "同比增长 16.08%")
    g.check("orders 环比 %", pct("-27.24"), o["mom"], "环比下降 27.24%")
    g.check("orders base 2024-01", 15390, o["last_month"])
    g.check("orders base 2023-02", 9647, o["last_year"])
    g.check("日均受理量", 386, o["daily"])
    g.check("响应率 (city's)", pct("100"), o["resp"], "100% / 100%")
    g.check("按时办理率 (city's)", pct("100"), o["ontime"], "100% / 100%")
    g.check("诉求解决率 (city's)", pct("87.80"), o["resol"], "87.80%")
    g.check("综合满意率 (city's)", pct("91.86"), o["satis"], "91.86%")
    g.check("镇（街）、园区 orders", 3935, o["town"])
    g.check("镇（街）、园区 share %", pct("35.14"), o["town_pct"], "35.14%")
    g.check("区直及国企 orders", 7263, o["dept"])
    g.check("区直及国企 share %", pct("64.86"), o["dept_pct"], "64.86%")
    g.check("市到期未按时回复", 0, o["overdue"], "本月未有市到期未按时回复工单")

    channels = g.con.execute(
        "SELECT channel, orders, rank FROM mart.channel_counts WHERE month = '2024-02' ORDER BY rank, channel"
    ).fetchall()
    # the report names the channels with most orders, most first
    for position, (label, channel, count) in enumerate(
        [
            ("来电受理", "来电", 10787),
            ("微信平台受理", "微信", 209),
            ("省级网站诉求", "省级网站", 52),
            ("随手拍", "随手拍", 51),
        ]
    ):
        got = channels[position] if position < len(channels) else (None, None, None)
        g.check(f"channel #{position + 1} ({label})", (channel, count), got[:2], f"{label} | {count}")

    types = {
        t: (n, s)
        for t, n, s in g.con.execute(
            "SELECT request_type, orders, share_pct FROM mart.request_type_shares WHERE month = '2024-02'"
        ).fetchall()
    }
    for rtype, count, share in [
        ("求助", 9191, "82.08"),
        ("咨询", 1713, "15.30"),
        ("建议", 260, "2.32"),
        ("感谢", 34, None),
    ]:
        n, s = types.get(rtype, (None, None))
        g.check(f"{rtype} orders", count, n, f"{rtype} | {count}")
        if share:
            g.check(f"{rtype} share %", pct(share), s, f"{count}, {share}%")
    g.verdict()


HOTSPOTS = [
    # hotspot, sub-hotspot, orders, 同比 text, 环比 text, base 2024-01, base 2023-02, rank
    ("拖欠工资", None, 2159, "+108.20%", "−4.60%", 2263, 1037, 1),
    ("拖欠工资", "农民工欠薪", 1446, "+124.88%", None, None, 643, None),
    ("拖欠工资", "企业欠薪", 713, "+80.96%", None, None, 394, None),
    ("消费者维权", None, 1484, "−9.84%", "−24.32%", 1961, 1646, 2),
    ("物业管理", None, 1443, "+28.50%", "−37.64%", 2314, 1123, 3),
    ("用水", None, 514, "+8.44%", "−28.51%", 719, 474, 4),
    ("用水", "农村生活用水", 391, None, None, None, None, None),
    ("市容环境", None, 456, "−33.82%", "−43.07%", 801, 689, 5),
]


def signed(text: str) -> Decimal:
    return Decimal(text.replace("−", "-").replace("+", "").rstrip("%"))


def test_section_3_hotspots(golden):
    g = golden
    rows = {
        (h, s): r
        for h, s, *r in g.con.execute(
            "SELECT hotspot, sub_hotspot, orders, yoy_pct, mom_pct, orders_last_month, orders_last_year, rank "
            "FROM mart.hotspots WHERE month = '2024-02'"
        ).fetchall()
    }
    for hotspot, sub, orders, yoy, mom, base_lm, base_ly, rank in HOTSPOTS:
        name = hotspot + (f"·{sub}" if sub else "")
        got = rows.get((hotspot, sub), [None] * 6)
        g.check(f"{name} orders", orders, got[0], f"| {orders} |")
        if yoy:
            g.check(f"{name} 同比", signed(yoy), got[1], yoy)
        if mom:
            g.check(f"{name} 环比", signed(mom), got[2], mom)
        if base_lm:
            g.check(f"{name} base 2024-01", base_lm, got[3], f"| {base_lm} |")
        if base_ly:
            g.check(f"{name} base 2023-02", base_ly, got[4], f"| {base_ly} |")
        if rank:
            g.check(f"{name} rank", rank, got[5], "")
    top_five = [
        h for (h, s), r in sorted(rows.items(), key=lambda kv: kv[1][5] or 99) if s is None and r[5] and r[5] <= 5
    ]
    g.check("top five hotspots", ["拖欠工资", "消费者维权", "物业管理", "用水", "市容环境"], top_five, "")

    # Places named: 物业管理 — a, b; 用水 — …; 市容环境 — …
    named = re.search(r"Places named:(.*?)\n\n", g.facts, re.S).group(1)
    places = {
        k.strip(): [p.strip().rstrip(".") for p in v.split(",")]
        for k, v in (part.split("—") for part in named.replace("\n", " ").split(";"))
    }
    stored = {}
    for hotspot, sub, place in g.con.execute(
        "SELECT hotspot, sub_hotspot, place FROM mart.hotspot_places WHERE month = '2024-02' "
        "ORDER BY hotspot, sub_hotspot, position"
    ).fetchall():
        stored.setdefault((hotspot, sub), []).append(place)
    for hotspot, expected in places.items():
        got = stored.get((hotspot, None), [])[: len(expected)]
        g.check(f"{hotspot} places (top {len(expected)})", expected, got, "")
    # 用水's paragraph names each sub-hotspot's places: 农村生活用水 the first three, 城区 the rest
    g.check("用水·农村生活用水 places", places["用水"][:3], stored.get(("用水", "农村生活用水"), [])[:3], "")
    g.check("用水·城区居民用水 places", places["用水"][3:], stored.get(("用水", "城区居民用水"), [])[:2], "")

    # the seed's surge: 拖欠工资 +108.20% 同比 before the Spring Festival is significant against
    # 2023-02; it fell 4.60% 环比, and a rise against one base is a surge (anomalies.bases: any)
    wages = g.one(
        "SELECT rise_yoy, rise_mom, surge, p_value_yoy < 1e-12 FROM mart.anomalies "
        "WHERE month = '2024-02' AND kind = 'hotspot' AND item = '拖欠工资'"
    )
    g.check(
        "拖欠工资 anomaly (rise 同比, rise 环比, surge, p 同比 < 1e-12)",
        (True, False, True, True),
        tuple(wages[:4]),
        "",
    )
    g.verdict()


def test_section_4_enterprise(golden):
    g = golden
    e = dict(
        zip(
            ["orders", "mom", "base", "prov", "direct", "towns", "depts", "resol", "satis"],
            g.one(
                "SELECT enterprise_orders, mom_pct, orders_last_month, provincial_orders, direct_orders, "
                "top_towns, top_depts, "
                "resolution_pct, satisfaction_pct FROM mart.enterprise_summary WHERE month = '2024-02'"
            ),
        )
    )
    g.check("企业诉求 orders", 181, e["orders"], "181 orders")
    g.check("企业诉求 环比", pct("-42.90"), e["mom"], "环比下降 42.90%")
    g.check("企业诉求 base 2024-01", 317, e["base"], "317")
    g.check("省企业诉求接诉即办", 6, e["prov"], '接诉即办" 6')
    g.check("企业直通车", 175, e["direct"], '企业直通车" 175')
    g.check("most orders: towns", ["柳园街道", "新区街道", "古楼街道"], e["towns"], "柳园街道、新区街道、古楼街道")
    g.check(
        "most orders: departments",
        ["区市场监管局", "区人社局", "区行政审批局"],
        e["depts"],
        "区市场监管局、区人社局、区行政审批局",
    )
    g.check("企业诉求解决率", pct("64.12"), e["resol"], "64.12%")
    g.check("企业诉求综合满意率", pct("84.11"), e["satis"], "84.11%")
    overview_enterprise = g.one("SELECT enterprise_orders FROM mart.overview WHERE month = '2024-02'")[0]
    g.check("overview.enterprise_orders", 181, overview_enterprise, "181")
    g.verdict()
