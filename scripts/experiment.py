"""`make experiment`: the default study (teacher, odd, even, LoRA and the baseline where ml has it;
3 seeds) on the bundled MiniLM and a sample of the real wiki_toxic data, run by real Celery workers,
then docs/RESULTS.md written from the study's own export.

The study lives in its own SQLite database under --out (with its runs), with an embedded Redis
unless REDIS_URL is set. Run it again after an interruption and it resumes: succeeded jobs are
kept, jobs left queued or running are sent again, failed or cancelled ones are retried. The sample
is sized for about 90 minutes on 2 CPU cores (measured: 80 minutes on 2 cores shared with CI runs, README).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = Path(os.environ.get("TOXILAB_DATA_DIR", ROOT.parent / "shared" / "data" / "wiki_toxic"))
METHODS = ("teacher", "odd", "even", "lora", "baseline")


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/experiment", help="the study's database and runs")
    parser.add_argument("--results", default="docs/RESULTS.md")
    parser.add_argument("--fresh", action="store_true", help="forget an earlier (interrupted) study")
    parser.add_argument("--workers", type=int, default=1, help="Celery workers to start (cores are shared)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--teacher", default="bundled-minilm")
    parser.add_argument("--data", default=str(DATA))
    parser.add_argument("--max-train-samples", type=int, default=1500)
    parser.add_argument("--max-eval-samples", type=int, default=1000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=32)
    return parser.parse_args()


def main() -> int:
    args = arguments()
    out = (ROOT / args.out).resolve()
    if args.fresh:
        shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{out / 'study.sqlite3'}"
    os.environ["TOXILAB_ARTIFACTS_DIR"] = str(out / "artifacts")
    os.environ["TOXILAB_TRAINING_QUEUE"] = "experiment"
    os.environ["TOXILAB_RUNTIME_CHOICE"] = "0"  # no serving-runtime measurement after each job
    os.environ["TOXILAB_STARTER"] = "0"  # the study's database never serves: no first model to train
    from webapp import launcher

    children, redis_dir = [], None
    try:
        if not os.environ.get("REDIS_URL"):
            redis_dir = Path(tempfile.mkdtemp(prefix=launcher.REDIS_DIR_PREFIX))
            children.append(launcher.start_embedded_redis(redis_dir))
        launcher.prepare_django()
        study = find_or_create(args)
        children += start_workers(args.workers)
        resend(study)
        study = wait(study)
    except KeyboardInterrupt:
        print("stopped; run it again to resume", file=sys.stderr)
        return 130
    finally:
        launcher.stop_all([("experiment", proc) for proc in children])
        if redis_dir is not None:
            shutil.rmtree(redis_dir, ignore_errors=True)
    write_results(study, out, ROOT / args.results)
    return 0 if study_status(study) == "succeeded" else 1


def find_or_create(args):
    from django.contrib.auth import get_user_model

    from ml import methods
    from webapp.studies import studies
    from webapp.studies.models import Study

    user, _ = get_user_model().objects.get_or_create(username="experiment", defaults={"is_staff": True})
    study = Study.objects.order_by("-id").first()
    if study is not None:
        print(f"resuming study {study.pk}", file=sys.stderr)
        if studies.status(study) in ("failed", "cancelled"):
            studies.retry(study, user)
        return study
    body = {
        "methods": [name for name in METHODS if name in methods.REGISTRY],
        "seeds": args.seeds,
        "teacher": args.teacher,
        "dataset": args.data,
        "max_train_samples": args.max_train_samples,
        "max_eval_samples": args.max_eval_samples,
        "epochs": args.epochs,
        "max_length": args.max_length,
        "batch_size": args.batch_size,
    }
    study = studies.create(body, user)
    print(f"study {study.pk}: {len(study.runs.all())} jobs", file=sys.stderr)
    return study


def start_workers(count):
    """Workers with fixed names: a restarted one recovers the jobs its killed predecessor left running."""
    from webapp import launcher

    threads = str(max(1, (os.cpu_count() or 1) // count))
    return [
        launcher.spawn([*launcher.celery_worker_command(), "-n", f"experiment{i}@%h"], OMP_NUM_THREADS=threads)
        for i in range(count)
    ]


def resend(study):
    """Queued jobs of an earlier run lost their messages with its Redis: send them again under a new
    task id (a message that did survive then finds itself superseded and is skipped)."""
    import uuid

    from webapp.training import lifecycle
    from webapp.training.models import TrainingJob

    for run in study.runs.select_related("job"):
        job = run.job
        if job.status == TrainingJob.Status.QUEUED and job.attempts == 0 and job.started is None:
            job.celery_task_id = str(uuid.uuid4())
            if TrainingJob.objects.filter(pk=job.pk, status="queued").update(celery_task_id=job.celery_task_id):
                lifecycle.enqueue(job)


def study_status(study):
    from webapp.studies import studies

    return studies.status(study)


def wait(study, every=10):
    from webapp.studies import studies

    while True:
        cells = studies.runs(study)
        status, progress = studies.status(study, cells), studies.progress(cells)
        eta = "" if progress["eta_s"] is None else f", about {progress['eta_s'] / 60:.0f} min left"
        print(f"study {study.pk}: {status}, {progress['done']}/{progress['total']} jobs done{eta}", file=sys.stderr)
        if status not in ("queued", "running"):
            return study
        time.sleep(every)


def write_results(study, out, results_path):
    from webapp.studies import results

    data = results.export(study)
    (out / "study.json").write_text(json.dumps(data, indent=2) + "\n")
    (out / "study.csv").write_text(results.to_csv(study))
    kept = results_path.read_text().partition(KEPT)[2] if results_path.is_file() else ""
    results_path.write_text(render(data, out) + (f"\n{KEPT}{kept}" if kept else ""))
    print(f"wrote {results_path} from {out / 'study.json'}", file=sys.stderr)


# What follows this line in docs/RESULTS.md is written by hand (measured otherwise) and kept as it is.
KEPT = "<!-- below: not written by make experiment -->"


def render(data: dict, out: Path) -> str:
    """docs/RESULTS.md from the study's export (study.json)."""
    import torch

    from webapp.studies.results import FIGURES, mean_std

    options = data["options"]
    devices = sorted({job["worker"] for job in data["jobs"] if job["worker"]})
    lines = [
        "# Results: a study of teacher, odd/even students, LoRA and the baseline on wiki_toxic",
        "",
        f"Made by `make experiment` on {datetime.now(UTC):%Y-%m-%d} at commit {_commit()} from study {data['id']} "
        f"({os.cpu_count()} CPU cores, torch {torch.__version__}, Python {platform.python_version()}, "
        f"workers {', '.join(devices) or '—'}); status {data['status']}, "
        f"{data['progress']['succeeded']}/{data['progress']['total']} jobs succeeded.",
        f"Seeds {', '.join(map(str, data['seeds']))}; options: "
        + ", ".join(f"{k} {v}" for k, v in sorted(options.items()))
        + ". Each seed draws its own stratified sample; every method of a seed is tested on the same comments.",
        "",
        "## Per method (test split, threshold 0.5; mean ± standard deviation over seeds)",
        "",
        "| method | seeds | " + " | ".join(heading for _, heading, _, _ in FIGURES) + " |",
        "|---|---|" + "---|" * len(FIGURES),
    ]
    for row in data["results"]:
        cells = [mean_std(row[key], fmt) for key, _, _, fmt in FIGURES]
        lines.append(f"| {row['method']} | {row['seeds']} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Comparisons (paired bootstrap, 95 % CI, points of the metric)",
        "",
        *(f"- {c['sentence']}" for c in data["comparisons"]),
        "",
        "The difference is the first method minus the second, averaged over the seeds where both succeeded; "
        "each bootstrap draw resamples every seed's test comments, the same ones for both methods (ml/stats.py). "
        "Speed figures (comments/s, train s) depend on whatever else the machine ran meanwhile; "
        "the speed comparison on an idle machine is `benchmarks/ml_speed.py` (docs/BENCHMARKS.md).",
        "",
        # Measured elsewhere (docs/BENCHMARKS.md, with their commits); quoted so the results page has them.
        "Every run here trains on batches grouped by token length (`group_by_length`, on by default): 42 % fewer "
        "token slots than random batches and about 1.5x the training samples/s, F1 the same within noise "
        "(`benchmarks/length_grouping.py` at commit 65566f6, docs/BENCHMARKS.md). The baseline trained on the "
        "whole training split (60,828 comments, commit b20c5eb) scored test F1 0.854 and ROC-AUC 0.976 on all "
        "7,978 test comments (docs/BENCHMARKS.md).",
        "",
        f"Written from the study's export, `{_shown(out)}/study.json` (and `study.csv`).",
    ]
    return "\n".join(lines) + "\n"


def _commit() -> str:
    import subprocess

    found = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True)
    return found.stdout.strip() or "unknown"


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


if __name__ == "__main__":
    sys.exit(main())
