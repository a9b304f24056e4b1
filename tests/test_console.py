"""What `hotline run` prints: on a terminal (a real pseudo-terminal) a live table of the month's
stages, then the bordered summary; with --verbose, Dagster's own log lines and every warning's
details. (Off a terminal: tests/test_demo.py and tests/test_status_trace.py.)"""

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

from tests.helpers import query

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MONTH = "2024-02"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _month(hotline_env) -> None:
    from hotline.generator.synth import generate

    generate(hotline_env["data"], MONTH, MONTH, assignments_per_month=300, seed=1)


def test_run_on_a_terminal_draws_the_live_table_then_the_summary(hotline_env):
    _month(hotline_env)
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 160, 0, 0))  # 160 columns
    run = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "run", MONTH],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        cwd=PROJECT_ROOT,
        env=dict(os.environ, TERM="xterm-256color"),
    )
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closes with the process
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    assert run.wait(timeout=600) == 0
    text = ANSI.sub("", output.decode("utf-8", "replace"))
    # the live table: its title, the stages as columns, a month's finished stage
    assert re.search(r"hotline: 2024-02\s+\d+ s", text), text[-3000:]
    assert re.search(r"month\s+reference\s+ingest\s+marts\s+report", text)
    assert re.search(r"2024-02\s+✓", text)
    # then the summary, bordered on a terminal
    summary = text[text.rindex("state") :]
    replaced = query(hotline_env["warehouse"], "SELECT sum(rows_replaced) FROM core.export_files")[0][0]
    assert replaced > 0  # the generator writes a re-export
    assert "─" in summary and re.search(rf"2024-02\s+loaded\s+300\s+0\s+{replaced}\s", summary), repr(summary)
    assert " - dagster - " not in text


def test_verbose_shows_dagsters_log_lines_and_warning_details(hotline_env):
    _month(hotline_env)
    quiet = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run", MONTH],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=600,
    )
    assert quiet.returncode == 0, quiet.stdout[-3000:] + quiet.stderr[-3000:]
    assert " - dagster - " not in quiet.stdout + quiet.stderr
    grouped = [
        line for line in quiet.stdout.splitlines() if line.startswith("warning: check report_has_no_placeholders")
    ]
    assert len(grouped) == 1 and "×1" in grouped[0] and "(--verbose for details)" in grouped[0]
    assert "【待补充：" not in quiet.stdout  # the spots themselves are details

    verbose = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run", MONTH, "--verbose"],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=600,
    )
    assert verbose.returncode == 0
    assert " - dagster - INFO - month_job - " in verbose.stderr
    assert "(--verbose for details)" not in verbose.stdout
    assert "【待补充：" in verbose.stdout  # each spot to fill, under its grouped line
