"""The arrow of imports (pyproject [tool.importlinter], README "Where things live"): the core
(hotline, schemas) imports neither Dagster nor the Dagster layer; pipelines → assets → hotline, the
assets taking only partitions and resources from pipelines. Checked by import-linter on the real
tree, and on a copy with a planted violation to see that the check can fail."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
PACKAGES = ("hotline", "schemas", "assets", "pipelines")


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    # the copy's packages before the installed ones; wide lines so that no contract name is wrapped
    env = {**os.environ, "PYTHONPATH": str(cwd), "COLUMNS": "200"}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def _copy(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_tree_keeps_its_import_contracts():
    done = _lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 2 kept, 0 broken." in done.stdout


@pytest.mark.parametrize(
    ("module", "planted", "broken", "names"),
    [
        (
            "hotline/calendar.py",
            "import dagster",
            "core (hotline, schemas) imports neither Dagster",
            "hotline.calendar -> dagster",
        ),
        (
            "schemas/checks.py",
            "from assets.steps import Table",
            "core (hotline, schemas) imports neither Dagster",
            "schemas.checks -> assets.steps",
        ),
        (
            "assets/steps.py",
            "import pipelines.sensors",
            "pipelines → assets → hotline",
            "assets.steps -> pipelines.sensors",
        ),
    ],
)
def test_a_planted_violation_breaks_a_contract(tmp_path, module, planted, broken, names):
    copy = _copy(tmp_path)
    target = copy / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{planted}  # planted by the test\n", encoding="utf-8")
    done = _lint(copy)
    assert done.returncode == 1, done.stdout + done.stderr
    assert " broken." in done.stdout and "0 broken." not in done.stdout
    broken_section = done.stdout.split("Broken contracts", 1)[1]
    assert broken in broken_section and names in broken_section, done.stdout
