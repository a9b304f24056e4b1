"""The report's rendering: wording rules, notes.md filling the placeholders, the placeholder check,
atomic files, the charts' Chinese font, the self-contained HTML, and DOCX → PDF with LibreOffice."""

import shutil
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from hotline.report import charts as charts_module
from hotline.report.text import change, month_word, plain, split_notes, whole_or_2
from tests.test_golden_report import MONTH, build_sample_report


@pytest.fixture(scope="session")
def sample_report(tmp_path_factory) -> dict:
    return build_sample_report(tmp_path_factory)


def test_change_wording():
    assert change(Decimal("16.08"), "同比") == "同比增长16.08%"
    assert change(Decimal("-27.24"), "环比") == "环比下降27.24%"
    assert change(Decimal("-4.6"), "环比") == "环比下降4.60%"
    assert change(None, "同比") == "无同期数据"
    assert change(None, "环比") == "无上月数据"
    assert change(Decimal("0"), "环比") == "环比持平"


def test_number_formats_as_the_seed_prints_them():
    assert [plain(Decimal(v)) for v in ("35.70", "5.00", "-0.20", "2.30", "0.00", "-0.12")] == [
        "35.7",
        "5",
        "-0.2",
        "2.3",
        "0",
        "-0.12",
    ]
    assert [whole_or_2(Decimal(v)) for v in ("100.00", "87.8", "82.50", "15.3")] == ["100", "87.80", "82.50", "15.30"]
    assert (
        month_word("2024-02") == "二月份"
        and month_word("2024-11") == "十一月份"
        and month_word("2024-12") == "十二月份"
    )


def test_notes_split_into_dynamics_and_fills():
    text = (
        "1. 区热线整理并下发……\n\n2. 区热线启动……\n\n## 补充：热点·物业管理\n问题主要涉及：一是卫生保洁方面……\n\n"
        "二是物业服务质量方面……\n\n## 补充: 企业·典型案例\n如市民庞先生反映……\n"
    )
    dynamics, fills = split_notes(text)
    assert dynamics == ["1. 区热线整理并下发……", "2. 区热线启动……"]
    assert set(fills) == {"热点·物业管理", "企业·典型案例"}
    assert "二是物业服务质量方面" in fills["热点·物业管理"]


def _report(sample_report, notes: str | None = None):
    from hotline.report.data import load_report_data
    from hotline.report.text import build_report

    con = duckdb.connect(str(sample_report["env"]["warehouse"]), read_only=True)
    try:
        data = load_report_data(con, MONTH, sample_report["env"]["data"] / "months" / MONTH)
    finally:
        con.close()
    if notes is not None:
        data.notes = notes
    charts = {k: sample_report["folder"] / name for k, (name, _) in charts_module.CHARTS.items()}
    return build_report(data, date(2024, 3, 11), charts)


def test_notes_fill_the_placeholders(sample_report):
    draft = _report(sample_report)
    # drafted from the orders (hotspot aspects, terms, places; the enterprise terms), yet replaceable
    keys = [
        "热点·拖欠工资",
        "热点·消费者维权",
        "热点·物业管理",
        "热点·用水",
        "热点·市容环境",
        "企业·诉求内容",
        "企业·典型案例",
    ]
    # the one placeholder left: the enterprise typical case (the sample's notes.md has 工作动态)
    assert len(draft.placeholders()) == 1 and "企业·典型案例" in draft.placeholders()[0]
    notes = (sample_report["env"]["data"] / "months" / MONTH / "notes.md").read_text(encoding="utf-8")
    notes += "\n\n" + "\n\n".join(f"## 补充：{k}\n{k}的分析文字。" for k in keys) + "\n"
    final = _report(sample_report, notes)
    assert final.placeholders() == [] and not final.is_draft
    from hotline.report.markdown_render import render_markdown

    md = render_markdown(final)
    assert "草稿" not in md and "待补充" not in md
    assert "热点·物业管理的分析文字。" in md and "区热线启动热线工作关键局攻坚突破" in md
    # the data-driven sentences stay
    assert "（三）物业管理问题1443件，同比增长28.50%，环比下降37.64%。" in md


