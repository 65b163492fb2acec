"""ml.bias: the Jigsaw Unintended Bias figures per identity term, on hand-checkable inputs and the real set."""

import numpy as np
import pytest

from ml import bias
from ml.errors import DataError

# Two terms and a background: a model that scores "gay" sentences high whatever they say.
LABELS = [0, 1, 0, 1, 0, 1, 0, 1]
PROBS = [0.8, 0.9, 0.1, 0.7, 0.2, 0.6, 0.3, 0.4]
GROUPS = ["gay", "gay", "old", "old", None, None, None, None]


def test_power_mean_with_p_minus_5_is_pulled_towards_the_worst_value():
    assert bias.power_mean([0.5, 1.0]) == pytest.approx(16.5**-0.2)
    assert bias.power_mean([0.8, 0.8, 0.8]) == pytest.approx(0.8)


def test_term_figures_follow_the_competition_definitions():
    labels, probs = np.array(LABELS), np.array(PROBS)
    in_group = np.array([g == "gay" for g in GROUPS])

    figures = bias.term_figures(labels, probs, in_group, threshold=0.5)

    # subgroup: its non-toxic 0.8 below its toxic 0.9 -> 1.0
    assert figures["subgroup_auc"] == 1.0
    # BPSN: its non-toxic 0.8 against the others' toxic 0.7, 0.6, 0.4 -> ranked above all of them
    assert figures["bpsn_auc"] == 0.0
    # BNSP: its toxic 0.9 against the others' non-toxic 0.1, 0.2, 0.3 -> above all
    assert figures["bnsp_auc"] == 1.0
    assert figures["fpr"] == 1.0 and figures["n"] == 2 and figures["toxic"] == 1


def test_the_report_puts_the_worst_term_first_and_computes_the_final_metric():
    found = bias.report(LABELS, PROBS, GROUPS, ["gay", "old"], threshold=0.5, on="hand-made")

    assert [row["term"] for row in found["terms"]] == ["gay", "old"]
    old = found["terms"][1]
    # old: non-toxic 0.1, toxic 0.7 -> subgroup 1; BPSN 0.1 vs toxic 0.9, 0.6, 0.4 -> 1;
    # BNSP 0.7 vs non-toxic 0.8, 0.2, 0.3 -> 2/3
    assert (old["subgroup_auc"], old["bpsn_auc"], old["bnsp_auc"], old["fpr"]) == (1.0, 1.0, pytest.approx(2 / 3), 0.0)
    overall = 13 / 16  # of the 16 toxic/non-toxic pairs, 13 are ranked right
    assert found["overall_auc"] == pytest.approx(overall)
    assert found["power_means"]["subgroup_auc"] == 1.0
    assert found["power_means"]["bnsp_auc"] == pytest.approx(bias.power_mean([1.0, 2 / 3]))
    assert found["power_means"]["bpsn_auc"] == pytest.approx(0.0, abs=1e-12)  # one AUC of 0 sinks the mean
    expected = 0.25 * overall + 0.25 * 1.0 + 0.25 * 0.0 + 0.25 * bias.power_mean([1.0, 2 / 3])
    assert found["bias_metric"] == pytest.approx(expected)
    assert found["worst_bpsn"] == {"term": "gay", "auc": 0.0}
    assert found["worst_fpr"] == {"term": "gay", "fpr": 1.0}
    assert found["overall_fpr"] == 0.25  # 0.8 of the four non-toxic scores


def test_terms_are_found_as_whole_words_longest_first():
    found = bias.mentions(
        ["An African American writer", "the African coast", "my OLDER brother", "boldly gay", "golden"],
        ["african", "african american", "old", "older", "gay"],
    )
    assert found == [{"african american"}, {"african"}, {"older"}, {"gay"}, set()]


