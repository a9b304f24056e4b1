"""The daemon refreshes the months that compare with a reloaded month, with no CLI code.

A real ``dagster dev`` (webserver + daemon) on a temporary DAGSTER_HOME: the arrival sensor sees a
changed export of 2023-01 and starts its run; the declared automation (pipelines/automation.py)
then refreshes 2023-02 (环比) and 2024-01 (同比), and nothing else; between the two, the UI's
GraphQL shows 2023-02 stale and 2023-03 (two months on, not a base) fresh."""

import os
import time
from pathlib import Path

import duckdb
import pytest

from tests.dagster_server import dagster_dev, graphql
from tests.helpers import write_adjustments
from tests.test_overview import PROPERTY, UNITS, DataFolder

BASE, NEXT, TWO_ON, YEAR_ON = "2023-01", "2023-02", "2023-03", "2024-01"
ORDERS = {BASE: 5, NEXT: 3, TWO_ON: 2, YEAR_ON: 4}
RELOADED_ORDERS = 7
WAIT_SECONDS = 420
ACTIVE = ("QUEUED", "NOT_STARTED", "STARTING", "STARTED")
CHECKED = (["mart", "hotspots"], ["mart", "overview"], ["report", "docx"])
SENSOR = {"repositoryName": "__repository__", "repositoryLocationName": "hotline"}

STALE = """query($path: [String!]!, $p: String) { assetNodeOrError(assetKey: {path: $path}) {
  ... on AssetNode { staleStatus(partition: $p) staleCauses(partition: $p) { key { path } partitionKey } } } }"""
RUNS = """query($m: String!) { runsOrError(filter: {tags: [{key: "dagster/partition", value: $m}]}) {
  ... on Runs { results { runId status tags { key value } } } } }"""
TICKS = """query($s: SensorSelector!) { sensorOrError(sensorSelector: $s) {
  ... on Sensor { sensorState { ticks(limit: 5) { status } } } } }"""


COMPARING_MARTS = ["overview", "channel_counts", "enterprise_summary", "hotspots", "hotspot_aspects", "anomalies"]


@pytest.mark.parametrize("mart", COMPARING_MARTS)
def test_a_month_is_a_base_of_exactly_the_next_month_and_the_month_a_year_on(mart):
    from dagster import AssetKey

    from pipelines.definitions import defs
    from pipelines.partitions import FIRST_MONTH

    graph = defs.resolve_asset_graph()
    key, orders, files = AssetKey(["mart", mart]), AssetKey(["core", "orders"]), AssetKey(["core", "export_files"])
    # downstream: what a reload of 2023-01 makes stale
    assert list(graph.get_child_partition_keys_of_parent(BASE, orders, key)) == [BASE, NEXT]
    assert list(graph.get_child_partition_keys_of_parent(BASE, files, key)) == [YEAR_ON]
    # upstream: the first offered month has no base partition, and that is no error (bases NULL)
    first = graph.get_parent_partition_keys_for_child(FIRST_MONTH, orders, key)
    assert (
        first.partitions_subset.get_partition_keys(),
        first.required_but_nonexistent_subset.get_partition_keys(),
    ) == ([FIRST_MONTH], [])
    year = graph.get_parent_partition_keys_for_child(FIRST_MONTH, files, key)
    assert (
        year.partitions_subset.get_partition_keys(),
        year.required_but_nonexistent_subset.get_partition_keys(),
    ) == (
        [],
        [],
    )
    # the automation covers it, and the report that reads it
    assert graph.get(key).automation_condition is not None
    assert graph.get(AssetKey(["report", "docx"])).automation_condition is not None
    assert graph.get(orders).automation_condition is None


