"""What real platforms and Excel do to an export, recognised and either read as meant or refused
with a message a person can act on: other spellings of the headers, a month without callback
columns, a totals line under the data, order numbers that Excel rewrote in scientific notation,
and 诉求分类 levels joined by another separator than ``/``.

Pure functions on files and polars frames (no Dagster): the ingest asset and ``hotline validate``
both call them."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from hotline.contract.files import FileFault, read_csv_with_headers, validate_reference
from schemas.exports import COLUMN_ALIASES, EXPORT_COLUMNS, header_key
from schemas.reference import COLUMNS_HEADERS, COLUMNS_REQUIRED, columns_schema

if TYPE_CHECKING:
    from hotline.contract.exports import ExportFile
    from hotline.rules_model import Rules

CONTRACT_HEADERS = [c.header for c in EXPORT_COLUMNS]
CALLBACK_HEADERS = ("解决情况", "满意度")


# --------------------------------------------------------------------------- headers
class HeaderCell(str):
    """A header cell read as the contract's header it means (equal to that header as a string),
    keeping the text the export wrote in ``written``, so a run can say which alias it read."""

    written: str

    def __new__(cls, meaning: str, written: str) -> HeaderCell:
        cell = super().__new__(cls, meaning)
        cell.written = written
        return cell


def written_header(header: str) -> str:
    """The header as the export wrote it (``header`` itself when the reader kept no other text)."""
    return getattr(header, "written", header)


def header_reader(district_aliases: Mapping[str, str] | None = None) -> Callable[[str | None], str]:
    """The header-cell reader for ``read_export_table``: a cell becomes the contract header it
    names, directly or through an alias (built-in, then the district's columns.csv, which wins
    where both name one spelling), compared after ``header_key``; any other text stays as it is
    (an unknown column)."""
    meaning = {header_key(h): h for h in CONTRACT_HEADERS}
    for aliases in (COLUMN_ALIASES, district_aliases or {}):
        meaning.update({header_key(alias): header for alias, header in aliases.items()})

    def read(cell: str | None) -> str:
        key = header_key(cell)
        written = unicodedata.normalize("NFC", (cell or "").replace("\ufeff", "").strip(" \t\r\n\u3000\u00a0"))
        return HeaderCell(meaning.get(key, key), written or key)

    return read


def load_column_aliases(reference_dir: Path) -> dict[str, str]:
    """``reference/columns.csv`` (optional): 别名 → 列名, the header spellings of this district's
    platform. Read like every reference file; faults name the row and column."""
    path = reference_dir / "columns.csv"
    if not path.exists():
        return {}
    frame = read_csv_with_headers(path, COLUMNS_HEADERS, COLUMNS_REQUIRED)
    frame = frame.with_columns(
        pl.col("alias").map_elements(header_key, return_dtype=pl.String),
        pl.col("header").map_elements(header_key, return_dtype=pl.String),
    )
    frame = validate_reference(frame, columns_schema(CONTRACT_HEADERS), path, COLUMNS_HEADERS)
    return dict(zip(frame["alias"].to_list(), frame["header"].to_list()))


def aliases_of(header: str, district_aliases: Mapping[str, str] | None = None) -> list[str]:
    """Every alias that reads as ``header``: built-in ones first, then the district's."""
    names = [a for a, h in COLUMN_ALIASES.items() if h == header]
    return names + [a for a, h in (district_aliases or {}).items() if h == header and a not in names]


def require_callback_columns(
    files: list[ExportFile],
    month: str,
    rules: Rules,
    folder: Path,
    district_aliases: Mapping[str, str] | None = None,
) -> None:
    """A month whose exports carry no 解决情况 (or no 满意度) column at all would score every unit
    as if every callback were perfect: a file fault, unless the rules say the district records no
    callbacks (``callbacks.recorded: false``)."""
    if not rules.callbacks.recorded or not files:
        return
    present = {h for f in files for h in f.columns}
    missing = [h for h in CALLBACK_HEADERS if h not in present]
    if not missing:
        return
    points = rules.scores.points
    indicators = {
        "解决情况": f"解决率 ({points.resolution} points)",
        "满意度": f"满意率 ({points.satisfaction} points)",
    }
    named = "; ".join(
        f"no export of {month} has a {h} column (or an alias: {'、'.join(aliases_of(h, district_aliases))})"
        for h in missing
    )
    raise FileFault(
        folder,
        f"{named}: without it every unit gets full marks for "
        f"{' and '.join(indicators[h] for h in missing)}, as if every callback were perfect",
        "Export the month again with the callback columns; if the platform names them otherwise, add "
        "the name to reference/columns.csv (别名, 列名); if the district records no callbacks at all, set "
        "callbacks: {recorded: false} in reference/rules.yaml",
    )


# --------------------------------------------------------------------------- totals lines
TOTAL_WORDS = ("合计", "总计", "小计")
_TOTAL_FIRST = re.compile(r"^(合计|总计|小计)\s*[:：]?\s*(?:共\s*)?(\d[\d,]*)?\s*(?:条|件|单|行|笔)?$")
_COUNT = re.compile(r"^(?:共\s*)?(\d[\d,]*)(?:\.0+)?\s*(?:条|件|单|行|笔)?$")
# How far up from the last row totals lines are looked for (blank rows between them included).
TOTAL_SEARCH_ROWS = 20


