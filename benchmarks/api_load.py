"""Latency and throughput of POST /api/v1/check against the same model called in-process.

    .venv/bin/python benchmarks/api_load.py --model runs/odd [--levels 1,8,32,64] [--runtimes onnx-int8]
        [--database-url postgres://...] [--redis-url redis://...] [--processes 2] [--shadow runs/other] [--overhead]

By default, the load sweep: for each server in turn (PyTorch fp32 and each of --runtimes, each
unbatched, as before batching, then with TOXILAB_BATCH_MAX_SIZE=--batch-size), 1, 8, 32 and
64 concurrent clients, each sending single texts one after another on its own keep-alive
connection; checks/s and p50/p95/p99 latency per level, and the web process's RSS (now and peak)
after its heaviest level (with --processes N, N web processes behind one port, `python -m
webapp.serve`, and their RSS summed). With --shadow DIR, each server is measured again with DIR's
model in shadow mode on every check (webapp/checker/shadow.py), and the checks it judged and dropped.
Also the same runtime's in-process throughput at batch 1 and batch 32 on the same comments, by the
wall clock and per CPU-second of the calling thread (which load from other processes inflates far
less): the physical limit of the server.

With --overhead, the earlier measurements instead: starts daphne on a free port with a throw-away
SQLite database (or --database-url) and, with --redis-url, the cache and rate limit in Redis as in
production; registers the model, then times single texts and batches of 32 real wiki_toxic
comments, each one both through
in-process `Classifier.predict` and through one keep-alive HTTP client (alternating, so that load
from other processes hits both alike), then --threads HTTP clients at once (throughput). Last, the
floor: single texts through benchmarks/bare_asgi.py, the same model on daphne without Django or a
database. Prints one JSON object. Nothing here is asserted: the figures go to docs/.

Both sides use OMP_NUM_THREADS torch threads (default 1, as `make run`'s web server). The machine
may be shared: quote load_average_1m with the figures.
"""

import argparse
import csv
import http.client
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: `ml` is imported from the checkout
THREADS = int(os.environ.setdefault("OMP_NUM_THREADS", "1"))  # here and in the server, as `make run`


def main():
    from tests.support.paths import data_dir

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="artifact directory written by `python -m ml train`")
    parser.add_argument("--requests", type=int, default=200, help="single-text requests per measurement")
    parser.add_argument("--batches", type=int, default=30, help="32-text requests per measurement")
    parser.add_argument("--threads", type=int, default=4, help="concurrent clients for the throughput run")
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary directory")
    parser.add_argument(
        "--redis-url",
        help="serve as in production: cache and rate limit in this Redis, every check "
        "counted (limit 1000000/m, never reached); default: no Redis, no limit",
    )
    parser.add_argument("--data", default=data_dir())
    parser.add_argument("--levels", default="1,8,32,64", help="concurrent clients of the load sweep")
    parser.add_argument("--runtimes", default="onnx-int8", help="comma-separated runtimes measured besides fp32")
    parser.add_argument("--batch-size", type=int, default=32, help="TOXILAB_BATCH_MAX_SIZE of the batched server")
    parser.add_argument("--per-client", type=int, default=8, help="requests per client (at least --requests in all)")
    parser.add_argument("--processes", type=int, default=1, help="web processes of each server in the sweep")
    parser.add_argument("--shadow", help="an artifact directory: each server again with it in shadow on every check")
    parser.add_argument("--overhead", action="store_true", help="the web layer's overhead instead of the sweep")
    args = parser.parse_args()
    if not args.overhead:
        print(json.dumps(sweep(args), indent=2))
        return

    texts = read_comments(Path(args.data) / "test.csv", max(args.requests, 32 * 4))
    batches = [texts[i : i + 32] for i in range(0, len(texts) - 31, 32)]
    singles = [[texts[i % len(texts)]] for i in range(args.requests)]
    batch_runs = [batches[i % len(batches)] for i in range(args.batches)]

    result = {
        "model": str(Path(args.model).resolve()),
        "cpu_cores": os.cpu_count(),
        "redis": bool(args.redis_url),
        "torch_threads": THREADS,
        "load_average_1m": os.getloadavg()[0],
        "requests": args.requests,
        "batches": args.batches,
    }
    classifier = load_classifier(args.model)
    with (
        tempfile.TemporaryDirectory() as tmp,
        server(webapp(args.model, args.database_url, args.redis_url, tmp)) as port,
    ):
        post = client(port)
        post(singles[0])  # loads the model in the server
        for kind, inputs in (("single", singles), ("batch32", batch_runs)):
            result[kind] = paired(classifier.predict, post, inputs)
        result["single_concurrent_http"] = concurrent(port, singles, args.threads)
        result["single_concurrent_http"]["threads"] = args.threads
    with server(bare_asgi(args.model)) as port:
        result["single_bare_asgi_floor"] = paired(classifier.predict, client(port), singles)
    result["load_average_1m_after"] = os.getloadavg()[0]
    print(json.dumps(result, indent=2))


