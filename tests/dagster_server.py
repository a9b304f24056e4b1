"""Start and stop a real ``dagster dev`` on the project's workspace for tests."""

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 180
STOP_SECONDS = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def graphql(port: int, query: str, variables: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


@contextmanager
def dagster_dev(env: dict, log_path: Path):
    """``dagster dev`` in its own session (so the whole process group can be stopped: it ignores
    SIGTERM sent to the parent alone), bound to 127.0.0.1. Yields the port."""
    port = free_port()
    log = open(log_path, "w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dagster",
            "dev",
            "-w",
            str(PROJECT_ROOT / "workspace.yaml"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"dagster dev exited early:\n{log_path.read_text()}")
            try:
                if graphql(port, "{ version }").get("data", {}).get("version"):
                    # the code location loads after the web server answers
                    nodes = graphql(port, "{ assetNodes { id } }").get("data", {}).get("assetNodes")
                    if nodes:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"dagster dev did not come up in {STARTUP_SECONDS}s:\n{log_path.read_text()}")
            time.sleep(1)
        yield port
    finally:
        from pipelines.processes import stop_all

        # the whole tree, not only the group: the daemon's code servers and runs too (SIGKILL after
        # the grace period), and returns once every one is gone
        stop_all(process.pid, signal.SIGTERM, STOP_SECONDS)
        process.wait(timeout=STOP_SECONDS)
        log.close()
