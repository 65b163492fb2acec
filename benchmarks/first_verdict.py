"""Time from `make run` on a fresh database to the checker's first verdict, and to the starter's student.

    .venv/bin/python benchmarks/first_verdict.py [--port 8765] [--student] [--timeout 3600]

Starts `python -m webapp.launcher` as `make run` does, on a throw-away SQLite database and artifacts
directory (REDIS_URL unset: the embedded Redis), then polls GET /first-model until a model serves and
POST /api/v1/check answers; with --student, goes on until the starter has judged its student (promoted
through the quality gate, or refused) or the student failed. Prints
one JSON object. The machine may be shared: quote load_average_1m with the figures.
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
    parser.add_argument("--student", action="store_true")
    parser.add_argument("--timeout", type=float, default=3600)
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
    start = time.monotonic()
    figures = {"load_average_1m_at_start": os.getloadavg()[0], "states": {}}
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
                    if not args.student:
                        break
            if "first_verdict_s" in figures and args.student:
                student = _student(work)
                if student["status"] in ENDED:
                    figures.setdefault("student_ended_s", round(time.monotonic() - start, 1))
                if student["judged"] or student["status"] in STOPPED:
                    figures["student_judged_s"] = round(time.monotonic() - start, 1)
                    figures["student"] = student
                    break
            time.sleep(1)
    finally:
        figures["load_average_1m_at_end"] = os.getloadavg()[0]
        figures["work_dir"] = str(work)
        print(json.dumps(figures, indent=2), flush=True)
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:  # the worker waits for its running job: its children die with it
            proc.kill()
            proc.wait()


def _student(work):
    """The starter's student job: its status, test F1, and whether the starter has judged it yet: promoted
    (a promotion of its model version) or refused (a line in its log)."""
    import sqlite3

    db = sqlite3.connect(work / "db.sqlite3")
    try:
        job = db.execute(
            "SELECT j.id, j.status, j.model_version_id, j.metrics FROM training_starter s"
            " JOIN training_trainingjob j ON j.id = s.student_job_id"
        ).fetchone()
        if job is None:
            return {"status": None, "judged": False}
        promoted = db.execute("SELECT 1 FROM checker_promotion WHERE model_version_id = ?", (job[2],)).fetchone()
        refusal = db.execute(
            "SELECT message FROM training_joblogentry WHERE job_id = ? AND message LIKE 'not promoted by the starter%'",
            (job[0],),
        ).fetchone()
    finally:
        db.close()
    test = json.loads(job[3] or "{}").get("test") or {}
    return {
        "status": job[1],
        "judged": bool(promoted or refusal),
        "promoted": bool(promoted),
        "refusal": refusal[0] if refusal else None,
        "test_f1": test.get("f1"),
    }


if __name__ == "__main__":
    main()