def sweep(args):
    """The load sweep: each server configuration in turn, every level of concurrency against it."""
    levels = [int(n) for n in args.levels.split(",")]
    texts = read_comments(Path(args.data) / "test.csv", max(args.requests, max(levels) * args.per_client, 256))
    runtimes = list(dict.fromkeys(["torch-fp32", *filter(None, args.runtimes.split(","))]))  # "" for fp32 alone
    servers = [
        (f"{runtime}_{name}{'_shadow' if shadow else ''}", runtime, size, shadow)
        for runtime in runtimes
        for name, size in (("unbatched", 1), ("batched", args.batch_size))
        for shadow in dict.fromkeys([None, args.shadow])
    ]
    result = {
        "model": str(Path(args.model).resolve()),
        "cpu_cores": os.cpu_count(),
        "torch_threads": THREADS,
        "redis": bool(args.redis_url),
        "load_average_1m": os.getloadavg()[0],
        "levels": levels,
        "web_processes": args.processes,
        "in_process": in_process(args.model, runtimes, texts[:256]),
        "servers": {},
    }
    for name, runtime, batch_size, shadow in servers:
        extra = {"TOXILAB_BATCH_MAX_SIZE": str(batch_size), "TOXILAB_WEB_THREADS": str(max(levels))}
        app = webapp(args.model, args.database_url, args.redis_url, tmp := tempfile.mkdtemp(), runtime, extra, shadow)
        with server(app, args.processes) as port:
            client(port)([texts[0]])
            out = result["servers"][name] = {"runtime": runtime, "batch_max_size": batch_size}
            for clients in levels:
                count = max(args.requests, clients * args.per_client)
                out[f"clients_{clients}"] = concurrent(port, [[texts[i % len(texts)]] for i in range(count)], clients)
            out["web_process_rss_mib"] = rss_mib(server.last_pids)
        if shadow:
            out["shadow_run"] = shadow_counts(app[1])
        shutil.rmtree(tmp)
    result["load_average_1m_after"] = os.getloadavg()[0]
    return result


def in_process(model_dir, names, texts):
    """Comments/s of each runtime called directly, at batch 1 and batch 32, on the same comments."""
    import torch

    from ml import runtimes

    torch.set_num_threads(THREADS)
    out = {}
    for name in names:
        classifier = runtimes.load(model_dir, name)
        classifier.predict(texts[:2])
        wall, cpu = time.perf_counter(), time.thread_time()
        for text in texts[:64]:
            classifier.predict([text])
        batch1 = (64 / (time.perf_counter() - wall), 64 / (time.thread_time() - cpu))
        wall, cpu = time.perf_counter(), time.thread_time()
        classifier.predict(texts, batch_size=32)
        batch32 = (len(texts) / (time.perf_counter() - wall), len(texts) / (time.thread_time() - cpu))
        out[name] = {
            "batch_limit": classifier.batch_limit,
            "comments_per_s_batch1": round(batch1[0], 1),
            "comments_per_cpu_s_batch1": round(batch1[1], 1),
            "comments_per_s_batch32": round(batch32[0], 1),
            "comments_per_cpu_s_batch32": round(batch32[1], 1),
        }
        if classifier.batch_limit is not None:  # what batches would give if verdicts could depend on batch-mates
            classifier.batch_limit = None
            wall = time.perf_counter()
            classifier.predict(texts, batch_size=32)
            out[name]["comments_per_s_batch32_unlimited"] = round(len(texts) / (time.perf_counter() - wall), 1)
    return out


def rss_mib(pids):
    """Resident memory of the processes now and at their peak (VmHWM), summed, in MiB."""
    total = {"now": 0, "peak": 0}
    for pid in pids:
        status = Path(f"/proc/{pid}/status").read_text().splitlines()
        fields = dict(line.split(":", 1) for line in status if ":" in line)
        total["now"] += int(fields["VmRSS"].split()[0]) // 1024
        total["peak"] += int(fields["VmHWM"].split()[0]) // 1024
    return total


def read_comments(path, count):
    with open(path, newline="", encoding="utf-8") as f:
        return [row["comment_text"][:5000] for row, _ in zip(csv.DictReader(f), range(count), strict=False)]


def load_classifier(model_dir):
    import torch

    import ml

    torch.set_num_threads(THREADS)
    classifier = ml.load(model_dir)
    classifier.predict(["warm-up"])
    return classifier


def paired(in_process, over_http, inputs):
    """Time each input in-process and then over HTTP, alternating, so that both meet the same
    load from other processes; the overhead is the median of the per-input differences."""
    times = {"in_process": [], "http": []}
    started = {"in_process": 0.0, "http": 0.0}
    for texts in inputs:
        for name, call in (("in_process", in_process), ("http", over_http)):
            t0 = time.perf_counter()
            call(texts)
            elapsed = time.perf_counter() - t0
            times[name].append(elapsed * 1000)
            started[name] += elapsed
    out = {name: summary(ms, started[name]) for name, ms in times.items()}
    extra = [web - local for web, local in zip(times["http"], times["in_process"], strict=True)]
    out["web_overhead_median_ms"] = round(statistics.median(extra), 2)
    out["web_overhead_p50_pct"] = round(100 * (out["http"]["p50_ms"] / out["in_process"]["p50_ms"] - 1), 1)
    return out


