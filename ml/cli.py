"""`python -m ml`: train, evaluate, predict and compare runs from the command line.

Exit 0 on success; 2 with one line on stderr for bad input; 1 with one line for a failed run; 130 on
Ctrl-C (during `train`'s final evaluation the trained model is kept, without test metrics, and the
message says where). Progress goes to stderr: tqdm bars on a terminal, a few plain lines otherwise.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from ml.config import DEFAULT_DATASET, Option, TrainConfig, get_option, options
from ml.errors import ConfigError, EvaluationInterrupted, MLError, NonFiniteLossError, one_line
from ml.names import FP32, TRANSFORMER_RUNTIMES
from ml.presets import PRESETS

if TYPE_CHECKING:
    from ml.inference import Classifier

# `train` has one flag per TrainConfig field, generated from the field's Spec.
TRAIN_OPTIONS = options()
REQUIRED = ("method", "output")  # a run from the command line names its directory


INFERENCE_PRECISIONS = ("fp32", "bf16")


class UsageError(Exception):
    """Bad command-line input that argparse itself does not catch."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m ml", description="Train, evaluate and serve toxic-comment classifiers.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    train = sub.add_parser("train", help="fine-tune a teacher, distil an odd/even student, or adapt with LoRA")
    for opt in TRAIN_OPTIONS:
        _add_option(train, opt)

    evaluate = sub.add_parser("evaluate", help="metrics of a run on a dataset split")
    evaluate.add_argument("--model", required=True)
    evaluate.add_argument("--dataset", default=DEFAULT_DATASET)
    evaluate.add_argument("--split", default="test", choices=("train", "validation", "test"))
    evaluate.add_argument(
        "--max-eval-samples",
        type=int,
        default=None,
        help="score a stratified sample of this many rows (default: the whole split)",
    )
    evaluate.add_argument("--threshold", type=float, default=0.5)
    evaluate.add_argument("--quantize", action="store_true", help="dynamic int8 (CPU)")
    evaluate.add_argument("--precision", choices=INFERENCE_PRECISIONS, default="fp32", help="bf16: bf16 autocast")

    predict = sub.add_parser("predict", help="label comments with a run")
    predict.add_argument("--model", required=True)
    predict.add_argument("texts", nargs="*")
    predict.add_argument("--input", help="CSV file with a text column")
    predict.add_argument("--text-column", default=get_option("text_column").default)
    predict.add_argument("--output", help="JSONL file to write (default: stdout)")
    predict.add_argument("--quantize", action="store_true", help="dynamic int8 (CPU)")
    predict.add_argument("--precision", choices=INFERENCE_PRECISIONS, default="fp32", help="bf16: bf16 autocast")
    predict.add_argument("--adapter", action="store_true", help="LoRA runs: load base + adapter, not merged")

    explain = sub.add_parser("explain", help="score each word of comments: how it pushed the verdict (JSON lines)")
    explain.add_argument("--model", required=True)
    explain.add_argument("texts", nargs="+")
    explain.add_argument(
        "--runtime",
        choices=TRANSFORMER_RUNTIMES,
        default=FP32,
        help="the runtime that gives the verdict and its explanation (a baseline run has its own)",
    )
    bias = sub.add_parser("bias", help="identity-bias report of a run as JSON (ml/bias.py)")
    bias.add_argument("--model", required=True)
    bias.add_argument("--threshold", type=float, default=None, help="default: the run's tuned threshold")
    bias.add_argument("--dataset", help="also score the real comments of this dataset's test split that name a term")
    bias.add_argument("--max-eval-samples", type=int, default=None, help="with --dataset: a stratified sample")
    bias.add_argument("--all-templates", action="store_true", help="all 76,564 templates, not the fixed sample")

    compare = sub.add_parser("compare", help="Markdown table of runs side by side")
    compare.add_argument("runs", nargs="+")
    compare.add_argument(
        "--paired",
        action="store_true",
        help="also each run against the first on the same test comments, with paired-bootstrap intervals",
    )

    preset = sub.add_parser("preset", help="train a named recipe's runs in order (ml/presets.py)")
    preset.add_argument("name", choices=list(PRESETS))
    preset.add_argument("--output", required=True, help="directory of the runs, one folder per stage")
    preset.add_argument("--dataset", default=get_option("dataset").default)
    preset.add_argument("--teacher", default=get_option("teacher").default, help="the model the first stage tunes")
    return parser


