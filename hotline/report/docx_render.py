"""The report as DOCX (python-docx): A4, 仿宋 body and 黑体 headings (East Asian font set through
w:eastAsia, with fallbacks), real tables, embedded charts, page numbers in the footer (PAGE field).
Placeholders are red on yellow, and a red "草稿" line heads every page while any remains."""

from __future__ import annotations

import copy
import io

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from hotline.report.model import Figure, PageBreak, Paragraph, Report, Run, Table, grid

BODY_FONT = ("仿宋_GB2312", "FangSong")  # (East Asian, fallback family)
HEADING_FONT = ("黑体", "SimHei")
TITLE_FONT = ("方正小标宋简体", "SimSun")
LATIN_FONT = "Times New Roman"
DRAFT_BANNER = "草稿 —— 本稿含 {n} 处【待补充】内容，补全并删除标记后方可印发"

STYLES = {  # style → (font, size pt, bold, alignment, first-line indent)
    "title": (TITLE_FONT, 22, False, WD_ALIGN_PARAGRAPH.CENTER, False),
    "centre": (BODY_FONT, 16, False, WD_ALIGN_PARAGRAPH.CENTER, False),
    "date": (BODY_FONT, 16, False, WD_ALIGN_PARAGRAPH.CENTER, False),
    "bulletin": (TITLE_FONT, 18, False, WD_ALIGN_PARAGRAPH.CENTER, False),
    "h1": (HEADING_FONT, 16, False, WD_ALIGN_PARAGRAPH.LEFT, True),
    "h2": (("楷体_GB2312", "KaiTi"), 16, True, WD_ALIGN_PARAGRAPH.LEFT, True),
    "body": (BODY_FONT, 16, False, WD_ALIGN_PARAGRAPH.JUSTIFY, True),
    "plain": (BODY_FONT, 16, False, WD_ALIGN_PARAGRAPH.LEFT, False),
    "distribution": (BODY_FONT, 14, False, WD_ALIGN_PARAGRAPH.LEFT, False),
    "caption": (BODY_FONT, 12, False, WD_ALIGN_PARAGRAPH.CENTER, False),
    "table_label": (HEADING_FONT, 14, False, WD_ALIGN_PARAGRAPH.LEFT, False),
    "table_title": (TITLE_FONT, 16, False, WD_ALIGN_PARAGRAPH.CENTER, False),
    "note": (BODY_FONT, 11, False, WD_ALIGN_PARAGRAPH.LEFT, False),
}


def _fonts(run, font: tuple[str, str], size: float | None = None, bold: bool | None = None) -> None:
    east, fallback = font
    run.font.name = LATIN_FONT
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:eastAsia"), east)
    rfonts.set(qn("w:ascii"), LATIN_FONT)
    rfonts.set(qn("w:hAnsi"), LATIN_FONT)
    rfonts.set(qn("w:hint"), "eastAsia")
    if size:
        run.font.size = Pt(size)
    if bold is not None:
        run.font.bold = bold
    del fallback  # LibreOffice and Word substitute a missing 仿宋_GB2312 by their own tables


def _style_defaults(doc) -> None:
    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(16)
    rpr = normal.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:eastAsia"), BODY_FONT[0])
    pf = normal.paragraph_format
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    pf.line_spacing = Pt(28)


def _field(run, instruction: str) -> None:
    """A Word field (PAGE) inside ``run``."""
    begin, instr, sep, text, end = (
        OxmlElement("w:fldChar"),
        OxmlElement("w:instrText"),
        OxmlElement("w:fldChar"),
        OxmlElement("w:t"),
        OxmlElement("w:fldChar"),
    )
    begin.set(qn("w:fldCharType"), "begin")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    sep.set(qn("w:fldCharType"), "separate")
    text.text = "1"
    end.set(qn("w:fldCharType"), "end")
    for el in (begin, instr, sep, text, end):
        run._element.append(el)


def _page_setup(doc, draft_count: int) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for part in ("— ", None, " —"):
        run = footer.add_run(part or "")
        _fonts(run, BODY_FONT, 14)
        if part is None:
            _field(run, "PAGE")
    if draft_count:
        header = section.header.paragraphs[0]
        header.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = header.add_run(DRAFT_BANNER.format(n=draft_count))
        _fonts(run, HEADING_FONT, 12, True)
        run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _paragraph(doc, block: Paragraph) -> None:
    font, size, bold, align, indent = STYLES.get(block.style, STYLES["body"])
    par = doc.add_paragraph()
    par.alignment = align
    if indent:
        par.paragraph_format.first_line_indent = Pt(size * 2)
    if block.style in ("title", "bulletin"):
        par.paragraph_format.space_after = Pt(12)
        par.paragraph_format.line_spacing = Pt(36)
    for r in block.runs:
        run = par.add_run(r.text)
        _fonts(run, font, size, bold or r.bold)
        if r.placeholder:
            run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW
            run.font.bold = True


def _small(doc, text: str, style: str) -> None:
    _paragraph(doc, Paragraph([Run(text)], style))


