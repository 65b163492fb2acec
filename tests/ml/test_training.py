"""ml.train on a tiny random BERT and a small real sample: artifacts, callbacks, cancellation, errors."""

import json

import pytest
import torch

import ml
from ml import recipes
from ml.errors import ConfigError, NonFiniteLossError
from ml.inference import Classifier
from ml.trainer import Trainer
from tests.support.runs import tiny_config
from tests.support.tiny_bert import make_tiny_bert


def test_a_run_writes_a_complete_artifact(tiny_artifact_dir):
    names = {p.name for p in tiny_artifact_dir.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "run.json", "metrics.json", "history.jsonl"} <= names
    run = json.loads((tiny_artifact_dir / "run.json").read_text())
    assert run["method"] == "teacher" and run["max_length"] == 32
    metrics = json.loads((tiny_artifact_dir / "metrics.json").read_text())
    assert metrics["status"] == "succeeded"
    for key in ("accuracy", "precision", "recall", "f1", "macro_f1", "roc_auc", "pr_auc", "confusion_matrix"):
        assert key in metrics["test"]
    assert metrics["test_at_threshold"]["threshold"] == metrics["threshold"]
    assert sum(map(sum, metrics["test"]["confusion_matrix"])) == metrics["data"]["test"]["rows"] == 32
    assert metrics["parameters"]["total"] == metrics["parameters"]["trainable"] > 0
    assert metrics["size_bytes"] > metrics["model_size_bytes"] > 0
    assert metrics["train_seconds"] > 0 and metrics["samples_per_s"] > 0 and metrics["device"] == "cpu"
    assert metrics["latency"]["ms_per_comment_batch1"] > 0
    history = [json.loads(line) for line in (tiny_artifact_dir / "history.jsonl").read_text().splitlines()]
    assert [h["step"] for h in history if h["kind"] == "step"] == [1, 2, 3, 4]
    assert [h["kind"] for h in history][-1] == "eval"


def test_a_run_keeps_its_test_predictions_which_give_its_test_metrics(tiny_artifact_dir):
    """The per-comment probabilities a paired bootstrap (ml.stats) compares runs with."""
    from ml.artifacts import read_predictions
    from ml.evaluate import compute_metrics

    predictions = read_predictions(tiny_artifact_dir)
    metrics = json.loads((tiny_artifact_dir / "metrics.json").read_text())
    assert len(predictions["labels"]) == len(predictions["probs"]) == 32 and len(predictions["texts_sha256"]) == 64
    again = compute_metrics(predictions["labels"], predictions["probs"])
    assert again["f1"] == metrics["test"]["f1"] and again["confusion_matrix"] == metrics["test"]["confusion_matrix"]
    assert again["roc_auc"] == metrics["test"]["roc_auc"]


def test_progress_reports_every_logging_step_and_each_evaluation(tmp_path, tiny_bert_dir, data_dir):
    seen = []
    result = ml.train(
        tiny_config(tiny_bert_dir, data_dir, tmp_path / "run", epochs=2, log_every_steps=2), on_progress=seen.append
    )
    steps = [p for p in seen if p.kind == "step"]
    evals = [p for p in seen if p.kind == "eval"]
    assert [p.step for p in steps] == [1, 2, 4, 6, 8]
    assert all(p.total_steps == 8 and p.loss > 0 and "cls" in p.components and p.lr is not None for p in steps)
    assert all(p.samples_per_s > 0 and p.eta_s >= 0 for p in steps)
    assert steps[-1].eta_s == 0 and steps[-1].epoch == pytest.approx(2.0)
    assert [p.epoch for p in evals] == [1.0, 2.0] and all("f1" in p.metrics for p in evals)
    assert len(result.history) == len([p for p in seen if p.kind != "evaluating"])


def test_should_stop_cancels_cleanly_and_keeps_the_history(tmp_path, tiny_bert_dir, data_dir):
    calls = []

    def stop_after_three():
        calls.append(1)
        return len(calls) > 3

    out = tmp_path / "run"
    result = ml.train(tiny_config(tiny_bert_dir, data_dir, out, epochs=3), should_stop=stop_after_three)
    assert result.status == "cancelled"
    assert [h["step"] for h in result.history] == [1, 2, 3]
    saved = [json.loads(line) for line in (out / "history.jsonl").read_text().splitlines()]
    assert saved == result.history
    assert json.loads((out / "metrics.json").read_text())["status"] == "cancelled"
    assert not (out / "model.safetensors").exists()
    with pytest.raises(ml.ModelLoadError, match="cancelled"):
        Classifier.load(out)


