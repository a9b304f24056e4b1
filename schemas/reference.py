"""Reference and monthly side files: units.csv, hotspots.csv, adjustments.csv,
city_assessment.csv. Headers, required columns and value sets, once."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from hotline.lookups import MONTH_PATTERN
from schemas.checks import EMPTY_ALLOWED, EMPTY_IS_NOT_NULLABLE_FAULT, one_of, value_check

UNITS_HEADERS = {
    "单位名称": "unit",
    "简称": "short_name",
    "分组": "roster_group",
    "主要负责人": "primary_leader",
    "分管负责人": "deputy_leader",
    "别名": "aliases",
    "起始月": "valid_from",
    "终止月": "valid_to",
}
UNITS_REQUIRED = ["单位名称", "分组"]

HOTSPOTS_HEADERS = {"热点问题": "hotspot", "子类": "sub_hotspot", "诉求分类前缀": "prefix"}
HOTSPOTS_REQUIRED = ["热点问题", "诉求分类前缀"]

ADJUSTMENTS_HEADERS = {
    "单位名称": "unit_as_written",
    "减分项": "deduction",
    "质效": "quality_bonus",
    "抽测排名": "sampling_rank",
}
ADJUSTMENTS_REQUIRED = ["单位名称", "减分项", "质效"]

CITY_HEADERS = {"指标": "indicator", "数值": "value_pct"}
CITY_REQUIRED = ["指标", "数值"]
CITY_INDICATORS = ["响应率", "按时办理率", "诉求解决率", "综合满意率"]

# Every check decides an empty cell explicitly (schemas/checks.py): a required column's empty cell
# is its not_nullable fault, an optional column's is allowed.
NOT_NULLABLE, ALLOWED = EMPTY_IS_NOT_NULLABLE_FAULT, EMPTY_ALLOWED


def _non_empty(error: str) -> pa.Check:
    return value_check(lambda v: v.str.len_chars() >= 1, error, NOT_NULLABLE)


def _month_text(error: str) -> pa.Check:
    return value_check(lambda v: v.str.contains(MONTH_PATTERN), error, ALLOWED)


def units_schema(roster_groups: list[str]) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "unit": pa.Column(pl.String, _non_empty("单位名称 must not be empty"), nullable=False, unique=True),
            "roster_group": pa.Column(
                pl.String,
                one_of(roster_groups, "分组 must be " + " or ".join(roster_groups), NOT_NULLABLE),
                nullable=False,
            ),
            "valid_from": pa.Column(pl.String, _month_text("起始月 must be a month like 2024-02"), nullable=True),
            "valid_to": pa.Column(pl.String, _month_text("终止月 must be a month like 2024-02"), nullable=True),
        },
        strict=False,
        name="units.csv",
    )


HOTSPOTS_SCHEMA = pa.DataFrameSchema(
    {
        "hotspot": pa.Column(pl.String, nullable=False),
        "sub_hotspot": pa.Column(pl.String, nullable=True),
        "prefix": pa.Column(pl.String, _non_empty("诉求分类前缀 must not be empty"), nullable=False, unique=True),
    },
    strict=False,
    name="hotspots.csv",
)

ADJUSTMENTS_SCHEMA = pa.DataFrameSchema(
    {
        "unit_as_written": pa.Column(pl.String, nullable=False, unique=True),
        "deduction": pa.Column(
            pl.Float64, value_check(lambda v: v <= 0, "减分项 must be 0 or negative", NOT_NULLABLE), nullable=False
        ),
        "quality_bonus": pa.Column(
            pl.Float64, value_check(lambda v: v >= 0, "质效 must be 0 or positive", NOT_NULLABLE), nullable=False
        ),
        "sampling_rank": pa.Column(
            pl.Int64, value_check(lambda v: v >= 1, "抽测排名 must be a rank from 1", ALLOWED), nullable=True
        ),
    },
    strict=False,
    name="adjustments.csv",
)

CITY_SCHEMA = pa.DataFrameSchema(
    {
        "indicator": pa.Column(
            pl.String,
            one_of(CITY_INDICATORS, "指标 must be one of " + "/".join(CITY_INDICATORS), NOT_NULLABLE),
            nullable=False,
            unique=True,
        ),
        "value_pct": pa.Column(
            pl.Float64,
            value_check(lambda v: v.is_between(0, 100), "数值 must be a percentage 0–100", NOT_NULLABLE),
            nullable=False,
        ),
    },
    strict=False,
    name="city_assessment.csv",
)


COLUMNS_HEADERS = {"别名": "alias", "列名": "header"}
COLUMNS_REQUIRED = ["别名", "列名"]


def columns_schema(contract_headers: list[str]) -> pa.DataFrameSchema:
    """columns.csv (more header spellings of the district's platform). ``alias`` is compared as
    folded by ``schemas.exports.header_key`` (the caller folds it first): one alias, one meaning,
    and never a contract header itself (that would make the contract's own column mean another)."""

    def not_a_contract_header(data: pa.PolarsData):
        # a NULL alias is a not_nullable fault of its own; here it must not pass or fail twice
        return data.lazyframe.select(pl.col(data.key).is_null() | ~pl.col(data.key).is_in(contract_headers))

    return pa.DataFrameSchema(
        {
            "alias": pa.Column(
                pl.String,
                pa.Check(
                    not_a_contract_header, error="别名 is itself a contract header: it cannot mean another column"
                ),
                nullable=False,
                unique=True,
            ),
            "header": pa.Column(
                pl.String,
                pa.Check.isin(
                    contract_headers,
                    error="列名 must be a header of the export contract: " + "、".join(contract_headers),
                ),
                nullable=False,
            ),
        },
        strict=False,
        name="columns.csv",
    )
