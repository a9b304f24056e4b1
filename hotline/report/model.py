"""The report as a list of blocks, rendered alike to DOCX, HTML, Markdown and XLSX.

Analyst placeholders: a run with ``placeholder=True`` holds text like ``【待补充：…】``. Every
renderer marks it so that it cannot be printed by mistake (red on yellow in DOCX and HTML, a
"草稿" header/watermark on the whole report while any remains)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

PLACEHOLDER_OPEN, PLACEHOLDER_CLOSE = "【待补充：", "】"
# The charts of a month and their files in reports/YYYY-MM/ (drawn by charts.CHARTS); named here so
# that whoever only needs the names does not load matplotlib.
CHART_FILES = {
    "channels": "chart_channels.png",
    "request_types": "chart_request_types.png",
    "hotspots": "chart_hotspots.png",
    "enterprise_units": "chart_enterprise_units.png",
    "trend": "chart_trend.png",
}


@dataclass
class Run:
    text: str
    bold: bool = False
    placeholder: bool = False


@dataclass
class Paragraph:
    runs: list[Run]
    # title | centre | date | bulletin | h1 | h2 | body | caption | table_label | table_title | note | plain
    style: str = "body"
    # the key of the analyst placeholder this paragraph holds (notes.md "## 补充：<key>" replaces it)
    fill_key: str | None = None

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass
class Figure:
    key: str
    path: Path
    caption: str


@dataclass
class Cell:
    text: str
    colspan: int = 1
    rowspan: int = 1
    bold: bool = False


@dataclass
class Table:
    key: str
    sheet: str  # XLSX sheet name
    label: str | None  # 表1
    title: str | None
    header: list[list[Cell]]  # header rows, spans HTML-style (covered positions omitted)
    flat_header: list[str]  # one header row (Markdown, tests)
    rows: list[list[Cell]]  # body rows, spans HTML-style
    note: str | None = None
    widths: list[float] = field(default_factory=list)  # relative column widths

    @property
    def columns(self) -> int:
        return sum(c.colspan for c in self.header[0]) if self.header else sum(c.colspan for c in self.rows[0])


@dataclass
class PageBreak:
    pass


Block = Paragraph | Figure | Table | PageBreak


@dataclass
class Report:
    month: str
    title: str
    blocks: list[Block]
    tables: dict[str, Table]
    figures: dict[str, Figure]

    def placeholders(self) -> list[str]:
        found = []
        for block in self.blocks:
            if isinstance(block, Paragraph):
                found += [r.text for r in block.runs if r.placeholder]
        return found

    @property
    def is_draft(self) -> bool:
        return bool(self.placeholders())


def grid(rows: list[list[Cell]], columns: int) -> list[list[tuple[int, Cell]]]:
    """Column positions of HTML-style rows: [(column, cell), …] per row, honouring spans."""
    taken: set[tuple[int, int]] = set()
    placed = []
    for r, row in enumerate(rows):
        col, out = 0, []
        for cell in row:
            while (r, col) in taken:
                col += 1
            out.append((col, cell))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((r + dr, col + dc))
            col += cell.colspan
        placed.append(out)
    return placed