def test_a_crash_mid_run_leaves_no_directory_that_looks_complete(tmp_path, tiny_bert_dir, data_dir):
    def explode(progress):
        if progress.step == 2:
            raise RuntimeError("worker lost")

    with pytest.raises(RuntimeError):
        ml.train(tiny_config(tiny_bert_dir, data_dir, tmp_path / "run"), on_progress=explode)
    assert list(tmp_path.iterdir()) == []


def test_a_non_finite_loss_raises_a_typed_error(tmp_path, data_dir):
    teacher = make_tiny_bert(tmp_path / "nan-bert")
    state_file = teacher / "model.safetensors"
    from safetensors.torch import load_file, save_file

    state = load_file(state_file)
    state["classifier.weight"] = torch.full_like(state["classifier.weight"], float("nan"))
    save_file(state, state_file, metadata={"format": "pt"})
    with pytest.raises(NonFiniteLossError) as info:
        ml.train(tiny_config(teacher, data_dir, tmp_path / "run"))
    assert info.value.step == 1
    assert not (tmp_path / "run").exists()


def test_it_refuses_to_overwrite_an_existing_run(tiny_artifact_dir, tiny_bert_dir, data_dir):
    with pytest.raises(ConfigError, match="already exists"):
        ml.train(tiny_config(tiny_bert_dir, data_dir, tiny_artifact_dir))


def test_students_from_a_fine_tuned_run_carry_no_warning(tmp_path, tiny_artifact_dir, tiny_bert_dir, data_dir):
    from_run = ml.train(tiny_config(tiny_artifact_dir, data_dir, tmp_path / "odd", method="odd"))
    from_plain = ml.train(tiny_config(tiny_bert_dir, data_dir, tmp_path / "even", method="even"))
    assert from_run.warnings == []
    assert "not a fine-tuned" in from_plain.warnings[0]
    odd = json.loads((tmp_path / "odd" / "metrics.json").read_text())
    assert odd["layer_map"] == [1, 3] and odd["layer_map_1based"] == [2, 4] and odd["layers"] == 2
    assert set(odd["train_loss"]) == {"loss", "cls", "div", "cos"}
    assert json.loads((tmp_path / "even" / "metrics.json").read_text())["warnings"] == from_plain.warnings


def test_lora_optimizer_holds_only_adapter_and_head_parameters(tiny_artifact_dir, data_dir):
    from accelerate import Accelerator

    from ml.batches import make_dataloader, tokenize_splits
    from ml.config import TrainConfig
    from ml.data import load_splits

    cfg = TrainConfig(
        method="lora",
        teacher=str(tiny_artifact_dir),
        dataset=str(data_dir),
        max_train_samples=16,
        max_eval_samples=8,
        max_length=16,
    )
    models = recipes.build(cfg)
    splits = load_splits(cfg.dataset, max_train_samples=16, max_eval_samples=8)
    tokenized = tokenize_splits(splits, models.tokenizer, 16)
    loader = make_dataloader(tokenized["train"], models.tokenizer, 8, shuffle=True)
    trainer = Trainer(cfg, Accelerator(cpu=True), models.model, loader, loader)
    in_optimizer = {id(p) for group in trainer.optimizer.param_groups for p in group["params"]}
    expected = {id(p) for name, p in models.model.named_parameters() if "lora_" in name or "modules_to_save" in name}
    assert in_optimizer == expected
    assert models.parameters["trainable"] == sum(p.numel() for p in models.model.parameters() if p.requires_grad)
    assert models.parameters["trainable"] < models.parameters["total"] / 10


def test_a_lora_run_loads_merged_and_as_adapter_with_the_same_predictions(tmp_path, tiny_artifact_dir, data_dir):
    out = tmp_path / "lora"
    ml.train(tiny_config(tiny_artifact_dir, data_dir, out, method="lora", lr=5e-2))
    assert (out / "adapter" / "adapter_config.json").is_file()
    texts = ["you are an idiot", "thanks for the edit", "a much longer comment " * 10]
    merged = Classifier.load(out).predict_proba(texts)
    adapted = Classifier.load(out, adapter=True).predict_proba(texts)
    assert merged == pytest.approx(adapted, abs=1e-4)
    base = Classifier.load(tiny_artifact_dir).predict_proba(texts)
    assert merged != pytest.approx(base, abs=1e-6), "the adapter changed nothing"
