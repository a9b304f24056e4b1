"""The work-order export contract: Chinese headers, the warehouse column each feeds, value sets,
and the pandera (polars) schema a month's rows are validated against."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import pandera.polars as pa
import polars as pl

from schemas.checks import EMPTY_ALLOWED, EMPTY_IS_NOT_NULLABLE_FAULT, one_of, value_check

if TYPE_CHECKING:
    from hotline.rules_model import Rules


@dataclass(frozen=True)
class ExportColumn:
    header: str
    name: str  # the warehouse / frame column
    required: bool
    kind: str  # text | datetime | flag | personal
    order_level: bool = False  # must agree across the rows of one order


EXPORT_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("工单编号", "order_id", True, "text"),
    ExportColumn("受理时间", "received_at", True, "datetime", order_level=True),
    ExportColumn("受理渠道", "channel", True, "text", order_level=True),
    ExportColumn("诉求类型", "request_type", True, "text", order_level=True),
    ExportColumn("诉求分类", "category_path", True, "text", order_level=True),
    ExportColumn("诉求地址", "address", False, "text"),
    ExportColumn("诉求内容", "content", False, "personal"),
    ExportColumn("来电人", "caller_name", False, "personal"),
    ExportColumn("联系电话", "caller_phone", False, "personal"),
    ExportColumn("承办单位", "unit_as_written", True, "text"),
    ExportColumn("派单时间", "dispatched_at", True, "datetime"),
    ExportColumn("签收时间", "signed_at", False, "datetime"),
    ExportColumn("办结时间", "completed_at", False, "datetime"),
    ExportColumn("是否按时签收", "responded_on_time", True, "flag"),
    ExportColumn("是否按时办结", "completed_on_time", True, "flag"),
    ExportColumn("解决情况", "resolution_result", False, "text"),
    ExportColumn("满意度", "satisfaction_result", False, "text"),
    ExportColumn("是否市重办", "city_rework", False, "flag"),
    ExportColumn("是否市到期未按时回复", "city_overdue", False, "flag"),
    ExportColumn("企业诉求来源", "enterprise_source", False, "text", order_level=True),
    ExportColumn("是否省接诉即办", "fast_track", False, "flag", order_level=True),
    ExportColumn("到达现场时间", "arrived_at", False, "datetime"),
    ExportColumn("现场见面情况", "onsite_meeting", False, "text"),
)

# Headers as other platforms write them → the contract's header. Only spellings that can mean
# nothing else; a district adds its own in reference/columns.csv (别名, 列名). Matched after
# ``header_key`` (width, spaces and brackets folded), so 解决情况(回访) is 解决情况（回访）.
COLUMN_ALIASES: dict[str, str] = {
    "工单号": "工单编号",
    "工单编码": "工单编号",
    "来电时间": "受理时间",
    "登记时间": "受理时间",
    "来源渠道": "受理渠道",
    "受理方式": "受理渠道",
    "诉求分类名称": "诉求分类",
    "问题分类": "诉求分类",
    "承办部门": "承办单位",
    "办理单位": "承办单位",
    "回访解决情况": "解决情况",
    "解决情况（回访）": "解决情况",
    "是否解决": "解决情况",
    "回访满意度": "满意度",
    "满意度（回访）": "满意度",
    "满意程度": "满意度",
}
# Bracket pairs folded to ( ) by ``header_key``, beyond what NFKC already folds (（）→ ()).
_HEADER_BRACKETS = str.maketrans({"【": "(", "】": ")", "〔": "(", "〕": ")", "[": "(", "]": ")"})


def header_key(text: str | None) -> str:
    """A header folded for matching: NFKC (full-width letters, digits and brackets to half
    width), without any white space (a BOM included), and 【】〔〕[] as ( )."""
    folded = unicodedata.normalize("NFKC", text or "").translate(_HEADER_BRACKETS)
    return re.sub(r"[\s\ufeff]+", "", folded)


BY_HEADER = {c.header: c for c in EXPORT_COLUMNS}
BY_NAME = {c.name: c for c in EXPORT_COLUMNS}
REQUIRED_HEADERS = [c.header for c in EXPORT_COLUMNS if c.required]
PERSONAL_COLUMNS = [c.name for c in EXPORT_COLUMNS if c.kind == "personal"]
DATETIME_COLUMNS = [c.name for c in EXPORT_COLUMNS if c.kind == "datetime"]
FLAG_COLUMNS = [c.name for c in EXPORT_COLUMNS if c.kind == "flag"]
ORDER_LEVEL_COLUMNS = [c.name for c in EXPORT_COLUMNS if c.order_level]

# 诉求类型 is a rule setting (values.request_types in rules.yaml: a district's platform may have its
# own); these are the seed's, for what needs the list without a month's rules.
REQUEST_TYPES = ["求助", "咨询", "建议", "感谢", "投诉", "举报", "其他"]
# 企业诉求来源 and 现场见面情况 are the contract's labels: each is a figure of its own in the report
# (table 4's sources, the 2-hour table's columns), so they are not a district's setting.
ENTERPRISE_SOURCES = ["省企业诉求接诉即办", "企业直通车"]
ONSITE_MEETINGS = ["已见面", "跨区域未见面", "市民不需要见面"]
YES, NO = "是", "否"

# Unambiguous spellings of 是/否 that spreadsheets produce; anything else is a row fault.
FLAG_SPELLINGS = {
    "是": YES,
    "否": NO,
    "Y": YES,
    "N": NO,
    "YES": YES,
    "NO": NO,
    "1": YES,
    "0": NO,
    "TRUE": YES,
    "FALSE": NO,
    "√": YES,
    "×": NO,
}

# Accepted datetime spellings, tried in order. Excel serial numbers are handled separately.
# Month, day and hour need not be zero-padded (2024/2/1 8:30); full-width digits and
# punctuation are folded (NFKC) before parsing.
DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日%H:%M:%S",
    "%Y年%m月%d日%H:%M",
    "%Y%m%d %H%M%S",
    "%Y%m%d%H%M%S",
    "%Y%m%d %H:%M:%S",
    "%Y%m%d %H:%M",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y/%m/%d %H:%M:%S%.f",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y年%m月%d日",
    # Dotted days (2024.02.01), as WPS and many offices write them: the year first, so unambiguous.
    "%Y.%m.%d %H:%M:%S",
    "%Y.%m.%d %H:%M",
    "%Y.%m.%d",
)
EXCEL_EPOCH = datetime(1899, 12, 30)


def yes_no_check(column: str) -> pa.Check:
    # optional flags arrive as 否 when empty; a required one that is empty is its not_nullable fault
    return one_of([YES, NO], f"{column} must be 是 or 否", EMPTY_IS_NOT_NULLABLE_FAULT)


def closed_value_sets(rules: Rules) -> dict[str, list[str]]:
    """Every accepted label of the text columns with a closed value set, by frame column: the
    credit maps' labels (解决情况, 满意度), the rules' 诉求类型 and the contract's 企业诉求来源 and
    现场见面情况. (满意度 also takes a number 0..satisfaction_numeric_max.)"""
    return {
        "resolution_result": [str(label) for label in rules.credit.resolution],
        "satisfaction_result": [str(label) for label in rules.credit.satisfaction],
        "request_type": [str(label) for label in rules.values.request_types],
        "enterprise_source": list(ENTERPRISE_SOURCES),
        "onsite_meeting": list(ONSITE_MEETINGS),
    }


# A 满意度 score as written: a plain decimal number (no sign, exponent or thousands separator), so
# that the schema and the warehouse's cast read it the same way.
SATISFACTION_NUMBER = r"^\d+(\.\d+)?$"


def satisfaction_number(value: pl.Expr, numeric_max: float) -> pl.Expr:
    """True where ``value`` is a plain number 0..numeric_max, false for other text (an empty cell is
    the caller's to decide)."""
    number = value.cast(pl.Float64, strict=False)
    return value.str.contains(SATISFACTION_NUMBER) & number.is_between(0, numeric_max).fill_null(False)


def assignment_schema(rules: Rules, window_start: date, window_end: date) -> pa.DataFrameSchema:
    """The schema of one month's normalised assignment rows. Datetimes are already parsed (an
    unparsable one is a fault found before this schema runs); the window is the month's.

    Every check decides an empty cell explicitly (schemas/checks.py): a value outside its set is a
    fault whether or not the check's expression can evaluate it."""
    sets = closed_value_sets(rules)
    resolution_labels, satisfaction_labels = sets["resolution_result"], sets["satisfaction_result"]
    request_types = sets["request_type"]
    numeric_max = float(rules.credit.satisfaction_numeric_max)
    start = datetime.combine(window_start, datetime.min.time())
    end_exclusive = datetime.combine(window_end + timedelta(days=1), datetime.min.time())
    how_to_add = "; a label of this district's platform goes in reference/rules.yaml ({key}){what}"
    no_callback = " (or, if it means there was no callback, in callbacks.no_callback_labels)"

    def satisfaction_ok(value: pl.Expr) -> pl.Expr:
        return value.is_in(satisfaction_labels) | satisfaction_number(value, numeric_max)

    text = {"dtype": pl.String}
    return pa.DataFrameSchema(
        {
            "order_id": pa.Column(
                pl.String,
                value_check(
                    lambda v: v.str.len_chars() >= 1, "工单编号 must not be empty", EMPTY_IS_NOT_NULLABLE_FAULT
                ),
                nullable=False,
            ),
            "received_at": pa.Column(
                pl.Datetime("us"),
                value_check(
                    lambda v: (v >= start) & (v < end_exclusive),
                    f"受理时间 must fall in the month's window {window_start}..{window_end}",
                    EMPTY_IS_NOT_NULLABLE_FAULT,
                ),
                nullable=False,
            ),
            "channel": pa.Column(nullable=False, **text),
            "request_type": pa.Column(
                pl.String,
                one_of(
                    request_types,
                    "诉求类型 must be one of "
                    + "/".join(request_types)
                    + how_to_add.format(key="values.request_types", what=""),
                    EMPTY_IS_NOT_NULLABLE_FAULT,
                ),
                nullable=False,
            ),
            "category_path": pa.Column(nullable=False, **text),
            "address": pa.Column(nullable=True, **text),
            "unit_as_written": pa.Column(nullable=False, **text),
            "dispatched_at": pa.Column(pl.Datetime("us"), nullable=False),
            "signed_at": pa.Column(pl.Datetime("us"), nullable=True),
            "completed_at": pa.Column(pl.Datetime("us"), nullable=True),
            "responded_on_time": pa.Column(pl.String, yes_no_check("是否按时签收"), nullable=False),
            "completed_on_time": pa.Column(pl.String, yes_no_check("是否按时办结"), nullable=False),
            "resolution_result": pa.Column(
                pl.String,
                one_of(
                    resolution_labels,
                    "解决情况 must be one of "
                    + "/".join(resolution_labels)
                    + " or empty"
                    + how_to_add.format(key="credit.resolution", what=" with its credit")
                    + no_callback,
                    EMPTY_ALLOWED,
                ),
                nullable=True,
            ),
            "satisfaction_result": pa.Column(
                pl.String,
                value_check(
                    satisfaction_ok,
                    f"满意度 must be one of {'/'.join(satisfaction_labels)} or a number 0–{numeric_max:g}"
                    + how_to_add.format(key="credit.satisfaction", what=" with its credit")
                    + no_callback,
                    EMPTY_ALLOWED,
                ),
                nullable=True,
            ),
            "city_rework": pa.Column(pl.String, yes_no_check("是否市重办"), nullable=False),
            "city_overdue": pa.Column(pl.String, yes_no_check("是否市到期未按时回复"), nullable=False),
            "enterprise_source": pa.Column(
                pl.String,
                one_of(
                    ENTERPRISE_SOURCES, "企业诉求来源 must be empty or " + "/".join(ENTERPRISE_SOURCES), EMPTY_ALLOWED
                ),
                nullable=True,
            ),
            "fast_track": pa.Column(pl.String, yes_no_check("是否省接诉即办"), nullable=False),
            "arrived_at": pa.Column(pl.Datetime("us"), nullable=True),
            "onsite_meeting": pa.Column(
                pl.String,
                one_of(ONSITE_MEETINGS, "现场见面情况 must be empty or " + "/".join(ONSITE_MEETINGS), EMPTY_ALLOWED),
                nullable=True,
            ),
        },
        strict=False,
        name="assignment export rows",
    )