def test_draft_is_marked_in_every_format(sample_report):
    folder = sample_report["folder"]
    html = (folder / "月报.html").read_text(encoding="utf-8")
    assert 'class="watermark"' in html and "草稿" in html and 'class="placeholder"' in html
    assert (folder / "月报.md").read_text(encoding="utf-8").startswith("> **草稿**")
    from docx import Document

    doc = Document(str(folder / "月报.docx"))
    assert "草稿" in doc.sections[0].header.paragraphs[0].text
    red = [r for p in doc.paragraphs for r in p.runs if "【待补充" in r.text]
    assert red and all(r.font.highlight_color is not None and r.font.color.rgb is not None for r in red)


def test_placeholder_check_warns_with_the_count(sample_report):
    from dagster import AssetCheckSeverity

    evaluation = sample_report["checks"]["report_has_no_placeholders"]
    assert not evaluation.passed
    assert evaluation.severity == AssetCheckSeverity.WARN
    assert evaluation.metadata["placeholders"].value == 1


def test_placeholder_count_follows_the_analysts_edits_to_the_docx(sample_report, tmp_path):
    # Word keeps a placeholder that an analyst retyped in pieces as several runs, in body text or
    # in a table cell; one filled in is gone from the count
    from docx import Document

    from hotline.report.render import docx_placeholders

    doc = Document(str(sample_report["folder"] / "月报.docx"))
    marked = [p for p in doc.paragraphs if "【待补充" in p.text]
    assert len(marked) == 1
    split = marked[0].text
    cut = split.index("【待补充") + 3
    marked[0].text = split[:cut]
    marked[0].add_run(split[cut:])
    cell = doc.tables[0].rows[1].cells[0]
    cell.paragraphs[0].add_run("【待补充：表内")
    cell.paragraphs[0].add_run("说明】")
    edited = tmp_path / "月报.docx"
    doc.save(str(edited))
    found = docx_placeholders(edited)
    retyped = split[split.index("【待补充") : split.index("】", split.index("【待补充")) + 1]
    assert len(found) == 2 and retyped in found and "【待补充：表内说明】" in found
    # filled in: gone from the count
    marked[0].text = "部门在综合审批等方面办理较好。"
    doc.save(str(edited))
    assert docx_placeholders(edited) == ["【待补充：表内说明】"]


