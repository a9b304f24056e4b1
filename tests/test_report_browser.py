"""月报.html in a real browser: Debian's headless Chromium through Playwright (no `playwright
install`: the system's /usr/bin/chromium), a screenshot, every chart loaded, the tables present."""

import shutil
from pathlib import Path

import pytest

from tests.test_golden_report import build_sample_report

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture(scope="session")
def sample_report(tmp_path_factory) -> dict:
    return build_sample_report(tmp_path_factory)


@pytest.fixture
def page(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=ARGS,
            viewport={"width": 1100, "height": 1400},
        )
        try:
            yield context.new_page()
        finally:
            context.close()


def test_html_report_in_chromium(sample_report, page, tmp_path):
    html = sample_report["folder"] / "月报.html"
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(html.as_uri())
    page.wait_for_load_state("load")
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 10_000
    images = page.eval_on_selector_all("img", "els => els.map(e => ({ok: e.complete, w: e.naturalWidth, alt: e.alt}))")
    assert len(images) == 5 and all(i["ok"] and i["w"] > 0 for i in images), images
    tables = page.eval_on_selector_all("table", "els => els.map(e => e.rows.length)")
    assert len(tables) == 6 and all(n > 1 for n in tables)
    assert page.locator("#table1 tbody tr").count() == 15
    assert page.locator("mark.placeholder").count() == 1  # the enterprise typical case
    assert page.locator(".watermark").is_visible()
    # nothing fetched but the file itself and its inline data
    assert [u for u in requests if not (u.startswith("file:") or u.startswith("data:"))] == []
    # printing: a PDF through Chromium's print path keeps the page breaks before the tables
    pdf = page.pdf(format="A4")
    assert pdf[:5] == b"%PDF-"
