"""The ingest's fast paths give exactly what the plain, row-by-row computation gives: UTF-8
detection, datetime parsing, NFKC folding and flag spellings on odd values."""

import polars as pl
import pytest

from hotline.contract.exports import (
    _SPACES,
    _datetime_of,
    _masked_addresses,
    _normalise,
    _parse_datetimes,
    _stripped,
    _stripped_columns,
    mask_address,
)
from hotline.contract.files import _is_utf8
from schemas.exports import EXPORT_COLUMNS, FLAG_COLUMNS, FLAG_SPELLINGS, NO

UTF8_CASES = [
    b"",
    b"abc",
    "工单编号,受理时间\n".encode(),
    b"\xef\xbb\xbf" + "工单".encode(),
    "😀".encode(),
    b"\xf4\x8f\xbf\xbf",  # U+10FFFF, the last code point
    b"\xf4\x90\x80\x80",  # above U+10FFFF
    b"\xed\xa0\x80",
    b"\xed\xbf\xbf",  # surrogates
    b"\xc0\xaf",
    b"\xe0\x80\xaf",
    b"\xf0\x80\x80\xaf",  # overlong forms
    b"\xc2",
    b"abc\xe5\xb7",
    "工".encode()[:2] + b"x",  # a character cut short
    b"\x80",
    b"\xff",
    b"\xfe",
    "工单".encode("gb18030"),
    "受理时间,派单时间".encode("gb18030"),
    b"ok\x00ok",
    b"\xef\xbb\xbf\xef\xbb\xbf",
]


@pytest.mark.parametrize("raw", UTF8_CASES)
def test_utf8_detection_agrees_with_python_strict_decoding(raw):
    try:
        raw.decode("utf-8")
        expected = True
    except UnicodeDecodeError:
        expected = False
    assert _is_utf8(raw) == expected


DATE_TEXTS = [
    "2024-02-01 08:30:00",
    "2024-02-01 8:30:00",
    "2024-2-1 08:30:00",
    "2024-02-01  08:30:00",
    "2024-02-01\t08:30:00",
    "2024-02-01\u300008:30:00",
    "2024-02-01\u00a008:30:00",
    "2024-02-01\u200308:30:00",
    "２０２４-０２-０１ ０８:３０:００",
    "2024-02-01 08:30",
    "2024/2/1 8:30",
    "2024年2月1日 8:30",
    "2024年2月1日08:30:00",
    "2024-02-01T08:30:00",
    "2024-02-01 08:30:00.250",
    "20240201083000",
    "2024-02-01",
    "2024-02-30 08:30:00",
    "2024-13-01 08:30:00",
    "45323.35417",
    "45323",
    "１２３４５",
    "garbage",
    "",
    None,
    "2024-02-01 08:30:00 ",
    " 2024-02-01 08:30:00",
    "2024-02-01 08:30:60",
    "2024-02-01 24:00:00",
    "+2024-02-01 08:30:00",
    "2024-02-01 08:30:00\n",
    "2024-02-01\r\n08:30:00",
    "2024-02-01\x0b08:30:00",
    "2024-02-01\x1c08:30:00",
    "2024-02-01 08:30:00Z",
    "02/01/2024 08:30",
    "2024-02-01 083000",
]


def test_datetime_fast_path_equals_every_spelling_on_every_row():
    column = pl.Series("received_at", DATE_TEXTS * 3, dtype=pl.String)
    general = pl.select(_datetime_of(pl.lit(column).str.normalize("NFKC").str.replace_all(r"\s+", " "))).to_series()
    assert _parse_datetimes(column).to_list() == general.to_list()


ODD_TEXT = [
    "A1",
    "Ａ１",
    "ａ１",
    "A１ ",
    "\u2003A1",
    "A\u3000",
    "Ｙ",
    "ｙ",
    "y",
    "yes",
    "ＹＥＳ",
    "1",
    "１",
    "0",
    "√",
    "×",
    "TRUE",
    "True",
    "true",
    "否",
    "是",
    "是\u2003",
    "maybe",
    "已解决",
    "已 解决",
    "非常满意",
    "８５",
    "85",
    "①",
    "ﬁ",
    "Ⅻ",
    "㍿",
    "\u2003",
    "",
    None,
]


def _reference_normalise(frame: pl.DataFrame) -> pl.DataFrame:
    """The row-by-row normalisation the fast paths must equal (NFKC and the spellings on every row)."""
    frame = frame.with_columns(
        pl.col("order_id", "resolution_result", "satisfaction_result").str.normalize("NFKC").str.strip_chars(_SPACES)
    )
    flags = []
    for name in FLAG_COLUMNS:
        cleaned = pl.col(name).str.normalize("NFKC").str.strip_chars(_SPACES).str.to_uppercase()
        mapped = cleaned.replace_strict(FLAG_SPELLINGS, default=pl.col(name), return_dtype=pl.String)
        optional = not next(c for c in EXPORT_COLUMNS if c.name == name).required
        flags.append((mapped.fill_null(NO) if optional else mapped).alias(name))
    return frame.with_columns(flags)


def test_text_fast_paths_equal_the_row_by_row_normalisation():
    n = len(ODD_TEXT)
    frame = pl.DataFrame(
        {c.name: [ODD_TEXT[(i + k) % n] for i in range(3 * n)] for k, c in enumerate(EXPORT_COLUMNS)},
        schema={c.name: pl.String for c in EXPORT_COLUMNS},
    )
    frame = frame.with_columns(_stripped(pl.all()))
    got = _normalise(frame)
    expected = _reference_normalise(frame)
    for name in ["order_id", "resolution_result", "satisfaction_result", *FLAG_COLUMNS]:
        assert got[name].to_list() == expected[name].to_list(), name


ADDRESSES = [
    "幸福小区3号楼",
    "王小明家门口13812345678",
    "王小明王小明",
    "小明",
    "身份证110101199003071234号",
    "电话０５３１-８８８８８８８８",
    "+86 138 1234 5678旁",
    "王",
    "",
    None,
    "a.b*c",
    "张三李四张三",
    "\u3000张三 ",
]
NAMES = ["王小明", "小明", "王", "张三", "a.b*c", " 张三 ", "", None, "幸福小区3号楼"]


def test_address_masking_fast_path_equals_the_expression():
    pairs = [(a, n) for a in ADDRESSES for n in NAMES]
    frame = pl.DataFrame(
        {"address": [a for a, _ in pairs], "caller_name": [n for _, n in pairs]},
        schema={"address": pl.String, "caller_name": pl.String},
    )
    expected = frame.select(mask_address(pl.col("address"), pl.col("caller_name"))).to_series()
    assert _masked_addresses(frame).to_list() == expected.to_list()


def test_strip_fast_path_equals_the_expression():
    values = [
        "a",
        " a ",
        "\u3000a\u3000",
        "\u2003a\u2003",
        "\u00a0a",
        "a\t",
        "\u2003 a",
        " \u2003a",
        "",
        " ",
        "\u3000",
        "\u2003",
        "a b",
        None,
        "\n\u3000a\u2003\n",
    ]
    frame = pl.DataFrame(
        {"x": values * 2, "y": list(reversed(values)) * 2, "z": ["a"] * 2 * len(values)},
        schema={"x": pl.String, "y": pl.String, "z": pl.String},
    )
    assert _stripped_columns(frame, ["x", "y", "z"]).equals(frame.select(_stripped(pl.all())))
