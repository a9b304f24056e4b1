"""The bundled sample: 东昌府区, 2023-01 .. 2024-02, built so the pipeline reproduces the seed
report (February 2024) exactly.

``write_sample(data_dir) -> Path`` writes ``data_dir/reference/*`` and ``data_dir/months/*``
(``data_dir`` is the data folder itself). Reference tables come from ``sample_reference/``; the
exports are generated here, deterministically (fixed seed), from the February plan of
``sample_plan`` and, for the other months, from plausible seasonal volumes that keep the seed's
base figures (2024-01 and 2023-02 totals and hotspots) exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from hotline.generator import vocab
from hotline.generator.export_io import EXPORT_HEADERS, write_export, write_table
from hotline.generator.sample_plan import ALIAS_WRITTEN, Part, UnitPlan, adjustments_rows, february_plan
from hotline.generator.scoring import LABELS
from hotline.generator.synth import (
    ADJUSTMENTS_HEADER,
    CATEGORY_KEYS,
    REFERENCE_DIR,
    UnitBehaviour,
    assignment_fields,
    format_times,
    month_range,
    read_calendar,
    read_reference_units,
    received_times,
    window_of,
    yes_no,
)

SAMPLE_SEED = 20240311  # the seed report's date; any fixed number would do
FIRST_MONTH, LAST_MONTH, FEBRUARY = "2023-01", "2024-02", "2024-02"

# Distinct orders per month. 2024-02, 2024-01 and 2023-02 are the seed's figures (11198; bases of
# 环比 −27.24% and 同比 +16.08%); the others follow the usual rhythm (summer water and power
# peaks, winter heating).
MONTH_ORDERS = {
    "2023-01": 10480,
    "2023-02": 9647,
    "2023-03": 10820,
    "2023-04": 11460,
    "2023-05": 12380,
    "2023-06": 13710,
    "2023-07": 15820,
    "2023-08": 15240,
    "2023-09": 12630,
    "2023-10": 11790,
    "2023-11": 12310,
    "2023-12": 13930,
    "2024-01": 15390,
    "2024-02": 11198,
}
# Exact hotspot orders where the seed states them (facts.md): this month and the two bases.
HOTSPOT_ORDERS = {
    "2024-02": {
        "拖欠工资/农民工欠薪": 1446,
        "拖欠工资/企业欠薪": 713,
        "消费者维权": 1484,
        "物业管理": 1443,
        "用水/农村生活用水": 391,
        "用水/城区居民用水": 123,
        "市容环境": 456,
        # the other hotspots stay below 市容环境's 456 so the top five are the seed's
        "供暖": 402,
        "噪声扰民": 118,
        "医疗保障": 247,
        "燃气": 139,
    },
    # 2024-01: 拖欠工资 2263, 消费者维权 1961, 物业管理 2314, 用水 719, 市容环境 801 (sub-splits free)
    "2024-01": {
        "拖欠工资/农民工欠薪": 1398,
        "拖欠工资/企业欠薪": 865,
        "消费者维权": 1961,
        "物业管理": 2314,
        "用水/农村生活用水": 531,
        "用水/城区居民用水": 188,
        "市容环境": 801,
    },
    # 2023-02: 拖欠工资 1037 (农民工欠薪 643, 企业欠薪 394), 消费者维权 1646, 物业管理 1123,
    # 用水 474, 市容环境 689
    "2023-02": {
        "拖欠工资/农民工欠薪": 643,
        "拖欠工资/企业欠薪": 394,
        "消费者维权": 1646,
        "物业管理": 1123,
        "用水/农村生活用水": 352,
        "用水/城区居民用水": 122,
        "市容环境": 689,
    },
}
# 2024-02 channels (seed: 来电 10787, 微信 209, 省级网站 52, 随手拍 51; the other 99 orders
# spread over smaller channels, each below 随手拍's 51)
FEBRUARY_CHANNELS = {
    "来电": 10787,
    "微信": 209,
    "省级网站": 52,
    "随手拍": 51,
    "短信": 40,
    "网上信箱": 27,
    "12345APP": 20,
    "政务服务便民热线": 12,
}
# 2024-02 request types (seed: 求助 9191, 咨询 1713, 建议 260, 感谢 34 = 11198)
FEBRUARY_TYPES = {"求助": 9191, "咨询": 1713, "建议": 260, "感谢": 34}
# enterprise orders: 2024-02 181 (省企业诉求接诉即办 6, 企业直通车 175); 2024-01 317 (环比 −42.90%)
ENTERPRISE_ORDERS = {"2024-02": (6, 175), "2024-01": (9, 308)}
# 28 orders co-handled by two departments (7291 department assignments, 7263 orders)
FEBRUARY_CO_HANDLED = (
    [("区市场监管局", "区综合执法局")] * 10
    + [("区住建局", "民安公司")] * 6
    + [("区公安分局", "区交通运输局")] * 4
    + [("区人社局", "区市场监管局")] * 4
    + [("区教体局", "区卫健局")] * 4
)

# Section 二: mean hours 派单→办结. The three longest per list are the seed's, well apart.
HANDLING_HOURS = {
    "郑家镇": 118,
    "嘉明开发区": 104,
    "广平镇": 91,  # towns: the seed's 办理时长较长
    "区住建局": 126,
    "区商投局": 112,
    "区交通运输局": 98,
}  # dept_large likewise
OTHER_HANDLING_HOURS = (30, 75)  # everyone else, below the third of either list
# Section 二: 市重办 assignments. Towns: only 古楼街道; dept_large: 区公安分局 > 区交通运输局 >
# 区教体局 by rate, then two lower non-zero rates.
CITY_REWORK = {"古楼街道": 8, "区公安分局": 12, "区交通运输局": 6, "区教体局": 8, "区市场监管局": 6, "民安公司": 3}
# Section 二: 解决率 2024-02 minus 2024-01 (rate points). Rises top three and falls as the seed
# lists them; the others rise by 0.3..2.5 points so they neither fall nor come near the top three.
RESOLUTION_CHANGE = {
    "沙镇镇": 0.09,
    "堂邑镇": 0.07,
    "韩集镇": 0.05,
    "斗虎屯镇": -0.07,
    "侯营镇": -0.05,
    "梁水镇镇": -0.03,
    "区交通运输局": 0.09,
    "区商投局": 0.07,
    "区综合执法局": 0.05,
    "香江服务中心": -0.04,
}
OTHER_RESOLUTION_CHANGE = (0.003, 0.025)

# Section 三: the places most named in 2024-02, per hotspot (sub-hotspot): exact counts, in the
# seed's order, strictly decreasing; every other place of that (sub-)hotspot stays below `cap`.
FEBRUARY_PLACES = {
    "物业管理": (
        {
            "聚鑫苑小区": 64,
            "管道局家属院": 55,
            "公园首府": 47,
            "东盛嘉华苑小区": 41,
            "陈口家园": 36,
            "书香东郡小区": 31,
        },
        26,
    ),
    "用水/农村生活用水": ({"沙镇镇": 58, "郑家镇": 47, "梁水镇镇": 39}, 18),
    # urban places stay below rural counts too, so 用水 as a whole lists 沙镇镇, 郑家镇, 梁水镇镇,
    # 西湖馨苑, 水城华府
    "用水/城区居民用水": ({"西湖馨苑": 26, "水城华府": 21}, 12),
    "市容环境": (
        {"育新街": 31, "梁水镇镇": 27, "启明小学北门道路": 23, "莲湖新城门口道路": 20, "鸿顺花园": 17, "韩集镇": 15},
        12,
    ),
}
# paths for enterprise orders (企业纠纷, 综合审批, 商户用水用电, 政策咨询 …), all outside hotspots
ENTERPRISE_PATHS = [
    "政务服务/行政审批/营业执照",
    "政务服务/政策咨询/惠企政策",
    "电力通信/供电/停电",
    "市场监管/价格监管/明码标价",
    "税务/税费办理/个税汇算",
    "劳动和社会保障/就业创业/就业补贴",
]


# --------------------------------------------------------------------------- month plans
def plan_other_month(
    rng: np.random.Generator, month: str, units: list, feb: dict[str, UnitPlan], feb_rates: dict[str, float]
) -> tuple[dict[str, UnitPlan], list[tuple[str, str]]]:
    """Per-unit counts for a month other than 2024-02: volumes scaled from February with some
    noise, binomial on-time misses, callbacks at each unit's usual rates. In 2024-01 the
    resolution rate is February's minus the section-二 change, so 解决率环比 lists come out right."""
    orders = MONTH_ORDERS[month]
    n_co = round(orders * 0.0025)  # co-handled share as in February (28 of 11198)
    active = [u for u in units if (not u.start or u.start <= month) and (not u.end or month <= u.end)]
    weights = {}
    for u in active:
        base = feb[u.name].volume if u.name in feb else 3  # units without February orders stay small
        weights[u.name] = base * float(rng.lognormal(0, 0.12))
    total_assignments = orders + n_co
    names = list(weights)
    w = np.array([weights[n] for n in names])
    volumes = np.maximum(1, np.floor(w / w.sum() * total_assignments)).astype(int)
    volumes[int(np.argmax(volumes))] += total_assignments - volumes.sum()  # exact total on the largest
    # enterprise orders: 2024-01 exactly 317 (the base of 环比 −42.90%), else about 1.8%
    ent_total = sum(ENTERPRISE_ORDERS[month]) if month in ENTERPRISE_ORDERS else round(orders * 0.018)
    ent_w = np.array([(feb[n].enterprise.volume + 0.5) if n in feb else 0.1 for n in names])
    ent = rng.multinomial(ent_total, ent_w / ent_w.sum())
    ent = np.minimum(ent, volumes - 1)
    ent[int(np.argmax(volumes))] += ent_total - ent.sum()
    dept_names = [n for n in names if next(u for u in units if u.name == n).group == "区直国企"]
    dept_w = np.array([volumes[names.index(n)] for n in dept_names], dtype=float)
    pairs = []
    while len(pairs) < n_co:
        a, b = rng.choice(len(dept_names), size=2, replace=False, p=dept_w / dept_w.sum())
        pairs.append((dept_names[a], dept_names[b]))
    plans = {}
    for i, name in enumerate(names):
        volume, ve = int(volumes[i]), int(ent[i])
        if month == "2024-01" and name in feb_rates:
            lo, hi = OTHER_RESOLUTION_CHANGE
            rate = feb_rates[name] - RESOLUTION_CHANGE.get(name, float(rng.uniform(lo, hi)))
        else:
            rate = float(np.clip(feb_rates.get(name, 0.86) + rng.normal(0, 0.02), 0.6, 1.0))
        # callbacks and solved over the whole unit first (one rounding), then split between the
        # enterprise rows and the others, so the unit's rate is as close to `rate` as n allows
        callbacks = int(rng.binomial(volume, 0.72))
        solved = min(callbacks, int(round(rate * callbacks)))
        ent_callbacks = min(callbacks, int(rng.binomial(ve, 0.72)))
        ent_solved = min(ent_callbacks, solved, int(round(solved * ent_callbacks / callbacks)) if callbacks else 0)
        ent_solved = max(ent_solved, ent_callbacks - (callbacks - solved))
        parts = []
        for size, n, k in (
            (ve, ent_callbacks, ent_solved),
            (volume - ve, callbacks - ent_callbacks, solved - ent_solved),
        ):
            n = min(n, size)
            sat = [draw_satisfaction(rng, j < k) for j in range(n)]
            parts.append(
                Part(
                    volume=size,
                    signed_ok=size - int(rng.binomial(size, 0.002)),
                    completed_ok=size - int(rng.binomial(size, 0.01)),
                    callbacks=n,
                    solved=k,
                    satisfaction=sat,
                )
            )
        plans[name] = UnitPlan(name, "town" if name not in dept_names else "dept", volume, parts[0], parts[1], {})
    return plans, pairs


