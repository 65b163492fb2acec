"""Latency from a training step to its point on the browser's chart, and database rows written per
100 steps. Prints JSON.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python benchmarks/dashboard_latency.py [--epochs 2] [--log-every 1]

A real training run (the tiny random 4-layer BERT of the tests, on the real wiki_toxic sample)
reports through the real JobReporter in this process, exactly as a worker's task does; daphne serves
the job page to headless Chromium over the real Redis channel layer and a scratch PostgreSQL
database. For each logged step, the latency is the time from ml's on_progress call to the moment
the page's script has drawn the point (its `job:points` event), on the same clock.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

from dashboard_common import DATA_DIR, cpu_info, daphne_server, percentile, scratch_database, staff_session

from tests.support import chromium
from tests.support.tiny_bert import make_tiny_bert

RECORD_DRAWN = """
window.__drawn = [];
document.addEventListener("job:points", (event) => {
  const now = Date.now();
  for (const step of event.detail.steps) window.__drawn.push([step, now]);
});
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--train-samples", type=int, default=1600, help="100 steps per epoch at batch 16")
    parser.add_argument("--log-every", type=int, default=1, help="log_every_steps (ml's default is 10)")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="toxilab-bench-"))
    with scratch_database():
        figures = measure(args, work)
    figures["machine"]["load_average_1min_before"] = round(load_before, 2)
    print(json.dumps(figures, indent=2))


def measure(args, work):
    from django.conf import settings

    import ml
    from webapp.training import attempts
    from webapp.training.models import EvaluationResult, TrainingJob, TrainingMetric
    from webapp.training.options import validate
    from worker.progress import JobReporter

    teacher = make_tiny_bert(work / "tiny-bert")
    settings.TOXILAB_ARTIFACTS_DIR = work / "artifacts"
    config = validate(
        {
            "method": "teacher",
            "teacher": str(teacher),
            "dataset": str(DATA_DIR),
            "epochs": args.epochs,
            "batch_size": 16,
            "max_length": 32,
            "max_train_samples": args.train_samples,
            "max_eval_samples": 64,
            "log_every_steps": args.log_every,
            "lr": 1e-3,
        }
    )
    user, cookie = staff_session()
    job = TrainingJob.objects.create(
        method="teacher",
        teacher=str(teacher),
        dataset=str(DATA_DIR),
        config=config,
        created_by=user,
        celery_task_id=str(uuid.uuid4()),
    )
    reported = {}
    attempt = attempts.claim(job.pk, job.celery_task_id, worker="benchmark", pid=0, device_for=lambda c: "cpu")
    reporter = JobReporter(attempt)
    with daphne_server(work / "daphne.log") as server, browser_page(server.host, cookie, job.pk) as page:

        def on_progress(progress):
            if progress.kind == "step":
                reported[progress.step] = time.time() * 1000
            reporter(progress)

        started = time.monotonic()
        with reporter:
            result = ml.train(attempt.config, on_progress=on_progress, should_stop=reporter.should_stop)
        train_s = time.monotonic() - started
        time.sleep(2)  # let the last batch reach the page
        drawn = dict(page.evaluate("window.__drawn"))
    attempts.finish(attempt, result)

    latencies = [drawn[step] - at for step, at in reported.items() if step in drawn]
    steps = result.metrics["steps"]
    rows = {
        "metric_rows": TrainingMetric.objects.filter(job=job).count(),
        "evaluation_rows": EvaluationResult.objects.filter(job=job, final=False).count(),
        "job_row_updates": reporter.stats["job_updates"],
    }
    return {
        "benchmark": "dashboard step -> chart latency and database writes",
        "training": {
            "steps": steps,
            "log_every_steps": args.log_every,
            "logged_points": len(reported),
            "train_seconds": round(train_s, 1),
            "steps_per_s": round(steps / train_s, 1),
        },
        "latency_ms": {
            "p50": _r(percentile(latencies, 50)),
            "p95": _r(percentile(latencies, 95)),
            "max": _r(max(latencies)),
            "points_drawn": len(latencies),
            "points_missing": len(reported) - len(latencies),
        },
        "database": {
            **rows,
            "write_batches": reporter.stats["flushes"],
            "heartbeat_updates": reporter.stats["heartbeats"],
            "rows_written_per_100_steps": round(100 * sum(rows.values()) / steps, 1),
            "write_transactions_per_s": round(reporter.stats["job_updates"] / train_s, 2),
        },
        "channel_events_sent": reporter.stats["events"],
        "flush_interval_ms": settings.TOXILAB_PROGRESS_FLUSH_MS,
        "machine": cpu_info(),
    }


class browser_page:
    """Headless Chromium showing the job page, signed in, recording when each point is drawn."""

    def __init__(self, host, cookie, job_id):
        self.host, self.cookie, self.job_id = host, cookie, job_id

    def __enter__(self):
        from playwright.sync_api import sync_playwright

        if chromium.missing_reason():
            sys.exit(chromium.missing_reason())
        # Playwright's sync API keeps an event loop on this thread; the ORM calls made here meanwhile
        # are plain blocking calls, not coroutines (daphne, started before, keeps Django's check).
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        self.playwright = sync_playwright().start()
        self.browser = chromium.launch_with(self.playwright)
        context = self.browser.new_context()
        context.add_cookies([{"name": "sessionid", "value": self.cookie, "url": f"http://{self.host}"}])
        page = context.new_page()
        page.add_init_script(RECORD_DRAWN)
        page.goto(f"http://{self.host}/dashboard/jobs/{self.job_id}/")
        page.wait_for_function("document.getElementById('live-state').textContent === 'live'")
        return page

    def __exit__(self, *exc):
        self.browser.close()
        self.playwright.stop()


def _r(value):
    return None if value is None else round(value, 1)


if __name__ == "__main__":
    main()
