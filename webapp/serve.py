"""Run N daphne web processes behind one port: they share one listening socket, the kernel hands
each new connection to one of them. Each process loads the model once (see docs/DEPLOYMENT.md for
how many fit in memory) and batches its own checks.

    .venv/bin/python -m webapp.serve --processes 2 [--host 127.0.0.1] [--port 8000] [-- daphne options]

Runs until Ctrl-C or SIGTERM, then stops them all. Migrations and the staff account are `make
run`'s or compose's business: run them first.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the project root: daphne imports webapp.asgi from there


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("daphne_options", nargs="*", help="passed on to each daphne, e.g. --proxy-headers")
    args = parser.parse_args()

    listener = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((args.host, args.port))
    listener.listen(1024)
    command = [
        sys.executable,
        "-m",
        "webapp.web_server",  # daphne, its access log without query strings
        "--fd",
        str(listener.fileno()),
        *args.daphne_options,
        "webapp.asgi:application",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    children = [
        subprocess.Popen(command, cwd=ROOT, env=env, pass_fds=[listener.fileno()]) for _ in range(args.processes)
    ]
    listener.close()  # the children hold it
    print(
        f"{args.processes} web processes on http://{args.host}:{args.port}/ (pids "
        f"{', '.join(str(child.pid) for child in children)})",
        flush=True,
    )
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        for child in children:
            child.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            child.terminate()
        for child in children:
            child.wait(30)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    main()
