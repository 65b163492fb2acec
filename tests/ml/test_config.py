"""TrainConfig validation."""

import pytest

from ml.config import TrainConfig
from ml.errors import ConfigError


def test_defaults_follow_the_method():
    cfg = TrainConfig(method="odd")
    assert cfg.teacher == "bundled-minilm" and cfg.temperature == 2.0
    assert cfg.alpha_cls == cfg.alpha_div == cfg.alpha_cos == pytest.approx(1 / 3)
    assert cfg.lr == 1e-4 and TrainConfig(method="teacher").lr == 1e-4 and TrainConfig(method="lora").lr == 2e-3
    lora = TrainConfig(method="lora")
    assert (lora.lora_r, lora.lora_alpha, lora.lora_dropout) == (8, 32, 0.1)


@pytest.mark.parametrize(
    "field, value",
    [
        ("method", "half"),
        ("epochs", 0),
        ("epochs", 1.5),
        ("batch_size", -1),
        ("lr", 0),
        ("lr", "fast"),
        ("max_length", 4),
        ("temperature", 0),
        ("alpha_div", -0.1),
        ("lora_dropout", 1.0),
        ("precision", "fp8"),
        ("cos_on", "pooler"),
        ("lora_target_modules", []),
        ("teacher", " "),
    ],
)
def test_it_rejects_bad_values_naming_the_field(field, value):
    data = {"method": "odd", field: value}
    with pytest.raises(ConfigError) as info:
        TrainConfig.from_dict(data)
    assert info.value.field == field


def test_it_rejects_unknown_options_and_a_missing_method():
    with pytest.raises(ConfigError, match="unknown option"):
        TrainConfig.from_dict({"method": "odd", "learning_rate": 1})
    with pytest.raises(ConfigError, match="required"):
        TrainConfig.from_dict({})


def test_it_round_trips_through_a_dict():
    cfg = TrainConfig(method="lora", lora_target_modules="query, value", epochs=2)
    assert cfg.lora_target_modules == ["query", "value"]
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg


def test_it_reports_every_bad_option_at_once():
    with pytest.raises(ConfigError) as info:
        TrainConfig.from_dict({"method": "odd", "epochs": 0, "lr": -1, "cos_on": "pooler"})
    assert info.value.errors == {
        "epochs": "must be a positive integer",
        "lr": "must be in (0.0, 1.0]",
        "cos_on": "must be 'hidden' or 'logits'",
    }
    assert info.value.field == "epochs"