def test_a_blocked_month_stores_no_orders_and_its_bases_do_not_refresh_it(hotline_env):
    """A blocked load materializes neither core/orders nor core/export_files (nothing of them was
    written), so nothing is shown stale by it; and a reload of its 环比 base leaves it as it is."""
    from dagster import AssetKey, DagsterInstance

    from pipelines.execution import execute_months
    from pipelines.instance import ensure_dagster_home
    from tests.helpers import materialize_months

    data = DataFolder(hotline_env["data"])
    for month in (BASE, NEXT):
        data.write_month(month, data.order_rows(month, path=PROPERTY, count=ORDERS[month]))
        write_adjustments(hotline_env["data"], month, [u for u, _, _ in UNITS])
    ensure_dagster_home()
    instance = DagsterInstance.get()
    try:
        for month in (BASE, NEXT):
            assert execute_months(instance, month, month, refresh_dependents=False, echo=lambda _: None), month
        data.write_month(NEXT, data.order_rows(NEXT, units="不存在镇", path=PROPERTY, count=4))  # unknown unit
        blocked = materialize_months(NEXT, raise_on_error=False)
        assert not blocked.success
        materialized = {e.asset_key for e in blocked.get_asset_materialization_events()}
        assert AssetKey(["core", "assignments"]) in materialized  # it carries the failed check
        assert not materialized & {AssetKey(["core", "orders"]), AssetKey(["core", "export_files"])}
        assert execute_months(instance, NEXT, NEXT, refresh_dependents=False, echo=lambda _: None) is False

        data.write_month(BASE, data.order_rows(BASE, path=PROPERTY, count=RELOADED_ORDERS))
        said: list[str] = []
        assert execute_months(instance, BASE, BASE, echo=said.append)
    finally:
        instance.dispose()
    assert any(line.startswith(f"hotline: {NEXT} is blocked") and "not refreshed" in line for line in said), said
    assert not any("refreshing its marts and report" in line for line in said), said
    assert overview(hotline_env["warehouse"], NEXT) == (3, 5, None)  # its previous marts, base as it was


def stale(port: int, key: list[str], month: str) -> tuple[str, set[tuple[str, str]]]:
    node = graphql(port, STALE, {"path": key, "p": month})["data"]["assetNodeOrError"]
    return node["staleStatus"], {("/".join(c["key"]["path"]), c["partitionKey"]) for c in node["staleCauses"]}


def runs(port: int, month: str) -> list[dict]:
    found = graphql(port, RUNS, {"m": month})["data"]["runsOrError"]["results"]
    return [dict(r, tags={t["key"]: t["value"] for t in r["tags"]}) for r in found]


def wait_for(what: str, probe, seconds: float = WAIT_SECONDS, log: Path | None = None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(1)
    raise TimeoutError(f"{what}: not within {seconds}s" + (f"\n{log.read_text()[-5000:]}" if log else ""))


def overview(warehouse: Path, month: str) -> tuple:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "SELECT orders, orders_last_month, orders_last_year FROM mart.overview WHERE month = $m", {"m": month}
        ).fetchone()


def hotspot(warehouse: Path, month: str) -> tuple:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "SELECT orders, orders_last_month, orders_last_year FROM mart.hotspots WHERE month = $m "
            "AND hotspot = '物业管理' AND sub_hotspot IS NULL",
            {"m": month},
        ).fetchone()


@pytest.fixture
def district(hotline_env, monkeypatch):
    """Four loaded months (the base, the month after, two months after and a year after), each
    with a few orders of one hotspot, loaded in month order into the persistent instance."""
    from dagster import DagsterInstance

    from pipelines.execution import execute_months
    from pipelines.instance import ensure_dagster_home

    data = DataFolder(hotline_env["data"])
    for month, count in ORDERS.items():
        data.write_month(month, data.order_rows(month, path=PROPERTY, count=count))
        write_adjustments(hotline_env["data"], month, [u for u, _, _ in UNITS])
    ensure_dagster_home()
    instance = DagsterInstance.get()
    try:
        for month in ORDERS:
            assert execute_months(instance, month, month, refresh_dependents=False, echo=lambda _: None), month
    finally:
        instance.dispose()
    return data


