"""What the dashboard benchmarks share: a scratch PostgreSQL database, daphne serving the app on it
(tests/support/daphne.py), and a staff session. Needs DATABASE_URL (PostgreSQL) and REDIS_URL, as in production."""

from __future__ import annotations

import os
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support import daphne  # noqa: E402 (needs the checkout on sys.path)
from tests.support.paths import data_dir  # noqa: E402

DATA_DIR = data_dir()


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
    os.environ.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="webapp.settings",
        TOXILAB_RATE_LIMIT="off",
        DEBUG="false",
        SECRET_KEY="benchmark-" + uuid.uuid4().hex,
        TOXILAB_HTTPS="false",
    )
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
    session.update(
        {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
    )
    session.create()
    return user, session.session_key


def daphne_server(log_path):
    """One daphne process (as `make run` starts it) serving the app on a free port, with this environment."""
    return daphne.serving(os.environ.copy(), log_path)


def percentile(values, q):
    ordered = sorted(values)
    if not ordered:
        return None
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def cpu_info():
    return {"cpus": os.cpu_count(), "affinity": len(os.sched_getaffinity(0))}
