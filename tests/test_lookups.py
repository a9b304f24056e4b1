"""The look-ups defined once in hotline/lookups.py: what a month looks like, a file's checksum."""

import hashlib

import pytest

from hotline.lookups import file_sha256, is_month


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-02", True),
        ("2024-12", True),
        ("1999-01", True),
        ("2024-13", False),
        ("2024-00", False),
        ("24-02", False),
        ("2024-2", False),
        ("2024-02\n", False),
        ("2024-02-01", False),
        ("", False),
    ],
)
def test_a_month_is_yyyy_mm_with_a_real_month(text, expected):
    assert is_month(text) is expected


def test_a_files_checksum_is_the_sha256_of_its_bytes(tmp_path):
    path = tmp_path / "export.csv"
    data = "工单编号,办理单位\r\n".encode("gb18030") + bytes(range(256)) * 5000  # larger than one read block
    path.write_bytes(data)
    assert file_sha256(path) == hashlib.sha256(data).hexdigest()
