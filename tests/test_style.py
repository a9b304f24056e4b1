"""The house style, checked where CI runs the tests: ruff's lint and formatter over the Python
(configuration: pyproject.toml [tool.ruff]). sql/ has its own check (tests/test_sql_style.py)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _ruff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


def test_ruff_finds_nothing():
    result = _ruff("check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_leaves_every_file_as_it_is():
    result = _ruff("format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_checks_fail_on_a_planted_fault(tmp_path):
    """With the project's configuration, an unused import and an unformatted line are found."""
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nx = {'a':1}\n")
    config = str(ROOT / "pyproject.toml")
    lint = _ruff("check", "--config", config, str(bad))
    assert lint.returncode != 0 and "F401" in lint.stdout, lint.stdout
    fmt = _ruff("format", "--check", "--config", config, str(bad))
    assert fmt.returncode != 0 and "bad.py" in fmt.stdout + fmt.stderr, fmt.stdout + fmt.stderr
