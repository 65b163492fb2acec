"""Training options as one typed dataclass, validated on construction and stored with every run."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
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
        """Validate every option; a ConfigError names the first bad one and lists all in `.errors`."""
        check = _Checker(self)
        if self.method not in METHODS:
            check.fail("method", f"must be one of {', '.join(METHODS)}, got {self.method!r}")
        elif self.lr is None:
            self.lr = DEFAULT_LR[self.method]
        for name in ("teacher", "dataset", "text_column", "label_column"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name).strip():
                check.fail(name, "must be a non-empty string")
        check.positive_int("epochs", "batch_size", "lora_r", "lora_alpha", "log_every_steps")
        check.positive_int("max_train_samples", "max_eval_samples", "eval_every_steps", optional=True)
        if not isinstance(self.max_length, int) or isinstance(self.max_length, bool) or not 8 <= self.max_length <= 512:
            check.fail("max_length", "must be an integer from 8 to 512")
        if isinstance(self.batch_size, int) and self.batch_size > 1024:
            check.fail("batch_size", "must be at most 1024")
        if self.lr is not None:
            check.in_range("lr", 0.0, 1.0, low_open=True)
        check.in_range("weight_decay", 0.0, 1.0)
        check.in_range("warmup_ratio", 0.0, 1.0)
        check.in_range("lora_dropout", 0.0, 1.0, high_open=True)
        check.in_range("max_grad_norm", 0.0, 1e6, low_open=True)
        check.in_range("temperature", 0.0, 100.0, low_open=True)
        alphas = [check.in_range(name, 0.0, 1e3) for name in ("alpha_cls", "alpha_div", "alpha_cos")]
        if self.method in ("odd", "even") and None not in alphas and sum(alphas) <= 0:
            check.fail("alpha_cls", "the three loss weights cannot all be zero")
        if self.cos_on not in ("hidden", "logits"):
            check.fail("cos_on", "must be 'hidden' or 'logits'")
        if self.mixed_precision not in ("auto", "no", "bf16", "fp16"):
            check.fail("mixed_precision", "must be one of auto, no, bf16, fp16")
        if self.lora_target_modules is not None:
            mods = self.lora_target_modules
            if isinstance(mods, str):
                mods = [m.strip() for m in mods.split(",") if m.strip()]
            if not mods or not all(isinstance(m, str) and m for m in mods):
                check.fail("lora_target_modules", "must be a non-empty list of module names")
            else:
                self.lora_target_modules = list(mods)
        check.raise_if_any()

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
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


class _Checker:
    """Collects every problem of a config (first message per field) instead of stopping at one."""

    def __init__(self, cfg):
        self.cfg = cfg
        self.errors: dict[str, str] = {}

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def positive_int(self, *names: str, optional: bool = False) -> None:
        for name in names:
            value = getattr(self.cfg, name)
            if optional and value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                self.fail(name, "must be a positive integer")

    def in_range(self, name: str, low: float, high: float, low_open: bool = False,
                 high_open: bool = False) -> float | None:
        """The value as a float when it is a number within the range; otherwise records why."""
        value = getattr(self.cfg, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            self.fail(name, "must be a number")
            return None
        if value < low or (low_open and value == low) or value > high or (high_open and value == high):
            lo, hi = ("(" if low_open else "["), (")" if high_open else "]")
            self.fail(name, f"must be in {lo}{low}, {high}{hi}")
            return None
        setattr(self.cfg, name, float(value))
        return float(value)

    def raise_if_any(self) -> None:
        if self.errors:
            field, message = next(iter(self.errors.items()))
            raise ConfigError(field, message, errors=self.errors)
