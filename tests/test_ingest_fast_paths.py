"""The ingest's fast paths give exactly what the plain, row-by-row computation gives: UTF-8
detection, datetime parsing, NFKC folding and flag spellings on odd values."""

import polars as pl
import pytest

from assets.exports import _SPACES, _datetime_of, _normalise, _parse_datetimes, _stripped
from schemas.exports import EXPORT_COLUMNS, FLAG_COLUMNS, FLAG_SPELLINGS, NO
from schemas.files import _is_utf8

UTF8_CASES = [
    b"", b"abc", "工单编号,受理时间\n".encode(), b"\xef\xbb\xbf" + "工单".encode(), "😀".encode(),
    b"\xf4\x8f\xbf\xbf",  # U+10FFFF, the last code point
    b"\xf4\x90\x80\x80",  # above U+10FFFF
    b"\xed\xa0\x80", b"\xed\xbf\xbf",  # surrogates
    b"\xc0\xaf", b"\xe0\x80\xaf", b"\xf0\x80\x80\xaf",  # overlong forms
    b"\xc2", b"abc\xe5\xb7", "工".encode()[:2] + b"x",  # a character cut short
    b"\x80", b"\xff", b"\xfe", "工单".encode("gb18030"), "受理时间,派单时间".encode("gb18030"),
    b"ok\x00ok", b"\xef\xbb\xbf\xef\xbb\xbf",
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
    "2024-02-01 08:30:00", "2024-02-01 8:30:00", "2024-2-1 08:30:00", "2024-02-01  08:30:00", "2024-02-01\t08:30:00",
    "2024-02-01\u300008:30:00", "2024-02-01\u00a008:30:00", "2024-02-01\u200308:30:00", "２０２４-０２-０１ ０８:３０:００",
    "2024-02-01 08:30", "2024/2/1 8:30", "2024年2月1日 8:30", "2024年2月1日08:30:00", "2024-02-01T08:30:00",
    "2024-02-01 08:30:00.250", "20240201083000", "2024-02-01", "2024-02-30 08:30:00", "2024-13-01 08:30:00",
    "45323.35417", "45323", "１２３４５", "garbage", "", None, "2024-02-01 08:30:00 ", " 2024-02-01 08:30:00",
    "2024-02-01 08:30:60", "2024-02-01 24:00:00", "+2024-02-01 08:30:00", "2024-02-01 08:30:00\n", "2024-02-01\r\n08:30:00",
    "2024-02-01\x0b08:30:00", "2024-02-01\x1c08:30:00", "2024-02-01 08:30:00Z", "02/01/2024 08:30", "2024-02-01 083000",
]


def test_datetime_fast_path_equals_every_spelling_on_every_row():
    column = pl.Series("received_at", DATE_TEXTS * 3, dtype=pl.String)
    general = pl.select(_datetime_of(pl.lit(column).str.normalize("NFKC").str.replace_all(r"\s+", " "))).to_series()
    assert _parse_datetimes(column).to_list() == general.to_list()


ODD_TEXT = ["A1", "Ａ１", "ａ１", "A１ ", "\u2003A1", "A\u3000", "Ｙ", "ｙ", "y", "yes", "ＹＥＳ", "1", "１", "0", "√", "×",
            "TRUE", "True", "true", "否", "是", "是\u2003", "maybe", "已解决", "已 解决", "非常满意", "８５", "85", "①", "ﬁ",
            "Ⅻ", "㍿", "\u2003", "", None]


def _reference_normalise(frame: pl.DataFrame) -> pl.DataFrame:
    """The row-by-row normalisation the fast paths must equal (NFKC and the spellings on every row)."""
    frame = frame.with_columns(
        pl.col("order_id", "resolution_result", "satisfaction_result").str.normalize("NFKC").str.strip_chars(_SPACES))
    flags = []
    for name in FLAG_COLUMNS:
        cleaned = pl.col(name).str.normalize("NFKC").str.strip_chars(_SPACES).str.to_uppercase()
        mapped = cleaned.replace_strict(FLAG_SPELLINGS, default=pl.col(name), return_dtype=pl.String)
        optional = not next(c for c in EXPORT_COLUMNS if c.name == name).required
        flags.append((mapped.fill_null(NO) if optional else mapped).alias(name))
    return frame.with_columns(flags)


def test_text_fast_paths_equal_the_row_by_row_normalisation():
    n = len(ODD_TEXT)
    frame = pl.DataFrame({c.name: [ODD_TEXT[(i + k) % n] for i in range(3 * n)]
                          for k, c in enumerate(EXPORT_COLUMNS)}, schema={c.name: pl.String for c in EXPORT_COLUMNS})
    frame = frame.with_columns(_stripped(pl.all()))
    got = _normalise(frame)
    expected = _reference_normalise(frame)
    for name in ["order_id", "resolution_result", "satisfaction_result", *FLAG_COLUMNS]:
        assert got[name].to_list() == expected[name].to_list(), name
