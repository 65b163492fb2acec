"""Time from `make run` on a fresh database to the checker's first verdict, and to each of the starter's
later models.

    .venv/bin/python benchmarks/first_verdict.py [--port 8765] [--all] [--timeout 5400]

Starts `python -m webapp.launcher` as `make run` does, on a throw-away SQLite database and artifacts
directory (REDIS_URL unset: the embedded Redis), then polls GET /first-model until a model serves and
POST /api/v1/check answers; with --all, goes on until the starter has judged each job of its preset
(promoted through the quality gate, or refused) or the job stopped. Prints one JSON object: the first
verdict, and per stage its job's start, end and judgement (seconds from launch), its whole-test-split and
gate figures, and the timeline of promotions. The machine may be shared: quote load_average_1m with the
figures.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STOPPED = ("failed", "cancelled")
ENDED = ("succeeded", *STOPPED)


def get_json(url, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, None
    except (OSError, ValueError):
        return None, None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--all", action="store_true", help="wait for the starter's judgement of every later run")
    parser.add_argument("--timeout", type=float, default=5400)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="first-verdict-"))
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "TOXILAB_STARTER")}
    env.update(
        PORT=str(args.port),
        DATABASE_URL=f"sqlite:///{work / 'db.sqlite3'}",
        TOXILAB_SECRET_KEY_FILE=str(work / "secret_key"),
        TOXILAB_ARTIFACTS_DIR=str(work / "artifacts"),
        DJANGO_SUPERUSER_PASSWORD="benchmark-password",
    )
    base = f"http://127.0.0.1:{args.port}"
    start, started_at = time.monotonic(), datetime.now(UTC)
    figures = {"load_average_1m_at_start": os.getloadavg()[0], "commit": _commit(), "states": {}}
    with (work / "launcher.log").open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "webapp.launcher"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        while time.monotonic() - start < args.timeout and proc.poll() is None:
            code, status = get_json(f"{base}/first-model")
            if status:
                figures["states"].setdefault(status["state"], round(time.monotonic() - start, 1))
            if status and status["ready"] and "first_verdict_s" not in figures:
                code, verdict = get_json(f"{base}/api/v1/check", {"text": "You are a wonderful person."})
                if code == 200:
                    figures["first_verdict_s"] = round(time.monotonic() - start, 1)
                    figures["first_model"] = verdict.get("model")
                    if not args.all:
                        break
            if "first_verdict_s" in figures and args.all:
                stages = _stages(work, started_at)
                if stages and all(stage["judged"] for stage in stages):
                    break
            time.sleep(2)
    finally:
        figures["load_average_1m_at_end"] = os.getloadavg()[0]
        figures["work_dir"] = str(work)
        if (work / "db.sqlite3").exists():
            figures["stages"] = _stages(work, started_at)
            figures["promotions"] = _promotions(work, started_at)
        print(json.dumps(figures, indent=2), flush=True)
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:  # the worker waits for its running job: its children die with it
            proc.kill()
            proc.wait()


def _stages(work, started_at):
    """Each of the starter's jobs by stage: status, when it started and ended (s from launch), whether the
    starter has judged it (promoted, or refused with a line in its log; a stopped job counts as judged),
    its figures on the whole test split and on the gate's comments."""
    rows = _query(
        work,
        "SELECT j.id, j.starter_stage, j.method, j.status, j.started, j.finished, j.metrics, v.serving_f1,"
        " (SELECT MIN(p.promoted_at) FROM checker_promotion p WHERE p.model_version_id = v.id),"
        " (SELECT message FROM training_joblogentry e WHERE e.job_id = j.id"
        "  AND e.message LIKE 'not promoted by the starter%')"
        " FROM training_trainingjob j LEFT JOIN checker_modelversion v ON v.id = j.model_version_id"
        " WHERE j.starter_stage != '' ORDER BY j.id",
    )
    stages = []
    for job_id, stage, method, status, started, finished, metrics, gate_f1, promoted, refusal in rows:
        metrics = json.loads(metrics or "{}")
        test = metrics.get("test") or {}
        stages.append(
            {
                "stage": stage,
                "job": job_id,
                "method": method,
                "status": status,
                "started_s": _since(started_at, started),
                "ended_s": _since(started_at, finished) if status in ENDED else None,
                "train_seconds": metrics.get("train_seconds"),
                "eval_seconds": metrics.get("eval_seconds"),
                "precision": metrics.get("precision"),
                "test_rows": test.get("n"),
                "test_f1": test.get("f1"),
                "test_roc_auc": test.get("roc_auc"),
                "gate_f1": gate_f1,
                "promoted_s": _since(started_at, promoted),
                "refusal": refusal,
                "judged": bool(promoted or refusal) or status in STOPPED,
            }
        )
    return stages


def _promotions(work, started_at):
    rows = _query(
        work,
        "SELECT p.promoted_at, v.name, v.method, v.runtime, v.serving_f1 FROM checker_promotion p"
        " JOIN checker_modelversion v ON v.id = p.model_version_id ORDER BY p.promoted_at",
    )
    return [
        {"at_s": _since(started_at, at), "model": name, "method": method, "runtime": runtime, "gate_f1": f1}
        for at, name, method, runtime, f1 in rows
    ]


def _query(work, sql):
    import sqlite3

    db = sqlite3.connect(work / "db.sqlite3")
    try:
        return db.execute(sql).fetchall()
    except sqlite3.OperationalError:  # not migrated yet
        return []
    finally:
        db.close()


def _since(started_at, stamp):
    """Seconds from the launch to a timestamp as SQLite stores Django's (UTC, ISO 8601), or None."""
    if not stamp:
        return None
    moment = datetime.fromisoformat(stamp)
    return round((moment.replace(tzinfo=moment.tzinfo or UTC) - started_at).total_seconds(), 1)


def _commit():
    return subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()


if __name__ == "__main__":
    main()
