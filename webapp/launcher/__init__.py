"""`make run`: migrate, make sure a staff account exists, then run an embedded Redis (when REDIS_URL
is unset), the ASGI server (daphne), one Celery worker and Celery beat (the periodic tasks) until
Ctrl-C or SIGTERM, and stop them all.

One module a concern, `main()` here the order in which they run:
- embedded_redis: the Redis started when REDIS_URL is unset, and the folders of killed launchers;
- django_setup: migrate, the first staff account, the first model;
- servers: the web server, the worker and beat (their commands, start-up and readiness);
- processes: children that die with the launcher, a dead worker restarted, the stop of them all;
- banner: what is printed once web and worker are up.

Each child runs in its own process group and is told by the kernel to stop if the launcher dies
(PR_SET_PDEATHSIG), so no process outlives `make run`, whichever way it ends: the worker is killed
outright then (a clean stop would wait for the running job; the job is recovered at the next start),
and its pool processes die with it (Celery sets their PDEATHSIG). An embedded Redis folder left by a
launcher that was killed is removed at the next start.

A worker or beat that dies on its own is started again after a back-off, while the web server keeps serving;
if Redis or the web server dies, everything stops.
"""

import os
import shutil

from webapp.launcher import banner
from webapp.launcher.django_setup import ensure_staff_account, prepare_django
from webapp.launcher.embedded_redis import (
    REDIS_DIR_PREFIX,
    new_redis_dir,
    remove_stale_redis_dirs,
    start_embedded_redis,
)
from webapp.launcher.processes import STOP_TIMEOUT, Shutdown, raise_shutdown_on_signals, spawn, stop_all, supervise
from webapp.launcher.servers import (
    celery_worker_command,
    daphne_command,
    start_beat,
    start_web,
    start_worker,
    wait_for_port,
)

# What scripts and tests use: `from webapp.launcher import ...`, wherever the module that defines it.
__all__ = [
    "REDIS_DIR_PREFIX",
    "STOP_TIMEOUT",
    "celery_worker_command",
    "daphne_command",
    "ensure_staff_account",
    "main",
    "prepare_django",
    "remove_stale_redis_dirs",
    "spawn",
    "start_embedded_redis",
    "stop_all",
]


def main():
    raise_shutdown_on_signals()
    children = []  # (name, Popen), in start order
    cleanup = []
    try:
        if not os.environ.get("REDIS_URL"):
            redis_dir = new_redis_dir()
            cleanup.append(redis_dir)
            children.append(("redis", start_embedded_redis(redis_dir)))
        host, port = os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", "8000"))
        account = prepare_django()
        web = start_web(host, port)
        worker = start_worker()
        children += [("web", web), ("worker", worker), ("beat", start_beat())]
        wait_for_port(host, port, web)
        worker_ready = banner.wait_for_worker(worker)
        print("\n".join(["", *banner.lines(host, port, account, worker_ready), ""]), flush=True)
        return supervise(children, restart={"worker": start_worker, "beat": start_beat})
    except Shutdown:
        print("Stopping ToxiLab…", flush=True)
        return 0
    finally:
        stop_all(children)
        for directory in cleanup:
            shutil.rmtree(directory, ignore_errors=True)