def _cell_text(cell, text: str, bold: bool, size: float, formats: dict | None = None) -> None:
    """Write a table cell's text, centred, in the table font. With ``formats`` (one dict per
    document), the paragraph and run properties built for the first cell of each (bold, size) are
    copied into the next ones: python-docx's property setters (an XPath search each) are slow
    over the report's tables (BENCHMARKS.md), and the XML comes out the same."""
    par = cell.paragraphs[0]
    made = formats.get((bold, size)) if formats is not None else None
    if made is not None and par._p.pPr is None and len(par._p) == 0:
        ppr, rpr = made
        par._p.append(copy.deepcopy(ppr))
        r = par._p.add_r()
        r.append(copy.deepcopy(rpr))
        if text:
            r.text = text
        return
    par.alignment = WD_ALIGN_PARAGRAPH.CENTER
    par.paragraph_format.first_line_indent = Pt(0)
    par.paragraph_format.line_spacing = 1.0
    run = par.add_run(text)
    _fonts(run, HEADING_FONT if bold else BODY_FONT, size, bold)
    if formats is not None and len(par._p) == 2 and len(par._p.r_lst) == 1:
        formats[(bold, size)] = (copy.deepcopy(par._p.pPr), copy.deepcopy(run._r.rPr))


def _repeat_header(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def _table(doc, t: Table, usable_cm: float) -> None:
    if t.label:
        _small(doc, f"{t.label}：", "table_label")
    if t.title:
        _small(doc, t.title, "table_title")
    rows = t.header + t.rows
    columns = t.columns
    size = 10 if columns > 10 else 11 if columns > 6 else 14
    table = doc.add_table(rows=len(rows), cols=columns)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    # python-docx's table.cell(r, c) walks every cell of the table on each call (quadratic in a
    # table's size: most of the report's time with a 100-unit annex). The grid is read once; a merge
    # only removes cells that the spans cover, which are never looked up again.
    layout = table._cells
    formats: dict = {}

    def at(r: int, c: int):
        return layout[r * columns + c]

    for r, placed in enumerate(grid(rows, columns)):
        for col, cell in placed:
            target = at(r, col)
            if cell.colspan > 1 or cell.rowspan > 1:
                target = target.merge(at(r + cell.rowspan - 1, col + cell.colspan - 1))
            _cell_text(target, cell.text, cell.bold or r < len(t.header), size, formats)
    for r in range(len(t.header)):
        _repeat_header(table.rows[r])
    if t.widths:
        table.autofit = False
        total = sum(t.widths)
        merged = table._cells  # after the merges: spanned positions repeat their cell, as col.cells does
        for i, col in enumerate(table.columns):
            width = Cm(usable_cm * t.widths[i] / total)
            col.width = width
            for cell in merged[i::columns]:
                cell.width = width
    if t.note:
        _small(doc, t.note, "note")


PORTRAIT_WIDTH_CM = 21.0 - 2.8 - 2.6
LANDSCAPE_WIDTH_CM = 29.7 - 2.0 - 2.0


def _landscape(doc) -> None:
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    section.left_margin, section.right_margin = Cm(2.0), Cm(2.0)


def _first_paragraph_of(doc, before: int):
    paragraphs = doc.paragraphs
    return paragraphs[before] if len(paragraphs) > before else None


def render_docx(report: Report) -> bytes:
    doc = Document()
    _style_defaults(doc)
    _page_setup(doc, len(report.placeholders()))
    core = doc.core_properties
    core.title = report.title
    core.subject = report.month
    core.author = ""
    core.comments = "草稿：含待补充内容" if report.is_draft else ""
    usable, landscape, pending_break = PORTRAIT_WIDTH_CM, False, False
    blocks = report.blocks
    for i, block in enumerate(blocks):
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        if isinstance(block, PageBreak) and isinstance(nxt, Table) and nxt.label and not landscape:
            # the annex tables (15 columns) go on landscape pages, as wide as the seed's
            _landscape(doc)
            usable, landscape = LANDSCAPE_WIDTH_CM, True
            continue
        before = len(doc.paragraphs)
        if isinstance(block, Paragraph):
            _paragraph(doc, block)
        elif isinstance(block, Figure):
            par = doc.add_paragraph()
            par.alignment = WD_ALIGN_PARAGRAPH.CENTER
            par.paragraph_format.line_spacing = 1.0  # an exact line height would clip the picture
            par.paragraph_format.keep_with_next = True
            par.add_run().add_picture(str(block.path), width=Cm(14.5))
            _small(doc, block.caption, "caption")
        elif isinstance(block, Table):
            _table(doc, block, usable)
        elif isinstance(block, PageBreak):
            pending_break = True
            continue
        if pending_break:
            # the first paragraph after the break starts the page (no empty paragraph that could
            # spill onto a blank page of its own)
            first = _first_paragraph_of(doc, before)
            if first is not None:
                first.paragraph_format.page_break_before = True
            pending_break = False
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
