"""The two long-running children of `make run`: the ASGI web server (daphne) and one Celery worker."""

import os
import signal
import socket
import sys
import time

from webapp.launcher.processes import spawn


def daphne_command(host, port):
    """Without --proxy-headers: daphne would take X-Forwarded-For's leftmost address, which the client
    writes. The web layer reads the header itself, trusting only TOXILAB_PROXY_HOPS (webapp/client.py).
    daphne through webapp.web_server: its access log leaves out query strings."""
    return [sys.executable, "-m", "webapp.web_server", "-b", host, "-p", str(port), "webapp.asgi:application"]


def start_web(host, port):
    # One torch thread unless told otherwise: the worker may be training on the same cores.
    return spawn(daphne_command(host, port), OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))


def wait_for_port(host, port, proc, timeout=60):
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the web server did not start listening on {host}:{port}")


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


def celery_beat_command():
    """Celery beat, which sends the periodic tasks (settings.CELERY_BEAT_SCHEDULE), its schedule in var/."""
    from django.conf import settings

    schedule = settings.VAR_DIR / "celerybeat-schedule"
    return [sys.executable, "-m", "celery", "-A", "webapp", "beat", "--loglevel", "INFO", "--schedule", str(schedule)]


def start_beat():
    """A process of its own rather than the worker's -B: killed with the launcher like the others, where
    the worker's embedded beat would outlive a worker killed outright."""
    from django.conf import settings

    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
    return spawn(celery_beat_command(), death_signal=signal.SIGKILL)
