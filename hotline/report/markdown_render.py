"""The report as Markdown: the same text and tables (spanned headers flattened to one row, the
top/bottom table as a plain grid), charts linked as the PNG files beside it."""

from __future__ import annotations

from hotline.report.model import Figure, PageBreak, Paragraph, Report, Table, grid

HEADINGS = {"title": "# ", "bulletin": "## ", "h1": "### ", "h2": "#### "}


def _escape_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _runs(block: Paragraph) -> str:
    out = []
    for r in block.runs:
        if r.placeholder:
            out.append(f"**{r.text}**")  # 【待补充：…】 stays greppable
        elif r.bold and block.style not in HEADINGS:
            out.append(f"**{r.text}**")
        else:
            out.append(r.text)
    return "".join(out)


def _table(t: Table) -> list[str]:
    lines = []
    if t.label:
        lines.append(f"{t.label}：")
        lines.append("")
    if t.title:
        lines.append(f"**{t.title}**")
        lines.append("")
    columns = t.columns
    header = t.flat_header if t.header else [""] * columns
    lines.append("| " + " | ".join(_escape_cell(h) for h in header) + " |")
    lines.append("|" + "---|" * columns)
    for placed in grid(t.rows, columns):
        cells = [""] * columns
        for col, cell in placed:
            cells[col] = f"**{cell.text}**" if cell.bold and cell.text else cell.text
        lines.append("| " + " | ".join(_escape_cell(c) for c in cells) + " |")
    if t.note:
        lines.append("")
        lines.append(t.note)
    return lines


def render_markdown(report: Report) -> str:
    lines: list[str] = []
    if report.is_draft:
        lines += [f"> **草稿**：本稿含 {len(report.placeholders())} 处【待补充】内容，补全并删除标记后方可印发。", ""]
    for block in report.blocks:
        if isinstance(block, Paragraph):
            prefix = HEADINGS.get(block.style, "")
            lines += [prefix + _runs(block), ""]
        elif isinstance(block, Figure):
            lines += [f"![{block.caption}]({block.path.name})", "", f"*{block.caption}*", ""]
        elif isinstance(block, Table):
            lines += _table(block) + [""]
        elif isinstance(block, PageBreak):
            lines += ["---", ""]
    return "\n".join(lines).rstrip() + "\n"
