"""reference/aspects.csv (optional): the aspects (方面) of hotspots where the classification tree
lacks them. 热点问题, 方面, 诉求分类前缀 (optional), 关键词 (optional, | or ｜ separated). An order of a
hotspot the file names belongs to the first row (file order) whose prefix its 诉求分类 starts with
(whole levels) and one of whose keywords its 诉求内容 holds; an empty prefix or keyword list
matches any order."""

import pandera.polars as pa
import polars as pl

ASPECTS_HEADERS = {"热点问题": "hotspot", "方面": "aspect", "诉求分类前缀": "prefix", "关键词": "keywords"}
ASPECTS_REQUIRED = ["热点问题", "方面"]

ASPECTS_SCHEMA = pa.DataFrameSchema(
    {
        "hotspot": pa.Column(pl.String, nullable=False),
        "aspect": pa.Column(pl.String, nullable=False),
        "prefix": pa.Column(pl.String, nullable=True),
        "keywords": pa.Column(pl.String, nullable=True),
    },
    strict=False,
    name="aspects.csv",
)
