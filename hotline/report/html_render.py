"""The report as one self-contained HTML file: CSS inline, charts inline as base64 PNG, no
scripts or external fonts; real <table> elements (they paste into Excel); @media print rules and a
page break before each annex table. Placeholders are red on yellow under a "草稿" banner and
watermark while any remains."""

from __future__ import annotations

import base64
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from hotline.report.model import Figure, PageBreak, Paragraph, Report, Table

TEMPLATES = Path(__file__).parent / "templates"


def _runs_html(block: Paragraph) -> Markup:
    parts = []
    for r in block.runs:
        text = escape(r.text)
        if r.placeholder:
            parts.append(Markup('<mark class="placeholder">{}</mark>').format(text))
        elif r.bold:
            parts.append(Markup("<strong>{}</strong>").format(text))
        else:
            parts.append(text)
    return Markup("").join(parts)


def render_html(report: Report) -> str:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    items, pending_break, distribution_started = [], False, False
    for block in report.blocks:
        if isinstance(block, PageBreak):
            pending_break = True
        elif isinstance(block, Paragraph):
            if block.style == "distribution" and not distribution_started:
                items.append({"kind": "p", "style": "rule", "html": Markup("")})
                distribution_started = True
            items.append({"kind": "p", "style": block.style, "html": _runs_html(block)})
        elif isinstance(block, Figure):
            items.append(
                {
                    "kind": "figure",
                    "caption": block.caption,
                    "b64": base64.b64encode(Path(block.path).read_bytes()).decode("ascii"),
                }
            )
        elif isinstance(block, Table):
            items.append({"kind": "table", "table": block, "break": pending_break})
            pending_break = False
    html = env.get_template("report.html.j2").render(
        report=report, items=items, draft=report.is_draft, placeholders=report.placeholders()
    )
    return html.replace('<p class="rule"></p>', '<hr class="distribution">')
