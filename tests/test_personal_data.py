"""No personal data anywhere: a generated month with names, phone numbers and ID numbers planted
in every free-text field of every row is run end to end through the CLI (the persistent Dagster
instance, as users run it), then the warehouse, the reports (inside the DOCX/XLSX archives too),
the Dagster storage and logs, and the run's output are searched for them, and for the phone key.

What is masked, and how: 来电人 and 联系电话 never leave the ingest (联系电话 only as a keyed hash);
诉求内容 only as terms (hotline/text: phones, IDs, the caller's name, names the segmenter tags,
a surname + 先生/女士 masked; a term kept only when ≥ text.min_orders orders from ≥ text.min_callers
callers use it). Planted here in 诉求内容 too: third persons' names (not the caller's), each repeated
over ~100 orders from 4 callers, so the thresholds alone cannot keep them out. In 诉求地址, phone
numbers, ID numbers and the caller's own name (the 来电人 of the same row) are masked, also when
written with dots, dashes, spaces or in full width, and so is a surname with a form of address
(欧阳女士); other people's full names in an address cannot be told from place names and are not
planted there."""

import json
import os
import subprocess
import sys
import unicodedata
import zipfile
from pathlib import Path

import duckdb
import polars as pl

from hotline.generator.synth import generate

MONTH = "2024-02"
NAMES = ["欧阳娜娜", "司马相如", "诸葛青云", "上官婉儿"]
PHONES = ["13912345678", "15800001234", "18655550199", "0635-8881234"]
IDS = ["37150219800101123X", "371502199912319876", "370102200002290017", "150102198001011"]
# Written as people dictate them: dotted, dashed, spaced, full-width numbers, an ID in groups, a
# person named by surname and form of address. Planted in 诉求地址 only.
SPOKEN = [
    "139.8765.4321",
    "139—8765—4321",
    "１３９ ８７６５ ４３２１",
    "3715 0219 9001 0112 34",
    "欧阳女士",
    "诸葛先生",
]
THIRD_PERSONS = ["刘德胜", "李秀英", "张建国", "王秀兰"]  # hotline/generator/texts.py plants the first three too


def plant(exports: Path) -> int:
    """Put a name, a phone and an ID number into 诉求内容, 诉求地址, 来电人 and 联系电话 of every row."""
    planted = 0
    for path in sorted(exports.iterdir()):
        frame = pl.read_csv(path, infer_schema=False)
        n = frame.height

        def pick(values, n=n):
            return pl.Series([values[i % len(values)] for i in range(n)])

        name, phone, ident = pick(NAMES), pick(PHONES), pick(IDS)
        other = pl.Series([PHONES[(i + 1) % len(PHONES)] for i in range(n)])
        # every third person with every caller (phone): above the term thresholds by count alone
        third = pl.Series([THIRD_PERSONS[(i // len(PHONES)) % len(THIRD_PERSONS)] for i in range(n)])
        frame = frame.with_columns(
            name.alias("来电人"),
            phone.alias("联系电话"),
            (
                pl.lit("我是")
                + name
                + pl.lit("，身份证")
                + ident
                + pl.lit("，电话")
                + phone
                + pl.lit("，负责人")
                + third
                + pl.lit("不接电话，")
                + pl.col("诉求内容")
            ).alias("诉求内容"),
            (
                pl.col("诉求地址").fill_null("")
                + pl.lit(" ")
                + name
                + pl.lit("家 电话")
                + phone
                + pl.lit(" 备用 ")
                + other
                + pl.lit(" 身份证号")
                + ident
                + pl.lit(" 邻居")
                + pick(SPOKEN)
            ).alias("诉求地址"),
        )
        path.unlink()
        frame.write_csv(path.with_suffix(".csv"))
        planted += n
    return planted


def forms(secret: str) -> list[bytes]:
    """The ways a text can sit in a file: UTF-8, UTF-16 (DuckDB, Windows), GB18030, JSON-escaped."""
    escaped = json.dumps(secret)[1:-1]
    out = {secret.encode("utf-8"), secret.encode("utf-16-le"), secret.encode("gb18030"), escaped.encode()}
    return [f for f in out if len(f) >= 4]


def search_bytes(label: str, blob: bytes, secrets: list[str]) -> list[str]:
    return [f"{label}: {s}" for s in secrets for f in forms(s) if f in blob]


def search_tree(root: Path, secrets: list[str]) -> list[str]:
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        found += search_bytes(str(path), data, secrets)
        if zipfile.is_zipfile(path):  # DOCX, XLSX: compressed members
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    found += search_bytes(f"{path}!{member}", archive.read(member), secrets)
    return found


def test_planted_personal_data_reaches_no_table_report_log_or_output(hotline_env):
    generate(hotline_env["data"], MONTH, MONTH, 400, seed=3)
    rows = plant(hotline_env["data"] / "months" / MONTH / "exports")
    assert rows >= 400
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run", MONTH],
        capture_output=True,
        text=True,
        env={**os.environ},
        cwd=hotline_env["data"].parent,
        timeout=900,
    )
    # The ingest must have stored the rows (a failing later check may still stop the report).
    con = duckdb.connect(str(hotline_env["warehouse"]), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM core.assignments").fetchone()[0] > 0, done.stdout + done.stderr
        masked = con.execute("SELECT address FROM core.assignments WHERE address IS NOT NULL LIMIT 1").fetchone()[0]
        assert "[姓名已隐去]" in masked and "[电话已隐去]" in masked and "[证件号已隐去]" in masked, masked
        # the text analysis ran: terms were stored (and are searched below with everything else)
        assert con.execute("SELECT count(*) FROM core.order_terms").fetchone()[0] > 0
        texts = []
        for schema, table, column in con.execute(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns "
            "WHERE data_type IN ('VARCHAR', 'VARCHAR[]', 'JSON')"
        ).fetchall():
            texts += [str(v) for (v,) in con.execute(f'SELECT DISTINCT "{column}" FROM {schema}."{table}"').fetchall()]
    finally:
        con.close()
    key = hotline_env["key"].read_text().strip()
    spoken_digits = ["".join(ch for ch in unicodedata.normalize("NFKC", v) if ch.isdigit()) for v in SPOKEN]
    secrets = (
        NAMES
        + THIRD_PERSONS
        + PHONES
        + IDS
        + SPOKEN
        + [d for d in spoken_digits if d]
        + [p.replace("-", "") for p in PHONES if "-" in p]
        + [key, key[:16]]
    )
    leaks = search_bytes("warehouse (SQL)", "\n".join(texts).encode(), secrets)
    leaks += search_bytes("warehouse (bytes)", hotline_env["warehouse"].read_bytes(), secrets)
    if hotline_env["reports"].exists():
        leaks += search_tree(hotline_env["reports"], secrets)
    leaks += search_tree(hotline_env["dagster_home"], secrets)
    leaks += search_bytes("run output", (done.stdout + done.stderr).encode(), secrets)
    assert not leaks, "\n".join(leaks[:20])
    # The search does find what is there: every planted value is in the exports themselves.
    planted = search_tree(
        hotline_env["data"] / "months" / MONTH / "exports", NAMES + THIRD_PERSONS + PHONES + IDS + SPOKEN
    )
    assert {line.rsplit(": ", 1)[1] for line in planted} == set(NAMES + THIRD_PERSONS + PHONES + IDS + SPOKEN)
    # The run really happened and was recorded in the persistent instance the search covered.
    assert any(hotline_env["dagster_home"].rglob("*.db"))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert list((hotline_env["reports"] / MONTH).glob("*.docx")), "the report was not written"