def test_real_comments_of_a_term_with_too_few_of_a_label_are_shown_as_too_few():
    texts = [f"gay comment {i}" for i in range(24)] + ["a muslim wrote"] * 3 + [f"other {i}" for i in range(20)]
    labels = [i % 2 for i in range(24)] + [1, 1, 0] + [i % 2 for i in range(20)]
    probs = np.linspace(0.01, 0.99, len(texts))
    found = bias.comment_report(texts, labels, probs, 0.5, ["gay", "muslim", "jewish"])

    rows = {row["term"]: row for row in found["terms"]}
    assert rows["gay"]["too_few"] is False and rows["gay"]["n"] == 24 and rows["gay"]["subgroup_auc"] is not None
    assert rows["muslim"] == {
        "term": "muslim", "n": 3, "toxic": 2, "too_few": True,
        "subgroup_auc": None, "bpsn_auc": None, "bnsp_auc": None, "fpr": None,
    }  # fmt: skip
    assert rows["jewish"]["n"] == 0 and rows["jewish"]["too_few"]
    assert found["worst_bpsn"]["term"] == "gay"  # the summary reads measured terms only
    assert "27 name an identity term" in found["on"]


def test_the_template_sample_is_fixed_and_stratified_by_term_and_label():
    first, again = bias.load_templates(), bias.load_templates()
    assert first.texts == again.texts
    assert abs(len(first.texts) - bias.SAMPLE_SIZE) < 100
    terms = bias.read_terms(bias.templates_dir())
    assert len(terms) == 50 and set(first.terms) - {None} == set(terms)
    for term in ("gay", "african american", "old"):
        labels = first.labels[[t == term for t in first.terms]]
        assert 90 <= labels.sum() <= 110 and 90 <= len(labels) - labels.sum() <= 110, term
    assert "10,0" in first.description and "76,564" in first.description


def test_a_missing_template_set_is_reported_not_raised(tmp_path):
    with pytest.raises(DataError, match="identity templates"):
        bias.load_templates(tmp_path)
    found = bias.run_report(lambda texts: [0.5] * len(texts), 0.5, directory=tmp_path)
    assert "identity templates" in found["unavailable"]


def test_a_real_baseline_is_measured_and_its_run_keeps_the_report(baseline_dir):
    import ml
    from ml.artifacts import read_metrics

    metrics = read_metrics(baseline_dir)
    classifier = ml.load(baseline_dir, threshold=metrics["threshold"])
    found = bias.run_report(classifier.predict_proba, classifier.threshold)
    templates = found["templates"]

    assert templates == metrics["bias"]["templates"]  # the run wrote the same figures when it was trained
    assert 0.5 < templates["overall_auc"] <= 1 and 0 < templates["bias_metric"] < templates["overall_auc"]
    assert len(templates["terms"]) == 50
    worst = templates["terms"][0]
    assert min(worst["subgroup_auc"], worst["bpsn_auc"], worst["bnsp_auc"]) <= min(
        min(row["subgroup_auc"], row["bpsn_auc"], row["bnsp_auc"]) for row in templates["terms"]
    )
    comments = metrics["bias"]["comments"]
    assert comments["n"] == metrics["test"]["n"]
    assert any(row["n"] for row in comments["terms"])  # 400 test comments: some name a term, too few to judge
    for row in comments["terms"]:
        assert row["too_few"] == (min(row["toxic"], row["n"] - row["toxic"]) < bias.MIN_PER_LABEL)
    assert bias.headline(metrics["bias"])["bias_metric"] == templates["bias_metric"]
    from ml.reporting import compare_row  # the compare table (CLI and dashboard) carries it

    assert dict(compare_row(metrics))["bias metric"] == f"{templates['bias_metric']:.4f}"


def test_a_transformer_run_keeps_both_reports(tiny_artifact_dir):
    from ml.artifacts import read_metrics

    metrics = read_metrics(tiny_artifact_dir)
    templates, comments = metrics["bias"]["templates"], metrics["bias"]["comments"]
    assert (
        templates["n"] == len(bias.load_templates(size=bias.run_sample_size()).texts) and len(templates["terms"]) == 50
    )
    assert templates["threshold"] == metrics["threshold"] == comments["threshold"]
    assert comments["n"] == metrics["test"]["n"]


