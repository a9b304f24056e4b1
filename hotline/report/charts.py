"""The report's charts as PNG (matplotlib, Agg), with a CJK font found on the machine.

Chinese labels must render as Chinese: the font is searched by family name among the fonts
matplotlib knows (Debian's fonts-noto-cjk / fonts-wqy-microhei); when none is installed this fails
with a message saying what to install, rather than drawing tofu boxes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.ticker import FuncFormatter, NullLocator  # noqa: E402

from hotline.report.data import ReportData  # noqa: E402
from hotline.report.files import atomic_write_bytes  # noqa: E402
from hotline.report.model import CHART_FILES  # noqa: E402

CJK_FAMILIES = [
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
]
COLOURS = ["#c0392b", "#2e86c1", "#28b463", "#f39c12", "#8e44ad", "#16a085", "#7f8c8d", "#d35400", "#34495e"]
DPI = 150


class FontMissing(RuntimeError):
    pass


def cjk_family() -> str:
    """The first installed CJK family of CJK_FAMILIES (rebuilding matplotlib's font cache once if
    fonts were installed after it was built)."""

    def find() -> str | None:
        names = {f.name for f in font_manager.fontManager.ttflist}
        return next((f for f in CJK_FAMILIES if f in names), None)

    family = find()
    if family is None:
        font_manager.fontManager = font_manager._load_fontmanager(try_read_cache=False)
        family = find()
    if family is None:
        raise FontMissing(
            "no Chinese font found for the charts (looked for: " + ", ".join(CJK_FAMILIES) + "). "
            "Install one, e.g. `apt-get install fonts-noto-cjk fonts-wqy-microhei`, and run the month again."
        )
    return family


_styled = False


def style() -> None:
    """Set this process's chart style (the CJK font first), once."""
    global _styled
    if _styled:
        return
    family = cjk_family()
    plt.rcParams.update(
        {
            "font.family": "sans-serif",
            "font.sans-serif": [family, "DejaVu Sans"],
            "axes.unicode_minus": False,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "font.size": 10,
        }
    )
    _styled = True


def _save(fig, path: Path) -> Path:
    import io

    # tight_layout fits labels, titles and legends inside the figure with one layout pass;
    # savefig(bbox_inches="tight") would draw the whole figure twice to crop it.
    fig.tight_layout(pad=0.6)
    # tight_layout leaves a placeholder layout engine behind, and savefig draws the whole figure
    # once more before printing whenever a figure has an engine
    fig.set_layout_engine(None)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    plt.close(fig)
    atomic_write_bytes(path, buffer.getvalue())
    return path


