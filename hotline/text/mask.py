"""Personal data out of 诉求内容 before it is segmented.

Masked: ID numbers (18 or 15 digits), phone numbers (mobile with or without +86 and separators,
landline with area code), in any digit width; the caller's own name (the 来电人 of the same row);
a surname followed by a form of address (王先生, 李女士, 张老师, 刘师傅, 赵某); any run of six or more
digits (bank cards, house keys, licence numbers). Names the segmenter tags as a person's are dropped
in ``hotline.text.terms``. A masked span becomes a full-width comma, so the segmenter sees a
boundary there and no term can straddle it.

The number patterns are the ones 诉求地址 is masked with (hotline/personal.py): dotted, dashed and
spaced numbers and IDs written in groups too.
"""

from __future__ import annotations

import polars as pl

from hotline.personal import _DIGITS, _FULL_WIDTH_DIGITS, ID_NUMBER, PHONE_NUMBER

_SPACES = " \t\r\n\u3000\u00a0"
LONG_NUMBER = r"\d{6,}"
# One Han character (the surname) before a form of address; compound surnames leave a single
# character, which is never a term. 某/某某 is how operators write an unnamed person (王某).
ADDRESSED_PERSON = r"[\p{Han}](?:先生|女士|小姐|老师|师傅|阿姨|大爷|大妈|大姐|大哥|同学|医生|律师|某某|某)"
MASK = "，"


PERSONAL = "|".join(f"(?:{p})" for p in (ID_NUMBER, PHONE_NUMBER, LONG_NUMBER, ADDRESSED_PERSON))


def mask_contents(content: pl.Series, caller_name: pl.Series) -> pl.Series:
    """诉求内容 with personal data replaced by ``MASK`` (see the module's docstring). One regex pass
    for the patterns; the caller's name is split out only of the texts that hold it."""
    text = content.str.replace_many(_FULL_WIDTH_DIGITS, _DIGITS).str.replace_all(PERSONAL, MASK)
    parts = pl.DataFrame({"text": text, "name": caller_name.str.strip_chars(_SPACES)})
    named = (
        parts.select((pl.col("name").str.len_chars() >= 2) & pl.col("text").str.contains(pl.col("name"), literal=True))
        .to_series()
        .fill_null(False)
    )
    if named.any():
        at = named.arg_true()
        holding = parts[at].select(pl.col("text").str.split(pl.col("name")).list.join(MASK)).to_series()
        text = text.scatter(at, holding)
    return text.alias(content.name)
