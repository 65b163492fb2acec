"""Whether a training option costs quality: runs of the same method with two values of one option (by default
precision fp32 and bf16), seed by seed, compared on the same test comments with a paired bootstrap
(ml.stats). Prints JSON.

    .venv/bin/python benchmarks/option_quality.py [--option precision] [--values fp32,bf16]
        [--method teacher] [--seeds 1,2,3] [--train-samples 4000] [--test-samples 2000] [--epochs 1]

Each seed trains the method once per value, each in its own process (`python -m ml train --OPTION VALUE`),
on the same stratified sample of training comments and tests them on the same test comments (the seed
draws both samples). A student distils from `--teacher`. The figures: each run's test F1 and ROC-AUC and
training samples/s, and the second value's minus the first's over all seeds with its 95% interval; "no
significant difference" when the interval holds 0 (issue 21's target for bf16 against fp32).
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


def main() -> None:
    from ml.artifacts import read_metrics, read_predictions
    from ml.config import DEFAULT_TEACHER
    from ml.stats import Paired, paired_bootstrap
    from tests.support.paths import data_dir

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--option", default="precision", help="a TrainConfig option")
    parser.add_argument("--values", default="fp32,bf16", help="its two values, the baseline first")
    parser.add_argument("--method", default="teacher")
    parser.add_argument("--teacher", default=DEFAULT_TEACHER)
    parser.add_argument("--data", default=str(data_dir()))
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--train-samples", type=int, default=4000)
    parser.add_argument("--test-samples", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args()
    seeds = [int(seed) for seed in args.seeds.split(",")]
    first, second = args.values.split(",")
    runs: dict[str, list[dict]] = {first: [], second: []}
    pairs = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            probs = {}
            for value in (first, second):
                out = Path(tmp) / f"{value}-{seed}"
                _train(args, seed, value, out)
                metrics, predictions = read_metrics(out, required=True), read_predictions(out)
                runs[value].append(
                    {
                        "seed": seed,
                        "test_f1": round(metrics["test"]["f1"], 4),
                        "test_roc_auc": round(metrics["test"]["roc_auc"], 4),
                        "samples_per_s": metrics["samples_per_s"],
                        "train_seconds": metrics["train_seconds"],
                    }
                )
                probs[value] = predictions
            a, b = probs[second], probs[first]
            assert a["texts_sha256"] == b["texts_sha256"], "both values test on the same comments"
            pairs.append(Paired(np.asarray(b["labels"]), np.asarray(a["probs"]), np.asarray(b["probs"])))
    report = {
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
        "option": args.option,
        "method": args.method,
        "train_samples": args.train_samples,
        "test_samples": args.test_samples,
        "epochs": args.epochs,
        "runs": runs,
        f"{second}_minus_{first}": {metric: paired_bootstrap(pairs, metric).to_dict() for metric in ("f1", "roc_auc")},
        "load_average_1m": os.getloadavg()[0],
    }
    print(json.dumps(report, indent=2))


def _train(args: argparse.Namespace, seed: int, value: str, out: Path) -> None:
    cmd = [sys.executable, "-m", "ml", "train", "--method", args.method, "--teacher", args.teacher]
    cmd += ["--dataset", args.data, "--output", str(out), "--seed", str(seed), "--epochs", str(args.epochs)]
    cmd += ["--max-train-samples", str(args.train_samples), "--max-eval-samples", str(args.test_samples)]
    cmd += [f"--{args.option.replace('_', '-')}", value, "--cpu"]
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


if __name__ == "__main__":
    main()
