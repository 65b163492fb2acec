"""ml.evaluate: metrics, threshold tuning, prediction over a dataloader, model size."""

import json

import pytest
import torch
from transformers import BertForSequenceClassification

from ml.evaluate import (
    compute_metrics,
    dir_size_bytes,
    evaluate_split,
    pr_curve,
    predict_probs,
    tune_threshold,
)
from ml.models import count_parameters
from tests.support.tiny_bert import tiny_bert as random_bert

LABELS = [1, 1, 1, 0, 0, 0, 0, 0, 1, 0]
PROBS = [0.9, 0.6, 0.3, 0.7, 0.2, 0.1, 0.4, 0.05, 0.8, 0.55]


def tiny_bert() -> BertForSequenceClassification:
    return random_bert(layers=2, vocab_size=100, max_positions=512)


def tiny_loader(rows: int = 7, batch_size: int = 3) -> torch.utils.data.DataLoader:
    generator = torch.Generator().manual_seed(0)
    items = [
        {
            "input_ids": torch.randint(1, 100, (5,), generator=generator),
            "attention_mask": torch.ones(5, dtype=torch.long),
            "labels": torch.tensor(i % 2),
        }
        for i in range(rows)
    ]
    return torch.utils.data.DataLoader(items, batch_size=batch_size)


def test_metrics_match_a_hand_computed_example():
    # at 0.5: predicted toxic = 0.9, 0.6, 0.7, 0.8, 0.55 -> tp 3 (0.9, 0.6, 0.8), fp 2 (0.7, 0.55),
    # fn 1 (0.3), tn 4 (0.2, 0.1, 0.4, 0.05)
    tp, fp, fn, tn = 3, 2, 1, 4
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    f1 = 2 * precision * recall / (precision + recall)
    f1_clean = 2 * tn / (2 * tn + fn + fp)

    metrics = compute_metrics(LABELS, PROBS)

    assert metrics["confusion_matrix"] == [[tn, fp], [fn, tp]]
    assert metrics["n"] == 10 and metrics["toxic_share"] == 0.4 and metrics["threshold"] == 0.5
    assert metrics["accuracy"] == pytest.approx((tp + tn) / 10)
    assert metrics["precision"] == pytest.approx(precision)
    assert metrics["recall"] == pytest.approx(recall)
    assert metrics["f1"] == pytest.approx(f1)
    assert metrics["macro_f1"] == pytest.approx((f1 + f1_clean) / 2)
    # of the 24 toxic/clean pairs the toxic comment scores higher in all but 0.3 < (0.7, 0.4, 0.55)
    # and 0.6 < 0.7: 20 of 24
    assert metrics["roc_auc"] == pytest.approx(20 / 24)
    # average precision: the toxic comments rank 1, 2, 4 and 7, so precision at each hit is 1, 1, 3/4, 4/7
    assert metrics["pr_auc"] == pytest.approx((1 + 1 + 3 / 4 + 4 / 7) / 4)
    json.dumps(metrics)


def test_a_higher_threshold_moves_comments_to_the_clean_side():
    metrics = compute_metrics(LABELS, PROBS, threshold=0.75)

    assert metrics["confusion_matrix"] == [[6, 0], [2, 2]]
    assert metrics["precision"] == 1.0 and metrics["recall"] == 0.5


def test_the_all_clean_predictor_has_f1_zero_and_accuracy_one_minus_the_toxic_share():
    metrics = compute_metrics(LABELS, [0.0] * len(LABELS))

    assert metrics["f1"] == 0.0 and metrics["precision"] == 0.0 and metrics["recall"] == 0.0
    assert metrics["accuracy"] == pytest.approx(1 - 0.4)


def test_the_perfect_predictor_scores_one_everywhere():
    metrics = compute_metrics(LABELS, [float(label) for label in LABELS])

    for name in ("accuracy", "precision", "recall", "f1", "macro_f1", "roc_auc", "pr_auc"):
        assert metrics[name] == 1.0, name


def test_one_class_labels_give_no_auc_and_still_serialise():
    metrics = compute_metrics([0, 0, 0], [0.1, 0.7, 0.2])

    assert metrics["roc_auc"] is None and metrics["pr_auc"] is None
    assert metrics["f1"] == 0.0
    json.dumps(metrics)


def test_tune_threshold_finds_the_f1_maximising_cut():
    # cutting at 0.6 catches all three toxic comments and one clean one: F1 = 6/7, better than any other cut
    labels = [0, 0, 0, 1, 0, 1, 1]
    probs = [0.1, 0.2, 0.3, 0.6, 0.65, 0.8, 0.9]

    threshold = tune_threshold(labels, probs)

    assert threshold == 0.6
    assert compute_metrics(labels, probs, threshold)["f1"] == pytest.approx(6 / 7)


def test_tune_threshold_prefers_the_higher_cut_on_a_tie():
    labels = [1, 0, 0, 1]
    probs = [0.9, 0.7, 0.5, 0.3]
    # cut 0.9: P 1, R 1/2 -> F1 2/3; cut 0.7: 1/2; cut 0.5: 2/5; cut 0.3: P 1/2, R 1 -> F1 2/3 (tie)

    assert tune_threshold(labels, probs) == 0.9


def test_tune_threshold_falls_back_to_one_half_with_one_class():
    assert tune_threshold([1, 1, 1], [0.2, 0.9, 0.4]) == 0.5


def test_predict_probs_returns_one_probability_per_row_and_restores_train_mode():
    model = tiny_bert()
    model.train()

    labels, probs = predict_probs(model, tiny_loader(rows=7))

    assert labels.tolist() == [0, 1, 0, 1, 0, 1, 0]
    assert probs.shape == (7,) and ((probs >= 0) & (probs <= 1)).all()
    assert model.training


def test_predict_probs_leaves_an_eval_model_in_eval_mode():
    model = tiny_bert().eval()

    predict_probs(model, tiny_loader(rows=2))

    assert not model.training


def test_evaluate_split_adds_the_time_taken():
    metrics = evaluate_split(tiny_bert(), tiny_loader(rows=6), threshold=0.4)

    assert metrics["n"] == 6 and metrics["threshold"] == 0.4
    assert metrics["eval_seconds"] > 0
    json.dumps(metrics)


def test_count_parameters_leaves_out_a_frozen_layer():
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Linear(3, 2))  # 15 + 8 parameters
    for param in model[0].parameters():
        param.requires_grad = False

    assert count_parameters(model) == {"total": 23, "trainable": 8, "trainable_share": 8 / 23}


def test_dir_size_bytes_adds_up_nested_files(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.bin").write_bytes(b"x" * 10)
    (tmp_path / "sub" / "b.bin").write_bytes(b"y" * 32)

    assert dir_size_bytes(tmp_path) == 42


def test_the_pr_curve_has_101_points_and_matches_compute_metrics_at_each_threshold():
    labels = [0, 0, 1, 1, 0, 1, 0, 1]
    probs = [0.05, 0.42, 0.38, 0.91, 0.66, 0.5, 0.12, 0.77]
    curve = pr_curve(labels, probs)

    assert len(curve["threshold"]) == len(curve["precision"]) == len(curve["recall"]) == 101
    for i in (0, 38, 42, 50, 70, 100):
        at = compute_metrics(labels, probs, curve["threshold"][i])
        assert curve["recall"][i] == pytest.approx(at["recall"], abs=1e-4)
        called = sum(p >= curve["threshold"][i] for p in probs)
        assert curve["precision"][i] == pytest.approx(at["precision"] if called else 1.0, abs=1e-4)
    assert curve["recall"][0] == 1.0 and curve["recall"][100] == 0.0
