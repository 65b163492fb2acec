"""What the dashboard benchmarks share: a scratch PostgreSQL database, daphne serving the app on it,
and a staff session. Needs DATABASE_URL (PostgreSQL) and REDIS_URL, as in production."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA_DIR = Path(os.environ.get("TOXILAB_DATA_DIR", ROOT.parent / "shared" / "data" / "wiki_toxic"))


@contextmanager
def scratch_database(name="toxilab_bench"):
    """A fresh database next to DATABASE_URL's, migrated, set up for Django in this process; dropped after."""
    import psycopg

    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")) or not os.environ.get("REDIS_URL"):
        sys.exit("set DATABASE_URL=postgres://... and REDIS_URL=redis://... (the benchmarks measure the real stack)")
    admin = psycopg.connect(base, autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    url = urlunsplit(urlsplit(base)._replace(path=f"/{name}"))
    os.environ.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="webapp.settings", TOXILAB_RATE_LIMIT="off",
                      DEBUG="false", SECRET_KEY="benchmark-" + uuid.uuid4().hex, TOXILAB_HTTPS="false")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    try:
        yield url
    finally:
        from django.db import connections

        connections.close_all()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def staff_session():
    """(user, session cookie value) of a staff user."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    user = get_user_model().objects.create_user(f"bench-{uuid.uuid4().hex[:6]}", is_staff=True)
    session = SessionStore()
    session.update({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                    HASH_SESSION_KEY: user.get_session_auth_hash()})
    session.create()
    return user, session.session_key


@contextmanager
def daphne_server(log_path):
    """One daphne process (as `make run` starts it) serving the app on a free port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = open(log_path, "ab")
    proc = subprocess.Popen([sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
                             "webapp.asgi:application"], cwd=ROOT, env=os.environ.copy(), stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"daphne did not start; see {log_path}") from None
                time.sleep(0.1)
        yield f"127.0.0.1:{port}", proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def percentile(values, q):
    ordered = sorted(values)
    if not ordered:
        return None
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def cpu_info():
    return {"cpus": os.cpu_count(), "affinity": len(os.sched_getaffinity(0))}