def draw_satisfaction(rng: np.random.Generator, solved: bool) -> str:
    p = [0.55, 0.35, 0.10, 0.0, 0.0] if solved else [0.0, 0.1, 0.35, 0.4, 0.15]
    return LABELS[int(rng.choice(5, p=p))]


def realised_resolution(plan: UnitPlan) -> float:
    n = plan.enterprise.callbacks + plan.other.callbacks
    if n == 0:
        return 1.0
    return (plan.enterprise.solved + plan.other.solved + 0.8 * (plan.enterprise.partial + plan.other.partial)) / n


# --------------------------------------------------------------------------- rows of a month
@dataclass
class MonthRows:
    unit: np.ndarray  # unit name per assignment row
    enterprise: np.ndarray  # bool
    signed_ok: np.ndarray
    completed_ok: np.ndarray
    resolution: np.ndarray  # object: label or None
    satisfaction: np.ndarray  # object: value or None
    order: np.ndarray  # order index per row


def lay_out_rows(rng: np.random.Generator, plans: dict[str, UnitPlan], pairs: list[tuple[str, str]]) -> MonthRows:
    """Turn per-unit counts into rows, and rows into orders (co-handled pairs share one)."""
    cols = {k: [] for k in ("unit", "enterprise", "signed_ok", "completed_ok", "resolution", "satisfaction")}
    co_need = {}
    for a, b in pairs:
        co_need[a] = co_need.get(a, 0) + 1
        co_need[b] = co_need.get(b, 0) + 1
    row_is_co = []
    for name, plan in plans.items():
        for is_ent, part in ((True, plan.enterprise), (False, plan.other)):
            v = part.volume
            if v == 0:
                continue
            res = (
                ["已解决"] * part.solved
                + ["基本解决"] * part.partial
                + ["未解决"] * (part.callbacks - part.solved - part.partial)
                + [None] * (v - part.callbacks)
            )
            sat = list(part.satisfaction) + [None] * (v - len(part.satisfaction))
            order = rng.permutation(v)  # callback rows scattered, solved and satisfied rows aligned
            cols["resolution"] += [res[i] for i in order]
            cols["satisfaction"] += [sat[i] for i in order]
            cols["signed_ok"] += list(rng.permutation(np.arange(v) < part.signed_ok))
            cols["completed_ok"] += list(rng.permutation(np.arange(v) < part.completed_ok))
            cols["unit"] += [name] * v
            cols["enterprise"] += [is_ent] * v
            co = np.zeros(v, dtype=bool)
            if not is_ent and co_need.get(name):
                co[rng.choice(v, size=co_need[name], replace=False)] = True
            row_is_co += list(co)
    unit = np.array(cols["unit"], dtype=object)
    row_is_co = np.array(row_is_co)
    order = np.full(len(unit), -1, dtype=np.int64)
    singles = np.flatnonzero(~row_is_co)
    order[singles] = np.arange(len(singles))
    next_order = len(singles)
    free = {name: list(np.flatnonzero(row_is_co & (unit == name))) for name in co_need}
    for a, b in pairs:
        order[free[a].pop()] = next_order
        order[free[b].pop()] = next_order
        next_order += 1
    return MonthRows(
        unit,
        np.array(cols["enterprise"]),
        np.array(cols["signed_ok"]),
        np.array(cols["completed_ok"]),
        np.array(cols["resolution"], dtype=object),
        np.array(cols["satisfaction"], dtype=object),
        order,
    )


