"""诉求内容 → the terms of each order: masked, segmented, filtered.

Segmentation is rjieba (jieba's dictionary and HMM in Rust; BENCHMARKS.md has the measurement
against jieba). Each DISTINCT masked text is segmented once: re-exports, co-handled orders and
template-like texts repeat the same text many times.

A token becomes a term when it has at least two characters, holds no digit, holds a Han
character, is not a stop word (stopwords.txt: the hotline's formulaic words) and is not tagged as a
person's name (jieba's nr family), nor a compound surname, nor the short token right after either
(the rest of a name the tagger split). Place-like tokens (tagged ns, or ending like a place: 村, 小区,
路 …) are returned with kind 'place': the text's places stand in for an empty 诉求地址."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Sequence

import polars as pl

from hotline.text.mask import mask_contents

STOPWORDS_FILE = Path(__file__).with_name("stopwords.txt")
PERSON_TAGS = frozenset({"nr", "nrfg", "nrt"})
PLACE_TAGS = frozenset({"ns", "nsf"})
PLACE_ENDINGS = ("村", "镇", "乡", "街道", "社区", "小区", "家园", "花园", "公寓", "广场", "大道", "路", "街",
                 "苑", "府", "城", "家属院", "市场", "商场", "工地")
# endings no given name has: a token tagged as a name but ending so is a place (王庄村)
UNAMBIGUOUS_PLACE_ENDINGS = ("村", "镇", "乡", "社区", "小区", "街道")
COMPOUND_SURNAMES = frozenset("欧阳 诸葛 司马 上官 司徒 东方 皇甫 慕容 令狐 公孙 夏侯 尉迟 长孙 宇文 端木 独孤 南宫 "
                              "西门 百里 呼延 轩辕 太史 申屠 钟离 闻人 万俟 澹台 公冶 宗政 濮阳 淳于 单于".split())
TERM, PLACE, KEYWORD = "term", "place", "keyword"
OUTPUT_SCHEMA = {"order_id": pl.String, "term": pl.String, "kind": pl.String}


@cache
def stopwords() -> frozenset[str]:
    lines = STOPWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


def _is_candidate(word: str) -> bool:
    return (len(word) >= 2 and not any(c.isdigit() for c in word)
            and any("\u4e00" <= c <= "\u9fff" for c in word) and word not in stopwords())


def _kind(word: str, tag: str) -> str:
    return PLACE if tag in PLACE_TAGS or (len(word) >= 3 and word.endswith(PLACE_ENDINGS)) else TERM


def segment(texts: list[str]) -> list[list[tuple[str, str]]]:
    """The (term, kind) pairs of each text, each pair once per text, in order of first use."""
    import rjieba

    out = []
    for text in texts:
        seen: dict[str, str] = {}
        after_name = False
        for word, tag in rjieba.tag(text):
            # A name's second half is often mis-tagged (诸葛/nr 青云/ns, 欧阳/ns 娜娜/nrt): the token
            # right after a name or a compound surname goes too, unless it is long or a place.
            tail_of_name = after_name and len(word) <= 2 and tag[:1] in ("n", "j")
            is_name = (tag in PERSON_TAGS and not (len(word) >= 3 and word.endswith(UNAMBIGUOUS_PLACE_ENDINGS))
                       ) or word in COMPOUND_SURNAMES
            after_name = is_name
            if is_name or tail_of_name or word in seen or not _is_candidate(word):
                continue
            seen[word] = _kind(word, tag)
        out.append(list(seen.items()))
    return out


def order_terms(orders: pl.DataFrame, keywords: Sequence[str] = ()) -> pl.DataFrame:
    """One row per (order, term): ``orders`` has order_id, content and caller_name (one row per
    order). Returns order_id, term, kind ('term', 'place', or 'keyword' for each of ``keywords``
    (reference/aspects.csv's, the analyst's words) the masked text holds). The raw text is not
    returned."""
    masked = orders.select("order_id", mask_contents(pl.col("content"), pl.col("caller_name")).alias("text"))
    masked = masked.filter(pl.col("text").is_not_null())
    texts = masked.get_column("text").unique()
    if texts.len() == 0:
        return pl.DataFrame(schema=OUTPUT_SCHEMA)
    found = [masked.filter(pl.col("text").str.contains(k, literal=True)).select(
        "order_id", pl.lit(k).alias("term"), pl.lit(KEYWORD).alias("kind")) for k in keywords]
    pairs = segment(texts.to_list())
    per_text = pl.DataFrame({
        "text": texts,
        "pairs": pl.Series([[{"term": w, "kind": k} for w, k in p] for p in pairs],
                           dtype=pl.List(pl.Struct({"term": pl.String, "kind": pl.String}))),
    })
    terms = (masked.join(per_text, on="text").select("order_id", "pairs").explode("pairs").drop_nulls("pairs")
             .unnest("pairs").unique(subset=["order_id", "term"], keep="first").select(list(OUTPUT_SCHEMA)))
    return pl.concat([terms, *found]) if found else terms
