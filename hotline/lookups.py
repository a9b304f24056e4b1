"""Look-ups shared by the core, the Dagster layer and the CLI, defined once: what a month looks like
(``YYYY-MM`` with a real month) and the checksum of a file."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

# YYYY-MM with a month from 01 to 12: 2024-13, 24-02 and 2024-2 are not months.
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
MONTH_RE = re.compile(MONTH_PATTERN)


def is_month(text: str) -> bool:
    """``text`` names a month as the contract writes it (``2024-02``)."""
    return MONTH_RE.fullmatch(text) is not None


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes, read in blocks (an export may be large)."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
