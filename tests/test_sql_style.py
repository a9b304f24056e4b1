"""sqlfluff over sql/ (issue 14) with the project's rules (.sqlfluff at the repository root): the
real files pass, and a file with a planted fault fails, so the check is not vacuous."""

import configparser
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".sqlfluff"


def _lint(*paths: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sqlfluff", "lint", "--nocolor", "--config", str(CONFIG), *paths],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_sql_passes_sqlfluff():
    done = subprocess.run(
        [sys.executable, "-m", "sqlfluff", "lint", "sql", "--nocolor"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_parameter_the_sql_binds_has_a_sample_value():
    # without one sqlfluff lints `$name` as a bare column `name` (false unqualified-reference findings)
    config = configparser.ConfigParser()
    config.read(CONFIG, encoding="utf-8")
    sampled = set(config["sqlfluff:templater:placeholder"]) - {"param_style"}
    bound = {
        name
        for path in (ROOT / "sql").glob("*.sql")
        for name in re.findall(r"\$([A-Za-z_]\w*)", path.read_text(encoding="utf-8"))
    }
    assert bound, "no $parameter found in sql/"
    assert bound - sampled == set(), "add a sample value to .sqlfluff [sqlfluff:templater:placeholder]"


@pytest.mark.parametrize(
    ("sql", "rule"),
    [
        ("SELECT a FROM t AS x AS y\n", "PRS"),  # does not parse
        ("SELECT t.a FROM t INNER JOIN u AS unused ON t.id = 1\n", "AL05"),  # an alias never used
        ("SELECT a FROM t INNER JOIN u ON t.id = u.id\n", "RF02"),  # which table's a?
        ("SELECT t.a AS b, t.c AS b FROM t\n", "AL08"),  # one name, two columns
        ("select t.a FROM t\n", "CP01"),  # keywords in mixed case
        ("SELECT t.a FROM t WHERE t.b = '" + "x" * 120 + "'\n", "LT05"),  # over 119 characters
    ],
    ids=["parse-error", "unused-alias", "ambiguous-column", "duplicate-alias", "keyword-case", "long-line"],
)
def test_a_planted_fault_fails(tmp_path, sql, rule):
    planted = tmp_path / "planted.sql"
    planted.write_text(sql, encoding="utf-8")
    done = _lint(str(planted))
    assert done.returncode == 1, done.stdout + done.stderr
    assert re.search(rf"\|\s+{rule} \|", done.stdout), done.stdout


def test_the_same_query_without_the_fault_passes(tmp_path):
    # the control for the planted faults: a parameter bound the way sql/ binds them, aliases used
    clean = tmp_path / "clean.sql"
    clean.write_text("SELECT t.a, u.b FROM t INNER JOIN u ON t.id = u.id WHERE t.month = $month\n", encoding="utf-8")
    done = _lint(str(clean))
    assert done.returncode == 0, done.stdout + done.stderr