def _bar(labels: list[str], values: list[int], title: str, path: Path, horizontal: bool = False) -> Path:
    fig, ax = plt.subplots(figsize=(7.5, 3.8 if not horizontal else max(3.0, 0.35 * len(labels) + 1)))
    if horizontal:
        bars = ax.barh(labels[::-1], values[::-1], color=COLOURS[1])
        ax.bar_label(bars, padding=3, fontsize=8)
        ax.set_xlabel("件")
    else:
        bars = ax.bar(labels, values, color=COLOURS[1])
        ax.bar_label(bars, padding=2, fontsize=8)
        ax.set_ylabel("件")
        if values and max(values) > 20 * max(1, sorted(values)[len(values) // 2]):
            ax.set_yscale("log")
            # plain numbers (10, 100, 1000) rather than 10³: easier to read in a report, and
            # mathtext labels cost more to draw than the rest of the chart
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}"))
            ax.yaxis.set_minor_locator(NullLocator())
            ax.set_ylabel("件（对数坐标）")
        plt.setp(ax.get_xticklabels(), rotation=20, ha="right")
    ax.set_title(title)
    return _save(fig, path)


def channels_chart(d: ReportData, path: Path) -> Path:
    labels = d.settings.channel_labels or {}
    rows = list(d.channels.iter_rows(named=True))
    return _bar(
        [labels.get(r["channel"], r["channel"]) for r in rows], [r["orders"] for r in rows], "各渠道受理量", path
    )


def _pie(labels: list[str], values: list[int], shares: list, title: str, path: Path) -> Path:
    """shares: the marts' share_pct per slice (None: the count alone)."""
    from hotline.report.text import whole_or_2

    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    wedges, _ = ax.pie(
        values,
        colors=COLOURS[: len(values)],
        startangle=90,
        counterclock=False,
        wedgeprops={"linewidth": 1, "edgecolor": "white"},
    )
    ax.legend(
        wedges,
        [
            f"{label}  {v}件" + (f"（{whole_or_2(s)}%）" if s is not None else "")
            for label, v, s in zip(labels, values, shares)
        ],
        loc="center left",
        bbox_to_anchor=(1.0, 0.5),
        frameon=False,
    )
    ax.set_title(title)
    ax.axis("equal")
    return _save(fig, path)


def request_types_chart(d: ReportData, path: Path) -> Path:
    rows = list(d.request_types.iter_rows(named=True))
    return _pie(
        [f"{r['request_type']}类" for r in rows],
        [r["orders"] for r in rows],
        [r["share_pct"] for r in rows],
        "来电类别",
        path,
    )


def hotspots_chart(d: ReportData, path: Path) -> Path:
    own = d.hotspots.filter(d.hotspots["sub_hotspot"].is_null())
    by_name = {r["hotspot"]: r for r in own.iter_rows(named=True)}
    top = d.extras["top_hotspots"]
    labels = [f"{n}问题" for n in top]
    values = [by_name[n]["orders"] for n in top]
    shares = [by_name[n]["share_pct"] for n in top]
    rest = int(d.overview["orders"]) - sum(values)  # the slice the rest of the orders fill
    if rest > 0:
        labels.append("其他诉求")
        values.append(rest)
        shares.append(None)
    return _pie(labels, values, shares, "热点问题占比情况", path)


def enterprise_chart(d: ReportData, path: Path) -> Path:
    rows = sorted(d.enterprise_scores.iter_rows(named=True), key=lambda r: (-r["volume"], r["list_order"]))
    return _bar(
        [d.short(r["unit"]) for r in rows], [r["volume"] for r in rows], "企业诉求承办量（件）", path, horizontal=True
    )


def trend_chart(d: ReportData, path: Path) -> Path:
    months = d.trend_orders["month"].to_list()
    ticks = [f"{m[2:4]}年{int(m[5:7])}月" for m in months]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6.2), sharex=True)
    top.plot(ticks, d.trend_orders["orders"].to_list(), marker="o", color=COLOURS[0])
    for x, y in zip(ticks, d.trend_orders["orders"].to_list()):
        top.annotate(str(y), (x, y), textcoords="offset points", xytext=(0, 5), ha="center", fontsize=7)
    top.set_title("受理量（件）")
    for i, name in enumerate(d.extras["top_hotspots"]):
        series = dict(d.trend_hotspots.filter(d.trend_hotspots["hotspot"] == name).select("month", "orders").rows())
        bottom.plot(
            ticks, [series.get(m) for m in months], marker=".", label=name, color=COLOURS[(i + 1) % len(COLOURS)]
        )
    bottom.set_title("主要热点问题（件）")
    # beside the plot, not over the lines it names
    bottom.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8, frameon=False)
    plt.setp(bottom.get_xticklabels(), rotation=30, ha="right")
    return _save(fig, path)


CHARTS: dict[str, tuple[str, Callable[[ReportData, Path], Path]]] = {
    key: (CHART_FILES[key], draw)
    for key, draw in (
        ("channels", channels_chart),
        ("request_types", request_types_chart),
        ("hotspots", hotspots_chart),
        ("enterprise_units", enterprise_chart),
        ("trend", trend_chart),
    )
}
