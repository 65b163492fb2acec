"""Training with batches grouped by token length against random batches, on the same rows. Prints JSON.

    nice -n 5 .venv/bin/python benchmarks/length_grouping.py [--rows 800] [--pairs 2] [--method odd]

Each run is `python -m ml train` in its own process (real bundled teacher, one epoch, max_length 128,
seed 42 unless --seed), run in turns: random, grouped, random, grouped, ... so that a change in the machine's load
hits both alike. Reported per run: training samples/s (evaluation excluded, as ml measures it), the
test F1, and the load average before and after; plus the padded share of the training tokens of
either batching, which does not depend on the load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MODES = {"random": False, "grouped": True}


def main() -> None:
    from tests.support.paths import data_dir

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(data_dir()))
    parser.add_argument("--method", default="odd")
    parser.add_argument("--rows", type=int, default=800, help="training rows (a stratified sample)")
    parser.add_argument("--eval-rows", type=int, default=500, help="validation and test rows")
    parser.add_argument("--pairs", type=int, default=2, help="random/grouped pairs, run in turns")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=42, help="sampling, shuffling and initialisation")
    args = parser.parse_args()

    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for pair in range(args.pairs):
            for mode, grouped in MODES.items():
                runs.append({"mode": mode, "pair": pair, **train_once(args, grouped, Path(tmp) / f"{mode}-{pair}")})
                print(json.dumps(runs[-1]), file=sys.stderr, flush=True)
    report = {
        "config": vars(args) | {"epochs": 1, "max_length": 128, "cpu_count": os.cpu_count()},
        "padding": padding_shares(args),
        "runs": runs,
        "summary": summary(runs),
    }
    print(json.dumps(report, indent=2))


def train_once(args: argparse.Namespace, grouped: bool, output: Path) -> dict:
    command = [
        *(sys.executable, "-m", "ml", "train", "--method", args.method, "--dataset", args.data),
        *("--output", str(output), "--epochs", "1", "--max-length", "128", "--seed", str(args.seed), "--cpu"),
        *("--batch-size", str(args.batch_size), "--max-train-samples", str(args.rows)),
        *("--max-eval-samples", str(args.eval_rows), "--log-every-steps", "1000"),
        "--group-by-length" if grouped else "--no-group-by-length",
    ]
    load_before = os.getloadavg()[0]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"training failed ({done.returncode}): {done.stderr.strip().splitlines()[-1]}")
    metrics = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "samples_per_s": metrics["samples_per_s"],
        "train_seconds": metrics["train_seconds"],
        "eval_seconds": metrics["eval_seconds"],
        "test_f1": round(metrics["test"]["f1"], 4),
        "test_f1_at_threshold": round(metrics["test_at_threshold"]["f1"], 4),
        "load_before": round(load_before, 2),
        "load_after": round(os.getloadavg()[0], 2),
    }


def padding_shares(args: argparse.Namespace) -> dict:
    """The share of padding in the training batches of one epoch, for each batching."""
    from ml.batches import make_dataloader, tokenize_splits
    from ml.data import load_splits
    from ml.models import load_classifier

    _, tokenizer = load_classifier("bundled-minilm")
    splits = load_splits(args.data, max_train_samples=args.rows, max_eval_samples=1, seed=args.seed)
    train = tokenize_splits(splits, tokenizer, 128)["train"]
    real = sum(len(ids) for ids in train["input_ids"])
    shares = {}
    for mode, grouped in MODES.items():
        loader = make_dataloader(
            train, tokenizer, args.batch_size, shuffle=True, seed=args.seed, group_by_length=grouped
        )
        padded = sum(batch["input_ids"].numel() for batch in loader)
        shares[mode] = {"padded_tokens": padded, "real_tokens": real, "padding_share": round(1 - real / padded, 4)}
    return shares


def summary(runs: list[dict]) -> dict:
    by_mode = {mode: [run for run in runs if run["mode"] == mode] for mode in MODES}
    result = {
        mode: {
            "samples_per_s_median": round(statistics.median(run["samples_per_s"] for run in chosen), 2),
            "samples_per_s_all": [run["samples_per_s"] for run in chosen],
            "test_f1_all": [run["test_f1"] for run in chosen],
        }
        for mode, chosen in by_mode.items()
    }
    result["speedup_median"] = round(
        result["grouped"]["samples_per_s_median"] / result["random"]["samples_per_s_median"], 2
    )
    result["load_range"] = [min(r["load_before"] for r in runs), max(r["load_after"] for r in runs)]
    return result


if __name__ == "__main__":
    main()
