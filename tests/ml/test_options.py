"""TrainConfig's fields declare help, group and bounds once; the CLI is generated from them."""

import dataclasses

import pytest

from ml.cli import build_parser, config_from_args, main
from ml.config import GROUPS, TrainConfig, options
from ml.errors import ConfigError

NUMERIC = [option for option in options() if option.kind in (int, float)]


def test_every_field_has_help_and_a_known_group_and_every_number_has_bounds():
    assert [option.name for option in options()] == [f.name for f in dataclasses.fields(TrainConfig)]
    for option in options():
        assert option.help and option.group in GROUPS, option.name
    for option in NUMERIC:
        assert option.low is not None and option.high is not None and option.low < option.high, option.name
        if option.default is not None:
            assert option.low <= option.default <= option.high, option.name


def test_the_default_teacher_and_dataset_are_the_fields_defaults():
    from ml.config import DEFAULT_DATASET, DEFAULT_TEACHER

    cfg = TrainConfig(method="teacher")
    assert (cfg.teacher, cfg.dataset) == (DEFAULT_TEACHER, DEFAULT_DATASET)


def _outside(option):
    """A value just below and one far above each numeric option's range."""
    step = 1 if option.kind is int else (1e-9 if not option.low_open else 0)
    return [option.low - step, option.high * 10**6 + 1]


@pytest.mark.parametrize("option", NUMERIC, ids=[option.name for option in NUMERIC])
def test_every_numeric_option_refuses_values_outside_its_bounds(option):
    for value in _outside(option):
        with pytest.raises(ConfigError) as info:
            TrainConfig.from_dict({"method": "odd", option.name: value})
        assert info.value.field == option.name, value


def test_epochs_of_ten_to_the_twelve_is_refused():
    with pytest.raises(ConfigError, match="epochs: must be at most 100"):
        TrainConfig(method="teacher", epochs=10**12)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("seed", -1, "must be an integer from 0 to 4294967295"),
        ("seed", 2**32, "must be an integer from 0 to 4294967295"),
        ("lora_r", 10**9, "must be at most 1024"),
        ("max_train_samples", 0, "must be a positive integer"),
        ("cpu", "yes", "must be true or false"),
        ("precision", "fp8", "must be 'auto', 'fp32', 'bf16' or 'fp16'"),
    ],
)
def test_it_says_what_the_bounds_are(field, value, message):
    with pytest.raises(ConfigError) as info:
        TrainConfig.from_dict({"method": "teacher", field: value})
    assert info.value.errors == {field: message}


def train_flags():
    train = build_parser()._subparsers._group_actions[0].choices["train"]
    return {action.dest: action for action in train._actions if action.dest != "help"}


def test_the_cli_has_a_flag_for_every_trainconfig_field():
    flags = train_flags()
    assert set(flags) == {option.name for option in options()}
    on_by_default = {option.name for option in options() if option.kind is bool and option.default}
    assert on_by_default == {"group_by_length"}
    for name, flag in flags.items():
        dashed = name.replace("_", "-")
        assert flag.option_strings == [f"--{dashed}", *([f"--no-{dashed}"] if name in on_by_default else [])]
    assert flags["method"].choices == (
        "teacher",
        "odd",
        "even",
        "first-half",
        "last-half",
        "custom",
        "lora",
        "baseline",
    )
    assert flags["method"].required
    assert "from 1 to 100; default 3" in flags["epochs"].help


def test_the_cli_sets_options_it_used_to_lack():
    args = build_parser().parse_args(
        [
            "train",
            "--method",
            "odd",
            "--output",
            "x",
            "--max-grad-norm",
            "0.5",
            "--text-column",
            "body",
            "--label-column",
            "toxic",
            "--cpu",
        ]
    )
    cfg = config_from_args(args)
    assert (cfg.max_grad_norm, cfg.text_column, cfg.label_column, cfg.cpu) == (0.5, "body", "toxic", True)
    assert cfg.epochs == 3 and cfg.lr == 1e-4, "flags left out keep TrainConfig's defaults"


def test_an_option_on_by_default_is_turned_off_with_its_no_flag():
    def group_by_length(*flags):
        return config_from_args(build_parser().parse_args(["train", "--method", "odd", "--output", "x", *flags]))

    assert group_by_length().group_by_length is True
    assert group_by_length("--no-group-by-length").group_by_length is False
    assert group_by_length("--group-by-length").group_by_length is True


def test_out_of_range_flags_exit_2_with_every_bad_option_on_one_line(capsys):
    code = main(["train", "--method", "odd", "--output", "x", "--epochs", str(10**12), "--seed", "-1"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert err == "error: epochs: must be at most 100; seed: must be an integer from 0 to 4294967295\n"
