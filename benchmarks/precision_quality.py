"""Whether bf16 training costs quality: fp32 and bf16 runs of the same method, seed by seed, compared on the
same test comments with a paired bootstrap (ml.stats). Prints JSON.

    .venv/bin/python benchmarks/precision_quality.py [--method teacher] [--seeds 1,2,3]
        [--train-samples 4000] [--test-samples 2000] [--epochs 1]

Each seed trains the method twice in its own process (`python -m ml train --precision fp32`, then
bf16) on the same stratified sample of training comments and tests both on the same test comments (the
seed draws both samples). A student distils from `--teacher`. The figures: each run's test F1 and
ROC-AUC and training samples/s, and bf16 - fp32 over all seeds with its 95% interval; "no significant
difference" when the interval holds 0 (issue 21's target).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PRECISIONS = ("fp32", "bf16")


def main() -> None:
    from ml.artifacts import read_metrics, read_predictions
    from ml.config import DEFAULT_TEACHER
    from ml.stats import Paired, paired_bootstrap
    from tests.support.paths import data_dir

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", default="teacher")
    parser.add_argument("--teacher", default=DEFAULT_TEACHER)
    parser.add_argument("--data", default=str(data_dir()))
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--train-samples", type=int, default=4000)
    parser.add_argument("--test-samples", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args()
    seeds = [int(seed) for seed in args.seeds.split(",")]
    runs: dict[str, list[dict]] = {precision: [] for precision in PRECISIONS}
    pairs = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            probs = {}
            for precision in PRECISIONS:
                out = Path(tmp) / f"{precision}-{seed}"
                _train(args, seed, precision, out)
                metrics, predictions = read_metrics(out, required=True), read_predictions(out)
                runs[precision].append(
                    {
                        "seed": seed,
                        "test_f1": round(metrics["test"]["f1"], 4),
                        "test_roc_auc": round(metrics["test"]["roc_auc"], 4),
                        "samples_per_s": metrics["samples_per_s"],
                        "train_seconds": metrics["train_seconds"],
                    }
                )
                probs[precision] = predictions
            fp32, bf16 = probs["fp32"], probs["bf16"]
            assert fp32["texts_sha256"] == bf16["texts_sha256"], "both precisions test on the same comments"
            pairs.append(Paired(np.asarray(fp32["labels"]), np.asarray(bf16["probs"]), np.asarray(fp32["probs"])))
    report = {
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
        "method": args.method,
        "train_samples": args.train_samples,
        "test_samples": args.test_samples,
        "epochs": args.epochs,
        "runs": runs,
        "bf16_minus_fp32": {metric: paired_bootstrap(pairs, metric).to_dict() for metric in ("f1", "roc_auc")},
        "load_average_1m": os.getloadavg()[0],
    }
    print(json.dumps(report, indent=2))


def _train(args: argparse.Namespace, seed: int, precision: str, out: Path) -> None:
    cmd = [sys.executable, "-m", "ml", "train", "--method", args.method, "--teacher", args.teacher]
    cmd += ["--dataset", args.data, "--output", str(out), "--seed", str(seed), "--epochs", str(args.epochs)]
    cmd += ["--max-train-samples", str(args.train_samples), "--max-eval-samples", str(args.test_samples)]
    cmd += ["--precision", precision, "--cpu"]
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


if __name__ == "__main__":
    main()