def test_files_and_metadata(sample_report):
    folder = sample_report["folder"]
    names = {p.name for p in folder.iterdir()}
    assert {"月报.docx", "月报.html", "月报.md", "附表.xlsx"} <= names
    assert {name for name, _ in charts_module.CHARTS.values()} <= names
    assert not [n for n in names if n.endswith(".tmp")]  # atomic writes leave no temp file
    for name, _ in charts_module.CHARTS.values():
        assert (folder / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    mats = sample_report["materialization"].get_asset_materialization_events()
    md = [m for m in mats if m.asset_key.path == ["report", "markdown"]][0]
    preview = md.materialization.metadata["preview"].value
    assert "2月份，东昌府区市民热线共受理各类承办事项11198件" in preview


def test_html_is_self_contained(sample_report):
    import re

    html = (sample_report["folder"] / "月报.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html)
    assert "@import" not in html and "url(" not in html
    assert html.count('src="data:image/png;base64,') == len(charts_module.CHARTS)
    assert html.count("<table") == 6 and "@media print" in html and "break-before: page" in html


def test_charts_refuse_to_draw_without_a_chinese_font(monkeypatch):
    monkeypatch.setattr(charts_module, "CJK_FAMILIES", ["No Such CJK Font"])
    with pytest.raises(charts_module.FontMissing, match="fonts-noto-cjk"):
        charts_module.cjk_family()


def test_charts_use_an_installed_chinese_font():
    from matplotlib import font_manager

    family = charts_module.cjk_family()
    path = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
    assert Path(path).exists()


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_docx_converts_to_pdf_with_libreoffice(sample_report, tmp_path):
    profile = tmp_path / "lo_profile"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(sample_report["folder"] / "月报.docx"),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = tmp_path / "月报.pdf"
    assert pdf.exists() and pdf.read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
        assert "受理概况" in text and "11198" in text


# --------------------------------------------------------------------------- the renderer's workers
def _month_data(sample_report) -> dict:
    from hotline.report.data import load_report_data

    con = duckdb.connect(str(sample_report["env"]["warehouse"]), read_only=True)
    try:
        return {MONTH: load_report_data(con, MONTH, sample_report["env"]["data"] / "months" / MONTH)}
    finally:
        con.close()


def _paths(sample_report, reports: Path):
    from pipelines.resources import HotlinePaths

    env = sample_report["env"]
    return HotlinePaths(data_dir=str(env["data"]), reports_dir=str(reports), phone_key_file=str(env["key"]))


def _document_xml(path: Path) -> bytes:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return archive.read("word/document.xml")


def test_worker_processes_render_the_same_files_as_the_run_process(sample_report, tmp_path):
    from dagster import build_init_resource_context

    from hotline.report.render import render_months
    from pipelines.resources import InlineExecutor, ReportRenderer

    data = _month_data(sample_report)
    renderer = ReportRenderer(workers=2)
    renderer.setup_for_execution(build_init_resource_context())
    try:
        pooled = render_months(data, _paths(sample_report, tmp_path / "pooled"), renderer.executor())
    finally:
        renderer.teardown_after_execution(build_init_resource_context())
    inline = render_months(data, _paths(sample_report, tmp_path / "inline"), InlineExecutor())
    a, b = tmp_path / "pooled" / MONTH, tmp_path / "inline" / MONTH
    for name, _ in charts_module.CHARTS.values():
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert _document_xml(a / "月报.docx") == _document_xml(b / "月报.docx")
    assert (a / "月报.html").read_text(encoding="utf-8") == (b / "月报.html").read_text(encoding="utf-8")
    assert pooled[MONTH]["markdown"] == inline[MONTH]["markdown"] and len(pooled[MONTH]["placeholders"]) == 1
    assert not [p for p in a.iterdir() if p.name.endswith(".tmp")]


def test_a_broken_worker_pool_falls_back_to_the_run_process(sample_report, tmp_path):
    import os
    from concurrent.futures.process import BrokenProcessPool

    from dagster import build_init_resource_context

    from hotline.report.render import render_months
    from pipelines.resources import ReportRenderer

    renderer = ReportRenderer(workers=1)
    renderer.setup_for_execution(build_init_resource_context())
    try:
        with pytest.raises(BrokenProcessPool):  # a worker dies (e.g. killed for memory)
            renderer._pool.submit(os._exit, 1).result()
        rendered = render_months(_month_data(sample_report), _paths(sample_report, tmp_path), renderer.executor())
    finally:
        renderer.teardown_after_execution(build_init_resource_context())
    folder = tmp_path / MONTH
    assert rendered[MONTH]["files"]
    for name, _ in charts_module.CHARTS.values():
        assert (folder / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert _document_xml(folder / "月报.docx") == _document_xml(sample_report["folder"] / "月报.docx")


def test_report_workers_setting(monkeypatch):
    from hotline.settings import REPORT_WORKERS_ENV, report_workers

    monkeypatch.setenv(REPORT_WORKERS_ENV, "0")
    assert report_workers() == 0
    monkeypatch.setenv(REPORT_WORKERS_ENV, "3")
    assert report_workers() == 3
    monkeypatch.setenv(REPORT_WORKERS_ENV, "two")
    with pytest.raises(ValueError, match="HOTLINE_REPORT_WORKERS='two'"):
        report_workers()
