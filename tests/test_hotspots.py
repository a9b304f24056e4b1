"""mart.hotspots, mart.hotspot_places and mart.anomalies on small hand-made data folders,
through the real ingest and real Dagster runs."""

from decimal import Decimal

import pytest
from scipy.stats import poisson

try:
    from tests.test_overview import (
        OTHER,
        PROPERTY,
        TAXONOMY,
        WAGES,
        WAGES_FIRM,
        WAGES_MIGRANT,
        WATER_CITY,
        WATER_RURAL,
        data,  # noqa: F401 (the fixture)
        query,
        run_month,
    )
except ImportError:  # tests/ not a package
    from test_overview import (
        OTHER,
        PROPERTY,
        TAXONOMY,
        WAGES,
        WAGES_FIRM,
        WAGES_MIGRANT,
        WATER_CITY,  # noqa: F401
        WATER_RURAL,
        query,
        run_month,
    )

from hotline.marts import flag_surges, poisson_rise_p


def hotspot_rows(month: str) -> dict[tuple, dict]:
    rows = query("SELECT * FROM mart.hotspots WHERE month = $m", {"m": month})
    return {(r["hotspot"], r["sub_hotspot"]): r for r in rows}


def test_hotspots_sub_hotspots_unmatched_and_co_handled(data):
    rows = (
        data.order_rows("2024-02", path=WAGES_MIGRANT, count=5)
        # co-handled by two units: one order
        + data.order_rows("2024-02", units=["区人社局", "甲镇"], path=WAGES_FIRM, count=2)
        + data.order_rows("2024-02", path=WAGES, count=1)  # the hotspot's own prefix: no sub-hotspot
        + data.order_rows("2024-02", path=PROPERTY, count=6)
        + data.order_rows("2024-02", path=WATER_RURAL, count=2)
        + data.order_rows("2024-02", path=WATER_CITY, count=1)
        + data.order_rows("2024-02", path=OTHER, count=9)  # matches no prefix: 其他
        + data.order_rows("2024-02", path="城乡建设", count=1)  # a shorter path than any prefix: 其他
        + data.order_rows("2024-02", path="城乡建设/物业管理费", count=1)  # not a whole-level prefix match: 其他
    )
    data.write_month("2024-02", rows)
    run_month("2024-02")
    h = hotspot_rows("2024-02")
    # 28 orders in all
    assert (h[("拖欠工资", None)]["orders"], h[("拖欠工资", None)]["share_pct"], h[("拖欠工资", None)]["rank"]) == (
        8,
        Decimal("28.57"),
        1,
    )
    assert (h[("拖欠工资", "农民工欠薪")]["orders"], h[("拖欠工资", "农民工欠薪")]["rank"]) == (5, 1)
    assert (h[("拖欠工资", "企业欠薪")]["orders"], h[("拖欠工资", "企业欠薪")]["share_pct"]) == (2, Decimal("7.14"))
    assert (h[("物业管理", None)]["orders"], h[("物业管理", None)]["rank"]) == (6, 2)
    assert (h[("用水", None)]["orders"], h[("用水", "农村生活用水")]["orders"], h[("用水", None)]["rank"]) == (3, 2, 3)
    other = h[("其他", None)]
    assert (other["orders"], other["rank"], other["unmatched"]) == (11, None, True)
    assert sum(r["orders"] for (hot, sub), r in h.items() if sub is None) == 28
    # no base month loaded: NULL, never 0
    assert all(r["orders_last_month"] is None and r["mom_pct"] is None and r["yoy_pct"] is None for r in h.values())