@dataclass
class TotalLine:
    row: int  # as Excel numbers it
    word: str  # 合计 | 总计 | 小计
    counts: list[int]  # the numbers it states


def _total_line(cells: list[str | None]) -> TotalLine | None:
    """The row as a totals line: its first non-empty cell is 合计/总计/小计 (with a count or not),
    every other non-empty cell is a count. None for any other row."""
    # white space folded away: 合  计 is written to fill a wide cell, 2,002 条 with a space
    values = [
        re.sub(r"\s+", "", unicodedata.normalize("NFKC", c))
        for c in cells
        if c is not None and c.strip(" \t\r\n\u3000")
    ]
    if not values:
        return None
    first = _TOTAL_FIRST.match(values[0])
    if not first:
        return None
    counts = [int(first.group(2).replace(",", ""))] if first.group(2) else []
    for value in values[1:]:
        number = _COUNT.match(value)
        if not number:
            return None
        counts.append(int(number.group(1).replace(",", "")))
    return TotalLine(0, first.group(1), counts)


def split_total_lines(frame: pl.DataFrame, first_row: int) -> tuple[pl.DataFrame, list[TotalLine]]:
    """The sheet (positional text columns) without the totals lines under its data, and those
    lines. Only lines after the last record count: a 合计 among the records is a record (and its
    faults are named)."""
    tail_start = max(frame.height - TOTAL_SEARCH_ROWS, 0)
    # the sheet's text cells only (the reader may have added a column of another type, e.g. cell counts)
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    tail = frame.slice(tail_start).select(text).rows()
    found: list[int] = []
    totals: list[TotalLine] = []
    for offset in range(len(tail) - 1, -1, -1):
        cells = tail[offset]
        if all(c is None or not c.strip(" \t\r\n\u3000") for c in cells):
            continue  # a blank row: skipped later, and counted there
        line = _total_line(list(cells))
        if line is None:
            break
        line.row = first_row + tail_start + offset
        found.append(tail_start + offset)
        totals.append(line)
    if not found:
        return frame, []
    keep = pl.Series([i not in set(found) for i in range(tail_start, frame.height)])
    frame = pl.concat([frame.slice(0, tail_start), frame.slice(tail_start).filter(keep)])
    return frame, sorted(totals, key=lambda t: t.row)


def check_total_lines(totals: list[TotalLine], rows: int, orders: int, path: Path) -> list[str]:
    """Notes for the totals lines skipped; a count that is neither the file's rows nor its orders
    is a file fault (rows may be missing from the export)."""
    notes = []
    for line in totals:
        if not line.counts:
            notes.append(f"row {line.row} is a {line.word} line, not an order: skipped (it states no count)")
        elif rows in line.counts or orders in line.counts:
            notes.append(
                f"row {line.row} is a {line.word} line, not an order: skipped (its count "
                f"{rows if rows in line.counts else orders} agrees with the file)"
            )
        else:
            raise FileFault(
                path,
                f"row {line.row} is a {line.word} line stating {line.counts[0]}, but the file has "
                f"{rows} rows ({orders} orders): the export may be incomplete",
                "Export the month again from the platform and check that every row is there; if rows "
                f"were deleted on purpose, delete the {line.word} line too",
            )
    return notes


# --------------------------------------------------------------------------- order numbers
# 2.02402E+15, 2.024E+15, 2E+15: what Excel shows and saves for a long number in a General cell.
SCIENTIFIC_ORDER_ID = r"^\d(\.\d+)?[eE]\+\d+$"


def refuse_scientific_order_ids(rows: pl.DataFrame, path: Path) -> None:
    """Order numbers in scientific notation lost their digits when Excel re-saved the file: the
    orders can no longer be told apart. A file fault, never a pile of "appears again" rows."""
    bad = rows.filter(pl.col("order_id").str.contains(SCIENTIFIC_ORDER_ID))
    if bad.height == 0:
        return
    first = bad.row(0, named=True)
    raise FileFault(
        path,
        f"{bad.height} order number(s) in 工单编号 are in scientific notation "
        f"(row {first['source_row']}: {first['order_id']}): Excel rewrote the numbers when the file "
        "was opened and saved, and the digits it dropped cannot be recovered",
        "Export the month again from the platform and load that file as it is (CSV or XLSX); if it must "
        "go through Excel, import it with the 工单编号 column formatted as Text (数据 → 从文本/CSV, column "
        "type 文本) before saving",
    )


# --------------------------------------------------------------------------- 诉求分类 separators
# Level separators other platforms write; ／ and spaces around / are / written differently.
OTHER_SEPARATORS = ("-", "－", ">", "＞", "\\", "|", "｜")


def _matches(path: str, prefixes: list[str]) -> bool:
    return any(path == p or path.startswith(p + "/") for p in prefixes)


