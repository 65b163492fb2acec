"""`make run` (python -m webapp.launcher) starts Redis, the web server and a worker, and leaves nothing behind."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from services import tiny_job_options, wait_until

from tests.support.daphne import free_port
from tests.support.launcher import fresh_run_env
from webapp.launcher import STOP_TIMEOUT

ROOT = Path(__file__).resolve().parents[2]
# The launcher stops web and worker together, then Redis, each wave given STOP_TIMEOUT: its longest stop,
# and a margin for a loaded machine, where slow exits are what the waves are there for.
STOPPED_WITHIN = 2 * STOP_TIMEOUT + 30


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


def started_under(tmp_path):
    """The live processes whose environment names tmp_path: a launcher's, and everything it started."""
    mark = str(tmp_path).encode()
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if mark in environ.read_bytes() and running(int(environ.parent.name)):
                found.append(int(environ.parent.name))
        except (OSError, ValueError):
            continue
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


def launcher_env(tmp_path, port):
    """As `make run` on a fresh checkout: DEBUG, SECRET_KEY and TOXILAB_HTTPS unset (the key is made
    under tmp_path instead of var/)."""
    return fresh_run_env(
        tmp_path,
        port,
        unset=("DEBUG", "SECRET_KEY", "TOXILAB_HTTPS"),
        TOXILAB_SECRET_KEY_FILE=str(tmp_path / "secret_key"),
        DJANGO_SUPERUSER_USERNAME="boss",
        DJANGO_SUPERUSER_PASSWORD="pw-long-enough",
        OMP_NUM_THREADS="1",
        TOKENIZERS_PARALLELISM="false",
    )


# `make run` with -o: never (re)install into the shared virtualenv from a test
MAKE_RUN = ["make", "--no-print-directory", "-o", ".venv/.installed-stamp", "run"]


def spawn_launcher(tmp_path, port, command=None):
    """The launcher (or `command`) in a session of its own, its output in tmp_path/launcher.log."""
    log = tmp_path / "launcher.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            command or [sys.executable, "-m", "webapp.launcher"],
            cwd=ROOT,
            env=launcher_env(tmp_path, port),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return proc, log


def start_launcher(tmp_path, port, command=None):
    """The launcher once its banner is out: web and worker up, nothing left of start-up."""
    proc, log = spawn_launcher(tmp_path, port, command)
    wait_until(
        lambda: "ToxiLab is running on" in log.read_text() and get(f"http://127.0.0.1:{port}/") == 200,
        180,
        what="web and worker",
    )
    return proc, log


def kill_leftovers(proc, tree):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    for pid in tree:
        if running(pid):
            os.kill(pid, signal.SIGKILL)


def worker_pid(proc):
    return next(
        pid for pid in descendants(proc.pid) if "celery -A webapp worker" in command_line(pid) and ppid(pid) == proc.pid
    )


def ppid(pid):
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError):
        return None


@pytest.mark.parametrize("how", ["sigterm", "ctrl-c", "sigkill"])
def test_the_launcher_starts_everything_and_stops_every_process(tmp_path, how):
    port = free_port()
    proc, log = start_launcher(tmp_path, port)
    tree = []
    try:
        # DEBUG is off, yet the pages' CSS and JS are served, and an unknown URL lists no routes.
        assert get(f"http://127.0.0.1:{port}/static/css/toxilab.css") == 200
        assert get(f"http://127.0.0.1:{port}/static/js/training-job.js") == 200
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/no-such-page", timeout=5)
        except urllib.error.HTTPError as missing:
            assert missing.code == 404 and b"URLconf" not in missing.read()
        assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
        tree = descendants(proc.pid)
        commands = " | ".join(command_line(pid) for pid in tree)
        for part in ("redis-server", "webapp.web_server", "celery -A webapp worker", "celery -A webapp beat"):
            assert part in commands

        stop(how, proc)

        # Killed outright, the launcher cannot clean up: the kernel tells its children (PDEATHSIG).
        assert proc.wait(STOPPED_WITHIN) == (-signal.SIGKILL if how == "sigkill" else 0)
        wait_until(lambda: not any(running(pid) for pid in tree), 30, what="every child to exit")
    finally:
        kill_leftovers(proc, tree)
    output = log.read_text()
    assert "Created staff account 'boss' from DJANGO_SUPERUSER_USERNAME/PASSWORD." in output
    assert f"ToxiLab is running on http://127.0.0.1:{port}/" in output
    # The banner comes once the worker is ready, below the worker's own start-up lines, and says where to go.
    assert output.index("ToxiLab is running on") > output.index(" ready.")
    assert f"Dashboard   http://127.0.0.1:{port}/dashboard/" in output
    assert "as 'boss' with DJANGO_SUPERUSER_PASSWORD" in output and "Worker      ready" in output
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


def test_a_killed_worker_is_started_again_with_back_off_while_the_web_keeps_answering(tmp_path):
    port = free_port()
    proc, log = start_launcher(tmp_path, port)
    tree = descendants(proc.pid)
    try:
        for restart in (1, 2):
            old, readies = worker_pid(proc), restart + 1
            os.kill(old, signal.SIGKILL)
            wait_until(lambda old=old: not running(old), 30, what="the worker to die")
            assert get(f"http://127.0.0.1:{port}/") == 200, "the web keeps answering while the worker is down"
            wait_until(
                lambda n=readies: log.read_text().count("ready.") == n, 180, what=f"restart {restart} to be ready"
            )
            tree += descendants(proc.pid)
        output = log.read_text()
        assert "worker exited with code -9; starting it again in 1 s" in output
        assert "worker exited with code -9; starting it again in 2 s" in output, "the second restart waits longer"
        assert proc.poll() is None and get(f"http://127.0.0.1:{port}/") == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(STOPPED_WITHIN) == 0
        wait_until(lambda: not any(running(pid) for pid in tree), 30, what="every child to exit")
    finally:
        kill_leftovers(proc, tree)


