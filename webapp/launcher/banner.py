"""What `make run` prints once the web server listens and the worker answers: where ToxiLab is, where
the dashboard is and how to sign in, framed so that it stands out under the worker's own banner."""

from __future__ import annotations

import time
from dataclasses import dataclass

WORKER_TIMEOUT_S = 120  # how long the launcher waits for the worker before it prints the banner anyway


@dataclass(frozen=True)
class StaffAccount:
    """The account to sign in with: the one just created (with its password when it was generated),
    or None for `username` when staff accounts existed already."""

    username: str | None = None
    password: str | None = None  # a generated one, shown this once
    from_env: bool = False


def site_url(host: str, port: int) -> str:
    """The address to open: a server listening on every interface is reached on this machine's loopback."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(host, f"[{host}]" if ":" in host else host)
    return f"http://{shown}:{port}/"


def sign_in_line(account: StaffAccount) -> str:
    if account.username is None:
        return "with your staff account (add one: .venv/bin/python manage.py createsuperuser)"
    if account.password:
        return f"as {account.username!r} with password {account.password} (shown only this once)"
    if account.from_env:
        return f"as {account.username!r} with DJANGO_SUPERUSER_PASSWORD"
    return f"as {account.username!r}"


def lines(host: str, port: int, account: StaffAccount, worker_ready: bool) -> list[str]:
    url = site_url(host, port)
    worker = "ready" if worker_ready else "not answering yet: jobs wait in the queue until it does"
    body = [
        f"ToxiLab is running on {url} (Ctrl-C to stop)",
        "",
        f"  Checker     {url}",
        f"  Dashboard   {url}dashboard/",
        f"  Sign in     {url}accounts/login/",
        f"              {sign_in_line(account)}",
        f"  API docs    {url}api/v1/docs",
        f"  Worker      {worker}",
    ]
    rule = "=" * max(len(line) for line in body)
    return [rule, *body, rule]


def wait_for_worker(proc, timeout: float = WORKER_TIMEOUT_S) -> bool:
    """Whether a Celery worker answers a ping before `timeout`; False at once if `proc` (the worker) exits."""
    from webapp.celery import app

    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            if app.control.ping(timeout=1):
                return True
        except Exception:  # kombu raises its own and the transport's errors while Redis starts
            time.sleep(0.5)
    return False
