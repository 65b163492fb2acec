"""`train(config)`: the one entry point that fine-tunes, distils or LoRA-adapts and writes a run."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import torch

from ml import bias, recipes
from ml.artifacts import atomic_dir, run_output, write_run_files
from ml.batches import make_dataloader, tokenize, tokenize_splits
from ml.config import TrainConfig
from ml.data import load_run_splits
from ml.errors import EvaluationInterrupted
from ml.evaluate import compute_metrics, dir_size_bytes, pr_curve, predict_probs, tune_threshold
from ml.inference import measure_latency
from ml.precision import ACCELERATE
from ml.precision import resolve as resolve_precision
from ml.progress import Progress, TrainResult
from ml.recipes import Built
from ml.trainer import Trainer

log = logging.getLogger(__name__)
_SPLITS = ("train", "validation", "test")


def train(
    config: TrainConfig | dict,
    on_progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TrainResult:
    """Train one run as `config` says and write its directory. Raises MLError subclasses on bad input."""
    from accelerate import Accelerator
    from accelerate.state import AcceleratorState
    from accelerate.utils import set_seed

    cfg = config if isinstance(config, TrainConfig) else TrainConfig.from_dict(config)
    own = recipes.train_run(cfg, on_progress=on_progress, should_stop=should_stop)
    if own is not None:  # a method that is not a transformer trained itself
        return own
    _quiet_libraries()
    output = run_output(cfg)
    set_seed(cfg.seed)
    precision = resolve_precision(cfg.precision, "cpu" if cfg.cpu or not torch.cuda.is_available() else "cuda")
    # Accelerate keeps one state per process and refuses an Accelerator whose precision or device differs
    # from the first one's; a worker process runs job after job, each with its own. Reset it (accelerate's
    # own tests do the same; the pin in pyproject.toml and tests/ml/test_precision.py guard the private name).
    AcceleratorState._reset_state(reset_partial_state=True)
    accelerator = Accelerator(cpu=cfg.cpu, mixed_precision=ACCELERATE[precision])
    splits = load_run_splits(cfg)
    _log_data(splits.summary())
    models = recipes.build(cfg)
    _log_models(cfg, models, accelerator)
    log.info("tokenizing %s rows (max length %d)", f"{sum(len(getattr(splits, n)) for n in _SPLITS):,}", cfg.max_length)
    tokenized = tokenize_splits(splits, models.tokenizer, cfg.max_length)
    loaders = {
        name: make_dataloader(
            tokenized[name],
            models.tokenizer,
            cfg.batch_size,
            shuffle=(name == "train"),
            seed=cfg.seed,
            group_by_length=cfg.group_by_length,
        )
        for name in ("train", "validation", "test")
    }
    trainer = Trainer(
        cfg,
        accelerator,
        models.model,
        loaders["train"],
        loaders["validation"],
        teacher=models.teacher,
        on_progress=on_progress,
        should_stop=should_stop,
    )
    trainer.fit()
    metrics = _run_facts(cfg, models, trainer, splits, accelerator)
    interrupted = False
    test: tuple | None = None  # the test split's (texts, labels, probabilities) once scored
    if not trainer.cancelled:
        model = accelerator.unwrap_model(trainer.model)
        try:
            scores, predictions = _final_metrics(model, loaders, accelerator.device, trainer)
            metrics.update(scores)
            test = (list(splits.test["text"]), *predictions)
            predict = _text_scorer(model, models.tokenizer, cfg, accelerator.device)
            metrics["bias"] = bias.run_report(predict, scores["threshold"], test)
            texts = list(splits.test["text"][:64])
            metrics["latency"] = measure_latency(model, models.tokenizer, texts, cfg.max_length, accelerator.device)
        except KeyboardInterrupt:  # Ctrl-C while scoring: keep the trained model, say the figures are missing
            interrupted = True
            metrics["evaluation"] = "interrupted"
    metrics["status"] = "cancelled" if trainer.cancelled else "succeeded"
    metrics["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    if accelerator.is_main_process:
        _write_run(output, cfg, metrics, trainer, models, test)
    if interrupted:
        raise EvaluationInterrupted(str(output))
    return TrainResult(metrics["status"], str(output), metrics, trainer.history, models.warnings)


def _log_data(summary: dict) -> None:
    for name in ("train", "validation", "test"):
        split = summary[name]
        log.info("data %s: %d rows, toxic share %.3f", name, split["rows"], split["toxic_share"])
    if summary["extra_train_rows"]:
        log.info("data train: %d reviewed rows added", summary["extra_train_rows"])


def _log_models(cfg: TrainConfig, models: Built, accelerator) -> None:
    params = models.parameters
    log.info(
        "%s on %s (precision %s): %s parameters, %s trainable",
        cfg.method,
        _device_name(accelerator.device),
        _precision(accelerator),
        f"{params['total']:,}",
        f"{params['trainable']:,}",
    )
    if models.layer_map:
        log.info(
            "student layers <- teacher layers %s (0-based), %s (1-based)",
            models.layer_map,
            [i + 1 for i in models.layer_map],
        )
    for warning in models.warnings:
        log.warning("%s", warning)


def _final_metrics(model, loaders, device, trainer) -> tuple[dict, tuple]:
    """Validation (threshold tuned there) and test at 0.5 and at the tuned threshold; and the test
    (labels, probabilities), which the run keeps for paired comparisons (ml.stats)."""
    val_labels, val_probs = predict_probs(model, loaders["validation"], device, trainer.eval_progress("validation"))
    test_labels, test_probs = predict_probs(model, loaders["test"], device, trainer.eval_progress("test"))
    threshold = tune_threshold(val_labels, val_probs)
    scores = {
        "validation": compute_metrics(val_labels, val_probs),
        "threshold": threshold,
        "validation_at_threshold": compute_metrics(val_labels, val_probs, threshold),
        "validation_curve": pr_curve(val_labels, val_probs),  # the model page's PR curve
        "test": compute_metrics(test_labels, test_probs),
        "test_at_threshold": compute_metrics(test_labels, test_probs, threshold),
        "best_validation_f1": trainer.best_f1,
    }
    return scores, (test_labels, test_probs)


def _text_scorer(model, tokenizer, cfg: TrainConfig, device) -> Callable[[list[str]], list[float]]:
    """`predict(texts)`: the toxic-class probabilities of any texts, batched as the evaluation's."""
    import datasets

    def predict(texts: list[str]) -> list[float]:
        data = tokenize(
            datasets.Dataset.from_dict({"text": texts, "label": [0] * len(texts)}), tokenizer, cfg.max_length
        )
        loader = make_dataloader(data, tokenizer, cfg.batch_size, shuffle=False, group_by_length=True)
        return predict_probs(model, loader, device)[1].tolist()

    return predict


