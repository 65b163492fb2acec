"""Real processes for the tests of training jobs: a Celery worker and the ASGI server (daphne),
pointed at the PostgreSQL test database that pytest-django created and at the real Redis.

Each runs in its own process group, so `stop()` and `kill()` reach every process it forked (the
worker's pool included) and no test leaves an orphan behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from tests.support import daphne as support_daphne
from tests.support import paths
from tests.support.daphne import free_port
from tests.support.tiny_bert import tiny_options
from webapp.launcher import celery_worker_command

ROOT = Path(__file__).resolve().parent.parent

# The worker's timings, shortened so that tests see heartbeats, cancels and stale jobs in seconds.
FAST_JOB_SETTINGS = {
    "TOXILAB_JOB_HEARTBEAT_S": "1",
    "TOXILAB_JOB_STALE_AFTER_S": "3",
    "TOXILAB_JOB_POLL_MS": "100",
    "TOXILAB_PROGRESS_FLUSH_MS": "100",
    "TOXILAB_JOB_MAX_ATTEMPTS": "2",
    "TOXILAB_RUNTIME_CHOICE": "0",  # no test F1 measured twice after each job: tests/webapp tests the choice
    "TOXILAB_GATE_TEST_COMMENTS": "200",  # the gate scores each job's model on this many test comments
    "TOXILAB_BIAS_SENTENCES": "1000",  # and on this many identity templates
}


def require_real_services():
    """Skip unless the tests run on PostgreSQL and Redis, which a second process can share."""
    from django.db import connection

    if connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"):
        pytest.skip("needs DATABASE_URL=postgres://... and REDIS_URL (as CI and `make test` on the server have)")


def shared_database_url():
    from django.db import connection

    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def service_env(artifacts_dir, queue, **extra):
    env = {key: value for key, value in os.environ.items() if key != "TEST_DATABASE_NAME"}
    env.update(FAST_JOB_SETTINGS)
    env.update(
        DATABASE_URL=shared_database_url(),
        TOXILAB_ARTIFACTS_DIR=str(artifacts_dir),
        TOXILAB_TRAINING_QUEUE=queue,
        DJANGO_SETTINGS_MODULE="webapp.settings",
        PYTHONUNBUFFERED="1",
        OMP_NUM_THREADS="1",
        TOKENIZERS_PARALLELISM="false",
        TOXILAB_RATE_LIMIT="off",
        TOXILAB_GATE_DATASET=str(paths.data_dir()),  # the gate's test sample, as the tests' settings have it
    )
    env.update(extra)
    return env


def unique_queue():
    return f"training-test-{uuid.uuid4().hex[:8]}"


class Service:
    """One command in its own process group, its output in a log file."""

    def __init__(self, name, command, env, log_path):
        self.name, self.command, self.env, self.log_path = name, command, env, Path(log_path)
        self.proc = None

    def start(self):
        self.log_file = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, stdout=self.log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
        return self

    @property
    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_for_log(self, text, timeout=60, since=0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log()[since:]:
                return
            if not self.alive:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log()[-3000:]}")
            time.sleep(0.1)
        raise TimeoutError(f"{self.name} did not log {text!r} within {timeout} s:\n{self.log()[-3000:]}")

    def kill(self):
        """SIGKILL to the whole group: the worker gets no chance to clean up or requeue."""
        self._signal_group(signal.SIGKILL)
        self.proc.wait()

    def stop(self, timeout=15):
        if self.proc is None:
            return
        if self.alive:
            self._signal_group(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        self._signal_group(signal.SIGKILL)  # whatever is left of the group
        self.proc.wait()
        self.log_file.close()

    def _signal_group(self, signum):
        try:
            os.killpg(self.proc.pid, signum)
        except ProcessLookupError:
            pass


def celery_worker(env, log_path, name=None):
    """A training worker as `make run` starts it: prefork pool of one process, one job at a time."""
    worker = start_celery_worker(env, log_path, name)
    worker.wait_for_log(" ready.", timeout=90)
    return worker


def start_celery_worker(env, log_path, name=None):
    """The same worker, not waited for (`wait_for_log(" ready.")`): several can boot at once."""
    command = [
        *celery_worker_command(env["TOXILAB_TRAINING_QUEUE"]),
        "--pool",
        "prefork",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-n",
        name or f"test-{uuid.uuid4().hex[:6]}@%h",
    ]
    return Service(f"celery worker {name or ''}".strip(), command, env, log_path).start()


def daphne(env, log_path):
    """The ASGI server as a Service (stopped by the caller), once it listens; its address in `.url`."""
    port = free_port()
    server = Service("daphne", support_daphne.command(port), env, log_path).start()
    try:
        support_daphne.wait_until_listening(port, lambda: server.alive, describe=lambda: server.log()[-3000:])
    except Exception:
        server.stop()
        raise
    server.url = f"http://127.0.0.1:{port}"
    return server


def wait_until(predicate, timeout=60, interval=0.1, what="the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout} s waiting for {what}")


class TrainingWorkers:
    """The training worker of a test session: one at a time, restarted when a test killed it.

    The session's jobs go to a queue of its own, so that a test run never takes the messages of
    another run sharing the same Redis (nor the other way round).
    """

    def __init__(self, directory):
        self.directory = Path(directory)
        self.queue = unique_queue()
        self.artifacts = self.directory / "artifacts"
        self.worker = None
        self.started = 0

    def env(self):
        return service_env(self.artifacts, self.queue)

    def configure(self, settings):
        """Point this test process (the `settings` fixture) at the same queue, artifacts and timings."""
        settings.TOXILAB_TRAINING_QUEUE = self.queue
        settings.TOXILAB_ARTIFACTS_DIR = self.artifacts
        settings.TOXILAB_GATE_DATASET = str(paths.data_dir())
        for name, value in FAST_JOB_SETTINGS.items():
            setattr(settings, name, int(value))

    def ensure(self):
        if self.worker is None or not self.worker.alive:
            self.started += 1
            self.worker = celery_worker(self.env(), self.directory / f"worker-{self.started}.log")
        return self.worker

    def stop(self):
        if self.worker is not None:
            self.worker.stop()

    def settle(self):
        """At the end of a test: let the worker finish writing, and end the sessions killed ones left."""
        settle_database()


def settle_database(quiet_for=2.0, timeout=90):
    """Wait until no other session of this test database is in a query or a transaction, then end
    whatever is still stuck in one, before pytest-django flushes the database.

    A worker may still be writing when a test ends (registering the model of a job that just
    succeeded), and the backend of a killed process may hold its locks until PostgreSQL notices the
    closed socket, which on a loaded machine takes a while. Flushing under either deadlocks or
    leaves rows behind for the next test. Sessions that are merely idle hold no locks and stay.
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    busy = (
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        " AND backend_type = 'client backend' AND (state <> 'idle' OR xact_start IS NOT NULL)"
    )
    quiet_since, deadline = None, time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(busy)
            pids = [row[0] for row in cursor.fetchall()]
        now = time.monotonic()
        if pids:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = now
        elif now - quiet_since >= quiet_for:
            return
        time.sleep(0.1)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_terminate_backend(pid) FROM ({busy}) AS stuck")


def tiny_job_options(teacher, data, **overrides):
    """Launch options of a job that trains the tiny random BERT in a few seconds."""
    return tiny_options(teacher, data, **overrides)


def session_cookie(client, user):
    """The session cookie of `user`, for a WebSocket handshake or a browser."""
    from django.conf import settings

    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value
