"""`make run` (python -m webapp.launcher) starts Redis, the web server and a worker, and leaves nothing behind."""

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.daphne import free_port

ROOT = Path(__file__).resolve().parents[2]


def descendants(pid):
    """Every process below `pid`, from /proc (children, grandchildren, ...)."""
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def running(pid):
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def command_line(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except OSError:
        return None


def stop(how, proc):
    if how == "ctrl-c":  # a terminal sends SIGINT to the whole foreground process group
        os.killpg(proc.pid, signal.SIGINT)
    else:
        proc.send_signal({"sigterm": signal.SIGTERM, "sigkill": signal.SIGKILL}[how])


@pytest.mark.parametrize("how", ["sigterm", "ctrl-c", "sigkill"])
def test_the_launcher_starts_everything_and_stops_every_process(tmp_path, how):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "TEST_DATABASE_NAME")}
    env.update(PORT=str(port), DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", DEBUG="0", TOXILAB_HTTPS="0",
               SECRET_KEY="launcher-test-" + "s" * 50, DJANGO_SUPERUSER_USERNAME="boss",
               DJANGO_SUPERUSER_PASSWORD="pw-long-enough")
    log = tmp_path / "launcher.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "webapp.launcher"], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    tree = []
    try:
        wait_for(lambda: "ready." in log.read_text() and get(f"http://127.0.0.1:{port}/") == 200, 120, "web and worker")
        assert get(f"http://127.0.0.1:{port}/static/css/toxilab.css") == 200
        tree = descendants(proc.pid)
        commands = " | ".join(command_line(pid) for pid in tree)
        for part in ("redis-server", "daphne", "celery -A webapp worker"):
            assert part in commands

        stop(how, proc)

        # Killed outright, the launcher cannot clean up: the kernel tells its children (PDEATHSIG).
        assert proc.wait(60) == (-signal.SIGKILL if how == "sigkill" else 0)
        wait_for(lambda: not any(running(pid) for pid in tree), 30, "every child to exit")
    finally:
        if proc.poll() is None:
            proc.kill()
        for pid in tree:
            if running(pid):
                os.kill(pid, signal.SIGKILL)
    output = log.read_text()
    assert "Created staff account 'boss' from DJANGO_SUPERUSER_USERNAME/PASSWORD." in output
    assert f"ToxiLab is running on http://127.0.0.1:{port}/" in output
    socket_dir = Path(output.split("Started embedded Redis on ", 1)[1].split()[0]).parent
    if how == "sigkill":
        shutil.rmtree(socket_dir)
    else:
        assert not socket_dir.exists()


def test_the_launchers_worker_consumes_the_configured_training_queue(settings):
    from webapp.launcher import celery_worker_command

    settings.TOXILAB_TRAINING_QUEUE = "training-gpu"

    command = celery_worker_command()

    assert command[command.index("-Q") + 1] == "training-gpu,celery"
