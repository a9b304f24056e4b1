"""诉求内容 → the terms of each order: masked, segmented, filtered.

Segmentation is rjieba (jieba's dictionary and HMM in Rust; BENCHMARKS.md has the measurement
against jieba). The ingest (``text_terms``) segments each DISTINCT piece of the masked texts once
(``segment_pieces``: the runs between punctuation and spaces): re-exports, co-handled orders and
template-like texts repeat the same text many times, and different texts the same phrases.

A token becomes a term when it has at least two characters, holds no digit, holds a Han
character, is not a stop word (stopwords.txt: the hotline's formulaic words) and is not tagged as a
person's name (jieba's nr family), nor a compound surname, nor the short token right after either
(the rest of a name the tagger split). Place-like tokens (tagged ns, or ending like a place: 村, 小区,
路 …) are returned with kind 'place': the text's places stand in for an empty 诉求地址."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl

from hotline.text.mask import mask_contents

STOPWORDS_FILE = Path(__file__).with_name("stopwords.txt")
PERSON_TAGS = frozenset({"nr", "nrfg", "nrt"})
PLACE_TAGS = frozenset({"ns", "nsf"})
PLACE_ENDINGS = (
    "村",
    "镇",
    "乡",
    "街道",
    "社区",
    "小区",
    "家园",
    "花园",
    "公寓",
    "广场",
    "大道",
    "路",
    "街",
    "苑",
    "府",
    "城",
    "家属院",
    "市场",
    "商场",
    "工地",
)
# endings no given name has: a token tagged as a name but ending so is a place (王庄村)
UNAMBIGUOUS_PLACE_ENDINGS = ("村", "镇", "乡", "社区", "小区", "街道")
COMPOUND_SURNAMES = frozenset(
    "欧阳 诸葛 司马 上官 司徒 东方 皇甫 慕容 令狐 公孙 夏侯 尉迟 长孙 宇文 端木 独孤 南宫 "
    "西门 百里 呼延 轩辕 太史 申屠 钟离 闻人 万俟 澹台 公冶 宗政 濮阳 淳于 单于".split()
)
TERM, PLACE, KEYWORD = "term", "place", "keyword"
OUTPUT_SCHEMA = {"order_id": pl.String, "term": pl.String, "kind": pl.String}


@cache
def stopwords() -> frozenset[str]:
    lines = STOPWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


# Texts are cut in batches joined by this character: it is neither Han nor a letter, digit or space,
# so the segmenter ends a block at it and makes it a token of its own; each text's tokens are the
# ones between two of them, the same as cutting the text alone (one call per batch instead of per text).
TEXT_SEPARATOR = "\x00"
CUT_BATCH_TEXTS = 20_000


def _cut(texts: list[str]) -> tuple[pl.Series, np.ndarray]:
    """Every token of every text, flat (rjieba.cut, its HMM finds unknown words such as names), and
    the index of each token's text."""
    words, text_index = [], []
    for first in range(0, len(texts), CUT_BATCH_TEXTS):
        batch_words, batch_index = _cut_batch(texts[first : first + CUT_BATCH_TEXTS])
        words.append(batch_words)
        text_index.append(first + batch_index)
    return pl.concat(words), np.concatenate(text_index)


def _cut_batch(texts: list[str]) -> tuple[pl.Series, np.ndarray]:
    """``_cut`` of one batch: one call for the joined texts, else (a text holds the separator) one per text."""
    import rjieba

    joined = TEXT_SEPARATOR.join(texts)
    if joined.count(TEXT_SEPARATOR) == len(texts) - 1:  # no text holds the separator itself
        tokens = pl.Series(rjieba.cut(joined), dtype=pl.String)
        separator = (tokens == TEXT_SEPARATOR).to_numpy()
        if int(separator.sum()) == len(texts) - 1:
            return tokens.filter(~separator), np.cumsum(separator, dtype=np.int64)[~separator]
    pieces = [rjieba.cut(text) for text in texts]  # one call per text
    return (
        pl.Series([w for p in pieces for w in p], dtype=pl.String),
        np.repeat(np.arange(len(texts), dtype=np.int64), [len(p) for p in pieces]),
    )


def _tagged_vocabulary(words: pl.Series) -> pl.DataFrame:
    """Each distinct word once: word, tag. Each word is tagged on its own (rjieba.tag): a dictionary
    word gets its dictionary tag as it would in context, an unknown word its HMM tag (nr for a name).
    Tagging every text in context costs 2.5× the cut."""
    import rjieba

    vocabulary = words.unique()
    tag = rjieba.tag
    own = [tag(w) for w in vocabulary.to_list()]
    # a word the tagger splits again on its own is no name as a whole: tagged 'x'
    return pl.DataFrame(
        {"word": vocabulary, "tag": pl.Series([t[0][1] if len(t) == 1 else "x" for t in own], dtype=pl.String)}
    )