def concurrent(port, inputs, threads):
    posts = [client(port) for _ in range(threads)]  # one keep-alive connection per client thread
    chunks = [inputs[i::threads] for i in range(threads)]
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        parts = list(pool.map(lambda i: _latencies(posts[i], chunks[i]), range(threads)))
    return summary([ms for part in parts for ms in part], time.perf_counter() - started)


def _latencies(post, inputs):
    out = []
    for texts in inputs:
        t0 = time.perf_counter()
        post(texts)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def summary(latencies_ms, seconds):
    q = statistics.quantiles(latencies_ms, n=100, method="inclusive")
    return {
        "requests_per_s": round(len(latencies_ms) / seconds, 1),
        "p50_ms": round(q[49], 2),
        "p95_ms": round(q[94], 2),
        "p99_ms": round(q[98], 2),
        "mean_ms": round(statistics.fmean(latencies_ms), 2),
    }


def client(port):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def post(texts):
        body = json.dumps({"texts": texts} if len(texts) > 1 else {"text": texts[0]})
        connection.request("POST", "/api/v1/check", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        payload = response.read()
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}: {payload[:200]!r}")

    return post


def base_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "TEST_DATABASE_NAME")}
    return {**env, **extra}


def webapp(model_dir, database_url, redis_url, tmp, runtime="torch-fp32", extra=None, shadow=None):
    """(application, env) of daphne serving webapp with the model registered and active, served by `runtime`;
    with `shadow` (an artifact directory) registered too and in shadow mode on every check."""
    env = base_env(
        **(extra or {}),
        DATABASE_URL=database_url or f"sqlite:///{tmp}/bench.sqlite3",
        DEBUG="0",
        TOXILAB_HTTPS="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        TOXILAB_RATE_LIMIT="off",
        LOG_LEVEL="WARNING",
    )
    if redis_url:
        env.update(REDIS_URL=redis_url, TOXILAB_RATE_LIMIT="1000000/m")
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    name = f"bench-{secrets.token_hex(3)}"
    # --force: speed needs no quality (the bert-base-shaped student's weights are random)
    subprocess.run(
        [*manage, "register_model", model_dir, "--name", name, "--activate", "--force", "--runtime", runtime],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    if shadow:
        register = [*manage, "register_model", shadow, "--name", f"{name}-shadow", "--runtime", runtime]
        subprocess.run(register, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        start = f"shadow.start(ModelVersion.objects.get(name='{name}-shadow'), max_checks=10**9)"
        shell = [*manage, "shell", "-v", "0", "-c", f"{SHADOW_IMPORTS}; {start}"]
        subprocess.run(shell, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return "webapp.asgi:application", env


SHADOW_IMPORTS = "from webapp.checker import shadow; from webapp.checker.models import ModelVersion, ShadowRun"


def shadow_counts(env):
    """The shadow run's judged and dropped checks, read once the server has stopped."""
    code = f"{SHADOW_IMPORTS}; run = ShadowRun.objects.get(); print(run.judged, run.dropped)"
    shell = [sys.executable, "manage.py", "shell", "-v", "0", "-c", code]
    judged, dropped = subprocess.run(
        shell, cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout.split()
    return {"judged": int(judged), "dropped": int(dropped)}


def bare_asgi(model_dir):
    """(application, env) of daphne serving benchmarks/bare_asgi.py: the model alone, no Django."""
    return "benchmarks.bare_asgi:application", base_env(BARE_ASGI_MODEL=str(Path(model_dir).resolve()))


@contextmanager
def server(app_and_env, processes=1):
    """daphne serving an ASGI application on a free port, given (application, env): yields the port.
    With processes > 1, `python -m webapp.serve` runs that many behind the port (the webapp only)."""
    from tests.support import daphne

    application, env = app_and_env
    if processes > 1:
        with served(env, processes) as port:
            yield port
        return
    with daphne.serving(env, application=application, timeout=180) as running:  # it loads and warms its model first
        server.last_pids = [running.proc.pid]
        yield running.port


@contextmanager
def served(env, processes):
    """`python -m webapp.serve --processes N` on a free port, yielded once every process listens (each
    loads and warms its model first: connections opened earlier would all go to the first one up)."""
    from tests.support import daphne

    port = daphne.free_port()
    with tempfile.NamedTemporaryFile("w+b", suffix=".log") as log:
        command = [sys.executable, "-m", "webapp.serve", "--processes", str(processes), "--port", str(port)]
        env = {**env, "LOG_LEVEL": "INFO"}  # for the warm-up's line, just before each process listens
        proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            deadline = time.monotonic() + 180
            while Path(log.name).read_bytes().count(b"warmed up model version") < processes:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"webapp.serve did not start:\n{Path(log.name).read_text()[-2000:]}")
                time.sleep(0.2)
            children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
            server.last_pids = [int(pid) for pid in children]
            yield port
        finally:
            daphne.stop(proc, timeout=60)


if __name__ == "__main__":
    main()
