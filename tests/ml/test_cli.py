"""`python -m ml`: exit codes, one-line errors, JSON on the last line."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args):
    proc = subprocess.run(
        [sys.executable, "-m", "ml", *map(str, args)], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    return proc.returncode, proc.stdout, proc.stderr


def test_train_prints_progress_lines_and_final_metrics_as_json(tmp_path, tiny_bert_dir, data_dir):
    code, out, err = run_cli(
        "train",
        "--method",
        "teacher",
        "--teacher",
        tiny_bert_dir,
        "--dataset",
        data_dir,
        "--output",
        tmp_path / "run",
        "--max-train-samples",
        32,
        "--max-eval-samples",
        16,
        "--epochs",
        1,
        "--batch-size",
        16,
        "--max-length",
        32,
        "--log-every-steps",
        1,
    )
    assert code == 0, err
    result = json.loads(out.strip().splitlines()[-1])
    assert result["status"] == "succeeded" and result["output"] == str(tmp_path / "run")
    assert "f1" in result["test"]
    assert "step 1/2" in err and "eval validation" in err


def test_train_baseline_writes_a_run_that_predict_serves(tmp_path, data_dir):
    out = tmp_path / "baseline"
    code, stdout, err = run_cli(
        "train", "--method", "baseline", "--dataset", data_dir, "--output", out, "--max-train-samples", 600,
        "--max-eval-samples", 200, "--baseline-max-features", 5000,
    )  # fmt: skip
    assert code == 0, err
    result = json.loads(stdout.strip().splitlines()[-1])
    assert result["status"] == "succeeded" and result["method"] == "baseline" and "roc_auc" in result["test"]
    assert "step 1/" in err and "eval validation" in err and " lr " not in err, "lbfgs has no learning rate"

    code, stdout, err = run_cli("predict", "--model", out, "you stupid idiot", "thank you for the source")
    assert code == 0, err
    toxic, benign = (json.loads(line) for line in stdout.splitlines())
    assert toxic["toxic_probability"] > benign["toxic_probability"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "--method", "half", "--output", "x"], "invalid choice"),
        (["train", "--method", "odd", "--output", "x", "--epochs", "0"], "epochs: must be a positive integer"),
        (["train", "--method", "odd", "--output", "x", "--lr", "fast"], "invalid float value"),
        (["train", "--method", "odd", "--output", "x", "--dataset", "./no/such/dir"], "no/such/dir"),
        (["predict", "--model", "./no/such/run", "hello"], "no such model directory"),
        (["predict", "--model", "./no/such/run"], "give TEXT arguments or --input CSV"),
        (["compare", "./no/such/run"], "not a finished run"),
        (["train", "--method", "baseline", "--output", "x", "--baseline-c", "0"], "baseline_c: must be in (0.0"),
        ([], "required"),
    ],
)
def test_bad_input_exits_2_with_one_line_on_stderr(args, message):
    code, out, err = run_cli(*args)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: ")
    assert message in err


def test_predict_writes_one_json_object_per_text(tiny_artifact_dir):
    code, out, err = run_cli("predict", "--model", tiny_artifact_dir, "you fool", "nice work")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["text"] for r in rows] == ["you fool", "nice work"]
    assert all(r["label"] in ("toxic", "non-toxic") and 0 <= r["toxic_probability"] <= 1 for r in rows)


def test_predict_reads_a_csv_and_writes_jsonl(tmp_path, tiny_artifact_dir):
    (tmp_path / "in.csv").write_text('comment_text\n"first, with a comma"\n"second\nover two lines"\n')
    code, _, err = run_cli(
        "predict", "--model", tiny_artifact_dir, "--input", tmp_path / "in.csv", "--output", tmp_path / "out.jsonl"
    )
    assert code == 0, err
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["text"] for r in rows] == ["first, with a comma", "second\nover two lines"]


def test_evaluate_prints_metrics_of_the_split(tiny_artifact_dir, data_dir):
    code, out, err = run_cli(
        "evaluate",
        "--model",
        tiny_artifact_dir,
        "--dataset",
        data_dir,
        "--split",
        "validation",
        "--max-eval-samples",
        40,
    )
    assert code == 0, err
    result = json.loads(out.strip().splitlines()[-1])
    assert result["split"] == "validation" and result["n"] == 40
    assert sum(map(sum, result["confusion_matrix"])) == 40


def test_compare_prints_a_markdown_row_per_run(tiny_artifact_dir):
    code, out, err = run_cli("compare", tiny_artifact_dir, tiny_artifact_dir)
    assert code == 0, err
    lines = out.strip().splitlines()
    assert lines[0].startswith("| run | method | layers | params")
    columns = ("loss cls", "loss div", "loss cos", "accuracy", "precision", "recall", "F1", "ROC-AUC", "ms/comment")
    for column in columns:
        assert column in lines[0]
    assert len(lines) == 4 and lines[2].split("|")[2].strip() == "teacher"


def test_compare_paired_gives_each_run_against_the_first_with_intervals_or_says_why_not(
    tmp_path, tiny_artifact_dir, tiny_bert_dir, data_dir
):
    import ml
    from tests.support.runs import tiny_config

    other = ml.train(tiny_config(tiny_bert_dir, data_dir, tmp_path / "other", lr=5e-4)).output_dir
    elsewhere = ml.train(tiny_config(tiny_bert_dir, data_dir, tmp_path / "elsewhere", seed=7)).output_dir

    code, out, err = run_cli("compare", tiny_artifact_dir, other, elsewhere, "--paired")

    assert code == 0, err
    paired = [line for line in out.splitlines() if line.startswith("- ")]
    assert paired[0].startswith(f"- other - {tiny_artifact_dir.name} on 32 test comments: F1 ")
    assert "points (95% CI " in paired[0] and "; ROC-AUC " in paired[0]
    assert paired[1] == f"- elsewhere - {tiny_artifact_dir.name}: not tested on the same comments, so not paired"
