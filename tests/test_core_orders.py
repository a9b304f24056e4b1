"""core.orders: one row per distinct order, written by the ingest with core.assignments, and filled
for the months of a warehouse stored before the table existed."""

import duckdb

from tests.test_overview import OTHER, PROPERTY, DataFolder, data, query, run_month  # noqa: F401 (fixture)


def test_a_co_handled_order_is_one_order_with_the_groups_of_its_units(data):
    data.write_month(
        "2024-02",
        data.order_rows(
            "2024-02",
            units=["甲镇", "区人社局"],
            path=PROPERTY,
            channel="微信",
            address="  聚鑫苑小区 ",
            enterprise="企业直通车",
            city_overdue="是",
        )
        + data.order_rows("2024-02", units="乙街道", path=OTHER, count=2),
    )
    run_month("2024-02")
    rows = query(
        "SELECT order_id, channel, hotspot, sub_hotspot, enterprise_source, address, unit_groups, "
        "city_overdue, assignments FROM core.orders WHERE month = '2024-02' ORDER BY order_id"
    )
    assert [
        (
            r["channel"],
            r["hotspot"],
            r["enterprise_source"],
            r["address"],
            r["unit_groups"],
            r["city_overdue"],
            r["assignments"],
        )
        for r in rows
    ] == [
        ("微信", "物业管理", "企业直通车", "聚鑫苑小区", ["dept", "town"], True, 2),
        ("来电", "其他", None, None, ["town"], False, 1),
        ("来电", "其他", None, None, ["town"], False, 1),
    ]
    assert query("SELECT count(DISTINCT order_id) AS n FROM core.assignments WHERE month = '2024-02'")[0]["n"] == 3


def test_a_warehouse_stored_before_core_orders_gets_them_when_opened(data):
    from hotline.settings import Settings
    from hotline.warehouse import prepare

    data.write_month("2024-01", data.order_rows("2024-01", path=OTHER, count=4))
    data.write_month("2024-02", data.order_rows("2024-02", path=OTHER, count=3))
    run_month("2024-01")
    run_month("2024-02")
    stored = query("SELECT * FROM core.orders ORDER BY ALL")
    con = duckdb.connect(str(Settings.from_env().warehouse))
    try:
        con.execute("DROP TABLE core.orders")  # as a warehouse written before the table existed
        prepare(con)
    finally:
        con.close()
    # the texts and the callers from 来电人 were in the dropped table; the caller is the phone's hash
    refilled = query("SELECT * FROM core.orders ORDER BY ALL")
    assert [{**r, "text": None, "caller": r["caller_hash"]} for r in stored] == refilled
    assert len(stored) == 7