def pick_weighted(rng: np.random.Generator, candidates: np.ndarray, weights: np.ndarray, count: int) -> np.ndarray:
    """count distinct candidates, weighted (Efraimidis–Spirakis keys: u^(1/w), largest win)."""
    keys = rng.random(len(candidates)) ** (1.0 / weights)
    return candidates[np.argsort(-keys, kind="stable")[:count]]


def assign_categories(
    rng: np.random.Generator,
    month: str,
    first_unit: np.ndarray,
    enterprise: np.ndarray,
    n_orders: int,
    unit_group: dict[str, str],
) -> np.ndarray:
    """Category code per order with exact counts; hotspot orders lean to the units that handle
    them (人社局 wages, 市场监管局 consumers …). Enterprise orders are never hotspot orders."""
    from hotline.generator.synth import category_shares

    shares = category_shares(month)
    fixed = HOTSPOT_ORDERS.get(month, {})
    counts = {}
    for key in CATEGORY_KEYS[:-1]:
        counts[key] = fixed.get(key, int(round(shares[key] * n_orders * float(rng.lognormal(0, 0.06)))))
    category = np.full(n_orders, CATEGORY_KEYS.index("其他"), dtype=np.int64)
    free = np.flatnonzero(~enterprise)
    for key in CATEGORY_KEYS[:-1]:
        affinity = vocab.CATEGORY_UNIT_AFFINITY.get(key, {})
        w = np.array([affinity.get(u, affinity.get(unit_group[u], 0.3)) for u in first_unit[free]])
        chosen = pick_weighted(rng, free, w, counts[key])
        category[chosen] = CATEGORY_KEYS.index(key)
        free = np.setdiff1d(free, chosen, assume_unique=True)
    return category