def _word_roles(vocabulary: pl.DataFrame) -> pl.DataFrame:
    """What each distinct word can be, decided once per word rather than per token: word, candidate
    (may become a term), name (a person's name or a compound surname), name_tail (short noun: dropped
    right after a name), place (kind 'place')."""
    word, tag = pl.col("word"), pl.col("tag")
    unambiguous_place = (word.str.len_chars() >= 3) & pl.any_horizontal(
        [word.str.ends_with(e) for e in UNAMBIGUOUS_PLACE_ENDINGS]
    )
    is_name = (tag.is_in(list(PERSON_TAGS)) & ~unambiguous_place) | word.is_in(list(COMPOUND_SURNAMES))
    # A name's second half is often mis-tagged (诸葛/nr 青云/ns, 欧阳/ns 娜娜/nrt): the token right
    # after a name or a compound surname goes too, unless it is long or not a noun.
    name_tail = (word.str.len_chars() <= 2) & tag.str.slice(0, 1).is_in(["n", "j"])
    candidate = (
        (word.str.len_chars() >= 2)
        & ~word.str.contains(r"\d")
        & word.str.contains(r"\p{Han}")
        & ~word.is_in(list(stopwords()))
    )
    place = tag.is_in(list(PLACE_TAGS)) | (
        (word.str.len_chars() >= 3) & pl.any_horizontal([word.str.ends_with(e) for e in PLACE_ENDINGS])
    )
    return vocabulary.select(
        "word", candidate.alias("candidate"), is_name.alias("name"), name_tail.alias("name_tail"), place.alias("place")
    )


def segment_frame(texts: list[str]) -> pl.DataFrame:
    """The terms of each text: text (index), term, kind ('term' or 'place'), each term once per text.
    The rules are decided per distinct word (``_word_roles``); per token only whether the token
    before it, in the same text, is a name."""
    if not texts:
        return pl.DataFrame(schema={"text": pl.Int64, "term": pl.String, "kind": pl.String})
    words, text_index = _cut(texts)
    roles = _word_roles(_tagged_vocabulary(words))
    tokens = pl.DataFrame({"text": pl.Series(text_index), "word": words}).join(
        roles, on="word", how="left", maintain_order="left"
    )
    text = pl.col("text")
    after_name = (pl.col("name").shift(1) & (text.shift(1) == text)).fill_null(False)
    return (
        tokens.filter(pl.col("candidate") & ~pl.col("name") & ~(after_name & pl.col("name_tail")))
        .select(
            "text",
            pl.col("word").alias("term"),
            pl.when(pl.col("place")).then(pl.lit(PLACE)).otherwise(pl.lit(TERM)).alias("kind"),
        )
        .unique(subset=["text", "term"], keep="first", maintain_order=True)
    )


# Above this many distinct texts, a second process segments half of them (spawned: ~1 s to start,
# so below it the run's own process is faster); HOTLINE_TEXT_WORKERS=1 keeps it all in process.
PARALLEL_MIN_TEXTS = 100_000
WORKERS_ENV = "HOTLINE_TEXT_WORKERS"


def segment_texts(texts: list[str]) -> pl.DataFrame:
    """``segment_frame``, split between this process and a second one for a large month (rjieba
    holds the GIL, so threads would not help)."""
    import os

    workers = int(os.environ.get(WORKERS_ENV, min(os.cpu_count() or 1, 2)))
    if workers < 2 or len(texts) < PARALLEL_MIN_TEXTS:
        return segment_frame(texts)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    half = len(texts) // 2
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        second = pool.submit(segment_frame, texts[half:])
        first = segment_frame(texts[:half])
        try:
            rest = second.result()
        except BrokenProcessPool:
            # the process could not start (a script that runs months without the
            # `if __name__ == "__main__":` guard that spawn needs): this process does it all
            rest = segment_frame(texts[half:])
    return pl.concat([first, rest.with_columns(pl.col("text") + half)])


# Punctuation and spaces: the segmenter always ends a block at them (they are neither Han nor a letter,
# digit or one of +#&._%-) and makes each a token of its own, which is never a term nor a name. So a
# text's terms are the terms of its pieces between them, and a piece is cut the same alone: texts share
# most pieces (来电人反映, 要求相关部门处理, a place, a complaint), so each distinct piece is cut once.
PIECE = r"[^，。；！？、：,;!?:“”‘’（）()《》【】\s\u3000]+"


# The terms of many texts as integers: (text, term) pairs of numbers and a vocabulary of the terms'
# strings, which the warehouse joins in as it stores them (strings per pair held 4× the memory at 3M).
VOCABULARY_SCHEMA = {"term_index": pl.UInt32, "term": pl.String, "kind": pl.String}
PAIRS_SCHEMA = {"text": pl.Int64, "term_index": pl.UInt32}