def normalise_category_separators(export: ExportFile, prefixes: list[str]) -> None:
    """诉求分类 with its levels joined by another separator, read with ``/`` where that is
    unambiguous: the value holds no ``/`` and, split at the separator, matches the taxonomy (the
    value itself, or, in a file that writes no ``/`` at all, another value of the file with the
    same separator). ／ and spaces around ``/`` are always read as ``/``. Said in the notes."""
    column = export.rows.get_column("category_path")
    distinct = column.drop_nulls().unique().to_list()
    mapped: dict[str, str] = {}
    for value in distinct:
        plain = re.sub(r"\s*/\s*", "/", value.replace("／", "/"))
        if plain != value:
            mapped[value] = plain
    current = [mapped.get(v, v) for v in distinct]
    has_slash = any("/" in v for v in current)
    counts: dict[str, int] = {}
    for separator in OTHER_SEPARATORS:
        candidates = [v for v in current if "/" not in v and separator in v]
        if not candidates:
            continue
        split = {v: "/".join(level.strip() for level in v.split(separator)) for v in candidates}
        matching = {v for v, p in split.items() if _matches(p, prefixes)}
        adopted = matching if has_slash else (set(candidates) if matching else set())
        for value in distinct:
            if mapped.get(value, value) in adopted:
                mapped[value] = split[mapped.get(value, value)]
                counts[separator] = counts.get(separator, 0) + 1
    if not mapped:
        return
    before, after = next(iter(mapped.items()))
    export.rows = export.rows.with_columns(pl.col("category_path").replace(list(mapped), list(mapped.values())))
    rows = int(column.is_in(list(mapped)).sum())
    seen = "、".join(f"'{s}'" for s in counts) or "'／' or spaces around '/'"
    export.notes.append(
        f"诉求分类 written with {seen} between levels in {rows} row(s): read with '/' (e.g. {before} → {after})"
    )


def separators_seen(paths: pl.Series) -> list[str]:
    """The other level separators that occur in 诉求分类 values holding no ``/``, most used first."""
    flat = paths.drop_nulls().filter(~paths.drop_nulls().str.contains("/", literal=True))
    counts = {s: int(flat.str.contains(s, literal=True).sum()) for s in OTHER_SEPARATORS}
    return [s for s, n in sorted(counts.items(), key=lambda kv: -kv[1]) if n]


def hotspot_match_of_month(con, month: str, rules: Rules) -> dict[str, Any]:
    """How many of the month's stored orders match no hotspot prefix (``_hotspot_match``)."""
    from hotline.warehouse import fetch

    frame = fetch(
        con,
        "SELECT order_id, any_value(category_path) AS category_path, "
        "bool_and(hotspot = $unmatched) AS unmatched FROM core.assignments WHERE month = $month "
        "GROUP BY order_id",
        {"month": month, "unmatched": rules.hotspots.unmatched_label},
    )
    return _hotspot_match(frame, month, rules)


def hotspot_match_of_rows(rows: pl.DataFrame, prefixes: list[str], month: str, rules: Rules) -> dict[str, Any]:
    """``hotspot_match_of_month`` for validated rows not stored (``hotline validate``)."""
    orders = rows.group_by("order_id").agg(pl.col("category_path").first())
    paths = orders["category_path"].drop_nulls().unique().to_list()
    matched = [p for p in paths if _matches(p, prefixes)]
    orders = orders.with_columns((~pl.col("category_path").is_in(matched)).alias("unmatched"))
    return _hotspot_match(orders, month, rules)


def _hotspot_match(orders: pl.DataFrame, month: str, rules: Rules) -> dict[str, Any]:
    """From one row per order (category_path, unmatched): the share of orders matching no hotspot
    prefix, whether it reaches the rules' ``hotspots.unmatched_warning_share``, and the other
    separators seen in the unmatched ones."""
    count, unmatched = orders.height, int(orders["unmatched"].sum() or 0)
    share = unmatched / count if count else 0.0
    limit = float(rules.hotspots.unmatched_warning_share)
    separators = separators_seen(orders.filter(pl.col("unmatched"))["category_path"]) if unmatched else []
    return {
        "month": month,
        "orders": count,
        "unmatched": unmatched,
        "share": share,
        "warn": count > 0 and share >= limit,
        "limit": limit,
        "separators": separators,
        "label": rules.hotspots.unmatched_label,
    }


def hotspot_match_message(match: dict[str, Any]) -> str:
    text = (
        f"{match['month']}: {match['unmatched']} of {match['orders']} orders ({match['share']:.1%}) match no "
        f"hotspot prefix and count as {match['label']}"
    )
    if match["warn"]:
        text += f", at least {match['limit']:.0%}"
        if match["separators"]:
            text += (
                f"; their 诉求分类 joins levels with {'、'.join(repr(s) for s in match['separators'])}, not '/': "
                "re-export it with '/' or match hotspots.csv to how the platform writes it"
            )
        else:
            text += "; check that hotspots.csv's prefixes are written as the platform writes 诉求分类"
    return text