def test_daemon_refreshes_the_next_month_and_the_next_year_after_a_reexport(district, hotline_env, tmp_path):
    warehouse = hotline_env["warehouse"]
    assert overview(warehouse, NEXT) == (3, 5, None)
    assert overview(warehouse, YEAR_ON) == (4, None, 5)
    env = dict(
        os.environ,
        HOTLINE_SENSOR_INTERVAL_SECONDS="3",
        HOTLINE_SENSOR_SETTLE_SECONDS="0",
        HOTLINE_AUTOMATION_INTERVAL_SECONDS="3",
    )
    log = tmp_path / "dagster_dev.log"
    with dagster_dev(env, log) as port:
        # the arrival sensor's first tick records what the folders hold; only a later change runs
        wait_for(
            "the arrival sensor's first tick",
            lambda: graphql(port, TICKS, {"s": {**SENSOR, "sensorName": "month_files_sensor"}})["data"][
                "sensorOrError"
            ]["sensorState"]["ticks"],
            log=log,
        )
        before = {m: {r["runId"] for r in runs(port, m)} for m in ORDERS}
        district.write_month(BASE, district.order_rows(BASE, path=PROPERTY, count=RELOADED_ORDERS))

        # The base month's run, started by the sensor; while and after it runs, and until the
        # automation has refreshed them, 2023-02 and 2024-01 compare with an old count: the UI says
        # they are stale (and why); 2023-03 does not compare with 2023-01 and never is.
        seen_stale: dict[str, set] = {NEXT: set(), YEAR_ON: set(), TWO_ON: set()}

        def look():
            for month, causes_seen in seen_stale.items():
                status, causes = stale(port, ["mart", "hotspots"], month)
                if status == "STALE":
                    causes_seen.add(frozenset(causes))

        def base_run_done():
            look()
            return [r for r in runs(port, BASE) if r["runId"] not in before[BASE] and r["status"] == "SUCCESS"]

        base_run = wait_for("the sensor's run of 2023-01", base_run_done, log=log)[0]
        assert base_run["tags"].get("hotline/trigger") == "sensor", base_run["tags"]

        def refreshed(month):
            def probe():
                look()
                return [r for r in runs(port, month) if r["runId"] not in before[month] and r["status"] == "SUCCESS"]

            return probe

        next_runs = wait_for("the automation's refresh of 2023-02", refreshed(NEXT), log=log)
        year_runs = wait_for("the automation's refresh of 2024-01", refreshed(YEAR_ON), log=log)

        # A refresh may take more than one run (an asset whose input a refresh run changed is asked
        # for again): wait until nothing of the two months is running and nothing is stale.
        def settled():
            look()
            months = (NEXT, YEAR_ON)
            busy = [r for m in months for r in runs(port, m) if r["status"] in ACTIVE]
            return not busy and all(stale(port, key, m)[0] == "FRESH" for m in months for key in CHECKED)

        wait_for("2023-02 and 2024-01 fresh, no run of them active", settled, log=log)
        assert seen_stale[NEXT], "2023-02 was never shown stale between the base month's run and its refresh"
        assert any(("core/orders", BASE) in causes for causes in seen_stale[NEXT]), seen_stale
        assert any(("core/export_files", BASE) in causes for causes in seen_stale[YEAR_ON]), seen_stale
        assert not seen_stale[TWO_ON], seen_stale
        for run in (*next_runs, *year_runs):
            assert run["tags"].get("dagster/sensor_name") == "month_refresh_sensor", run["tags"]
            assert "hotline/trigger" not in run["tags"]

        # 环比 and 同比 see the reloaded month; the months that do not compare with it are left alone
        assert overview(warehouse, BASE)[0] == RELOADED_ORDERS
        assert overview(warehouse, NEXT) == (3, RELOADED_ORDERS, None)
        assert hotspot(warehouse, NEXT) == (3, RELOADED_ORDERS, None)
        assert overview(warehouse, YEAR_ON) == (4, None, RELOADED_ORDERS)
        assert hotspot(warehouse, YEAR_ON) == (4, None, RELOADED_ORDERS)
        assert overview(warehouse, TWO_ON) == (2, 3, None)
        assert {r["runId"] for r in runs(port, TWO_ON)} == before[TWO_ON]
        for month in (NEXT, YEAR_ON, TWO_ON):
            for key in CHECKED:
                assert stale(port, key, month)[0] == "FRESH", (month, key, stale(port, key, month))