def spread_counts(total: int, names: list[str], cap: int) -> list[int]:
    """total over names, each below cap, gently decreasing (a long tail of places)."""
    m = len(names)
    base = total / m
    assert base < cap - 1, (total, m, cap)
    slope = min(cap - 1 - base, base - 1) * 0.8
    raw = [base + slope * (1 - 2 * i / max(1, m - 1)) for i in range(m)]
    counts = [int(x) for x in raw]
    for i in range(total - sum(counts)):
        counts[i % m] += 1
    assert max(counts) < cap and sum(counts) == total
    return counts


def place_plan(rng: np.random.Generator, key: str, n: int, town_names: list[str]) -> list[str]:
    named, cap = FEBRUARY_PLACES[key]
    used = set(named) | {p for v in FEBRUARY_PLACES.values() for p in v[0]}
    if key == "用水/农村生活用水":
        pool = [t for t in town_names if t.endswith("镇") and t not in used] + [
            f"{t}{v}村" for t in ("沙镇镇", "郑家镇", "梁水镇镇", "堂邑镇") for v in vocab.VILLAGE_ROOTS[:6]
        ]
    elif key == "市容环境":
        pool = [r for r in vocab.ROADS if r not in used] + [c for c in vocab.COMMUNITIES[20:45] if c not in used]
    else:
        pool = [c for c in vocab.COMMUNITIES if c not in used]
        if key == "用水/城区居民用水":
            pool = pool[:25]
    rest = n - sum(named.values())
    pool = list(rng.permutation(pool))
    places = [p for p, c in named.items() for _ in range(c)]
    for p, c in zip(pool, spread_counts(rest, pool, cap)):
        places += [p] * c
    return list(rng.permutation(np.array(places, dtype=object)))


