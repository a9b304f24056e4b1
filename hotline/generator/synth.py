"""Synthetic 12345 work-order data in the contract's data-folder layout, at any scale.

Public entry points
-------------------
``generate(out_dir, first_month, last_month, assignments_per_month, districts=1, seed=0,
formats=("csv",)) -> Path``
    Writes ``out_dir/reference/{units,calendar,hotspots}.csv`` and, for every month
    ``first_month..last_month`` (``YYYY-MM``, inclusive), ``out_dir/months/YYYY-MM/exports/*``,
    ``adjustments.csv`` and ``city_assessment.csv``. ``out_dir`` is the data folder itself (what
    ``HOTLINE_DATA_DIR`` points at). ``assignments_per_month`` counts rows of order × unit over all
    districts (co-handled orders give two rows). ``formats`` is a sequence of ``csv`` (UTF-8, with
    or without BOM, picked per file), ``gbk`` (GB18030 CSV) and ``xlsx``; files cycle through
    them. Same arguments → byte-identical files; another seed → other data of the same shape.

``main(argv) -> int``
    The same as a command line: ``--out DIR --from 2023-01 --to 2024-02 --assignments 11000
    --districts 1 --seed 0 [--format csv|gbk|xlsx ...]``.

Everything is vectorised with numpy/polars (no per-row Python), so a month of 1,000,000
assignments writes as CSV in well under a minute. XLSX is written cell by cell (xlsxwriter) and
is meant for small months.
"""

from __future__ import annotations

import argparse
import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from hotline.generator import vocab
from hotline.generator.export_io import EXPORT_HEADERS, FORMAT_ALIASES, write_export, write_table

REFERENCE_DIR = Path(__file__).parent / "sample_reference"

# Spring Festival (春节) day per year: the hotline goes quiet for about a week around it.
SPRING_FESTIVAL = {
    2021: date(2021, 2, 12),
    2022: date(2022, 2, 1),
    2023: date(2023, 1, 22),
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
}
# day offset from 春节 -> share of a normal day's calls (除夕 and the first days are quietest)
SPRING_FESTIVAL_DIP = {-3: 0.8, -2: 0.65, -1: 0.45, 0: 0.35, 1: 0.4, 2: 0.5, 3: 0.6, 4: 0.7, 5: 0.8, 6: 0.9}
# Mon..Sun: weekends carry fewer calls
WEEKDAY_FACTOR = np.array([1.08, 1.03, 1.0, 1.0, 0.98, 0.82, 0.78])
# calls per hour of day (0..23): quiet nights, peaks mid-morning and mid-afternoon
HOUR_WEIGHTS = np.array(
    [
        0.3,
        0.2,
        0.15,
        0.12,
        0.12,
        0.2,
        0.6,
        1.6,
        3.2,
        4.6,
        4.8,
        4.2,
        3.0,
        3.0,
        3.8,
        4.2,
        4.0,
        3.4,
        2.6,
        2.3,
        2.0,
        1.6,
        1.0,
        0.6,
    ]
)

# share of orders co-handled by two departments (seed: 28 of 11198 orders)
CO_HANDLED_SHARE = 0.0025
# share of orders raised by a business (seed: 181 of 11198 in 2024-02, 317 of 15390 in 2024-01)
ENTERPRISE_SHARE = 0.018
# of which via the provincial 省企业诉求"接诉即办" platform (seed: 6 of 181)
PROVINCIAL_ENTERPRISE_SHARE = 0.035
# provincial fast-track orders (seed: 1 of 11198)
FAST_TRACK_SHARE = 0.0002
# completed assignments with a callback (回访)
CALLBACK_SHARE = 0.72
# callbacks that arrive after the first export (re-exported in a second file)
LATE_CALLBACK_SHARE = 0.04
# callbacks scored with a number 0..100 instead of a label (some platforms export a score)
NUMERIC_SATISFACTION_SHARE = 0.02

# City names for multi-district runs (聊城's eight county-level districts first).
DISTRICT_NAMES = ["东昌府区", "茌平区", "临清市", "阳谷县", "莘县", "东阿县", "冠县", "高唐县"]


