"""The synthetic data generator and the bundled sample.

The sample's February 2024 figures are cross-checked here directly from the written CSVs with
duckdb (independently of the pipeline); the golden test through the pipeline lives elsewhere."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from pathlib import Path

import duckdb
import polars as pl
import pytest

from hotline.generator.export_io import EXPORT_HEADERS
from hotline.generator.sample import write_sample
from hotline.generator.synth import generate

SEED_TARGETS = Path(__file__).resolve().parents[1] / "hotline" / "generator" / "sample_reference" / "seed_targets"
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def folder_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def decode(path: Path) -> str:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AssertionError(f"{path} is neither UTF-8 nor GB18030")


def read_exports(month_dir: Path) -> pl.DataFrame:
    frames = []
    for path in sorted((month_dir / "exports").iterdir()):
        if path.suffix == ".xlsx":
            frames.append(pl.read_excel(path, infer_schema_length=0))
        else:
            frames.append(pl.read_csv(io.StringIO(decode(path)), infer_schema=False))
    return pl.concat(frames, how="diagonal")


def read_table(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# --------------------------------------------------------------------------- generator
@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen_a")
    generate(out, "2024-01", "2024-02", 3000, districts=2, seed=7, formats=("csv", "gbk", "xlsx"))
    return out


def test_same_seed_gives_identical_bytes(small, tmp_path):
    again = tmp_path / "gen_b"
    generate(again, "2024-01", "2024-02", 3000, districts=2, seed=7, formats=("csv", "gbk", "xlsx"))
    assert folder_digest(small) == folder_digest(again)


def test_other_seed_gives_other_data_of_the_same_shape(small, tmp_path):
    other = tmp_path / "gen_c"
    generate(other, "2024-01", "2024-02", 3000, districts=2, seed=8, formats=("csv", "gbk", "xlsx"))
    a, b = folder_digest(small), folder_digest(other)
    assert a.keys() == b.keys()
    assert any(a[k] != b[k] for k in a if "/exports/" in k)
    for month in ("2024-01", "2024-02"):
        fa, fb = read_exports(small / "months" / month), read_exports(other / "months" / month)
        assert fa.columns == fb.columns == EXPORT_HEADERS
        assert fa.unique(["工单编号", "承办单位"]).height == fb.unique(["工单编号", "承办单位"]).height == 3000


def test_gbk_export_is_gb18030_not_utf8(small):
    gbk = [p for p in small.rglob("*.csv") if "/exports/" in str(p) and not _is_utf8(p.read_bytes())]
    assert gbk, "formats included gbk but no GB18030 export was written"
    text = gbk[0].read_bytes().decode("gb18030")
    assert text.splitlines()[0].split(",") == EXPORT_HEADERS
    assert "来电" in text or "微信" in text


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def test_generated_month_at_10k_has_the_requested_rows_and_valid_fields(tmp_path):
    out = tmp_path / "gen_10k"
    generate(out, "2024-02", "2024-02", 10_000, seed=3)
    frame = read_exports(out / "months" / "2024-02")
    # the late-callback re-export repeats some (order, unit) pairs: count distinct pairs
    assert frame.unique(["工单编号", "承办单位"]).height == 10_000
    assert frame["受理时间"].str.contains(DATETIME.pattern).all()
    received = frame["受理时间"]
    assert received.min() >= "2024-01-25 00:00:00" and received.max() <= "2024-02-22 23:59:59"
    assert frame["联系电话"].str.contains(r"^1\d{10}$").all()
    assert frame["来电人"].null_count() == 0 and frame["诉求内容"].null_count() == 0
    co_handled = frame.unique(["工单编号", "承办单位"]).group_by("工单编号").len().filter(pl.col("len") > 1)
    assert co_handled.height > 0
    for header in ("units.csv", "calendar.csv", "hotspots.csv"):
        assert (out / "reference" / header).exists()


# --------------------------------------------------------------------------- sample
@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return write_sample(tmp_path_factory.mktemp("sample"))


def test_sample_reference_headers(sample):
    ref, feb = sample / "reference", sample / "months" / "2024-02"
    headers = {
        ref / "units.csv": ["单位名称", "简称", "分组", "主要负责人", "分管负责人", "别名", "起始月", "终止月"],
        ref / "calendar.csv": ["考核月", "开始日期", "结束日期"],
        ref / "hotspots.csv": ["热点问题", "子类", "诉求分类前缀"],
        feb / "adjustments.csv": ["单位名称", "减分项", "质效", "抽测排名"],
        feb / "city_assessment.csv": ["指标", "数值"],
    }
    for path, expected in headers.items():
        assert path.read_text(encoding="utf-8").splitlines()[0].split(",") == expected, path
    months = sorted(p.name for p in (sample / "months").iterdir())
    assert months[0] == "2023-01" and months[-1] == "2024-02" and len(months) == 14
    suffixes = {p.suffix for p in (sample / "months").rglob("exports/*")}
    assert suffixes == {".csv", ".xlsx"}


def test_sample_february_cross_check(sample):
    """Counts straight from the written files, by SQL, against the seed report's figures."""
    feb = read_exports(sample / "months" / "2024-02")
    assert feb.columns == EXPORT_HEADERS
    units = read_table(sample / "reference" / "units.csv")
    aliases = pl.DataFrame(
        [(a, u["单位名称"]) for u in units for a in u["别名"].split(";") if a],
        schema=["written", "unit"],
        orient="row",
    )
    hotspots = pl.DataFrame(read_table(sample / "reference" / "hotspots.csv"))
    db = duckdb.connect()
    db.register("feb", feb)
    db.register("aliases", aliases)
    db.register("hotspots", hotspots)
    db.execute("""
        create table rows as
        select f.*, coalesce(a.unit, f."承办单位") as unit from feb f left join aliases a on a.written = f."承办单位"
    """)
    db.execute("""
        create table orders as
        select distinct "工单编号" as id, "受理渠道" as channel, "诉求类型" as type, "诉求分类" as path,
               "企业诉求来源" as source from rows
    """)

    def one(sql):
        return db.execute(sql).fetchone()[0]

    def pairs(sql):
        return dict(db.execute(sql).fetchall())

    assert one("select count(*) from orders") == 11198
    assert one("select count(distinct id) from orders") == 11198  # order-level fields agree
    channels = pairs("select channel, count(*) from orders group by 1")
    assert {k: channels[k] for k in ("来电", "微信", "省级网站", "随手拍")} == {
        "来电": 10787,
        "微信": 209,
        "省级网站": 52,
        "随手拍": 51,
    }
    assert sum(channels.values()) == 11198 and all(
        v < 51 for k, v in channels.items() if k not in ("来电", "微信", "省级网站", "随手拍")
    )
    assert pairs("select type, count(*) from orders group by 1") == {
        "求助": 9191,
        "咨询": 1713,
        "建议": 260,
        "感谢": 34,
    }

    volumes = pairs("select unit, count(*) from rows group by 1")
    for name in ("table1_towns.csv", "table2_depts_ge50.csv", "table3_depts_lt50.csv"):
        for row in read_table(SEED_TARGETS / name):
            assert volumes[row["单位"]] == int(row["承办量"]), row["单位"]
    assert len(volumes) == 46
    assert one("select count(*) from rows where \"承办单位\" = '区柳园街道'") > 0

    # hotspot = the longest whole-level prefix of 诉求分类
    db.execute("""
        create table matched as
        select o.id, arg_max(h."热点问题", len(h."诉求分类前缀")) as hotspot,
               arg_max(h."子类", len(h."诉求分类前缀")) as sub
        from orders o join hotspots h
          on o.path = h."诉求分类前缀" or starts_with(o.path, h."诉求分类前缀" || '/')
        group by o.id
    """)
    hot = pairs("select hotspot, count(*) from matched group by 1")
    assert {k: hot[k] for k in ("拖欠工资", "消费者维权", "物业管理", "用水", "市容环境")} == {
        "拖欠工资": 2159,
        "消费者维权": 1484,
        "物业管理": 1443,
        "用水": 514,
        "市容环境": 456,
    }
    assert all(v < 456 for k, v in hot.items() if k not in ("拖欠工资", "消费者维权", "物业管理", "用水", "市容环境"))
    sub = pairs("select sub, count(*) from matched where sub <> '' group by 1")
    assert (sub["农民工欠薪"], sub["企业欠薪"], sub["农村生活用水"]) == (1446, 713, 391)

    assert pairs("select source, count(*) from orders where source is not null group by 1") == {
        "省企业诉求接诉即办": 6,
        "企业直通车": 175,
    }
    assert one("select count(*) from rows where \"是否省接诉即办\" = '是'") == 1
    assert one("select count(*) from rows where \"是否市到期未按时回复\" = '是'") == 0


def test_sample_base_months(sample):
    for month, orders in (("2024-01", 15390), ("2023-02", 9647)):
        frame = read_exports(sample / "months" / month)
        assert frame["工单编号"].n_unique() == orders
    jan = read_exports(sample / "months" / "2024-01")
    assert jan.filter(pl.col("企业诉求来源").is_not_null())["工单编号"].n_unique() == 317