def test_deltas_per_hotspot_and_sub_hotspot_missing_and_zero_bases(data):
    data.write_month(
        "2024-01",
        data.order_rows("2024-01", path=WAGES_MIGRANT, count=8)
        + data.order_rows("2024-01", path=WAGES_FIRM, count=4)
        + data.order_rows("2024-01", path=OTHER, count=5),
    )
    data.write_month(
        "2024-02",
        data.order_rows("2024-02", path=WAGES_MIGRANT, count=6)
        + data.order_rows("2024-02", path=WAGES_FIRM, count=5)
        + data.order_rows("2024-02", path=PROPERTY, count=3)
        + data.order_rows("2024-02", path=OTHER, count=4),
    )
    run_month("2024-01")
    run_month("2024-02")
    h = hotspot_rows("2024-02")
    wages, migrant, firm = h[("拖欠工资", None)], h[("拖欠工资", "农民工欠薪")], h[("拖欠工资", "企业欠薪")]
    assert (wages["orders"], wages["orders_last_month"], wages["mom_pct"]) == (11, 12, Decimal("-8.33"))
    assert (migrant["orders_last_month"], migrant["mom_pct"]) == (8, Decimal("-25.00"))
    assert (firm["orders_last_month"], firm["mom_pct"]) == (4, Decimal("25.00"))
    # a loaded base without such orders: 0, and no percentage
    prop = h[("物业管理", None)]
    assert (prop["orders_last_month"], prop["mom_pct"]) == (0, None)
    # 2023-02 is not loaded: no 同比 at all
    assert all(r["orders_last_year"] is None and r["yoy_pct"] is None for r in h.values())
    assert (h[("其他", None)]["orders_last_month"], h[("其他", None)]["mom_pct"]) == (5, Decimal("-20.00"))


def test_taxonomy_change_compares_like_with_like(data):
    sanitation = PROPERTY  # 城乡建设/物业管理/卫生保洁
    data.write_month(
        "2024-01",
        data.order_rows("2024-01", path=sanitation, count=4)
        + data.order_rows("2024-01", path="城乡建设/物业管理/停车", count=3),
    )
    run_month("2024-01")
    assert hotspot_rows("2024-01")[("物业管理", None)]["orders"] == 7

    # February's taxonomy splits 卫生保洁 off into a hotspot of its own
    data.set_taxonomy(TAXONOMY + [("环境卫生", "", "城乡建设/物业管理/卫生保洁")])
    data.write_month(
        "2024-02",
        data.order_rows("2024-02", path=sanitation, count=6)
        + data.order_rows("2024-02", path="城乡建设/物业管理/停车", count=3),
    )
    run_month("2024-02")
    h = hotspot_rows("2024-02")
    # January re-mapped with February's taxonomy: 4 of its 7 物业管理 orders are 环境卫生 now
    assert (
        h[("环境卫生", None)]["orders"],
        h[("环境卫生", None)]["orders_last_month"],
        h[("环境卫生", None)]["mom_pct"],
    ) == (6, 4, Decimal("50.00"))
    assert (
        h[("物业管理", None)]["orders"],
        h[("物业管理", None)]["orders_last_month"],
        h[("物业管理", None)]["mom_pct"],
    ) == (3, 3, Decimal("0.00"))
    # January's own mart and rows keep January's taxonomy
    assert hotspot_rows("2024-01")[("物业管理", None)]["orders"] == 7
    assert ("环境卫生", None) not in hotspot_rows("2024-01")


def test_backfilled_base_updates_hotspot_deltas(data):
    data.write_month("2024-02", data.order_rows("2024-02", path=WAGES_MIGRANT, count=9))
    data.write_month("2023-02", data.order_rows("2023-02", path=WAGES_MIGRANT, count=3))
    run_month("2024-02")
    assert hotspot_rows("2024-02")[("拖欠工资", None)]["yoy_pct"] is None
    run_month("2023-02")
    run_month("2024-02")
    wages = hotspot_rows("2024-02")[("拖欠工资", "农民工欠薪")]
    assert (wages["orders_last_year"], wages["yoy_pct"]) == (3, Decimal("200.00"))