# --------------------------------------------------------------------------- roster
@dataclass
class Unit:
    name: str
    short: str
    group: str  # 镇街园区 | 区直国企
    leader: str
    deputy: str
    aliases: list[str]
    start: str = ""
    end: str = ""
    base: str = ""  # the 东昌府区 name it was derived from (affinities are keyed on it)
    size: float = 1.0  # relative volume
    district: int = 0


def read_reference_units() -> list[Unit]:
    with open(REFERENCE_DIR / "units.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [
        Unit(
            r["单位名称"],
            r["简称"],
            r["分组"],
            r["主要负责人"],
            r["分管负责人"],
            [a for a in r["别名"].split(";") if a],
            r["起始月"],
            r["终止月"],
            base=r["单位名称"],
        )
        for r in rows
    ]


def reference_volumes() -> dict[str, int]:
    """Feb 2024 volumes of the seed report (tables 1–3): the relative size of each unit."""
    volumes: dict[str, int] = {}
    for name in ("table1_towns.csv", "table2_depts_ge50.csv", "table3_depts_lt50.csv"):
        with open(REFERENCE_DIR / "seed_targets" / name, encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                volumes[r["单位"]] = int(r["承办量"])
    return volumes


def district_name(index: int) -> str:
    return DISTRICT_NAMES[index] if index < len(DISTRICT_NAMES) else f"第{index + 1}区"


def build_roster(districts: int, rng: np.random.Generator) -> list[Unit]:
    """The 东昌府区 roster, repeated per district. Units of district k > 0 carry the district's
    name (区市场监管局 → 茌平区市场监管局, 柳园街道 → 茌平区柳园街道) so names stay unique."""
    template = read_reference_units()
    volumes = reference_volumes()
    roster: list[Unit] = []
    for d in range(districts):
        prefix = district_name(d)
        for u in template:
            if d == 0:
                name, aliases = u.name, list(u.aliases)
            else:
                name = prefix + u.name[1:] if u.name.startswith("区") else prefix + u.name
                aliases = []
            # sizes vary by district too (some districts are busier)
            size = volumes.get(u.name, 3) * float(rng.lognormal(0, 0.15 if d else 0.0))
            roster.append(
                Unit(
                    name,
                    u.short if d == 0 else "",
                    u.group,
                    u.leader,
                    u.deputy,
                    aliases,
                    u.start,
                    u.end,
                    base=u.name,
                    size=size,
                    district=d,
                )
            )
    return roster


def units_table_rows(roster: list[Unit]) -> list[list[str]]:
    return [[u.name, u.short, u.group, u.leader, u.deputy, ";".join(u.aliases), u.start, u.end] for u in roster]


UNITS_HEADER = ["单位名称", "简称", "分组", "主要负责人", "分管负责人", "别名", "起始月", "终止月"]
ADJUSTMENTS_HEADER = ["单位名称", "减分项", "质效", "抽测排名"]


# --------------------------------------------------------------------------- calendar
def month_range(first: str, last: str) -> list[str]:
    y, m = int(first[:4]), int(first[5:7])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def default_window(month: str) -> tuple[date, date]:
    """23rd of the previous month .. 22nd of the month (rules.yaml window defaults)."""
    y, m = int(month[:4]), int(month[5:7])
    py, pm = (y - 1, 12) if m == 1 else (y, m - 1)
    return date(py, pm, 23), date(y, m, 22)


def read_calendar(path: Path) -> dict[str, tuple[date, date]]:
    with open(path, encoding="utf-8", newline="") as f:
        return {
            r["考核月"]: (date.fromisoformat(r["开始日期"]), date.fromisoformat(r["结束日期"]))
            for r in csv.DictReader(f)
        }


def window_of(month: str, exceptions: dict[str, tuple[date, date]]) -> tuple[date, date]:
    return exceptions.get(month, default_window(month))


def day_weights(start: date, end: date) -> np.ndarray:
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    weights = np.array([WEEKDAY_FACTOR[d.weekday()] for d in days])
    for i, d in enumerate(days):
        for fest in (SPRING_FESTIVAL.get(d.year), SPRING_FESTIVAL.get(d.year + 1)):
            if fest is not None and (d - fest).days in SPRING_FESTIVAL_DIP:
                weights[i] *= SPRING_FESTIVAL_DIP[(d - fest).days]
    return weights


# --------------------------------------------------------------------------- drawing helpers
def exact_counts(rng: np.random.Generator, shares: Sequence[float], total: int) -> np.ndarray:
    """A multinomial draw: counts that sum to total, varying with the seed."""
    p = np.asarray(shares, dtype=float)
    return rng.multinomial(total, p / p.sum())


def shuffled_labels(rng: np.random.Generator, counts: Sequence[int]) -> np.ndarray:
    """Codes 0..len(counts)-1, each repeated counts[i] times, in random order."""
    codes = np.repeat(np.arange(len(counts), dtype=np.int32), np.asarray(counts, dtype=np.int64))
    return rng.permutation(codes)


def received_times(rng: np.random.Generator, start: date, end: date, n: int) -> np.ndarray:
    """Sorted datetime64[s] inside the window, with the daily and weekly rhythm."""
    weights = day_weights(start, end)
    day = rng.choice(len(weights), size=n, p=weights / weights.sum())
    hour = rng.choice(24, size=n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    second = rng.integers(0, 3600, size=n)
    base = np.datetime64(start.isoformat(), "s")
    stamps = base + (day.astype(np.int64) * 86400 + hour * 3600 + second).astype("timedelta64[s]")
    return np.sort(stamps)


def category_shares(month: str) -> dict[str, float]:
    """Share of each classification category this calendar month (hotspot seasonality)."""
    m = int(month[5:7]) - 1
    shares = {k: v * vocab.SEASONALITY.get(k, [1.0] * 12)[m] for k, v in vocab.CATEGORY_BASE_SHARE.items()}
    shares["其他"] = max(0.05, 1.0 - sum(shares.values()))
    return shares


CATEGORY_KEYS = list(vocab.CATEGORY_PATHS)  # fixed code order


def zipf_weights(rng: np.random.Generator, n: int, exponent: float = 1.1) -> np.ndarray:
    """Popularity of n places: a few are named often, most rarely; which ones is per seed."""
    w = 1.0 / np.arange(1, n + 1) ** exponent
    return rng.permutation(w)


def place_pools(town_names: list[str]) -> dict[str, list[str]]:
    villages = [f"{t}{v}村" for t in town_names if t.endswith("镇") for v in vocab.VILLAGE_ROOTS[:8]]
    communities = vocab.COMMUNITIES
    return {
        "物业管理": communities,
        "用水/农村生活用水": [t for t in town_names if t.endswith("镇")] + villages,
        "用水/城区居民用水": communities,
        "市容环境": vocab.ROADS + communities[:30] + [t for t in town_names if t.endswith("镇")],
        "供暖": communities,
        "其他": communities + vocab.ROADS + villages,
    }


def draw_addresses(rng: np.random.Generator, category: np.ndarray, town_names: list[str]) -> pl.Series:
    pools = place_pools(town_names)
    out = np.empty(len(category), dtype=object)
    for code, key in enumerate(CATEGORY_KEYS):
        idx = np.flatnonzero(category == code)
        if len(idx) == 0:
            continue
        pool = pools.get(key, pools["其他"])
        w = zipf_weights(rng, len(pool))
        out[idx] = np.asarray(pool, dtype=object)[rng.choice(len(pool), size=len(idx), p=w / w.sum())]
    return pl.Series("诉求地址", out, dtype=pl.String)


def personal_fields(
    rng: np.random.Generator, category: np.ndarray, address: pl.Series, paths: np.ndarray | None = None
) -> dict[str, pl.Series]:
    """Synthetic 来电人, 联系电话 (11-digit mobiles) and 诉求内容; the pipeline must drop them. With the
    orders' 诉求分类 ``paths``, 诉求内容 is written per aspect (hotline/generator/texts.py), else from one
    template per category."""
    n = len(category)
    surname = pl.Series(vocab.SURNAMES).gather(rng.integers(0, len(vocab.SURNAMES), n))
    given = pl.Series(vocab.GIVEN_NAMES).gather(rng.integers(0, len(vocab.GIVEN_NAMES), n))
    honorific = pl.Series(["先生", "女士"]).gather(rng.integers(0, 2, n))
    full_name = rng.random(n) < 0.35  # some callers give a full name, most only 先生/女士
    caller = pl.select(
        pl.when(pl.lit(pl.Series(full_name))).then(surname + given).otherwise(surname + honorific)
    ).to_series()
    prefix = pl.Series(vocab.PHONE_PREFIXES).gather(rng.integers(0, len(vocab.PHONE_PREFIXES), n))
    phone = prefix + pl.Series(rng.integers(0, 100_000_000, n)).cast(pl.String).str.zfill(8)
    heads = pl.Series([vocab.CONTENT_TEMPLATES[k].split("{place}")[0] for k in CATEGORY_KEYS])
    tails = pl.Series([vocab.CONTENT_TEMPLATES[k].split("{place}")[1] for k in CATEGORY_KEYS])
    codes = pl.Series(category.astype(np.int64))
    content = heads.gather(codes) + address.fill_null("本区") + tails.gather(codes)
    if paths is not None:
        from hotline.generator.texts import contents

        # a seed of the texts' own, from the data (drawing from ``rng`` would move every later draw)
        content = contents(int(category.sum()) + n, list(paths), address.to_list(), caller.to_list())
    return {
        "来电人": caller.alias("来电人"),
        "联系电话": phone.alias("联系电话"),
        "诉求内容": content.alias("诉求内容"),
    }


def format_times(stamps: np.ndarray) -> pl.Series:
    """datetime64[s] (NaT = empty) → 'YYYY-MM-DD HH:MM:SS'."""
    return pl.Series(stamps.astype("datetime64[ms]")).dt.strftime("%Y-%m-%d %H:%M:%S")


def yes_no(flags: np.ndarray) -> pl.Series:
    return pl.Series(["否", "是"]).gather(flags.astype(np.int64))


# --------------------------------------------------------------------------- unit behaviour
@dataclass
class UnitBehaviour:
    """Per-unit rates the random fields are drawn with (arrays indexed by roster position)."""

    response: np.ndarray
    ontime: np.ndarray
    resolution: np.ndarray
    handling_hours: np.ndarray
    rework: np.ndarray


def draw_behaviour(rng: np.random.Generator, n_units: int) -> UnitBehaviour:
    return UnitBehaviour(
        response=1 - rng.beta(1, 300, n_units),
        ontime=1 - rng.beta(1, 60, n_units),
        resolution=rng.uniform(0.80, 0.94, n_units),
        handling_hours=rng.uniform(24, 96, n_units),
        rework=rng.beta(1, 400, n_units),
    )


def assignment_fields(
    rng: np.random.Generator,
    received: np.ndarray,
    unit: np.ndarray,
    behaviour: UnitBehaviour,
    export_time: np.datetime64,
) -> dict[str, np.ndarray]:
    """Timestamps, on-time flags and callback results for each assignment row."""
    n = len(unit)
    dispatch_delay = np.clip(rng.lognormal(np.log(900), 0.9, n), 60, 6 * 3600).astype(np.int64)
    dispatched = received + dispatch_delay.astype("timedelta64[s]")
    signed_on_time = rng.random(n) < behaviour.response[unit]
    sign_delay = np.where(signed_on_time, rng.integers(60, 100 * 60, n), rng.integers(150 * 60, 26 * 3600, n))
    signed = dispatched + sign_delay.astype("timedelta64[s]")
    completed_on_time = rng.random(n) < behaviour.ontime[unit]
    hours = rng.gamma(3.0, behaviour.handling_hours[unit] / 3.0)
    hours = np.where(completed_on_time, hours, hours + rng.uniform(72, 240, n))  # overdue ones run long
    completed = signed + (hours * 3600).astype(np.int64).astype("timedelta64[s]")
    is_open = completed > export_time
    has_callback = (~is_open) & (rng.random(n) < CALLBACK_SHARE)
    solved = rng.random(n) < behaviour.resolution[unit]
    # satisfaction labels conditional on the resolution (codes index SATISFACTION_LABELS)
    u = rng.random(n)
    sat_solved = np.searchsorted(np.cumsum([0.55, 0.35, 0.10, 0.0]), u, side="right")
    sat_unsolved = 2 + np.searchsorted(np.cumsum([0.35, 0.45, 0.20]), u, side="right")
    sat_code = np.minimum(np.where(solved, sat_solved, sat_unsolved), 4)
    numeric = rng.random(n) < NUMERIC_SATISFACTION_SHARE
    numeric_value = np.where(solved, rng.integers(80, 101, n), rng.integers(0, 71, n))
    rework = has_callback & ((~solved & (rng.random(n) < 0.08)) | (rng.random(n) < behaviour.rework[unit]))
    return {
        "dispatched": dispatched,
        "signed": signed,
        "completed": np.where(is_open, np.datetime64("NaT"), completed),
        "signed_on_time": signed_on_time,
        "completed_on_time": completed_on_time | is_open,
        "has_callback": has_callback,
        "solved": solved,
        "sat_code": sat_code,
        "numeric": numeric,
        "numeric_value": numeric_value,
        "rework": rework,
        "city_overdue": rng.random(n) < 0.0008,
    }


SATISFACTION_LABELS = ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]


def satisfaction_strings(fields: dict[str, np.ndarray]) -> pl.Series:
    labels = pl.Series(SATISFACTION_LABELS).gather(fields["sat_code"].astype(np.int64))
    numbers = pl.Series(fields["numeric_value"]).cast(pl.String)
    has = pl.Series(fields["has_callback"])
    numeric = pl.Series(fields["numeric"])
    return pl.select(
        pl.when(~pl.lit(has)).then(None).when(pl.lit(numeric)).then(pl.lit(numbers)).otherwise(pl.lit(labels))
    ).to_series()


# --------------------------------------------------------------------------- one month
def build_month(
    rng: np.random.Generator,
    month: str,
    window: tuple[date, date],
    roster: list[Unit],
    behaviour: UnitBehaviour,
    n_assignments: int,
    district_prefix_of: list[str],
) -> pl.DataFrame:
    """All assignment rows of one month as a frame with the contract's headers (strings), plus
    the helper columns _unit (roster index), _callback_late (bool)."""
    start, end = window
    active = np.array([(not u.start or u.start <= month) and (not u.end or month <= u.end) for u in roster])
    n_co = int(round(n_assignments * CO_HANDLED_SHARE))
    n_orders = n_assignments - n_co
    received = received_times(rng, start, end, n_orders)

    channel_keys = list(vocab.CHANNEL_SHARES)
    channel = shuffled_labels(rng, exact_counts(rng, list(vocab.CHANNEL_SHARES.values()), n_orders))
    type_keys = list(vocab.REQUEST_TYPE_SHARES)
    rtype = shuffled_labels(rng, exact_counts(rng, list(vocab.REQUEST_TYPE_SHARES.values()), n_orders))
    shares = category_shares(month)
    category = shuffled_labels(rng, exact_counts(rng, [shares[k] for k in CATEGORY_KEYS], n_orders))

    # the handling unit, given the category (affinity × size), among units valid this month
    size = np.array([u.size for u in roster]) * active
    is_town = np.array([u.group == "镇街园区" for u in roster])
    unit = np.empty(n_orders, dtype=np.int64)
    for code, key in enumerate(CATEGORY_KEYS):
        idx = np.flatnonzero(category == code)
        if len(idx) == 0:
            continue
        affinity = vocab.CATEGORY_UNIT_AFFINITY.get(key, {})
        w = size * np.array([affinity.get(u.base, affinity.get(u.group, 0.3 if affinity else 1.0)) for u in roster])
        unit[idx] = rng.choice(len(roster), size=len(idx), p=w / w.sum())

    # path within the category
    path_of = np.empty(n_orders, dtype=object)
    for code, key in enumerate(CATEGORY_KEYS):
        idx = np.flatnonzero(category == code)
        paths = vocab.CATEGORY_PATHS[key]
        path_of[idx] = np.asarray(paths, dtype=object)[rng.integers(0, len(paths), len(idx))]

    enterprise = rng.random(n_orders) < ENTERPRISE_SHARE
    provincial = enterprise & (rng.random(n_orders) < PROVINCIAL_ENTERPRISE_SHARE)
    fast_track = rng.random(n_orders) < FAST_TRACK_SHARE

    # co-handled orders: a second department on some department orders (not enterprise ones)
    dept_idx = np.flatnonzero(~is_town & active)
    candidates = np.flatnonzero(~is_town[unit] & ~enterprise)
    co_orders = np.sort(rng.choice(candidates, size=min(n_co, len(candidates)), replace=False))
    dept_w = size[dept_idx] / size[dept_idx].sum()
    second = dept_idx[rng.choice(len(dept_idx), size=len(co_orders), p=dept_w)]
    clash = second == unit[co_orders]
    # a clash moves to the next department in the roster, so the two units always differ
    second[clash] = dept_idx[(np.searchsorted(dept_idx, second[clash]) + 1) % len(dept_idx)]

    order_index = np.concatenate([np.arange(n_orders), co_orders])
    row_unit = np.concatenate([unit, second])
    ordering = np.lexsort((row_unit, order_index))
    order_index, row_unit = order_index[ordering], row_unit[ordering]

    export_time = np.datetime64((end + timedelta(days=3)).isoformat() + "T18:00:00", "s")
    fields = assignment_fields(rng, received[order_index], row_unit, behaviour, export_time)
    n_rows = len(order_index)

    town_names = [u.name for u in roster if u.group == "镇街园区"]
    address = draw_addresses(rng, category, town_names)
    personal = personal_fields(rng, category, address, path_of)
    district_of_order = np.array([roster[i].district for i in unit], dtype=np.int64)
    order_id = pl.select(
        pl.concat_str(
            [
                pl.lit(f"GD{month.replace('-', '')}"),
                pl.lit(pl.Series(district_prefix_of).gather(district_of_order)),
                pl.lit(pl.Series(np.arange(1, n_orders + 1)).cast(pl.String).str.zfill(7)),
            ]
        )
    ).to_series()

    # fast-track orders: arrival on site and the meeting outcome
    dispatched = fields["dispatched"]
    ft_row = fast_track[order_index]
    arrival = dispatched + (np.clip(rng.lognormal(np.log(80 * 60), 0.5, n_rows), 600, 8 * 3600)).astype(
        np.int64
    ).astype("timedelta64[s]")
    arrival = np.where(ft_row, arrival, np.datetime64("NaT"))
    meeting_code = rng.choice(3, size=n_rows, p=[0.7, 0.15, 0.15])

    unit_written = np.array([u.name for u in roster], dtype=object)[row_unit]
    # a few rows spell the unit by its alias, as some platforms do
    alias_of = np.array([u.aliases[0] if u.aliases else u.name for u in roster], dtype=object)
    use_alias = rng.random(n_rows) < 0.05
    unit_written = np.where(use_alias, alias_of[row_unit], unit_written)

    source = pl.Series([None, "企业直通车", "省企业诉求接诉即办"], dtype=pl.String).gather(
        (enterprise.astype(np.int64) + provincial.astype(np.int64))[order_index]
    )
    resolution = pl.Series(["未解决", "已解决"]).gather(fields["solved"].astype(np.int64))
    has_cb = pl.Series(fields["has_callback"])
    frame = pl.DataFrame(
        {
            "工单编号": order_id.gather(order_index),
            "受理时间": format_times(received[order_index]),
            "受理渠道": pl.Series(channel_keys).gather(channel[order_index]),
            "诉求类型": pl.Series(type_keys).gather(rtype[order_index]),
            "诉求分类": pl.Series(path_of[order_index], dtype=pl.String),
            "诉求地址": address.gather(order_index),
            "诉求内容": personal["诉求内容"].gather(order_index),
            "来电人": personal["来电人"].gather(order_index),
            "联系电话": personal["联系电话"].gather(order_index),
            "承办单位": pl.Series(unit_written, dtype=pl.String),
            "派单时间": format_times(dispatched),
            "签收时间": format_times(fields["signed"]),
            "办结时间": format_times(fields["completed"]),
            "是否按时签收": yes_no(fields["signed_on_time"]),
            "是否按时办结": yes_no(fields["completed_on_time"]),
            "解决情况": pl.select(pl.when(pl.lit(has_cb)).then(pl.lit(resolution))).to_series(),
            "满意度": satisfaction_strings(fields),
            "是否市重办": yes_no(fields["rework"]),
            "是否市到期未按时回复": yes_no(fields["city_overdue"]),
            "企业诉求来源": source,
            "是否省接诉即办": yes_no(ft_row),
            "到达现场时间": format_times(arrival),
            "现场见面情况": pl.select(
                pl.when(pl.lit(pl.Series(ft_row))).then(
                    pl.lit(pl.Series(["已见面", "跨区域未见面", "市民不需要见面"]).gather(meeting_code))
                )
            ).to_series(),
            "_unit": row_unit,
            "_callback_late": fields["has_callback"] & (rng.random(n_rows) < LATE_CALLBACK_SHARE),
        }
    )
    return frame


# --------------------------------------------------------------------------- month files
def adjustments_rows(
    rng: np.random.Generator, frame: pl.DataFrame, roster: list[Unit], dept_large_threshold: int = 50
) -> list[list[object]]:
    """减分项 (≤ 0), 质效 (0 or 2) and 抽测排名 per unit with orders this month. The sampling rank is
    ranked within the unit's group (town / dept_large); dept_small units have none."""
    volume = frame.group_by("_unit").len().sort("_unit")
    rows, groups = [], {"town": [], "dept_large": []}
    for unit_index, count in volume.iter_rows():
        u = roster[unit_index]
        deduction = -round(float(rng.exponential(0.3)), 2) if rng.random() < 0.6 else 0
        quality = 2 if rng.random() < 0.85 else 0
        group = "town" if u.group == "镇街园区" else ("dept_large" if count >= dept_large_threshold else "dept_small")
        rows.append([u.name, deduction, quality, None])
        if group != "dept_small":
            groups[group].append(len(rows) - 1)
    for members in groups.values():
        ranks = rng.permutation(len(members)) + 1
        for row_index, rank in zip(members, ranks):
            rows[row_index][3] = int(rank)
    return [[r[0], r[1], r[2], "" if r[3] is None else r[3]] for r in rows]


def city_assessment_rows(frame: pl.DataFrame) -> list[list[object]]:
    """The city's published district figures: on-time rates at 100 as the city reports them, and
    解决率 / 满意率 over the month's callbacks (labels at the rules' credits)."""
    credit = {"非常满意": 1.0, "满意": 1.0, "基本满意": 0.8, "不满意": 0.0, "非常不满意": 0.0}
    stats = frame.select(
        (pl.col("解决情况") == "已解决").mean().alias("res"),
        pl.col("满意度")
        .replace_strict(credit, default=None, return_dtype=pl.Float64)
        .fill_null(pl.col("满意度").cast(pl.Float64, strict=False) / 100)
        .mean()
        .alias("sat"),
    ).row(0)
    res, sat = (round((x or 0) * 100, 2) for x in stats)
    return [["响应率", 100], ["按时办理率", 100], ["诉求解决率", f"{res:.2f}"], ["综合满意率", f"{sat:.2f}"]]


def write_month_exports(
    frame: pl.DataFrame,
    exports_dir: Path,
    month: str,
    formats: list[str],
    rng: np.random.Generator,
    file_counter: list[int],
    late_callbacks: bool = True,
) -> list[Path]:
    """Two exports per month (first and second half of the window), plus a re-export of the rows
    whose callback arrived late (the pipeline replaces those (order, unit) pairs)."""
    written = []
    late = frame["_callback_late"] if late_callbacks else pl.Series([False] * frame.height)
    first_export = frame.with_columns(
        pl.when(pl.lit(late)).then(None).otherwise(pl.col("解决情况")).alias("解决情况"),
        pl.when(pl.lit(late)).then(None).otherwise(pl.col("满意度")).alias("满意度"),
    ).select(EXPORT_HEADERS)
    half = first_export.height // 2
    # split at an order boundary so both rows of a co-handled order stay together
    ids = first_export["工单编号"]
    while 0 < half < first_export.height and ids[half] == ids[half - 1]:
        half += 1
    parts = [(first_export.slice(0, half), f"工单导出_{month}_1"), (first_export.slice(half), f"工单导出_{month}_2")]
    if late_callbacks and int(late.sum()) > 0:
        parts.append((frame.filter(late).select(EXPORT_HEADERS), f"工单导出_{month}_3_回访补录"))
    for part, stem in parts:
        fmt = pick_format(formats, file_counter[0], rng)
        file_counter[0] += 1
        written.append(write_export(part, exports_dir / stem, fmt))
    return written


def pick_format(formats: list[str], counter: int, rng: np.random.Generator) -> str:
    fmt = FORMAT_ALIASES[formats[counter % len(formats)]]
    if fmt == "csv":
        return "utf-8-sig" if rng.random() < 0.5 else "utf-8"
    return fmt


def write_reference(out_dir: Path, roster: list[Unit]) -> None:
    ref = out_dir / "reference"
    ref.mkdir(parents=True, exist_ok=True)
    write_table(ref / "units.csv", UNITS_HEADER, units_table_rows(roster))
    (ref / "calendar.csv").write_bytes((REFERENCE_DIR / "calendar.csv").read_bytes())
    (ref / "hotspots.csv").write_bytes((REFERENCE_DIR / "hotspots.csv").read_bytes())


def generate(
    out_dir: str | Path,
    first_month: str,
    last_month: str,
    assignments_per_month: int,
    districts: int = 1,
    seed: int = 0,
    formats: Iterable[str] = ("csv",),
) -> Path:
    """Write a synthetic data folder; see the module docstring. Returns out_dir."""
    out_dir = Path(out_dir)
    formats = [f.lower() for f in formats] or ["csv"]
    unknown = [f for f in formats if f not in FORMAT_ALIASES]
    if unknown:
        raise ValueError(f"unknown format(s) {unknown}; use csv, gbk or xlsx")
    if districts < 1 or assignments_per_month < 1:
        raise ValueError("districts and assignments_per_month must be at least 1")
    rng = np.random.default_rng([seed, districts])
    roster = build_roster(districts, rng)
    behaviour = draw_behaviour(rng, len(roster))
    write_reference(out_dir, roster)
    exceptions = read_calendar(REFERENCE_DIR / "calendar.csv")
    district_codes = [f"{d:03d}" for d in range(districts)]
    file_counter = [0]
    for month in month_range(first_month, last_month):
        month_rng = np.random.default_rng([seed, districts, int(month.replace("-", ""))])
        frame = build_month(
            month_rng, month, window_of(month, exceptions), roster, behaviour, assignments_per_month, district_codes
        )
        month_dir = out_dir / "months" / month
        write_month_exports(frame, month_dir / "exports", month, formats, month_rng, file_counter)
        write_table(month_dir / "adjustments.csv", ADJUSTMENTS_HEADER, adjustments_rows(month_rng, frame, roster))
        write_table(month_dir / "city_assessment.csv", ["指标", "数值"], city_assessment_rows(frame))
    return out_dir


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hotline generate", description="Write synthetic 12345 data.")
    parser.add_argument("--out", required=True, help="the data folder to write")
    parser.add_argument("--from", dest="first", required=True, help="first month YYYY-MM")
    parser.add_argument("--to", dest="last", required=True, help="last month YYYY-MM")
    parser.add_argument("--assignments", type=int, default=11000, help="assignments per month, all districts")
    parser.add_argument("--districts", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--format",
        dest="formats",
        action="append",
        choices=["csv", "gbk", "xlsx"],
        help="export format; repeat to mix (default csv)",
    )
    args = parser.parse_args(argv)
    out = generate(
        args.out, args.first, args.last, args.assignments, args.districts, args.seed, tuple(args.formats or ["csv"])
    )
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
