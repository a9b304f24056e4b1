"""The Dagster UI in a real browser (Playwright with Debian's Chromium): the asset graph and its
lineage, a month launched from the UI's Materialize dialog, and its run seen to succeed."""

import os
import shutil
import time
from pathlib import Path

import pytest

from tests.dagster_server import dagster_dev, graphql
from tests.helpers import dept, export_row, query, town, write_csv, write_reference

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RUN_SECONDS = 600
RUNS = "{ runsOrError { ... on Runs { results { runId status tags { key value } } } } }"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (apt-get install -y chromium)"),
]


def small_month(data: Path) -> None:
    write_reference(
        data,
        [town("甲镇"), town("乙镇"), dept("区大局")],
        calendar=[("2024-01", "2023-12-23", "2024-01-24"), ("2024-02", "2024-01-25", "2024-02-22")],
    )
    write_csv(
        data / "months" / "2024-02" / "exports" / "export.csv",
        [export_row(f"F{i}", ["甲镇", "乙镇", "区大局"][i % 3]) for i in range(12)],
    )
    write_csv(
        data / "months" / "2024-02" / "adjustments.csv",
        [
            {"单位名称": "甲镇", "减分项": 0, "质效": 0, "抽测排名": 1},
            {"单位名称": "乙镇", "减分项": 0, "质效": 0, "抽测排名": 2},
        ],
        headers=["单位名称", "减分项", "质效", "抽测排名"],
    )


def skip_welcome(page) -> None:
    try:  # the community dialog shows on a first visit only
        page.get_by_role("button", name="Skip").click(timeout=4000)
    except Exception:
        pass


def test_ui_shows_the_lineage_and_materializes_a_month(hotline_env, tmp_path):
    from playwright.sync_api import sync_playwright

    small_month(hotline_env["data"])
    env = dict(os.environ, HOTLINE_SENSOR_SETTLE_SECONDS="0")
    with dagster_dev(env, tmp_path / "dagster_dev.log") as port, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 800})
            base = f"http://127.0.0.1:{port}"

            # The global graph: the five groups, left to right.
            page.goto(f"{base}/asset-groups", wait_until="networkidle")
            skip_welcome(page)
            sidebar = page.inner_text("body")
            for group in ("reference", "ingest", "assessment", "overview", "hotspots", "report"):
                assert group in sidebar

            # core/assignments' lineage: its reference inputs upstream, the marts and the report downstream.
            page.goto(f"{base}/assets/core/assignments?view=lineage&lineageDepth=2", wait_until="networkidle")
            page.get_by_text("unit_scores", exact=True).first.wait_for(timeout=60_000)
            graph_text = page.inner_text("body")
            for name in ("units", "months", "rules", "unit_scores", "overview", "enterprise_summary", "charts"):
                assert name in graph_text.split("\n"), name
            shot = tmp_path / "lineage.png"
            page.screenshot(path=str(shot))
            assert shot.stat().st_size > 10_000

            # core/orders' lineage: the marts that count orders (and compare months) read it, not the
            # assignments: mart.channel_counts is downstream of core/orders only.
            page.goto(f"{base}/assets/core/orders?view=lineage&lineageDepth=1", wait_until="networkidle")
            page.get_by_text("channel_counts", exact=True).first.wait_for(timeout=60_000)
            orders_text = page.inner_text("body").split("\n")
            for name in ("channel_counts", "hotspots", "overview"):
                assert name in orders_text, name

            # Materialize all → partition 2024-02 → launch.
            page.goto(f"{base}/asset-groups", wait_until="networkidle")
            skip_welcome(page)
            page.get_by_text("Materialize all").first.click()
            confirm = page.get_by_role("button", name="Confirm")
            try:  # multi-assets (ingest, report) are materialized whole: the UI asks to confirm
                confirm.click(timeout=5000)
            except Exception:
                pass
            dialog = page.get_by_role("dialog")
            dialog.get_by_placeholder("ex: 2022-01", exact=False).fill("2024-02")
            dialog.get_by_placeholder("ex: 2022-01", exact=False).press("Enter")
            dialog.get_by_text("1 partition", exact=True).wait_for(timeout=30_000)
            dialog.get_by_role("button", name="Launch").click()

            # The run: poll GraphQL until it ends, then look at it in the UI.
            deadline = time.monotonic() + RUN_SECONDS
            run = None
            while time.monotonic() < deadline:
                results = graphql(port, RUNS)["data"]["runsOrError"]["results"]
                done = [r for r in results if r["status"] in ("SUCCESS", "FAILURE", "CANCELED")]
                if done:
                    run = done[0]
                    break
                time.sleep(2)
            assert run is not None, (tmp_path / "dagster_dev.log").read_text()[-5000:]
            assert run["status"] == "SUCCESS", (tmp_path / "dagster_dev.log").read_text()[-5000:]
            tags = {t["key"]: t["value"] for t in run["tags"]}
            assert "2024-02" in (tags.get("dagster/partition"), tags.get("dagster/asset_partition_range_start"))
            page.goto(f"{base}/runs/{run['runId']}", wait_until="networkidle")
            page.get_by_text("Success", exact=True).first.wait_for(timeout=60_000)
        finally:
            browser.close()
    # The server is gone (the context manager stopped its process group) and the month is in.
    assert query(hotline_env["warehouse"], "SELECT orders FROM mart.overview WHERE month = '2024-02'") == [(12,)]
    assert (hotline_env["reports"] / "2024-02" / "月报.docx").is_file()
    if os.environ.get("HOTLINE_UPDATE_UI_IMAGE"):
        shutil.copy(shot, PROJECT_ROOT / "docs" / "images" / "ui_asset_graph.png")
