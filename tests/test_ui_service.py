"""`hotline ui` as a service manager runs it: it answers HTTP, and after SIGTERM (or SIGINT) it returns only when
every process it started (dagster dev, the webserver, the code server, the daemon) is gone. The
dagster.yaml hotline writes turns the onboarding dialog off, and the UI says so."""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest
import yaml

from tests.dagster_server import free_port, graphql

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 180


def test_written_dagster_yaml_turns_the_onboarding_dialog_off(hotline_env):
    from pipelines.instance import ensure_dagster_home

    home = ensure_dagster_home()
    config = yaml.safe_load((home / "dagster.yaml").read_text(encoding="utf-8"))
    assert config["nux"] == {"enabled": False}
    assert config["telemetry"] == {"enabled": False}


def _group_and_tree(leader: psutil.Process, pgid: int) -> set[int]:
    pids = set()
    for process in psutil.process_iter():
        try:
            if os.getpgid(process.pid) == pgid:
                pids.add(process.pid)
        except (ProcessLookupError, psutil.Error):
            pass
    try:
        pids |= {p.pid for p in leader.children(recursive=True)}
    except psutil.NoSuchProcess:
        pass
    return pids


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_ui_answers_then_stops_every_process_on_a_signal(hotline_env, tmp_path, signum):
    port = free_port()
    log = open(tmp_path / "ui.log", "w")
    # in its own session, as a service manager starts it: the test signals hotline alone, not the group
    ui = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "ui", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=dict(os.environ),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    leader = psutil.Process(ui.pid)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert ui.poll() is None, (tmp_path / "ui.log").read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=10) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "ui.log").read_text()
            time.sleep(1)
        assert graphql(port, "{ shouldShowNux }")["data"]["shouldShowNux"] is False
        # dagster dev, its webserver, code server and daemon: all descended from hotline ui
        started = {p.pid for p in leader.children(recursive=True)}
        assert len(started) >= 3, started
        ui.send_signal(signum)
        assert ui.wait(timeout=120) == 0
        remaining = [pid for pid in started if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"]
        assert remaining == [], [psutil.Process(pid).cmdline() for pid in remaining]
        assert _group_and_tree(leader, ui.pid) == set()  # hotline ui itself is reaped: its group is empty
    finally:
        if ui.poll() is None:
            os.killpg(ui.pid, signal.SIGKILL)
        log.close()
