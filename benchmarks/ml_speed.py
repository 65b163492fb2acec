"""Training, evaluation and inference speed of the methods at each precision, and peak memory, measured
in one run. Prints JSON.

    .venv/bin/python benchmarks/ml_speed.py [--teacher bundled-minilm] [--data ../shared/data/wiki_toxic]
        [--precisions fp32,bf16] [--today REF]

- training samples/s per method and precision: a short real run (`--train-steps` batches of 32,
  max_length 128, `python -m ml train` in its own process), over the whole run and "steady" (without
  its first quarter, whose steps also build kernels for each new batch shape); with `--today REF`, also
  the code at git ref REF (a worktree of it) training at its own default precision, fp32 on a CPU:
  "today's" figure;
- evaluation comments/s over `--eval-texts` test comments, as a run scores a split: batches of 32 in
  file order at fp32 (how runs scored before), then sorted by length at each precision;
- inference comments/s of the teacher and both students through Classifier: fp32, bf16 and dynamic
  int8, batch 1 and 32 (best of `--repeats`);
- peak RSS of the training processes and of a process serving one student.
Targets (issue 21): training samples/s of the teacher and a student at bf16 >= 2.5x today's fp32;
evaluation >= 3x. Earlier (issue 2): students >= 1.8x the teacher's inference throughput; training RSS
< 4 GiB; a process serving one student < 1 GiB.
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
TRAINED_METHODS = ("teacher", "odd", "even", "lora")


def main() -> None:
    from ml.config import DEFAULT_TEACHER
    from tests.support.paths import data_dir

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teacher", default=DEFAULT_TEACHER)
    parser.add_argument("--data", default=str(data_dir()))
    parser.add_argument("--methods", default=",".join(TRAINED_METHODS), help="methods whose training is timed")
    parser.add_argument("--precisions", default="fp32,bf16")
    parser.add_argument("--today", help="git ref of the code to compare with (its default precision)")
    parser.add_argument("--train-steps", type=int, default=64)
    parser.add_argument("--texts", type=int, default=256, help="comments timed at batch 32")
    parser.add_argument("--eval-texts", type=int, default=2000, help="comments of an evaluation pass")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    import torch

    from ml.precision import native_bf16

    precisions = args.precisions.split(",")
    texts = _texts(Path(args.data), args.texts)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        report = {
            "machine": {
                "cpu_count": os.cpu_count(),
                "torch_threads": torch.get_num_threads(),
                "native_bf16": native_bf16("cpu"),
                "python": platform.python_version(),
                "torch": torch.__version__,
                "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
                "load_average_before": [round(x, 2) for x in load_before],
            },
            "commit": _git("rev-parse", "--short", "HEAD"),
            "teacher": args.teacher,
            # training first, while this process is small: a child's peak RSS (wait4) counts the pages it
            # shared with its parent before exec
            "training": training_speed(args, precisions, Path(tmp)),
            "inference": inference_speed(args.teacher, texts, precisions, args.repeats, Path(tmp)),
            "evaluation": evaluation_speed(args.teacher, Path(args.data), args.eval_texts, precisions),
        }
        report["memory"] = {"serving_student_peak_rss_mib": serving_rss(Path(tmp) / "odd", texts)}
    report["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    report["summary"] = summary(report, precisions)
    print(json.dumps(report, indent=2))


def summary(report: dict, precisions: list[str]) -> dict:
    inf, evaluation, training = report["inference"], report["evaluation"], report["training"]
    result = {
        f"{name}_speedup_batch{b}_fp32": round(inf[name][f"fp32_batch{b}"] / inf["teacher"][f"fp32_batch{b}"], 2)
        for name in _students()
        for b in (1, 32)
    }
    for precision in precisions:
        result[f"evaluation_{precision}_sorted_vs_file_order_fp32"] = {
            name: round(row[f"sorted_{precision}"] / row["file_order_fp32"], 2) for name, row in evaluation.items()
        }
        if any("today" in row for row in training.values()):
            for figure in ("samples_per_s", "steady_samples_per_s"):
                result[f"training_{precision}_vs_today_{figure}"] = {
                    name: round(row[precision][figure] / row["today"][figure], 2) for name, row in training.items()
                }
    result["training_peak_rss_mib"] = max(r["peak_rss_mib"] for row in training.values() for r in row.values())
    result["serving_student_peak_rss_mib"] = report["memory"]["serving_student_peak_rss_mib"]
    return result


def inference_speed(teacher_name: str, texts: list[str], precisions: list[str], repeats: int, tmp: Path) -> dict:
    """comments/s for teacher, odd and even students through Classifier: each precision and dynamic int8,
    batch 1 and 32 (best of repeats)."""
    from ml.inference import Classifier, quantize_int8

    models, tokenizer = _teacher_and_students(teacher_name, tmp)
    results = {}
    for name, model in models.items():
        row = {"layers": model.config.num_hidden_layers, "parameters": sum(p.numel() for p in model.parameters())}
        for precision in (*precisions, "int8"):
            if precision == "int8":
                clf = Classifier(quantize_int8(model), tokenizer, {})
            else:
                clf = Classifier(model, tokenizer, {}, precision=precision)
            row[f"{precision}_batch1"] = _best_rate(clf, texts[:48], 1, repeats)
            row[f"{precision}_batch32"] = _best_rate(clf, texts, 32, repeats)
        results[name] = row
    return results


def evaluation_speed(teacher_name: str, data: Path, n: int, precisions: list[str]) -> dict:
    """comments/s of ml.evaluate.predict_probs over n test comments in batches of 32: in file order at fp32,
    then sorted by length (LengthSortedBatches) at each precision."""
    from ml.batches import make_dataloader, tokenize_splits
    from ml.data import load_splits
    from ml.evaluate import predict_probs
    from ml.precision import autocast

    splits = load_splits(str(data), max_train_samples=1, max_eval_samples=n, seed=0)
    models, tokenizer = _teacher_and_students(teacher_name, None)
    test = tokenize_splits(splits, tokenizer, 128)["test"]
    results = {}
    for name, model in models.items():
        row = {}
        for label, grouped, precision in (
            ("file_order_fp32", False, "fp32"),
            *((f"sorted_{p}", True, p) for p in precisions),
        ):
            loader = make_dataloader(test, tokenizer, 32, shuffle=False, group_by_length=grouped)
            with autocast(precision):
                predict_probs(model, loader)  # warm-up
                started = time.perf_counter()
                predict_probs(model, loader)
            row[label] = round(len(test) / (time.perf_counter() - started), 1)
        results[name] = row
    return results


def _teacher_and_students(teacher_name: str, save_to: Path | None) -> tuple[dict, object]:
    from ml.models import load_classifier, make_student

    teacher, tokenizer = load_classifier(teacher_name)
    models = {"teacher": teacher}
    for student in _students():
        models[student], _ = make_student(teacher, student)
        if save_to is not None:
            models[student].save_pretrained(save_to / student)
            tokenizer.save_pretrained(save_to / student)
    return models, tokenizer


def _students() -> list[str]:
    return ["odd", "even"]  # the two half-depth students the study compares


def _best_rate(clf, texts: list[str], batch_size: int, repeats: int) -> float:
    clf.predict_proba(texts[:batch_size], batch_size)  # warm-up
    best = 0.0
    for _ in range(repeats):
        started = time.perf_counter()
        clf.predict_proba(texts, batch_size)
        best = max(best, len(texts) / (time.perf_counter() - started))
    return round(best, 1)


def training_speed(args: argparse.Namespace, precisions: list[str], tmp: Path) -> dict:
    """Each method trains `train_steps` batches of 32 in its own process at each precision (and, with
    --today, with the code at that ref); samples/s excludes evaluation."""
    today = _worktree(args.today, tmp / "today") if args.today else None
    results: dict[str, dict] = {}
    try:
        for method in args.methods.split(","):
            row = results.setdefault(method, {})
            if today is not None:
                row["today"] = _train(args, method, None, today, tmp / f"today-{method}")
            for precision in precisions:
                row[precision] = _train(args, method, precision, ROOT, tmp / f"{precision}-{method}")
    finally:
        if today is not None:
            subprocess.run(["git", "worktree", "remove", "--force", str(today)], cwd=ROOT, check=False)
    return results


def _train(args: argparse.Namespace, method: str, precision: str | None, code: Path, out: Path) -> dict:
    cmd = [sys.executable, "-m", "ml", "train", "--method", method, "--teacher", args.teacher]
    cmd += ["--dataset", args.data, "--output", str(out), "--max-train-samples", str(args.train_steps * 32)]
    cmd += ["--max-eval-samples", "64", "--epochs", "1", "--batch-size", "32", "--max-length", "128", "--cpu"]
    cmd += ["--log-every-steps", "8"]
    if precision is not None:
        cmd += ["--precision", precision]
    metrics, rss = _run_child(cmd, code)
    return {
        "precision": metrics.get("precision") or metrics.get("mixed_precision"),
        "samples_per_s": metrics["samples_per_s"],
        "steady_samples_per_s": _steady_rate(out, args.train_steps),
        "train_seconds": metrics["train_seconds"],
        "trainable_parameters": metrics["parameters"]["trainable"],
        "total_parameters": metrics["parameters"]["total"],
        "peak_rss_mib": rss,
    }


def _steady_rate(run: Path, steps: int) -> float:
    """samples/s from the first logged step past a quarter of the run to its last: without the first
    steps, which pay for building the kernels of each new batch shape (bf16's more than fp32's)."""
    logged = [h for h in map(json.loads, (run / "history.jsonl").read_text().splitlines()) if h["kind"] == "step"]
    first = next(h for h in logged if h["step"] >= steps // 4)
    last = logged[-1]
    busy = [h["step"] * 32 / h["samples_per_s"] for h in (first, last)]  # samples/s is cumulative
    return round((last["step"] - first["step"]) * 32 / (busy[1] - busy[0]), 1)


def _worktree(ref: str, where: Path) -> Path:
    subprocess.run(["git", "worktree", "add", "--detach", str(where), ref], cwd=ROOT, check=True, capture_output=True)
    return where


def serving_rss(student_dir: Path, texts: list[str]) -> float:
    """Peak RSS of a fresh process that loads one student and classifies the texts: its own VmHWM (wait4's
    figure would count the pages it shared with this large process before exec)."""
    code = (
        "import json, re, sys; import ml; c = ml.load(sys.argv[1]); c.predict(json.load(open(sys.argv[2]))); "
        "status = open('/proc/self/status').read(); print(re.search(r'VmHWM:\\s+(\\d+)', status).group(1))"
    )
    texts_file = student_dir.parent / "texts.json"
    texts_file.write_text(json.dumps(texts))
    peak_kb, _ = _run_child([sys.executable, "-c", code, str(student_dir), str(texts_file)], ROOT)
    return round(peak_kb / 1024, 1)


def _run_child(cmd: list[str], cwd: Path) -> tuple[dict, float]:
    """Run cmd in `cwd` (whose ml it imports), return its last stdout line as JSON and its own peak RSS
    in MiB (via wait4)."""
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err, text=True, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"benchmark child failed: {' '.join(cmd)}\n{err.read()[-2000:]}")
        return json.loads(out.read().strip().splitlines()[-1]), round(usage.ru_maxrss / 1024, 1)


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()


def _texts(data: Path, n: int) -> list[str]:
    import pandas as pd

    frame = pd.read_csv(data / "test.csv", keep_default_na=False)
    return frame["comment_text"].sample(n=n, random_state=0).tolist()


if __name__ == "__main__":
    main()