def _add_option(parser: argparse.ArgumentParser, opt: Option) -> None:
    """`--name-with-dashes` for a TrainConfig field; left out, it keeps TrainConfig's default."""
    flag = "--" + opt.name.replace("_", "-")
    if opt.kind is bool:  # an option on by default is turned off with --no-...
        action = argparse.BooleanOptionalAction if opt.default else "store_true"
        parser.add_argument(flag, dest=opt.name, action=action, default=None, help=opt.help)
        return
    parser.add_argument(
        flag,
        dest=opt.name,
        type=str if opt.kind is list else opt.kind,
        default=None,
        choices=opt.choices or None,
        required=opt.name in REQUIRED,
        help=opt.describe(),
    )


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except (UsageError, ConfigError, MLError) as exc:
        code = 1 if isinstance(exc, NonFiniteLossError) else 2
        print(f"error: {one_line(exc)}", file=sys.stderr)
        return code
    except EvaluationInterrupted as exc:
        print(
            f"interrupted during the final evaluation: the trained model is kept in {exc.output} (no test "
            f"metrics); score it with `.venv/bin/python -m ml evaluate --model {exc.output}`",
            file=sys.stderr,
        )
        return 130
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


def cmd_train(args: argparse.Namespace) -> int:
    import logging

    import ml
    from ml.reporting import ProgressPrinter

    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)

    cfg = config_from_args(args)
    with ProgressPrinter(sys.stderr) as printer:
        result = ml.train(cfg, on_progress=printer)
    print(json.dumps({"status": result.status, "output": result.output_dir, **result.metrics}))
    return 0


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """The TrainConfig of `train`'s flags: the flags given, TrainConfig's defaults for the others."""
    given = {opt.name: getattr(args, opt.name) for opt in TRAIN_OPTIONS if getattr(args, opt.name) is not None}
    return TrainConfig(**given)


def cmd_evaluate(args: argparse.Namespace) -> int:
    from ml.data import load_splits
    from ml.evaluate import compute_metrics
    from ml.terminal import RowProgress

    classifier = _load_classifier(args.model, quantize=args.quantize, precision=args.precision)
    # the sample limit applies to whichever split is evaluated, train included
    splits = load_splits(args.dataset, max_eval_samples=args.max_eval_samples, max_train_samples=args.max_eval_samples)
    data = getattr(splits, args.split)
    _say(_rows_notice(args, len(data)))
    probs = classifier.predict_proba(list(data["text"]), on_batch=RowProgress(f"scoring {args.split}"))
    metrics = compute_metrics(list(data["label"]), probs, args.threshold)
    print(json.dumps({"model": args.model, "dataset": args.dataset, "split": args.split, **metrics}))
    return 0


def cmd_bias(args: argparse.Namespace) -> int:
    from ml import bias
    from ml.artifacts import read_metrics
    from ml.data import load_splits
    from ml.names import DEFAULT_THRESHOLD
    from ml.terminal import RowProgress

    threshold = args.threshold if args.threshold is not None else read_metrics(args.model).get("threshold")
    threshold = DEFAULT_THRESHOLD if threshold is None else threshold
    if not 0 <= threshold <= 1:
        raise UsageError(f"--threshold must be between 0 and 1 (got {threshold})")
    sample = bias.load_templates(size=None if args.all_templates else bias.SAMPLE_SIZE)
    classifier = _load_classifier(args.model)
    _say(f"scoring {sample.description} at threshold {threshold:.4f}")
    probs = classifier.predict_proba(sample.texts, batch_size=64, on_batch=RowProgress("scoring templates"))
    found = {"model": args.model, "templates": bias.template_report(sample, probs, threshold)}
    if args.dataset:
        test = load_splits(args.dataset, max_eval_samples=args.max_eval_samples).test
        texts = list(test["text"])
        probs = classifier.predict_proba(texts, on_batch=RowProgress("scoring the test split"))
        terms = bias.read_terms(bias.templates_dir())
        found["comments"] = bias.comment_report(texts, list(test["label"]), probs, threshold, terms)
    print(json.dumps({"model": args.model, "summary": bias.headline(found), **found}))
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    from ml.terminal import RowProgress

    texts = list(args.texts)
    if args.input:
        texts += _read_texts(Path(args.input), args.text_column)
    if not texts:
        raise UsageError("give TEXT arguments or --input CSV")
    classifier = _load_classifier(args.model, quantize=args.quantize, adapter=args.adapter, precision=args.precision)
    on_batch = RowProgress(f"predicting {args.input}") if args.input else None
    out = open(args.output, "w") if args.output else sys.stdout
    try:
        for text, pred in zip(texts, classifier.predict(texts, on_batch=on_batch), strict=True):
            out.write(
                json.dumps({"text": text, "label": pred.label, "toxic_probability": round(pred.toxic_probability, 6)})
                + "\n"
            )
    finally:
        if args.output:
            out.close()
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    """One JSON line per text: its verdict and each word with its offsets and score (ml.words)."""
    import time

    from ml.runtimes import load
    from ml.terminal import quiet_transformers

    quiet_transformers()
    started = time.perf_counter()
    classifier = load(args.model, args.runtime)
    _say(f"loaded {args.model} ({classifier.runtime}) in {time.perf_counter() - started:.1f} s")
    for text, explanation in zip(args.texts, classifier.explain(args.texts), strict=True):
        print(json.dumps({"text": text, **explanation.to_dict()}, ensure_ascii=False))
    return 0