# --------------------------------------------------------------------------- building a month
def strings(values) -> pl.Series:
    """Object arrays of str/None as a polars String series."""
    return pl.Series([None if v is None else str(v) for v in values], dtype=pl.String)


def build_sample_month(
    rng: np.random.Generator,
    month: str,
    window,
    plans: dict[str, UnitPlan],
    pairs: list[tuple[str, str]],
    unit_group: dict[str, str],
    town_names: list[str],
    handling: dict[str, float],
    rework: dict[str, int],
) -> pl.DataFrame:
    rows = lay_out_rows(rng, plans, pairs)
    n_orders = int(rows.order.max()) + 1
    n_rows = len(rows.unit)
    # per order: its first unit and whether it is an enterprise order
    first_row = np.full(n_orders, -1)
    for i in range(n_rows - 1, -1, -1):
        first_row[rows.order[i]] = i
    first_unit = rows.unit[first_row]
    enterprise = rows.enterprise[first_row]

    received = rng.permutation(received_times(rng, *window, n_orders))
    # order ids follow the time of receipt
    rank = np.empty(n_orders, dtype=np.int64)
    rank[np.argsort(received, kind="stable")] = np.arange(n_orders)
    ids = np.array([f"GD{month.replace('-', '')}{r + 1:06d}" for r in rank], dtype=object)

    if month == FEBRUARY:
        channel_counts, type_counts = FEBRUARY_CHANNELS, FEBRUARY_TYPES
    else:
        channel_counts = dict(
            zip(
                vocab.CHANNEL_SHARES,
                rng.multinomial(
                    n_orders, np.array(list(vocab.CHANNEL_SHARES.values())) / sum(vocab.CHANNEL_SHARES.values())
                ),
            )
        )
        type_counts = dict(
            zip(
                vocab.REQUEST_TYPE_SHARES,
                rng.multinomial(
                    n_orders,
                    np.array(list(vocab.REQUEST_TYPE_SHARES.values())) / sum(vocab.REQUEST_TYPE_SHARES.values()),
                ),
            )
        )
    channel = rng.permutation(np.repeat(np.array(list(channel_counts), dtype=object), list(channel_counts.values())))
    rtype = rng.permutation(np.repeat(np.array(list(type_counts), dtype=object), list(type_counts.values())))

    category = assign_categories(rng, month, first_unit, enterprise, n_orders, unit_group)
    path = np.empty(n_orders, dtype=object)
    for code, key in enumerate(CATEGORY_KEYS):
        idx = np.flatnonzero(category == code)
        paths = vocab.CATEGORY_PATHS[key]
        path[idx] = np.asarray(paths, dtype=object)[rng.integers(0, len(paths), len(idx))]
    ent_idx = np.flatnonzero(enterprise)
    path[ent_idx] = np.asarray(ENTERPRISE_PATHS, dtype=object)[rng.integers(0, len(ENTERPRISE_PATHS), len(ent_idx))]

    # places
    from hotline.generator.synth import draw_addresses

    address = draw_addresses(rng, category, town_names).to_numpy().astype(object)
    if month == FEBRUARY:
        for key in FEBRUARY_PLACES:
            idx = np.flatnonzero(category == CATEGORY_KEYS.index(key))
            address[idx] = place_plan(rng, key, len(idx), town_names)

    # enterprise sources: 2024-02 省企业诉求接诉即办 6, 企业直通车 175
    source = np.full(n_orders, None, dtype=object)
    provincial, direct = ENTERPRISE_ORDERS.get(month, (max(1, round(len(ent_idx) * 0.035)), 0))
    source[ent_idx] = "企业直通车"
    source[rng.choice(ent_idx, size=min(provincial, len(ent_idx)), replace=False)] = "省企业诉求接诉即办"

    # the month's 省接诉即办 order: 2024-02 one, 区税务局, not on site within 2 h, 跨区域未见面
    fast_track = np.zeros(n_orders, dtype=bool)
    ft_unit = "区税务局"
    candidates = np.flatnonzero((first_unit == ft_unit) & ~enterprise)
    if month == FEBRUARY or rng.random() < 0.5:
        fast_track[rng.choice(candidates)] = True

    # per-row fields
    from hotline.generator.synth import personal_fields

    row_order = rows.order
    unit_index = {n: i for i, n in enumerate(plans)}
    uidx = np.array([unit_index[u] for u in rows.unit])
    hours = np.array([handling.get(n, 48.0) for n in plans])
    behaviour = UnitBehaviour(
        response=np.ones(len(plans)),
        ontime=np.ones(len(plans)),
        resolution=np.ones(len(plans)),
        handling_hours=hours,
        rework=np.zeros(len(plans)),
    )
    far_future = np.datetime64("2100-01-01T00:00:00", "s")  # every sample order is closed
    f = assignment_fields(rng, received[row_order], uidx, behaviour, far_future)
    dispatched = f["dispatched"]
    sign_delay = np.where(
        rows.signed_ok, rng.integers(60, 100 * 60, n_rows), rng.integers(150 * 60, 26 * 3600, n_rows)
    )
    signed = dispatched + sign_delay.astype("timedelta64[s]")
    work = rng.gamma(3.0, 1.0, n_rows) + np.where(rows.completed_ok, 0.0, 2.0)  # late ones run longer
    # scale each unit's handling time so its mean 派单→办结 hours is exactly the target
    work_hours = np.zeros(n_rows)
    for name, i in unit_index.items():
        sel = uidx == i
        target = handling.get(name, 48.0) - (sign_delay[sel].mean() / 3600)
        work_hours[sel] = work[sel] / work[sel].mean() * max(target, 2.0)
    completed = signed + (work_hours * 3600).astype(np.int64).astype("timedelta64[s]")

    city_rework = np.zeros(n_rows, dtype=bool)
    for name, count in rework.items():
        sel = np.flatnonzero((rows.unit == name) & ~rows.enterprise)
        unsolved = sel[rows.resolution[sel] == "未解决"]
        pool = np.concatenate([unsolved, np.setdiff1d(sel, unsolved)])
        city_rework[pool[:count]] = True

    ft_row = fast_track[row_order]
    arrival = np.where(ft_row, dispatched + np.timedelta64(2 * 3600 + 35 * 60, "s"), np.datetime64("NaT"))
    written_unit = rows.unit.copy()
    for name, alias in ALIAS_WRITTEN.items():
        sel = rows.unit == name
        # every enterprise row and about a quarter of the others spell the alias (table 4 prints it)
        written_unit[sel & (rows.enterprise | (rng.random(n_rows) < 0.25))] = alias

    addr_series = strings(address)
    personal = personal_fields(rng, category, addr_series, path)
    frame = pl.DataFrame(
        {
            "工单编号": strings(ids[row_order]),
            "受理时间": format_times(received[row_order]),
            "受理渠道": strings(channel[row_order]),
            "诉求类型": strings(rtype[row_order]),
            "诉求分类": strings(path[row_order]),
            "诉求地址": addr_series.gather(row_order),
            "诉求内容": personal["诉求内容"].gather(row_order),
            "来电人": personal["来电人"].gather(row_order),
            "联系电话": personal["联系电话"].gather(row_order),
            "承办单位": strings(written_unit),
            "派单时间": format_times(dispatched),
            "签收时间": format_times(signed),
            "办结时间": format_times(completed),
            "是否按时签收": yes_no(rows.signed_ok),
            "是否按时办结": yes_no(rows.completed_ok),
            "解决情况": strings(rows.resolution),
            "满意度": strings(rows.satisfaction),
            "是否市重办": yes_no(city_rework),
            "是否市到期未按时回复": yes_no(np.zeros(n_rows, dtype=bool)),
            "企业诉求来源": strings(source[row_order]),
            "是否省接诉即办": yes_no(ft_row),
            "到达现场时间": format_times(arrival),
            "现场见面情况": strings(np.where(ft_row, "跨区域未见面", None)),
        }
    )
    return frame.sort(["受理时间", "工单编号", "承办单位"])


