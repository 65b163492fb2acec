"""Long passes (evaluation, predictions over a file, the final test pass) say how far they are."""

import io
import json

import pytest

import ml
from ml import cli
from ml.errors import EvaluationInterrupted
from ml.terminal import RowProgress
from tests.support.runs import tiny_config


def test_off_a_terminal_a_pass_prints_one_line_at_the_start_and_one_per_quarter():
    stream = io.StringIO()
    progress = RowProgress("scoring test", stream)
    for done in range(10, 101, 10):
        progress(done, 100)
    lines = stream.getvalue().splitlines()
    assert lines[0] == "scoring test: 100 rows"
    assert [line.split(": ")[1].split(" ")[0] for line in lines[1:]] == ["30/100", "50/100", "80/100", "100/100"]
    assert all("eta" in line for line in lines[1:])


def test_training_reports_each_evaluation_pass_batch_by_batch_without_keeping_it(tmp_path, tiny_bert_dir, data_dir):
    seen = []
    result = ml.train(tiny_config(tiny_bert_dir, data_dir, tmp_path / "run"), on_progress=seen.append)
    passes = [p for p in seen if p.kind == "evaluating"]
    assert {p.split for p in passes} == {"validation", "test"}
    last_test = [p for p in passes if p.split == "test"][-1]
    assert last_test.metrics == {"done": 32, "total": 32} and last_test.eta_s == 0
    assert all(h["kind"] != "evaluating" for h in result.history)


def test_ctrl_c_during_the_final_evaluation_keeps_the_trained_model(tmp_path, tiny_bert_dir, data_dir):
    def interrupt_the_test_pass(progress):
        if progress.kind == "evaluating" and progress.split == "test":
            raise KeyboardInterrupt

    out = tmp_path / "run"
    with pytest.raises(EvaluationInterrupted) as raised:
        ml.train(tiny_config(tiny_bert_dir, data_dir, out), on_progress=interrupt_the_test_pass)
    assert raised.value.output == str(out)
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["status"] == "succeeded" and metrics["evaluation"] == "interrupted" and "test" not in metrics
    assert ml.Classifier.load(out).predict(["hello"])[0].label in ("toxic", "non-toxic")


def test_the_cli_says_where_the_interrupted_run_is_and_exits_130(monkeypatch, capsys):
    def interrupted(config, on_progress=None, should_stop=None):
        raise EvaluationInterrupted("runs/x")

    monkeypatch.setattr(ml, "train", interrupted)
    code = cli.main(["train", "--method", "teacher", "--output", "runs/x"])
    err = capsys.readouterr().err
    assert code == 130
    assert len(err.strip().splitlines()) == 1 and "kept in runs/x" in err and "ml evaluate --model runs/x" in err


def test_evaluate_says_which_rows_it_scores_before_it_starts(tiny_artifact_dir, data_dir, capsys):
    code = cli.main(
        ["evaluate", "--model", str(tiny_artifact_dir), "--dataset", str(data_dir), "--max-eval-samples", "40"]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["n"] == 40
    assert f"scoring the test split of {data_dir}: a stratified sample of 40 (--max-eval-samples)" in err
    assert "scoring test: 40/40 rows" in err
    assert "Loading weights" not in err