def cmd_preset(args: argparse.Namespace) -> int:
    """Each stage of the preset in turn (a stage whose run already succeeded is kept); one JSON line of
    every stage's figures and the whole preset's wall time."""
    import logging
    import time

    import ml
    from ml.artifacts import read_metrics
    from ml.presets import get, stage_config
    from ml.reporting import ProgressPrinter

    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    preset, output, started = get(args.name), Path(args.output), time.perf_counter()
    stages = {}
    for stage in preset.stages:
        cfg = stage_config(preset, stage, dataset=args.dataset, teacher=args.teacher, output=output)
        metrics = read_metrics(output / stage.name)
        if metrics.get("status") != "succeeded":
            _say(f"{preset.name}: {stage.name} ({cfg.method}) -> {cfg.output}")
            with ProgressPrinter(sys.stderr) as printer:
                result = ml.train(cfg, on_progress=printer)
            if result.status != "succeeded":
                raise MLError(f"the {stage.name} stage was {result.status}")
            metrics = result.metrics
        stages[stage.name] = _preset_figures(cfg.output, metrics)
    print(json.dumps({"preset": preset.name, "wall_seconds": round(time.perf_counter() - started, 1), **stages}))
    return 0


def _preset_figures(output: str | None, metrics: dict) -> dict:
    test = metrics.get("test") or {}
    return {
        "output": output,
        "method": metrics.get("method"),
        "precision": metrics.get("precision"),
        "train_seconds": metrics.get("train_seconds"),
        "eval_seconds": metrics.get("eval_seconds"),
        "samples_per_s": metrics.get("samples_per_s"),
        "test_f1": test.get("f1"),
        "test_roc_auc": test.get("roc_auc"),
        "test_f1_at_threshold": (metrics.get("test_at_threshold") or {}).get("f1"),
        "test_rows": test.get("n"),
    }


def cmd_compare(args: argparse.Namespace) -> int:
    from ml.reporting import compare_table, paired_lines

    runs = [Path(run) for run in args.runs]
    print(compare_table(runs))
    if args.paired:
        print("\n" + "\n".join(f"- {line}" for line in paired_lines(runs)))
    return 0


COMMANDS = {
    "train": cmd_train,
    "evaluate": cmd_evaluate,
    "predict": cmd_predict,
    "explain": cmd_explain,
    "bias": cmd_bias,
    "compare": cmd_compare,
    "preset": cmd_preset,
}


def _load_classifier(path: str, quantize: bool = False, adapter: bool = False, precision: str = "fp32") -> Classifier:
    """Classifier.load with a line saying how long it took, and no library bars (bad input stays one line)."""
    import time

    from ml.recipes import load
    from ml.terminal import quiet_transformers

    quiet_transformers()
    started = time.perf_counter()
    classifier = load(path, quantize=quantize, adapter=adapter, precision=precision)
    _say(f"loaded {path} ({classifier.info['parameters']:,} parameters) in {time.perf_counter() - started:.1f} s")
    return classifier


def _rows_notice(args: argparse.Namespace, rows: int) -> str:
    """Which rows `evaluate` scores, said before it starts: the whole split unless --max-eval-samples."""
    sample = (
        f"a stratified sample of {rows:,} (--max-eval-samples)"
        if args.max_eval_samples
        else f"all {rows:,} rows; --max-eval-samples N scores a sample"
    )
    return f"scoring the {args.split} split of {args.dataset}: {sample}"


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _read_texts(path: Path, column: str) -> list[str]:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            if column not in (reader.fieldnames or []):
                raise UsageError(f"{path}: no column '{column}' (found {reader.fieldnames})")
            return [row[column] for row in reader]
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read ({exc})") from exc
