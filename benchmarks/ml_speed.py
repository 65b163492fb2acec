"""Training and inference speed of every method, and peak memory, measured in one run. Prints JSON.

    .venv/bin/python benchmarks/ml_speed.py [--teacher bundled-minilm] [--data ../shared/data/wiki_toxic]

- training samples/s per method: a short real run (`--train-steps` batches of 32, max_length 128);
- inference comments/s of the teacher and both students, fp32 and dynamic int8, batch 1 and 32;
- peak RSS of a training process and of a process serving one student (separate processes).
Targets (issue 2): students >= 1.8x the teacher's inference throughput; training RSS < 4 GiB;
a process serving one student < 1 GiB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    from ml.config import DEFAULT_TEACHER
    from tests.support.paths import data_dir

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teacher", default=DEFAULT_TEACHER)
    parser.add_argument("--data", default=str(data_dir()))
    parser.add_argument("--train-steps", type=int, default=8)
    parser.add_argument("--texts", type=int, default=256, help="comments timed at batch 32")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    import torch

    texts = _texts(Path(args.data), args.texts)
    with tempfile.TemporaryDirectory() as tmp:
        report = {
            "machine": {
                "cpu_count": os.cpu_count(),
                "torch_threads": torch.get_num_threads(),
                "python": platform.python_version(),
                "torch": torch.__version__,
                "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
            },
            "teacher": args.teacher,
            "inference": inference_speed(args.teacher, texts, args.repeats, Path(tmp)),
            "training": training_speed(args.teacher, args.data, args.train_steps, Path(tmp)),
        }
        report["memory"] = {"serving_student_peak_rss_mib": serving_rss(Path(tmp) / "odd", texts)}
    inf = report["inference"]
    report["summary"] = {
        f"{name}_speedup_batch{b}_fp32": round(inf[name][f"fp32_batch{b}"] / inf["teacher"][f"fp32_batch{b}"], 2)
        for name in _students()
        for b in (1, 32)
    }
    report["summary"]["training_peak_rss_mib"] = max(r["peak_rss_mib"] for r in report["training"].values())
    report["summary"]["serving_student_peak_rss_mib"] = report["memory"]["serving_student_peak_rss_mib"]
    print(json.dumps(report, indent=2))


def inference_speed(teacher_name: str, texts: list[str], repeats: int, tmp: Path) -> dict:
    """comments/s for teacher, odd and even students; fp32 and int8; batch 1 and 32 (best of repeats)."""
    from ml.inference import Classifier, quantize_int8
    from ml.models import load_classifier, make_student

    teacher, tokenizer = load_classifier(teacher_name)
    models = {"teacher": teacher}
    for student in _students():
        models[student], _ = make_student(teacher, student)
        models[student].save_pretrained(tmp / student)
        tokenizer.save_pretrained(tmp / student)
    results = {}
    for name, model in models.items():
        row = {"layers": model.config.num_hidden_layers, "parameters": sum(p.numel() for p in model.parameters())}
        for precision in ("fp32", "int8"):
            clf = Classifier(quantize_int8(model) if precision == "int8" else model, tokenizer, {})
            row[f"{precision}_batch1"] = _best_rate(clf, texts[:48], 1, repeats)
            row[f"{precision}_batch32"] = _best_rate(clf, texts, 32, repeats)
        results[name] = row
    return results


def _students() -> list[str]:
    from ml.methods import REGISTRY

    return [name for name, method in REGISTRY.items() if method.layers]


def _best_rate(clf, texts: list[str], batch_size: int, repeats: int) -> float:
    clf.predict_proba(texts[:batch_size], batch_size)  # warm-up
    best = 0.0
    for _ in range(repeats):
        started = time.perf_counter()
        clf.predict_proba(texts, batch_size)
        best = max(best, len(texts) / (time.perf_counter() - started))
    return round(best, 1)


def training_speed(teacher: str, data: str, steps: int, tmp: Path) -> dict:
    """Each method trains `steps` batches of 32 in its own process; samples/s excludes evaluation."""
    from ml.methods import names

    results = {}
    for method in names():
        out = tmp / f"train-{method}"
        cmd = [
            sys.executable,
            "-m",
            "ml",
            "train",
            "--method",
            method,
            "--teacher",
            teacher,
            "--dataset",
            data,
            "--output",
            str(out),
            "--max-train-samples",
            str(steps * 32),
            "--max-eval-samples",
            "64",
            "--epochs",
            "1",
            "--batch-size",
            "32",
            "--max-length",
            "128",
            "--cpu",
        ]
        metrics, rss = _run_child(cmd)
        results[method] = {
            "samples_per_s": metrics["samples_per_s"],
            "train_seconds": metrics["train_seconds"],
            "trainable_parameters": metrics["parameters"]["trainable"],
            "total_parameters": metrics["parameters"]["total"],
            "peak_rss_mib": rss,
        }
    return results


def serving_rss(student_dir: Path, texts: list[str]) -> float:
    """Peak RSS of a fresh process that loads one student and classifies the texts."""
    code = (
        "import json,sys; from ml.inference import Classifier; c=Classifier.load(sys.argv[1]); "
        "c.predict(json.load(open(sys.argv[2]))); print('{}')"
    )
    texts_file = student_dir.parent / "texts.json"
    texts_file.write_text(json.dumps(texts))
    _, rss = _run_child([sys.executable, "-c", code, str(student_dir), str(texts_file)])
    return rss


def _run_child(cmd: list[str]) -> tuple[dict, float]:
    """Run cmd, return its last stdout line as JSON and its own peak RSS in MiB (via wait4)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"benchmark child failed: {' '.join(cmd)}\n{err.read()[-2000:]}")
        return json.loads(out.read().strip().splitlines()[-1]), round(usage.ru_maxrss / 1024, 1)


def _texts(data: Path, n: int) -> list[str]:
    import pandas as pd

    frame = pd.read_csv(data / "test.csv", keep_default_na=False)
    return frame["comment_text"].sample(n=n, random_state=0).tolist()


if __name__ == "__main__":
    main()