def _run_facts(cfg, models: Built, trainer: Trainer, splits, accelerator) -> dict:
    model = accelerator.unwrap_model(trainer.model)
    layers = getattr(model, "base_model", model).config.num_hidden_layers
    return {
        "method": cfg.method,
        "teacher": cfg.teacher,
        "layers": layers,
        "teacher_layers": models.teacher_layers or layers,
        "layer_map": models.layer_map,
        "layer_map_1based": [i + 1 for i in models.layer_map] if models.layer_map else None,
        "parameters": models.parameters,
        "train_seconds": round(trainer.train_seconds, 3),
        "eval_seconds": round(trainer.eval_seconds, 3),
        "samples_per_s": trainer.samples_per_s and round(trainer.samples_per_s, 2),
        "steps": trainer.steps_done,
        "total_steps": trainer.total_steps,
        "train_loss": _last_epoch_loss(trainer.history),
        "device": _device_name(accelerator.device),
        "precision": _precision(accelerator),
        "num_processes": accelerator.num_processes,
        "data": splits.summary(),
        "warnings": models.warnings,
    }


def _write_run(
    output: Path, cfg: TrainConfig, metrics: dict, trainer: Trainer, models: Built, predictions: tuple | None
) -> None:
    started = time.perf_counter()
    with atomic_dir(output) as tmp:
        if metrics["status"] == "succeeded":
            model = trainer.accelerator.unwrap_model(trainer.model)
            save = recipes.get(cfg.method).save
            if save is not None:
                save(model, models.tokenizer, tmp)
            else:
                model.save_pretrained(tmp)
                models.tokenizer.save_pretrained(tmp)
            metrics["size_bytes"] = dir_size_bytes(tmp)
            metrics["model_size_bytes"] = sum(p.stat().st_size for p in tmp.glob("*.safetensors"))
        metrics["save_seconds"] = round(time.perf_counter() - started, 3)
        write_run_files(tmp, output, cfg, metrics, trainer.history, predictions)


def _last_epoch_loss(history: list[dict]) -> dict | None:
    steps = [h for h in history if h["kind"] == "step"]
    if not steps:
        return None
    last_epoch = max(int(h["epoch"] - 1e-9) for h in steps)
    rows = [h for h in steps if int(h["epoch"] - 1e-9) == last_epoch]
    names = ["loss", *rows[-1]["components"]]
    return {n: sum((r["loss"] if n == "loss" else r["components"][n]) for r in rows) / len(rows) for n in names}


def _quiet_libraries() -> None:
    """Library progress bars (dataset maps, weight loading) would flood worker logs; we report our own."""
    import datasets
    from transformers.utils import logging as hf_logging

    datasets.disable_progress_bars()
    hf_logging.disable_progress_bar()


def _precision(accelerator) -> str:
    """The run's precision as TrainConfig names it (accelerate says "no" for fp32)."""
    return {accelerate: ours for ours, accelerate in ACCELERATE.items()}[accelerator.mixed_precision]


def _device_name(device) -> str:
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return device.type
