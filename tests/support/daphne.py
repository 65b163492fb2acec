"""daphne serving an ASGI application on a free local port, as `make run` starts it.

`serving()` owns the process (its own process group, stopped at the end of the block); tests that
manage processes themselves build on `command()` and `wait_until_listening()`.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.paths import ROOT

APPLICATION = "webapp.asgi:application"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def command(port: int, application: str = APPLICATION) -> list[str]:
    return [sys.executable, "-m", "webapp.web_server", "-b", "127.0.0.1", "-p", str(port), application]


def wait_until_listening(
    port: int, alive: Callable[[], bool], timeout: float = 60, describe: Callable[[], str] = str
) -> None:
    """Return once 127.0.0.1:`port` accepts connections; raise if `alive()` turns false or time runs out.

    `describe()` adds what went wrong (the end of the server's log) to the error.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if not alive():
                raise RuntimeError(f"daphne exited before listening on {port}\n{describe()}") from None
            if time.monotonic() > deadline:
                raise TimeoutError(f"daphne did not listen on {port} within {timeout} s\n{describe()}") from None
            time.sleep(0.1)


@dataclass
class Server:
    port: int
    proc: subprocess.Popen

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.host}"


@contextmanager
def serving(
    env: dict[str, str], log_path: Path | None = None, application: str = APPLICATION, timeout: float = 60
) -> Iterator[Server]:
    """daphne with `env`, its output in `log_path` (discarded when None); stopped (SIGTERM, then SIGKILL)."""
    port = free_port()
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL
    proc = subprocess.Popen(
        command(port, application), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        wait_until_listening(
            port, lambda: proc.poll() is None, timeout, lambda: f"see {log_path}" if log_path else "(output discarded)"
        )
        yield Server(port, proc)
    finally:
        stop(proc)
        if log_path:
            log.close()


def stop(proc: subprocess.Popen, timeout: float = 10) -> None:
    """Stop `proc`'s process group (started with start_new_session): SIGTERM, then SIGKILL after `timeout` s."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        proc.wait()
