"""Layer maps beyond odd and even: the named half maps, a custom map from the `layers` option, and
its rules (distinct, increasing, within the teacher) at config time, at build time and on the CLI."""

import json

import pytest
import torch

import ml
from ml import recipes
from ml.cli import main
from ml.config import TrainConfig
from ml.errors import ConfigError
from ml.methods import REGISTRY
from ml.models import check_layers, layer_map, make_student
from tests.support.tiny_bert import layer_tensors, tiny_bert, tiny_options


def assert_copies(student, teacher, mapping):
    """Student layer i holds exactly teacher layer mapping[i], tensor by tensor."""
    assert student.config.num_hidden_layers == len(mapping)
    for i, t in enumerate(mapping):
        s_layer, t_layer = layer_tensors(student, i), layer_tensors(teacher, t)
        assert s_layer.keys() == t_layer.keys() and len(s_layer) > 0
        for name in s_layer:
            assert torch.equal(s_layer[name], t_layer[name]), f"student layer {i} {name} != teacher layer {t}"
    assert layer_tensors(student, len(mapping)) == {}


def test_the_named_maps_are_zero_based_halves_of_the_teacher():
    assert layer_map(12, "first-half") == [0, 1, 2, 3, 4, 5]
    assert layer_map(12, "last-half") == [6, 7, 8, 9, 10, 11]
    assert layer_map(6, "last-half") == [3, 4, 5]
    with pytest.raises(ConfigError, match="even number of layers") as info:
        layer_map(5, "first-half")
    assert info.value.field == "teacher"


@pytest.mark.parametrize("method, mapping", [("first-half", [0, 1, 2]), ("last-half", [3, 4, 5])])
def test_a_named_map_builds_the_student_from_those_teacher_layers(method, mapping):
    teacher = tiny_bert(6, vocab_size=100, hidden_size=16, max_positions=32)
    student, used = make_student(teacher, method)
    assert used == mapping
    assert_copies(student, teacher, mapping)


def test_a_custom_map_builds_a_student_of_any_depth_from_the_listed_layers():
    teacher = tiny_bert(6, vocab_size=100, hidden_size=16, max_positions=32)
    for mapping in ([0, 3, 5], [2], [0, 1, 2, 3, 4, 5]):
        student, used = make_student(teacher, "custom", mapping)
        assert used == mapping
        assert_copies(student, teacher, mapping)


def test_the_custom_student_builds_from_its_config_and_keeps_the_teacher_frozen(tiny_bert_dir):
    built = recipes.build(TrainConfig(method="custom", teacher=str(tiny_bert_dir), layers="1,3"))
    assert built.layer_map == [1, 3] and built.teacher_layers == 4
    assert_copies(built.model, built.teacher, [1, 3])
    assert not any(p.requires_grad for p in built.teacher.parameters())


def test_a_layer_past_the_teacher_is_refused_when_the_teacher_loads(tiny_bert_dir):
    with pytest.raises(ConfigError, match="teacher layer 4 does not exist: the teacher has 4 layers, 0 to 3") as info:
        recipes.build(TrainConfig(method="custom", teacher=str(tiny_bert_dir), layers=[0, 4]))
    assert info.value.field == "layers"


def test_a_local_teachers_depth_is_checked_without_loading_it(tiny_bert_dir):
    check_layers(str(tiny_bert_dir), "custom", [0, 3])
    with pytest.raises(ConfigError, match="teacher layer 7 does not exist"):
        check_layers(str(tiny_bert_dir), "custom", [0, 7])
    check_layers("bert-base-uncased", "custom", [0, 70])  # a hub teacher: known only when it loads


@pytest.mark.parametrize(
    "method, layers, message",
    [
        ("custom", None, "the custom student needs a layer map, e.g. 0,3,5"),
        ("custom", "", "must list at least one teacher layer"),
        ("custom", [], "must list at least one teacher layer"),
        ("custom", "0,x", "must be teacher layer numbers: integers from 0"),
        ("custom", "-1,2", "must be teacher layer numbers: integers from 0"),
        ("custom", [0, 1.5], "must be teacher layer numbers: integers from 0"),
        ("custom", [True], "must be teacher layer numbers: integers from 0"),
        ("custom", "1,3,1", "lists teacher layer 1 twice"),
        ("custom", "3,1", "must be in increasing order"),
        ("odd", "1,3", "only the custom method reads a layer map, not odd"),
        ("teacher", [0], "only the custom method reads a layer map, not teacher"),
    ],
)
def test_a_bad_layer_map_is_a_config_error_on_layers_that_names_the_rule(method, layers, message):
    with pytest.raises(ConfigError, match=message) as info:
        TrainConfig.from_dict({"method": method, "layers": layers})
    assert info.value.field == "layers"


def test_a_layer_map_is_parsed_from_text_and_round_trips():
    cfg = TrainConfig(method="custom", layers=" 0, 3 ,5")
    assert cfg.layers == [0, 3, 5]
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg
    assert TrainConfig(method="odd").layers is None
    assert [name for name, method in REGISTRY.items() if method.is_student] == [
        "odd",
        "even",
        "first-half",
        "last-half",
        "custom",
    ]


@pytest.mark.parametrize(
    "layers, message",
    [("3,1", "layers: must be in increasing order"), ("0,9", "layers: teacher layer 9 does not exist")],
)
def test_the_cli_refuses_a_bad_map_with_exit_2_and_one_line(tiny_bert_dir, data_dir, tmp_path, capsys, layers, message):
    argv = ["train", "--method", "custom", "--layers", layers, "--teacher", str(tiny_bert_dir)]
    argv += ["--dataset", str(data_dir), "--max-train-samples", "16", "--output", str(tmp_path / "run")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {message}") and err.count("\n") == 1
    assert not (tmp_path / "run").exists()


def test_a_custom_run_records_its_map_zero_and_one_based(tiny_bert_dir, data_dir, tmp_path):
    options = tiny_options(tiny_bert_dir, data_dir, method="custom", layers="0,2,3", output=str(tmp_path / "run"))
    result = ml.train(options)
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert result.status == "succeeded" and metrics == result.metrics
    assert (metrics["layers"], metrics["teacher_layers"]) == (3, 4)
    assert metrics["layer_map"] == [0, 2, 3] and metrics["layer_map_1based"] == [1, 3, 4]
    assert json.loads((tmp_path / "run" / "run.json").read_text())["layers"] == [0, 2, 3]
