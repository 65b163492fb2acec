"""The launcher's children: started so that they die with it, a dead worker started again, all of them
stopped together, and Ctrl-C or SIGTERM turned into Shutdown.

Each child runs in its own process group and is told by the kernel to stop if the launcher dies
(PR_SET_PDEATHSIG), so no process outlives `make run`, whichever way it ends.
"""

import ctypes
import os
import signal
import subprocess
import sys
import time

STOP_TIMEOUT = 20  # seconds a child gets to stop cleanly before it is killed
PR_SET_PDEATHSIG = 1
RESTART_DELAYS = (1, 2, 5, 10, 30, 60)  # seconds before the 1st, 2nd, ... restart of a dead worker
STEADY_S = 60  # a worker that ran this long starts its back-off again from the first delay


class Shutdown(BaseException):
    """Ctrl-C or SIGTERM arrived. A BaseException, as KeyboardInterrupt is: code that catches Exception
    while the launcher waits (a ping to the worker, a migration) must not swallow a stop."""


def raise_shutdown_on_signals():
    """From now on, the first Ctrl-C or SIGTERM raises Shutdown wherever the launcher is."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _raise_shutdown)


def _raise_shutdown(signum, frame):
    """The first Ctrl-C or SIGTERM stops ToxiLab; later ones are ignored quietly (`kill -TERM` to
    make's process group delivers two: one from the shell, one forwarded by make)."""
    for other in (signal.SIGINT, signal.SIGTERM):
        signal.signal(other, signal.SIG_IGN)
    raise Shutdown


def spawn(command, death_signal=signal.SIGTERM, **env):
    def die_with_parent():
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, death_signal)

    return subprocess.Popen(command, env={**os.environ, **env}, start_new_session=True, preexec_fn=die_with_parent)  # noqa: PLW1509 (the launcher runs no threads)


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