def test_places_per_hotspot_and_sub_hotspot(data):
    rows = []
    for place, n in [
        ("聚鑫苑小区", 5),
        ("管道局家属院", 4),
        ("公园首府", 3),
        ("东盛嘉华苑小区", 2),
        ("陈口家园", 2),
        ("书香东郡小区", 1),
        ("西湖馨苑", 1),
        ("", 7),
    ]:
        rows += data.order_rows("2024-02", path=PROPERTY, address=place, count=n)
    # co-handled: names its place once
    rows += data.order_rows("2024-02", units=["甲镇", "区水利局"], path=WATER_RURAL, address="沙镇镇", count=3)
    rows += data.order_rows("2024-02", path=WATER_RURAL, address="郑家镇", count=2)
    rows += data.order_rows("2024-02", path=WATER_RURAL, address="梁水镇镇", count=1)
    rows += data.order_rows("2024-02", path=WATER_RURAL, address="侯营镇", count=1)
    rows += data.order_rows("2024-02", path=WATER_CITY, address="西湖馨苑", count=4)
    data.write_month("2024-02", rows)
    run_month("2024-02")
    places = query(
        "SELECT * FROM mart.hotspot_places WHERE month = '2024-02' ORDER BY hotspot, sub_hotspot NULLS FIRST, position"
    )
    prop = [(p["place"], p["orders"], p["rank"]) for p in places if p["hotspot"] == "物业管理"]
    # six places per hotspot (rules), empty addresses left out; ties ranked alike, cut in name order
    assert prop == [
        ("聚鑫苑小区", 5, 1),
        ("管道局家属院", 4, 2),
        ("公园首府", 3, 3),
        ("东盛嘉华苑小区", 2, 4),
        ("陈口家园", 2, 4),
        ("书香东郡小区", 1, 6),
    ]
    water = [(p["place"], p["orders"]) for p in places if p["hotspot"] == "用水" and p["sub_hotspot"] is None]
    assert water[:3] == [("西湖馨苑", 4), ("沙镇镇", 3), ("郑家镇", 2)]
    rural = [(p["place"], p["orders"]) for p in places if p["sub_hotspot"] == "农村生活用水"]
    assert rural == [("沙镇镇", 3), ("郑家镇", 2), ("侯营镇", 1)]  # three per sub-hotspot


# --------------------------------------------------------------------------- anomalies
def test_poisson_rise_p_value():
    # exact one-sided tail P(X >= k), X ~ Poisson(base scaled to this window)
    assert poisson_rise_p(5, 2, 31, 31) == pytest.approx(1 - poisson.cdf(4, 2))
    assert poisson_rise_p(5, 2, 31, 31) > 0.05
    assert poisson_rise_p(10, 4, 29, 33) == pytest.approx(poisson.sf(9, 4 * 29 / 33))
    assert poisson_rise_p(5, 0, 31, 31) is None and poisson_rise_p(5, None, 31, 31) is None


@pytest.mark.parametrize("count", [1, 2, 3, 7, 20, 99, 100, 101, 1_000, 9_876, 100_000])
@pytest.mark.parametrize("base", [1, 2, 5, 19, 100, 1_000, 10_000, 100_000])
def test_poisson_rise_p_matches_scipy(count, base):
    # the pure-Python incomplete gamma against scipy across both branches (series below λ+1,
    # continued fraction above), tiny tails included; window lengths 29..33 days scale the base
    for days, base_days in ((31, 31), (29, 33), (33, 28)):
        expected = float(poisson.sf(count - 1, base * days / base_days))
        got = poisson_rise_p(count, base, days, base_days)
        assert got == pytest.approx(expected, rel=1e-8, abs=1e-300), (count, base, days, base_days)


