"""Named recipes (ml/presets.py): `python -m ml preset NAME` trains each stage in order, a student learning
from its preset's teacher run, keeps the stages that already succeeded, and prints every stage's figures."""

import json
from pathlib import Path

import pytest

from ml import cli, presets
from ml.config import NO_TEACHER
from ml.errors import ConfigError
from ml.presets import Preset, Stage

TINY = {"max_train_samples": 64, "max_eval_samples": 32, "epochs": 1, "batch_size": 16, "max_length": 32}


@pytest.fixture
def tiny_preset(monkeypatch):
    """A preset of the full-data shape (baseline, teacher, its student) on samples that train in seconds."""
    tiny = Preset(
        "tiny",
        "the full-data stages on tiny samples",
        (
            Stage("baseline", {"method": "baseline", "max_train_samples": 300, "max_eval_samples": 32}),
            Stage("teacher", {"method": "teacher", **TINY, "lr": 1e-3}),
            Stage("student", {"method": "odd", **TINY}, teacher_from="teacher"),
        ),
    )
    monkeypatch.setitem(presets.PRESETS, "tiny", tiny)
    return tiny


def test_the_full_data_preset_trains_the_baseline_teacher_and_student_on_the_whole_splits():
    full = presets.get("full-data")
    configs = {
        stage.name: presets.stage_config(full, stage, dataset="data", teacher="bundled-minilm", output=Path("/runs"))
        for stage in full.stages
    }
    assert [c.method for c in configs.values()] == ["baseline", "teacher", "odd"]
    assert all(c.max_train_samples is None and c.max_eval_samples is None for c in configs.values())
    assert configs["baseline"].teacher == NO_TEACHER and configs["teacher"].teacher == "bundled-minilm"
    assert configs["student"].teacher == "/runs/teacher" and configs["student"].output == "/runs/student"
    with pytest.raises(ConfigError, match="must be one of full-data, quick"):
        presets.get("huge")


def test_the_command_trains_each_stage_in_order_and_keeps_those_that_succeeded(
    tiny_preset, tmp_path, tiny_bert_dir, data_dir, capsys
):
    argv = ["preset", "tiny", "--output", str(tmp_path / "runs"), "--dataset", str(data_dir)]
    assert cli.main([*argv, "--teacher", str(tiny_bert_dir)]) == 0
    first = json.loads(capsys.readouterr().out.strip().splitlines()[-1])

    assert [first[stage]["method"] for stage in ("baseline", "teacher", "student")] == ["baseline", "teacher", "odd"]
    assert all(
        first[stage]["test_rows"] == 32 and 0 <= first[stage]["test_f1"] <= 1 for stage in ("teacher", "student")
    )
    student_run = json.loads((tmp_path / "runs" / "student" / "run.json").read_text())
    assert student_run["teacher"] == str(tmp_path / "runs" / "teacher")
    mtime = (tmp_path / "runs" / "teacher" / "metrics.json").stat().st_mtime

    assert cli.main([*argv, "--teacher", str(tiny_bert_dir)]) == 0
    again = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (tmp_path / "runs" / "teacher" / "metrics.json").stat().st_mtime == mtime, "a finished stage is kept"
    assert again["student"]["test_f1"] == first["student"]["test_f1"] and again["wall_seconds"] < first["wall_seconds"]
