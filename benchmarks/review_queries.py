"""Query plans and timings of the review page at volume (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/toxilab_bench .venv/bin/python benchmarks/review_queries.py \
        [--rows 100000] [--repeat 5]

Migrates the database, fills it with --rows synthetic predictions (once: it tops up to --rows),
reviews 2% of them and flags 0.5% (as end users' "Is this wrong?"), then for each filter of the page
(and the review queue's orders) runs the page's own queries (the rows of a page, the capped count,
the per-model summary) through EXPLAIN ANALYZE and the ORM, and prints one JSON object: per case
the median ms of each query over --repeat runs and the plan's top node with the indexes it reads.
Nothing is asserted: figures for the README.
"""

import argparse
import json
import os
import random
import re
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")

WORDS = [
    "wiki",
    "edit",
    "thanks",
    "revert",
    "source",
    "idiot",
    "article",
    "please",
    "stupid",
    "citation",
    "vandal",
    "talk",
    "page",
    "sock",
    "block",
    "admin",
    "policy",
    "bias",
    "fool",
    "great",
]


def main():
    args = arguments(__doc__, 100_000)
    connection = filled(args.rows)
    print(json.dumps({"rows": args.rows, "postgres": connection.pg_version, "cases": measure(args.repeat)}, indent=2))


def arguments(doc, rows):
    """--rows (default `rows`) and --repeat, for this benchmark and benchmarks/monitoring.py."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--rows", type=int, default=rows)
    parser.add_argument("--repeat", type=int, default=5)
    return parser.parse_args()


def filled(rows):
    """Django set up on a migrated PostgreSQL database holding `rows` predictions (seed), analysed;
    returns the connection. Exits with a message on another database."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("set DATABASE_URL=postgres://... (the plans worth measuring are PostgreSQL's)")
    call_command("migrate", verbosity=0)
    seed(rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE checker_prediction")
    return connection


def seed(total):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from webapp.checker.models import ModelVersion, Prediction
    from webapp.review import actions

    versions = [
        ModelVersion.objects.get_or_create(
            name=f"bench-{n}", defaults={"method": "odd", "teacher": "bundled-minilm", "artifact_path": "/bench"}
        )[0]
        for n in (1, 2, 3)
    ]
    have = Prediction.objects.count()
    rng = random.Random(have)
    now = timezone.now()
    batch = []
    for i in range(have, total):
        probability = rng.random()
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 40))) + f" #{i}"
        batch.append(
            Prediction(
                text=text,
                label="toxic" if probability >= 0.5 else "non-toxic",
                toxic_probability=probability,
                model_version=versions[i % 3],
                source="page" if i % 4 == 0 else "api",
                created=now - timedelta(seconds=rng.randrange(90 * 86400)),
            )
        )
        if len(batch) == 10_000:
            Prediction.objects.bulk_create(batch)
            batch = []
    Prediction.objects.bulk_create(batch)
    reviewer, _ = get_user_model().objects.get_or_create(username="bench-reviewer", defaults={"is_staff": True})
    unreviewed = list(Prediction.objects.filter(reviewed_at__isnull=True).values_list("pk", flat=True))
    wanted = total // 50 - (total - len(unreviewed))
    for start in range(0, max(wanted, 0), actions.MAX_BULK):
        chunk = rng.sample(unreviewed, min(actions.MAX_BULK, wanted - start))
        unreviewed = list(set(unreviewed) - set(chunk))
        actions.review(chunk, reviewer, rng.choice(["confirm", "toxic", "non-toxic"]))
    if not Prediction.objects.filter(first_flagged_at__isnull=False).exists():
        ids = list(Prediction.objects.values_list("pk", flat=True))
        Prediction.objects.filter(pk__in=rng.sample(ids, total // 200)).update(flag_count=1, first_flagged_at=now)


CASES = {
    "first page, newest": {},
    "verdict toxic": {"label": "toxic"},
    "probability 0.40-0.45, most toxic": {"min_probability": 0.4, "max_probability": 0.45, "sort": "most-toxic"},
    "one model, source page": {"model": "bench-2", "source": "page"},
    "last 7 days": {"since": 7},
    "reviewed": {"reviewed": "yes"},
    "relabelled": {"reviewed": "relabelled"},
    "text 'vandal sock'": {"q": "vandal sock"},
    "text 'idiot' + toxic + page": {"q": "idiot", "label": "toxic", "source": "page"},
    "deep page (after row 80,000)": {"deep": 80_000},
    "queue: unreviewed, most uncertain first": {"reviewed": "no", "sort": "most-uncertain"},
    "queue: unreviewed, newest first": {"reviewed": "no", "sort": "newest"},
    "flagged by users": {"flagged": "yes"},
}

QUERY_NAMES = ("page rows", "capped count", "per-model summary")


def measure(repeat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from webapp.checker.models import ModelVersion, Prediction
    from webapp.review import filters, summary

    results = {}
    for name, case in CASES.items():
        query = dict(case)
        after = None
        if "deep" in query:
            row = Prediction.objects.order_by("-created", "-id")[query.pop("deep")]
            after = filters.encode_cursor(row, "created")
        if "model" in query:
            query["model"] = ModelVersion.objects.get(name=query["model"]).pk
        if "since" in query:
            query["since"] = (timezone.localdate() - timedelta(days=query["since"])).isoformat()
        form = filters.PredictionFilter(query)
        assert form.is_valid(), form.errors
        with CaptureQueriesContext(connection) as captured:
            page = filters.page(form, after=after, rows=form.queryset().select_related("model_version"))
            figures = summary.per_model(form.queryset())
        sqls = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith('SELECT "checker_modelversion"')]
        timings = [[] for _ in sqls]
        plans = []
        with connection.cursor() as cursor:
            for i, sql in enumerate(sqls):
                for _ in range(repeat):
                    start = time.perf_counter()
                    cursor.execute(sql)
                    cursor.fetchall()
                    timings[i].append((time.perf_counter() - start) * 1000)
                cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql)
                plans.append([line for (line,) in cursor.fetchall()])
        results[name] = {
            "rows_on_page": len(page.rows),
            "count": page.count_text,
            "models": len(figures),
            "queries": [
                {"what": what, "median_ms": round(statistics.median(t), 2), "plan": _outline(plan)}
                for what, t, plan in zip(QUERY_NAMES, timings, plans, strict=True)
            ],
        }
    return results


def _outline(plan):
    """The plan's node lines, shortened: which scans and indexes, not every filter."""
    nodes = [re.sub(r"\s*\(actual.*", "", line).strip() for line in plan if "->" in line or line is plan[0]]
    return [node.removeprefix("-> ") for node in nodes][:6]


if __name__ == "__main__":
    main()