def test_surge_against_both_bases_and_small_counts_stay_quiet(data):
    data.write_month(
        "2023-02",
        data.order_rows("2023-02", path=WAGES_MIGRANT, count=90)
        + data.order_rows("2023-02", path=PROPERTY, count=2)
        + data.order_rows("2023-02", path=WATER_CITY, count=40)
        + data.order_rows("2023-02", path=OTHER, channel="微信", count=30),
    )
    data.write_month(
        "2024-01",
        data.order_rows("2024-01", path=WAGES_MIGRANT, count=100)
        + data.order_rows("2024-01", path=PROPERTY, count=2)
        + data.order_rows("2024-01", path=WATER_CITY, count=90)
        + data.order_rows("2024-01", path=OTHER, channel="微信", count=30),
    )
    data.write_month(
        "2024-02",
        data.order_rows("2024-02", path=WAGES_MIGRANT, count=200)  # surge against both
        + data.order_rows("2024-02", path=PROPERTY, count=5)  # 2 → 5: +150%, not significant
        + data.order_rows("2024-02", path=WATER_CITY, count=80)  # up 同比 only
        + data.order_rows("2024-02", path=OTHER, channel="微信", count=30),
    )
    for month in ("2023-02", "2024-01", "2024-02"):
        run_month(month)
    rows = {(r["kind"], r["item"]): r for r in query("SELECT * FROM mart.anomalies WHERE month = '2024-02'")}

    wages = rows[("hotspot", "拖欠工资")]
    assert (wages["count"], wages["count_last_month"], wages["count_last_year"]) == (200, 100, 90)
    assert wages["p_value_mom"] < 1e-6 and wages["p_value_yoy"] < 1e-6
    assert (wages["rise_mom"], wages["rise_yoy"], wages["surge"]) == (True, True, True)
    assert rows[("sub_hotspot", "拖欠工资/农民工欠薪")]["surge"]
    # the unit handling all of them surges too (assignments); the 来电 channel as well
    assert rows[("unit", "区人社局")]["count"] == 315 and rows[("channel", "来电")]["surge"]

    small = rows[("hotspot", "物业管理")]
    assert (small["count"], small["mom_pct"], small["yoy_pct"]) == (5, Decimal("150.00"), Decimal("150.00"))
    assert small["p_value_mom"] > 0.05 and (small["rise_mom"], small["rise_yoy"], small["surge"]) == (
        False,
        False,
        False,
    )

    water = rows[("hotspot", "用水")]  # +100% 同比 but −11% 环比: a surge against one base (bases: any)
    assert (water["mom_pct"], water["yoy_pct"]) == (Decimal("-11.11"), Decimal("100.00"))
    assert (water["rise_yoy"], water["rise_mom"], water["surge"]) == (True, False, True)
    assert ("channel", "微信") not in rows  # flat: not even a candidate

    surges = {r["item"] for r in rows.values() if r["surge"]}
    assert surges == {"拖欠工资", "拖欠工资/农民工欠薪", "用水", "来电", "区人社局"}

    # with anomalies.bases = all, a surge must rise against both bases: 用水 drops out
    (data.root / "reference" / "rules.yaml").write_text("anomalies:\n  bases: all\n", encoding="utf-8")
    run_month("2024-02")
    strict = {r["item"] for r in query("SELECT * FROM mart.anomalies WHERE month = '2024-02' AND surge")}
    assert strict == {"拖欠工资", "拖欠工资/农民工欠薪", "来电", "区人社局"}


def test_surge_with_one_base_present():
    import polars as pl

    frame = pl.DataFrame(
        {
            "count": [50, 5],
            "count_last_month": [None, 0],
            "count_last_year": [20, None],
            "mom_pct": [None, None],
            "yoy_pct": [Decimal("150.00"), None],
            "days": [31, 31],
            "days_last_month": [31, 31],
            "days_last_year": [31, 31],
        }
    )
    flagged = flag_surges(frame, 0.001, 20).to_dicts()
    # only 同比 present and risen: a surge; no base present (0 and not loaded): never a surge
    assert (flagged[0]["rise_yoy"], flagged[0]["rise_mom"], flagged[0]["surge"]) == (True, None, True)
    assert (flagged[1]["rise_yoy"], flagged[1]["rise_mom"], flagged[1]["surge"]) == (None, None, False)


def test_a_longer_window_alone_does_not_alarm():
    import polars as pl

    # +25% as printed, but this window has 33 days against 29: +9.8% per day. Large counts make
    # even that significant, so the per-day rise must clear min_rise_pct as well.
    frame = pl.DataFrame(
        {
            "count": [5000],
            "count_last_month": [4000],
            "count_last_year": [None],
            "mom_pct": [Decimal("25.00")],
            "yoy_pct": [None],
            "days": [33],
            "days_last_month": [29],
            "days_last_year": [29],
        }
    )
    row = flag_surges(frame, 0.001, 20).to_dicts()[0]
    assert row["p_value_mom"] < 0.001 and row["mom_per_day_pct"] == pytest.approx(9.85, abs=0.01)
    assert (row["rise_mom"], row["surge"]) == (False, False)
