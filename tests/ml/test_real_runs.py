"""Integration: the bundled MiniLM fine-tuned on real wiki_toxic comments, then distilled and adapted.

The all-non-toxic baseline scores toxic-class F1 0; each run must be well above it.
"""

import json

import pytest

from ml.inference import Classifier
from tests.support.runs import REAL_SAMPLE, cached_run, student_config

pytestmark = pytest.mark.slow


def metrics_of(run_dir):
    return json.loads((run_dir / "metrics.json").read_text())


def test_the_fine_tuned_teacher_beats_the_all_non_toxic_baseline(trained_teacher_dir):
    metrics = metrics_of(trained_teacher_dir)
    assert metrics["layers"] == 6
    assert metrics["test"]["f1"] > 0.6
    assert metrics["test"]["roc_auc"] > 0.85
    # accuracy alone would flatter a model on a mostly non-toxic set: recall must be real too
    assert metrics["test"]["recall"] > 0.4


@pytest.mark.parametrize("parity, layer_map", [("odd", [1, 3, 5]), ("even", [0, 2, 4])])
def test_both_students_beat_the_baseline_with_half_the_layers(trained_teacher_dir, data_dir, parity, layer_map):
    run = cached_run(parity, student_config(trained_teacher_dir, data_dir, parity))
    metrics, teacher = metrics_of(run), metrics_of(trained_teacher_dir)
    assert metrics["layers"] == 3 and metrics["layer_map"] == layer_map and metrics["warnings"] == []
    assert metrics["parameters"]["total"] < teacher["parameters"]["total"]
    assert metrics["test"]["f1"] > 0.5
    assert set(metrics["train_loss"]) == {"loss", "cls", "div", "cos"}


def test_lora_trains_under_one_percent_of_parameters_and_beats_the_baseline(data_dir):
    run = cached_run("lora", {"method": "lora", "teacher": "bundled-minilm", "dataset": str(data_dir), **REAL_SAMPLE})
    metrics = metrics_of(run)
    assert metrics["parameters"]["trainable_share"] < 0.01
    assert metrics["test"]["f1"] > 0.5


def test_the_trained_student_tells_an_insult_from_a_thank_you(trained_student_dir):
    insult, thanks = Classifier.load(trained_student_dir).predict(
        ["You are a stupid idiot, shut up and go away", "Thank you for fixing the citation on this article."]
    )
    assert insult.label == "toxic" and thanks.label == "non-toxic"
