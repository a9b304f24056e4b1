"""`hotline demo`, as the README runs it: the sample written into an empty data folder, every
sample month materialized, the 2024-02 report rendered; a second run duplicates nothing."""

import os
import re
import subprocess
import sys

from tests.helpers import query, shared_dir

TABLES = (
    "core.assignments",
    "core.rejected_rows",
    "mart.overview",
    "mart.unit_scores",
    "mart.hotspots",
    "mart.enterprise_scores",
)


def _demo(env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "demo"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        cwd=env["data"].parent,
        timeout=1500,
    )


def _counts(env) -> dict[str, list]:
    return {
        t: query(env["warehouse"], f"SELECT month, count(*) FROM {t} GROUP BY month ORDER BY month") for t in TABLES
    }


def test_demo_writes_materializes_and_renders_then_reruns_without_duplicates(hotline_env):
    first = _demo(hotline_env)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    report_dir = hotline_env["reports"] / "2024-02"
    # off a terminal: a few plain lines, no Dagster log lines, ending in the summary table
    lines = first.stdout.rstrip("\n").splitlines()
    assert len(lines) <= 30, first.stdout
    assert " - dagster - " not in first.stdout + first.stderr
    assert lines[-15].split() == ["month", "state", "stored", "rejected", "replaced", "checks", "report", "stale"]
    assert [line.split()[0] for line in lines[-14:]] == [f"2023-{m:02d}" for m in range(1, 13)] + [
        "2024-01",
        "2024-02",
    ]
    assert lines[-1].split()[:5] == ["2024-02", "loaded", "11,226", "0", "0"] and "draft (1 to fill)" in lines[-1]
    assert all("loaded" in line and line.rstrip().endswith("no") for line in lines[-14:])  # nothing stale
    report_line = next(line for line in lines if line.startswith("hotline demo: report"))
    for name in ("月报.docx", "月报.html", "月报.md", "附表.xlsx"):
        assert (report_dir / name).stat().st_size > 0
        assert name in report_line  # the demo prints where everything is
    assert str(report_dir) in report_line
    assert (
        query(
            hotline_env["warehouse"],
            "SELECT orders, yoy_pct, mom_pct, daily_avg FROM mart.overview WHERE month = '2024-02'",
        )[0][0]
        == 11198
    )
    months = [r[0] for r in query(hotline_env["warehouse"], "SELECT DISTINCT month FROM core.assignments ORDER BY 1")]
    assert months[0] == "2023-01" and months[-1] == "2024-02" and len(months) == 14
    # every table and column the contract promises is there
    for table, columns in contract_tables().items():
        schema, name = table.split(".")
        have = {
            r[0]
            for r in query(
                hotline_env["warehouse"],
                "SELECT column_name FROM information_schema.columns WHERE table_schema = $s AND table_name = $t",
                {"s": schema, "t": name},
            )
        }
        assert set(columns) <= have, f"{table} lacks {sorted(set(columns) - have)}"
    before = _counts(hotline_env)
    markdown = (report_dir / "月报.md").read_text(encoding="utf-8")

    second = _demo(hotline_env)
    assert second.returncode == 0, second.stdout[-3000:]
    assert "already in" in second.stdout
    assert _counts(hotline_env) == before
    # the same report, apart from the date under the title (the run date by default)
    assert _without_dates((report_dir / "月报.md").read_text(encoding="utf-8")) == _without_dates(markdown)


def _without_dates(text: str) -> str:
    return re.sub(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日", "DATE", text)


def test_demo_never_writes_over_an_analysts_data(hotline_env):
    mine = hotline_env["data"] / "reference" / "units.csv"
    mine.parent.mkdir(parents=True)
    mine.write_text("单位名称,分组\n某某街道,镇街园区\n", encoding="utf-8")
    refused = _demo(hotline_env)
    assert refused.returncode == 2
    assert "never written over" in refused.stdout
    assert mine.read_text(encoding="utf-8") == "单位名称,分组\n某某街道,镇街园区\n"
    assert not (hotline_env["data"] / "months").exists()


def contract_tables() -> dict[str, list[str]]:
    """The warehouse tables of spec/contract.md with the columns it lists for each."""
    tables = {}
    for line in (shared_dir() / "spec" / "contract.md").read_text(encoding="utf-8").splitlines():
        match = re.match(r"\| `((?:core|mart)\.\w+)` \| [^|]+ \| ([^|]+) \|", line)
        if match:
            columns = re.sub(r"\([^)]*\)", "", match.group(2))  # "sub_hotspot (NULL on …)"
            tables[match.group(1)] = [c.strip() for c in columns.split(",") if c.strip()]
    # the parse found the contract's tables (its list grows with the contract)
    assert {"core.assignments", "core.rejected_rows", "mart.unit_scores", "mart.hotspot_terms"} <= set(tables), tables
    return tables
