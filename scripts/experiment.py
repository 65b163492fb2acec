"""`make experiment`: teacher -> odd -> even -> LoRA on the bundled MiniLM and the real wiki_toxic data,
then the TF-IDF + logistic regression baseline on the same sample and on the full training split.

Runs each step through the `python -m ml` CLI and writes docs/RESULTS.md with the commands,
the comparison table, the gaps to the targets of issue 2 and each transformer run against the
baseline on the same test comments (every run tests on the same seeded stratified sample). About
25 minutes on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = Path(os.environ.get("TOXILAB_DATA_DIR", ROOT.parent / "shared" / "data" / "wiki_toxic"))
SAMPLE = [
    "--max-train-samples",
    "2000",
    "--max-eval-samples",
    "1000",
    "--epochs",
    "2",
    "--batch-size",
    "32",
    "--max-length",
    "128",
    "--seed",
    "42",
]
TRANSFORMERS = ("teacher", "odd", "even", "lora")
# The baselines: on the transformers' training sample, and on the whole training split; both test on
# the same 1000 comments as the transformers (--max-eval-samples and --seed pick them).
BASELINES = {
    "baseline": ["--max-train-samples", "2000", "--max-eval-samples", "1000", "--seed", "42"],
    "baseline-full": ["--max-eval-samples", "1000", "--seed", "42"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/experiment")
    parser.add_argument("--results", default="docs/RESULTS.md")
    parser.add_argument("--data", default=os.path.relpath(DATA, ROOT))
    parser.add_argument("--resume", action="store_true", help="keep the finished runs of an interrupted experiment")
    args = parser.parse_args()
    out = Path(args.out)
    if not args.resume:
        shutil.rmtree(ROOT / out, ignore_errors=True)
    steps = [
        ("teacher", ["--method", "teacher", "--teacher", "bundled-minilm", *SAMPLE]),
        ("odd", ["--method", "odd", "--teacher", str(out / "teacher"), *SAMPLE]),
        ("even", ["--method", "even", "--teacher", str(out / "teacher"), *SAMPLE]),
        ("lora", ["--method", "lora", "--teacher", "bundled-minilm", *SAMPLE]),
        *((name, ["--method", "baseline", *sample]) for name, sample in BASELINES.items()),
    ]
    commands = []
    for name, method_args in steps:
        cmd = ["python", "-m", "ml", "train", *method_args, "--dataset", args.data, "--output", str(out / name)]
        commands.append(shlex.join(cmd))
        if (ROOT / out / name / "metrics.json").is_file():
            continue  # --resume: finished in an earlier, interrupted experiment
        shutil.rmtree(ROOT / out / name, ignore_errors=True)
        print(f"[{len(commands)}/{len(steps)}] {commands[-1]}", file=sys.stderr, flush=True)  # its progress follows
        subprocess.run([sys.executable, *cmd[1:]], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    compare = ["python", "-m", "ml", "compare", *(str(out / name) for name, _ in steps)]
    commands.append(shlex.join(compare))
    table = subprocess.run([sys.executable, *compare[1:]], cwd=ROOT, check=True, capture_output=True, text=True).stdout
    runs = {name: json.loads((ROOT / out / name / "metrics.json").read_text()) for name, _ in steps}
    (ROOT / args.results).write_text(render(commands, table, runs))
    print(table)


def render(commands: list[str], table: str, runs: dict) -> str:
    import torch

    teacher = runs["teacher"]["test"]
    lines = [
        "# Results: teacher, odd/even students and LoRA on wiki_toxic",
        "",
        f"Made by `make experiment` on {datetime.now(UTC):%Y-%m-%d} ({os.cpu_count()} CPU cores, "
        f"torch {torch.__version__}, Python {platform.python_version()}, device {runs['teacher']['device']}).",
        "Data: the real wiki_toxic comments in `../shared/data/wiki_toxic` (toxic share "
        f"{runs['teacher']['data']['test']['toxic_share']:.3f} in the test sample), stratified samples of "
        f"{runs['teacher']['data']['train']['rows']} train / {runs['teacher']['data']['validation']['rows']} "
        f"validation / {runs['teacher']['data']['test']['rows']} test comments.",
        "",
        "## Commands",
        "",
        "```sh",
        *commands,
        "```",
        "",
        "## Side by side (test split, threshold 0.5)",
        "",
        table.strip(),
        "",
        "Layers show the 0-indexed teacher layers each student kept (1-based: add one). Latency is measured "
        "at the end of each run on the training device, batch 1; comments/s at batch 32. Those and the "
        "train seconds depend on whatever else the machine runs meanwhile: the speed comparison of the "
        "methods, on an otherwise idle machine, is `benchmarks/ml_speed.py` (docs/BENCHMARKS.md).",
        "",
        "## Beyond accuracy",
        "",
        "The all-non-toxic baseline scores accuracy "
        f"{1 - runs['teacher']['data']['test']['toxic_share']:.3f} and toxic-class F1 0 on this test sample, "
        "so F1, ROC-AUC and PR-AUC are the figures to read.",
        "",
        "| run | F1 @0.5 | F1 gap to teacher (points) | tuned threshold | F1 @tuned | macro-F1 | ROC-AUC | PR-AUC "
        "| trainable share | train s | train samples/s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, m in runs.items():
        t, tt = m["test"], m["test_at_threshold"]
        lines.append(
            f"| {name} | {t['f1']:.4f} | {100 * (t['f1'] - teacher['f1']):+.1f} | {m['threshold']:.3f} | "
            f"{tt['f1']:.4f} | {t['macro_f1']:.4f} | {t['roc_auc']:.4f} | {t['pr_auc']:.4f} | "
            f"{m['parameters']['trainable_share']:.4%} | {m['train_seconds']:.0f} | {m['samples_per_s'] or '—'} |"
        )
    lines += ["", "## Targets (issue 2)", ""]
    for name, limit in (("odd", 3), ("even", 3), ("lora", 5)):
        gap = 100 * (teacher["f1"] - runs[name]["test"]["f1"])
        verdict = "met" if gap <= limit else "NOT met"
        lines.append(f"- {name}: test F1 {gap:.1f} points below the teacher (target: within {limit}) - {verdict}")
    share = runs["lora"]["parameters"]["trainable_share"]
    lines.append(
        f"- lora: {share:.3%} of parameters trainable (target: under 1%) - {'met' if share < 0.01 else 'NOT met'}"
    )
    lines += ["", *against_baselines(runs)]
    warnings = [f"- {name}: {w}" for name, m in runs.items() for w in m.get("warnings", [])]
    if warnings:
        lines += ["", "## Warnings recorded by the runs", "", *warnings]
    return "\n".join(lines) + "\n"


def against_baselines(runs: dict) -> list[str]:
    """Each transformer run's test F1 and ROC-AUC against each baseline's, on the same test comments."""
    lines = [
        "## Against the TF-IDF + logistic regression baseline",
        "",
        "Every run tests on the same comments (the seeded stratified sample of "
        f"{runs['baseline']['test']['n']} test comments), so the differences below compare like with like. "
        f"`baseline` trains on the transformers' {runs['baseline']['data']['train']['rows']:,} comments, "
        f"`baseline-full` on the whole training split ({runs['baseline-full']['data']['train']['rows']:,} comments, "
        f"{runs['baseline-full']['train_seconds']:.0f} s). Differences in points (x100), at threshold 0.5.",
        "",
        "| run | F1 | ROC-AUC | vs baseline: F1 / ROC-AUC | beats it | vs baseline-full: F1 / ROC-AUC | beats it |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in ("baseline", "baseline-full"):
        test = runs[name]["test"]
        lines.append(f"| {name} | {test['f1']:.4f} | {test['roc_auc']:.4f} | | | | |")
    for name in TRANSFORMERS:
        test = runs[name]["test"]
        cells = [name, f"{test['f1']:.4f}", f"{test['roc_auc']:.4f}"]
        for baseline in ("baseline", "baseline-full"):
            f1 = 100 * (test["f1"] - runs[baseline]["test"]["f1"])
            auc = 100 * (test["roc_auc"] - runs[baseline]["test"]["roc_auc"])
            cells += [f"{f1:+.1f} / {auc:+.1f}", _beats(f1, auc)]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _beats(f1: float, auc: float) -> str:
    if f1 > 0 and auc > 0:
        return "yes, on both"
    if f1 <= 0 and auc <= 0:
        return "no, on neither"
    return "on F1 only" if f1 > 0 else "on ROC-AUC only"


if __name__ == "__main__":
    main()