# --------------------------------------------------------------------------- writing
# export files per month: (file stem, format); 2024-02 in two encodings, 2023-06 as XLSX
def export_layout(month: str) -> list[str]:
    if month == FEBRUARY:
        return ["utf-8-sig", "gb18030"]
    if month == "2023-06":
        return ["xlsx"]
    if month == "2024-01":
        return ["gb18030"]
    return ["utf-8" if int(month[5:]) % 2 else "utf-8-sig"]


def write_month(frame: pl.DataFrame, month_dir: Path, month: str) -> None:
    formats = export_layout(month)
    frame = frame.select(EXPORT_HEADERS)
    if len(formats) == 1:
        write_export(frame, month_dir / "exports" / f"工单导出_{month}", formats[0])
        return
    # split by time of receipt, at an order boundary (both rows of a co-handled order together)
    ids = frame["工单编号"]
    half = frame.height // 2
    while ids[half] == ids[half - 1]:
        half += 1
    for i, (part, fmt) in enumerate(zip((frame.slice(0, half), frame.slice(half)), formats), start=1):
        write_export(part, month_dir / "exports" / f"工单导出_{month}_{i}", fmt)


def write_sample(data_dir: str | Path) -> Path:
    """Write the bundled 东昌府区 sample (2023-01 .. 2024-02) into the data folder data_dir."""
    data_dir = Path(data_dir)
    ref = data_dir / "reference"
    ref.mkdir(parents=True, exist_ok=True)
    for name in ("units.csv", "calendar.csv", "hotspots.csv"):
        (ref / name).write_bytes((REFERENCE_DIR / name).read_bytes())

    units = read_reference_units()
    unit_group = {u.name: u.group for u in units}
    town_names = [u.name for u in units if u.group == "镇街园区"]
    calendar = read_calendar(REFERENCE_DIR / "calendar.csv")
    feb = february_plan()
    feb_rates = {n: realised_resolution(p) for n, p in feb.items()}

    for month in month_range(FIRST_MONTH, LAST_MONTH):
        rng = np.random.default_rng([SAMPLE_SEED, int(month.replace("-", ""))])
        if month == FEBRUARY:
            plans, pairs = feb, FEBRUARY_CO_HANDLED
            handling = {n: HANDLING_HOURS.get(n, float(rng.uniform(*OTHER_HANDLING_HOURS))) for n in plans}
            rework = CITY_REWORK
        else:
            plans, pairs = plan_other_month(rng, month, units, feb, feb_rates)
            handling = {n: float(rng.uniform(28, 110)) for n in plans}
            rework = {n: int(rng.binomial(p.volume, 0.006)) for n, p in plans.items()}
        frame = build_sample_month(
            rng, month, window_of(month, calendar), plans, pairs, unit_group, town_names, handling, rework
        )
        month_dir = data_dir / "months" / month
        write_month(frame, month_dir, month)
        if month == FEBRUARY:
            write_table(month_dir / "adjustments.csv", ADJUSTMENTS_HEADER, adjustments_rows())
            for name in ("city_assessment.csv", "notes.md"):
                (month_dir / name).write_bytes((REFERENCE_DIR / "2024-02" / name).read_bytes())
        else:
            write_table(month_dir / "adjustments.csv", ADJUSTMENTS_HEADER, other_adjustments(rng, plans, unit_group))
    return data_dir


def other_adjustments(rng: np.random.Generator, plans: dict[str, UnitPlan], unit_group: dict[str, str]) -> list[list]:
    """减分项, 质效 and a 抽测排名 within the group (towns; departments with ≥ 50 assignments)."""
    rows, groups = [], {"town": [], "dept_large": []}
    for name, plan in plans.items():
        deduction = -round(float(rng.exponential(0.3)), 2) if rng.random() < 0.6 else 0
        rows.append([name, deduction, 2 if rng.random() < 0.85 else 0, ""])
        if unit_group[name] == "镇街园区":
            groups["town"].append(len(rows) - 1)
        elif plan.volume >= 50:
            groups["dept_large"].append(len(rows) - 1)
    for members in groups.values():
        for row_index, rank in zip(members, rng.permutation(len(members)) + 1):
            rows[row_index][3] = int(rank)
    return rows
