"""Running a tree of processes (``dagster dev``: the webserver, the code server and the daemon) as
one service: SIGTERM and SIGINT are passed on to all of them, and the call returns only when every
one is gone.

``dagster dev`` alone does not stop cleanly when only it gets SIGTERM: its children stay. So it
starts in its own session (a process group of its own), a signal goes to the whole group and to
every process descended from it, and what is still there after a grace period is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import psutil

STOP_GRACE_ENV = "HOTLINE_UI_STOP_SECONDS"
DEFAULT_STOP_GRACE = 20.0
KILL_WAIT = 5.0


def _members(leader: psutil.Process | None, pgid: int) -> list[psutil.Process]:
    """The leader, its descendants, and every process still in its process group."""
    found: dict[int, psutil.Process] = {}
    if leader is not None:
        try:
            found[leader.pid] = leader
            found.update({p.pid: p for p in leader.children(recursive=True)})
        except psutil.NoSuchProcess:
            pass
    for process in psutil.process_iter():
        try:
            if os.getpgid(process.pid) == pgid:
                found.setdefault(process.pid, process)
        except (ProcessLookupError, PermissionError, psutil.Error):
            continue
    return [p for p in found.values() if p.pid != os.getpid()]


def stop_all(leader_pid: int, signum: int, grace: float) -> None:
    """Send ``signum`` to the leader's group and descendants; SIGKILL what is left after ``grace``."""
    try:
        leader = psutil.Process(leader_pid)
    except psutil.NoSuchProcess:
        leader = None
    members = _members(leader, leader_pid)
    for process in members:
        try:
            process.send_signal(signum)
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(members, timeout=grace)
    # children may have started grandchildren meanwhile: look again
    alive = list({p.pid: p for p in alive + _members(None, leader_pid) if p.is_running()}.values())
    for process in alive:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=KILL_WAIT)


def run_until_signalled(command: list[str], *, env: dict, cwd) -> int:
    """Run ``command`` in its own session until it ends or this process gets SIGTERM/SIGINT; either
    way, return once no process of its tree remains. 0 when stopped by a signal."""
    grace = float(os.environ.get(STOP_GRACE_ENV, DEFAULT_STOP_GRACE))
    received: list[int] = []

    def note(signum, _frame):
        received.append(signum)

    previous = {s: signal.signal(s, note) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        process = subprocess.Popen(command, env=env, cwd=cwd, start_new_session=True)
        while process.poll() is None and not received:
            time.sleep(0.2)
        # SIGINT (Ctrl-C) is passed on as SIGINT, which dagster dev treats as its own stop request
        stop_all(process.pid, received[0] if received else signal.SIGTERM, grace)
        code = process.wait()
        return 0 if received else code
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