def segment_pieces_indexed(texts: pl.Series) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``segment_pieces`` as numbers: (pairs: text = the index in ``texts``, term_index; each term
    once per text), (vocabulary: term_index, term, kind)."""
    pieces = (
        pl.DataFrame(
            {"text": pl.Series(np.arange(texts.len(), dtype=np.int64)), "piece": texts.str.extract_all(PIECE)}
        )
        .explode("piece")
        .drop_nulls("piece")
    )
    # each distinct piece once, numbered, with the texts that hold it (one hash pass)
    by_piece = pieces.group_by("piece", maintain_order=True).agg("text").with_row_index("piece_index")
    del pieces
    per_piece = segment_texts(by_piece.get_column("piece").to_list())
    vocabulary = (
        per_piece.select("term", "kind")
        .unique(subset="term", maintain_order=True)
        .with_row_index("term_index")
        .cast(VOCABULARY_SCHEMA)
    )
    piece_terms = per_piece.join(vocabulary.select("term", "term_index"), on="term").select(
        pl.col("text").cast(pl.UInt32).alias("piece_index"), "term_index"
    )
    pairs = by_piece.select("piece_index", "text").explode("text").join(piece_terms, on="piece_index")
    del by_piece
    # one int64 per (text, term): unique on it is several times faster than on the two columns
    size = max(vocabulary.height, 1)
    keys = (pairs.get_column("text") * size + pairs.get_column("term_index").cast(pl.Int64)).unique()
    del pairs
    return pl.DataFrame({"text": keys // size, "term_index": (keys % size).cast(pl.UInt32)}), vocabulary


def segment_pieces(texts: pl.Series) -> pl.DataFrame:
    """``segment_texts`` of ``texts`` (text = the index in ``texts``, term, kind; each term once per
    text), each distinct piece of the texts (``PIECE``) segmented once."""
    pairs, vocabulary = segment_pieces_indexed(texts)
    return pairs.join(vocabulary, on="term_index").select("text", "term", "kind")


def segment(texts: list[str]) -> list[list[tuple[str, str]]]:
    """The (term, kind) pairs of each text, each term once per text, in order of first use."""
    out: list[list[tuple[str, str]]] = [[] for _ in texts]
    for i, term, kind in segment_frame(texts).iter_rows():
        out[i].append((term, kind))
    return out


def number_texts(orders: pl.DataFrame) -> tuple[pl.DataFrame, pl.Series]:
    """Each order's masked text, numbered: ``orders`` has order_id, content and caller_name (one row
    per order). Returns (order_texts: order_id, text; texts: the distinct masked texts, text number i
    at position i), numbered in order of first appearance (the same rows give the same numbers). An
    order without text has no row. The raw text is not returned."""
    masked = pl.DataFrame(
        {"order_id": orders["order_id"], "text": mask_contents(orders["content"], orders["caller_name"]).alias("text")}
    )
    # one pass groups the orders by text and numbers the texts
    grouped = (
        masked.filter(pl.col("text").is_not_null())
        .group_by("text", maintain_order=True)
        .agg("order_id")
        .with_row_index("index")
    )
    order_texts = grouped.select("order_id", pl.col("index").cast(pl.Int64).alias("text")).explode("order_id")
    return order_texts, grouped.get_column("text")


def terms_of_texts(texts: pl.Series, keywords: Sequence[str] = ()) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The terms of each of ``texts`` (masked, as ``number_texts`` gives them), as numbers: (pairs:
    text (the position), term_index; each term once per text), (vocabulary: term_index, term, kind:
    'term', 'place', or 'keyword' for each of ``keywords`` (reference/aspects.csv's, the analyst's
    words) the text holds)."""
    if texts.len() == 0:
        return pl.DataFrame(schema=PAIRS_SCHEMA), pl.DataFrame(schema=VOCABULARY_SCHEMA)
    pairs, vocabulary = segment_pieces_indexed(texts)
    index = pl.Series("text", np.arange(texts.len(), dtype=np.int64))
    first = vocabulary.height
    keyword_vocabulary = pl.DataFrame(
        {"term_index": np.arange(first, first + len(keywords)), "term": list(keywords), "kind": KEYWORD},
        schema=VOCABULARY_SCHEMA,
    )
    found = [
        pl.DataFrame({"text": index.filter(texts.str.contains(k, literal=True))}).with_columns(
            term_index=pl.lit(first + i, dtype=pl.UInt32)
        )
        for i, k in enumerate(keywords)
    ]
    return pl.concat([pairs, *found]), pl.concat([vocabulary, keyword_vocabulary])


def text_terms(orders: pl.DataFrame, keywords: Sequence[str] = ()) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``number_texts`` and ``terms_of_texts`` of ``orders``: (order_texts: order_id, text; terms: text,
    term, kind), each distinct masked text segmented once. Kept apart so that the warehouse stores
    terms per text (core.orders.text, sql/core_text_terms.sql); ``order_terms`` joins them."""
    order_texts, texts = number_texts(orders)
    pairs, vocabulary = terms_of_texts(texts, keywords)
    return order_texts, pairs.join(vocabulary, on="term_index").select("text", "term", "kind")


def order_terms(orders: pl.DataFrame, keywords: Sequence[str] = ()) -> pl.DataFrame:
    """One row per (order, term): ``text_terms`` joined back to the orders. Returns order_id, term,
    kind. The raw text is not returned."""
    order_texts, terms = text_terms(orders, keywords)
    return order_texts.join(terms, on="text").select(list(OUTPUT_SCHEMA))
