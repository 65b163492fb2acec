"""The monitoring page's figures at volume (PostgreSQL): how long figures.report takes for one version.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/toxilab_bench .venv/bin/python benchmarks/monitoring.py \
        [--rows 1000000] [--repeat 5]

Fills the database as benchmarks/review_queries.py does (--rows synthetic predictions over 90 days,
three versions, 2 % reviewed, 0.5 % flagged; it tops up to --rows), gives the first version scores on
the gate's sample to drift against, then times figures.report (every query the page and the API run)
and alerts.crossed for windows of 1, 7, 30 and 90 days, through Django's test client as well (the
whole page: the report, the template and the charts' data). The version's kept daily counts
(webapp/monitoring/rollups.py) are deleted first, so each window's first report (timed on its own)
counts the ended days that the shorter windows before it did not; last, the beat task's keeping of 90
days from none. Prints one JSON object: the median and the largest ms over --repeat runs, and the
checks in each window. Nothing is asserted.
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
PAGE = "/dashboard/monitoring/"


def main():
    from review_queries import arguments, filled  # benchmarks/ is on sys.path as the script's folder

    args = arguments(__doc__, 1_000_000)
    connection = filled(args.rows)
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    cases = measure(reference_scores(), args.repeat)
    print(json.dumps({"rows": args.rows, "postgres": connection.pg_version, "cases": cases}, indent=2))


def reference_scores():
    """bench-1, scored on a uniform 2,000-comment stand-in of the gate's sample (once)."""
    import random

    from webapp.checker import scoring
    from webapp.checker.models import ModelVersion, SampleScores

    version = ModelVersion.objects.get(name="bench-1")
    rng = random.Random(0)
    probabilities = [rng.random() for _ in range(2000)]
    SampleScores.keep(version, scoring.sample_key(), [int(p >= 0.5) for p in probabilities], probabilities)
    return version


def timed(work, repeat):
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        runs.append((time.perf_counter() - start) * 1000)
    return {"median_ms": round(statistics.median(runs), 1), "max_ms": round(max(runs), 1)}


def measure(version, repeat):
    from django.contrib.auth import get_user_model
    from django.test import Client

    from webapp.monitoring import alerts, figures, rollups
    from webapp.monitoring.models import DailyCounts

    staff, _ = get_user_model().objects.get_or_create(username="bench-staff", defaults={"is_staff": True})
    client = Client()
    client.force_login(staff)
    figures._reference_length = lambda key: None  # the gate's dataset is not this benchmark's
    DailyCounts.objects.filter(model_version=version).delete()
    cases = {}
    for days in (1, 7, 30, 90):
        window = figures.Window.last(version, days)
        cases[f"{days} days"] = {
            "checks": window.checks().count(),
            # the first report counts and keeps the ended days that earlier (shorter) windows did not
            "first_report": timed(lambda d=days: figures.report(version, d), 1)["max_ms"],
            "report": timed(lambda d=days: figures.report(version, d), repeat),
            "alerts": timed(lambda d=days: alerts.crossed(version, d), repeat),
            "page": timed(lambda d=days: client.get(PAGE, {"model": version.pk, "days": d}), repeat),
        }
    DailyCounts.objects.filter(model_version=version).delete()
    cases["keep 90 days from none"] = timed(lambda: rollups.keep(version, alerts.KEEP_DAYS), 1)["max_ms"]
    return cases


if __name__ == "__main__":
    main()