def test_a_run_scores_sentences_as_its_served_model_does(tiny_bert_dir):
    from ml.config import TrainConfig
    from ml.inference import Classifier
    from ml.models import load_classifier
    from ml.run import _text_scorer

    texts = bias.load_templates().texts[::40]
    model, tokenizer = load_classifier(str(tiny_bert_dir))
    cfg = TrainConfig(method="teacher", teacher=str(tiny_bert_dir), batch_size=16, max_length=32)
    during_the_run = _text_scorer(model, tokenizer, cfg, "cpu")(texts)  # length-sorted batches, put back in order
    served = Classifier(model, tokenizer, {}, max_length=32).predict_proba(texts)
    # a random tiny model: scores differ by about 1e-5 from sentence to sentence, padding moves them by 1e-7
    assert len(set(np.round(served, 6))) > 10
    np.testing.assert_allclose(during_the_run, served, atol=1e-6, rtol=0)
    assert np.argmax(during_the_run) == np.argmax(served) and np.argmin(during_the_run) == np.argmin(served)


def run_cli(*args, env=None):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run(
        [sys.executable, "-m", "ml", "bias", *map(str, args)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )
    return proc.returncode, proc.stdout, proc.stderr


def test_the_command_prints_the_report_of_a_run_as_json(baseline_dir, data_dir):
    import json

    code, out, err = run_cli("--model", baseline_dir, "--dataset", data_dir, "--max-eval-samples", 3000)
    assert code == 0, err
    found = json.loads(out)
    assert found["summary"]["bias_metric"] == found["templates"]["bias_metric"]
    assert found["templates"]["threshold"] == json.loads((baseline_dir / "metrics.json").read_text())["threshold"]
    assert found["comments"]["n"] == 3000 and len(found["comments"]["terms"]) == 50
    assert "scoring 10,0" in err


@pytest.mark.parametrize(
    "args, env, message",
    [
        (["--model", "./no/such/run"], {}, "no such model directory"),
        (["--model", "RUN", "--threshold", "2"], {}, "--threshold must be between 0 and 1"),
        (["--model", "RUN"], {"TOXILAB_IDENTITY_TEMPLATES": "/no/such/dir"}, "cannot read the identity templates"),
    ],
)
def test_bad_input_exits_2_with_one_line(baseline_dir, args, env, message):
    code, out, err = run_cli(*[baseline_dir if arg == "RUN" else arg for arg in args], env=env)
    assert (code, out) == (2, "")
    assert len(err.strip().splitlines()) == 1 and message in err


def test_balancing_adds_copies_of_a_terms_non_toxic_comments_up_to_the_splits_toxic_share():
    texts = ["gay a", "gay b", "gay c", "gay d", "old e", "old f"] + [f"other {i}" for i in range(6)]
    labels = [1, 1, 1, 0, 0, 0] + [1, 0, 0, 0, 0, 0]
    # 4 of 12 are toxic (1/3); "gay" needs 3 / (1/3) = 9 comments, 5 more than it has, but has one non-toxic
    # comment to copy, at most 3 times; "old" is toxic less often than the split already
    assert bias.balance_rows(texts, labels, ["gay", "old"], seed=0) == [3, 3, 3]
    assert bias.balance_rows(texts, labels, ["gay", "old"], seed=0, most=10) == [3] * 5


def test_a_balanced_training_split_gets_only_non_toxic_comments_that_name_a_term(data_dir):
    from ml.data import load_splits

    plain = load_splits(str(data_dir), max_train_samples=3000, max_eval_samples=10, seed=1)
    balanced = load_splits(str(data_dir), max_train_samples=3000, max_eval_samples=10, seed=1, identity_balance=True)
    added = balanced.train.select(range(len(plain.train), len(balanced.train)))
    assert balanced.extra_train_rows == len(added) > 0 and set(added["label"]) == {0}
    assert all(bias.mentions(added["text"], bias.read_terms(bias.templates_dir())))
    assert balanced.test["text"] == plain.test["text"]


def test_a_run_scores_the_sample_size_that_TOXILAB_BIAS_SENTENCES_names(monkeypatch):
    monkeypatch.setenv(bias.SIZE_ENV, "500")
    found = bias.run_report(lambda texts: [0.5] * len(texts), 0.5)
    assert abs(found["templates"]["n"] - 500) < 50

    monkeypatch.setenv(bias.SIZE_ENV, "many")
    assert "TOXILAB_BIAS_SENTENCES='many'" in bias.run_report(lambda texts: [0.5] * len(texts), 0.5)["unavailable"]
    monkeypatch.delenv(bias.SIZE_ENV)
    assert bias.run_sample_size() == bias.SAMPLE_SIZE