def test_killing_the_launcher_mid_job_leaves_no_process_and_the_next_start_removes_its_redis_folder(
    tmp_path, tiny_bert_dir, data_dir
):
    port = free_port()
    proc, log = start_launcher(tmp_path, port)
    tree = []
    try:
        token = subprocess.run(
            [sys.executable, "manage.py", "create_api_token", "boss"],
            cwd=ROOT,
            check=True,
            env=launcher_env(tmp_path, port),
            capture_output=True,
            text=True,
        ).stdout.strip()
        body = json.dumps(tiny_job_options(tiny_bert_dir, data_dir, epochs=100, max_train_samples=512)).encode()
        auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/jobs", data=body, headers=auth)
        job_id = json.load(urllib.request.urlopen(request, timeout=30))["id"]

        def job_status():
            request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/jobs/{job_id}", headers=auth)
            return json.load(urllib.request.urlopen(request, timeout=30))

        wait_until(lambda: job_status()["step"] >= 2, 180, what="the job's second step")
        tree = descendants(proc.pid)
        assert sum("celery" in command_line(pid) for pid in tree) >= 2, "the worker's main and pool processes"

        proc.send_signal(signal.SIGKILL)
        proc.wait()

        # Before, Celery's warm shutdown kept the main and pool processes until the job finished.
        wait_until(lambda: not any(running(pid) for pid in tree), 30, what="every child to exit mid-job")
    finally:
        kill_leftovers(proc, tree)
    socket_dir = Path(log.read_text().split("Started embedded Redis on ", 1)[1].split()[0]).parent
    assert socket_dir.is_dir(), "killed outright, the launcher could not remove its Redis folder"
    os.utime(socket_dir, (time.time() - 120, time.time() - 120))  # past the grace given to a new folder

    from webapp.launcher import remove_stale_redis_dirs

    live = Path(tempfile.mkdtemp(prefix="toxilab-redis-"))  # a running launcher's folder (this process)
    (live / "launcher.pid").write_text(str(os.getpid()))
    os.utime(live, (time.time() - 120, time.time() - 120))
    try:
        remove_stale_redis_dirs()
        assert not socket_dir.exists() and live.is_dir()
    finally:
        shutil.rmtree(live, ignore_errors=True)


def test_sigterm_to_makes_process_group_stops_quietly(tmp_path):
    """The shell's SIGTERM reaches make and the launcher; make forwards a second one to the launcher."""
    if shutil.which("make") is None:
        pytest.skip("needs make")
    proc, log = start_launcher(tmp_path, free_port(), command=MAKE_RUN)
    tree = descendants(proc.pid)
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(STOPPED_WITHIN)
        wait_until(lambda: not any(running(pid) for pid in tree), 30, what="every child to exit")
    finally:
        kill_leftovers(proc, tree)
    output = log.read_text()
    assert "Stopping ToxiLab" in output
    assert "Traceback" not in output and "Shutdown" not in output and "Error 1" not in output, output[-2000:]


# What the log says once start-up reaches each stage: Django migrating, the web server up while the
# worker starts, the worker up while the launcher waits for its ping.
START_UP_STAGES = {
    "migrating": "Started embedded Redis on",
    "worker starting": "Listening on TCP address",
    "worker pinged": " ready.",
}


@pytest.mark.parametrize("stage", START_UP_STAGES)
def test_a_stop_at_any_stage_of_start_up_stops_everything(tmp_path, stage):
    """What systemctl stop, docker stop or a closed terminal sends: SIGTERM to make's process group.
    Before, one that came while the launcher waited for the worker was lost: nothing stopped after it."""
    if shutil.which("make") is None:
        pytest.skip("needs make")
    proc, log = spawn_launcher(tmp_path, free_port(), command=MAKE_RUN)
    tree = []
    try:
        wait_until(lambda: START_UP_STAGES[stage] in log.read_text(), 180, what=stage)
        tree = descendants(proc.pid)
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(STOPPED_WITHIN)  # make ends as its signal says; the launcher's own end is in the log
        # Children started after that snapshot are found by the folder in their environment.
        wait_until(lambda: not started_under(tmp_path), 30, what="every child to exit")
    finally:
        kill_leftovers(proc, tree + started_under(tmp_path))
    output = log.read_text()
    assert "Stopping ToxiLab" in output and "Traceback" not in output, output[-2000:]


def test_a_stop_while_the_launcher_pings_the_worker_is_not_swallowed(monkeypatch):
    """The ping's errors are caught while the worker starts; a stop raised inside it must get through."""
    from webapp.celery import app
    from webapp.launcher import banner
    from webapp.launcher.processes import Shutdown, raise_shutdown_on_signals

    pings = []

    def ping_then_stop(timeout):
        pings.append(timeout)
        os.kill(os.getpid(), signal.SIGTERM)  # the handler runs here, inside the ping
        return []

    class Starting:  # a worker that neither answers nor exits
        def poll(self):
            return None

    monkeypatch.setattr(app.control, "ping", ping_then_stop)
    before = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    raise_shutdown_on_signals()
    try:
        with pytest.raises(Shutdown):
            banner.wait_for_worker(Starting(), timeout=5)
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)
    assert len(pings) == 1
