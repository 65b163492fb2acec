"""Training options as one typed dataclass, validated on construction and stored with every run.

Each field carries its help text, group and bounds (`spec(...)` metadata). The CLI flags, the web
launch form, the API's JobIn schema and the job page's table are generated from `options()`.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ml import methods
from ml.errors import ConfigError

METHODS = methods.names()
DEFAULT_TEACHER = "bundled-minilm"
DEFAULT_DATASET = "OxAISH-AL-LLM/wiki_toxic"
DEFAULT_LR = {method.name: method.default_lr for method in methods.REGISTRY.values()}
GROUPS = {
    "run": "What to train",
    "data": "Data",
    "training": "Training",
    "distillation": "Distillation (students)",
    "layers": "Layer map (custom student)",
    "lora": "LoRA",
    "baseline": "TF-IDF + logistic regression",
    "advanced": "Advanced",
}
NO_TEACHER = "none"  # the teacher recorded for a method that reads none (the baseline)
PRECISIONS = ("auto", "fp32", "bf16", "fp16")  # ml.run resolves auto for the machine it trains on


@dataclass(frozen=True)
class Spec:
    """What a TrainConfig field means: help text, group (GROUPS) and, for numbers, its bounds."""

    help: str
    group: str = "training"
    low: float | None = None
    high: float | None = None
    low_open: bool = False  # the bound itself is excluded
    high_open: bool = False
    choices: tuple[str, ...] = ()


def spec(help: str, group: str = "training", **bounds: Any) -> dict[str, Spec]:
    """A TrainConfig field's metadata: `field(default=..., metadata=spec(help, group, low=..., high=...))`."""
    return {"spec": Spec(help, group, **bounds)}


@dataclass
class TrainConfig:
    method: str = field(metadata=spec("the training method (ml.methods)", "run"))
    teacher: str = field(
        default=DEFAULT_TEACHER,
        metadata=spec(
            f"bundled-minilm, a hub id such as bert-base-uncased, or a path ({NO_TEACHER!r} for the baseline)", "run"
        ),
    )
    dataset: str = field(
        default=DEFAULT_DATASET,
        metadata=spec("a hub id such as OxAISH-AL-LLM/wiki_toxic, or a directory or file", "run"),
    )
    output: str | None = field(default=None, metadata=spec("run directory to create", "run"))
    text_column: str = field(default="comment_text", metadata=spec("column of the comments", "data"))
    label_column: str = field(default="label", metadata=spec("column of the 0/1 labels", "data"))
    epochs: int = field(default=3, metadata=spec("passes over the training set", low=1, high=100))
    batch_size: int = field(default=32, metadata=spec("comments per step", low=1, high=1024))
    lr: float | None = field(
        default=None, metadata=spec("learning rate (by default the method's own)", low=0.0, high=1.0, low_open=True)
    )
    weight_decay: float = field(default=0.01, metadata=spec("AdamW weight decay", "advanced", low=0.0, high=1.0))
    warmup_ratio: float = field(
        default=0.1,
        metadata=spec("share of the steps spent warming up the learning rate", "advanced", low=0.0, high=1.0),
    )
    max_grad_norm: float = field(
        default=1.0, metadata=spec("gradient clipping norm", "advanced", low=0.0, high=1e6, low_open=True)
    )
    max_length: int = field(default=128, metadata=spec("tokens kept per comment", low=8, high=512))
    max_train_samples: int | None = field(
        default=None,
        metadata=spec(
            "train on a stratified sample of this many comments (by default all)", "data", low=1, high=10_000_000
        ),
    )
    max_eval_samples: int | None = field(
        default=None,
        metadata=spec(
            "validate and test on at most this many comments (by default all)", "data", low=1, high=10_000_000
        ),
    )
    extra_train_file: str | None = field(
        default=None,
        metadata=spec("a CSV or Parquet file (columns text, label 0/1) added to the training split", "data"),
    )
    identity_balance: bool = field(
        default=False,
        metadata=spec(
            "add copies of the training split's non-toxic comments that name an identity term, until each "
            "term's toxic share is the split's (ml/bias.py)",
            "data",
        ),
    )
    temperature: float = field(
        default=2.0,
        metadata=spec("softens the teacher's probabilities", "distillation", low=0.0, high=100.0, low_open=True),
    )
    alpha_cls: float = field(
        default=1 / 3, metadata=spec("weight of the cross-entropy on the labels", "distillation", low=0.0, high=1e3)
    )
    alpha_div: float = field(
        default=1 / 3, metadata=spec("weight of the KL divergence to the teacher", "distillation", low=0.0, high=1e3)
    )
    alpha_cos: float = field(
        default=1 / 3, metadata=spec("weight of the cosine loss to the teacher", "distillation", low=0.0, high=1e3)
    )
    cos_on: str = field(
        default="hidden", metadata=spec("what the cosine loss compares", "distillation", choices=("hidden", "logits"))
    )
    layers: list[int] | None = field(
        default=None,
        metadata=spec(
            "comma-separated teacher layers the student copies, 0-based and increasing, e.g. 0,3,5", "layers"
        ),
    )
    lora_r: int = field(default=8, metadata=spec("rank of the adapters", "lora", low=1, high=1024))
    lora_alpha: int = field(default=32, metadata=spec("scale of the adapters", "lora", low=1, high=4096))
    lora_dropout: float = field(
        default=0.1, metadata=spec("dropout inside the adapters", "lora", low=0.0, high=1.0, high_open=True)
    )
    lora_target_modules: list[str] | None = field(
        default=None, metadata=spec("comma-separated module names (by default peft's choice)", "lora")
    )
    baseline_c: float = field(
        default=4.0,
        metadata=spec(
            "inverse regularisation strength C of the logistic regression", "baseline", low=0.0, high=1e6, low_open=True
        ),
    )
    baseline_word_ngrams: int = field(
        default=2, metadata=spec("word n-grams from 1 to this n", "baseline", low=1, high=4)
    )
    baseline_char_ngrams: int = field(
        default=5,
        metadata=spec("character n-grams (inside word boundaries) from 2 to this n", "baseline", low=2, high=8),
    )
    baseline_max_features: int = field(
        default=200_000,
        metadata=spec("most frequent n-grams kept by each of the two vectorisers", "baseline", low=1, high=10_000_000),
    )
    seed: int = field(
        default=42,
        metadata=spec("random seed (sampling, shuffling, initialisation)", "data", low=0, high=2**32 - 1),
    )
    log_every_steps: int = field(
        default=10, metadata=spec("one loss point every this many steps", "advanced", low=1, high=1_000_000)
    )
    eval_every_steps: int | None = field(
        default=None,
        metadata=spec(
            "validate every this many steps (by default once per epoch)", "advanced", low=1, high=100_000_000
        ),
    )
    precision: str = field(
        default="auto",
        metadata=spec(
            "number format of training and evaluation: auto is bf16 where the CPU or GPU computes it natively "
            "(fp16 on a GPU without bf16), else fp32",
            choices=PRECISIONS,
        ),
    )
    cpu: bool = field(default=False, metadata=spec("train on the CPU even when a GPU is present", "advanced"))
    group_by_length: bool = field(
        default=True,
        metadata=spec(
            "batch comments of similar length together (training in random order, evaluation shortest first), "
            "so a batch pads to its own longest",
            "advanced",
        ),
    )

    def __post_init__(self):
        """Validate every option; a ConfigError names the first bad one and lists all in `.errors`."""
        check = _Checker(self)
        method = methods.REGISTRY.get(self.method) if isinstance(self.method, str) else None
        if method is None:
            check.fail("method", f"must be one of {', '.join(methods.REGISTRY)}, got {self.method!r}")
        else:
            if self.lr is None:
                self.lr = method.default_lr
            if not method.uses_teacher:
                self.teacher = NO_TEACHER
        for opt in options():
            check.option(opt)
        alphas = [getattr(self, name) for name in ("alpha_cls", "alpha_div", "alpha_cos")]
        valid = not any(name in check.errors for name in ("alpha_cls", "alpha_div", "alpha_cos"))
        if method is not None and "distillation" in method.groups and valid and sum(alphas) <= 0:
            check.fail("alpha_cls", "the three loss weights cannot all be zero")
        if method is not None:
            check.layer_map(method)
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


@dataclass(frozen=True)
class Option:
    """A TrainConfig field as the CLI, the forms and the API describe it: its Spec plus kind and default."""

    name: str
    kind: type  # int, float, str, bool or list (of str)
    default: Any  # dataclasses.MISSING for `method`, which has none
    optional: bool  # None is allowed: ml then does what the help says
    help: str
    group: str
    low: float | None
    high: float | None
    low_open: bool
    high_open: bool
    choices: tuple[str, ...]
    item: type | None = None  # a list's item type: str (names) or int (indexes)

    @property
    def required(self) -> bool:
        return self.default is dataclasses.MISSING

    @property
    def bounds(self) -> str:
        """The allowed range as people write it: "from 1 to 100" for integers, "in (0, 1]" for numbers."""
        if self.low is None:
            return ""
        if self.kind is int:
            return f"from {self.low} to {self.high}"
        return f"in {'(' if self.low_open else '['}{self.low:g}, {self.high:g}{')' if self.high_open else ']'}"

    def describe(self) -> str:
        """Help, bounds and default in one line, for `--help` and the API's schema."""
        facts = [self.help, self.bounds]
        if not self.required and self.default is not None:
            default = f"{self.default:.4g}" if isinstance(self.default, float) else str(self.default)
            facts.append(f"default {default}")
        return "; ".join(fact for fact in facts if fact)


@cache
def options() -> tuple[Option, ...]:
    """Every TrainConfig field with its kind, default and Spec, in declaration order."""
    hints = typing.get_type_hints(TrainConfig)
    result = []
    for f in dataclasses.fields(TrainConfig):
        args = typing.get_args(hints[f.name])
        kind = next(t for t in args or (hints[f.name],) if t is not type(None))
        facts = dataclasses.asdict(f.metadata["spec"])
        if f.name == "method":  # the registry says what each method does
            facts["choices"] = methods.names()
            facts["help"] = "; ".join(f"{method.name}: {method.help}" for method in methods.REGISTRY.values())
        item = next(iter(typing.get_args(kind)), None)
        result.append(
            Option(f.name, typing.get_origin(kind) or kind, f.default, type(None) in args, **facts, item=item)
        )
    return tuple(result)


def get_option(name: str) -> Option:
    return next(opt for opt in options() if opt.name == name)


class _Checker:
    """Collects every problem of a config (first message per field) instead of stopping at one."""

    def __init__(self, cfg):
        self.cfg = cfg
        self.errors: dict[str, str] = {}

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def option(self, opt: Option) -> None:
        value = getattr(self.cfg, opt.name)
        if opt.name == "method" or (value is None and opt.optional):
            return
        if opt.kind is int:
            self.integer(opt, value)
        elif opt.kind is float:
            self.number(opt, value)
        elif opt.kind is bool:
            if not isinstance(value, bool):
                self.fail(opt.name, "must be true or false")
        elif opt.kind is list and opt.item is int:
            self.indexes(opt, value)
        elif opt.kind is list:
            self.names(opt, value)
        elif opt.choices:
            if value not in opt.choices:
                self.fail(opt.name, f"must be {_either(opt.choices)}")
        elif not isinstance(value, str) or not (value.strip() or opt.optional):
            self.fail(opt.name, "must be a non-empty string")

    def integer(self, opt: Option, value: Any) -> None:
        is_int = isinstance(value, int) and not isinstance(value, bool)
        if opt.low == 1 and (not is_int or value < 1):
            self.fail(opt.name, "must be a positive integer")
        elif opt.low == 1 and value > opt.high:
            self.fail(opt.name, f"must be at most {opt.high}")
        elif not is_int or not opt.low <= value <= opt.high:
            self.fail(opt.name, f"must be an integer from {opt.low} to {opt.high}")

    def number(self, opt: Option, value: Any) -> None:
        """Stores the value as a float when it is a finite number within the bounds; otherwise records why."""
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            self.fail(opt.name, "must be a number")
            return
        low, high = float(opt.low or 0.0), float(opt.high or math.inf)
        if value < low or (opt.low_open and value == low) or value > high or (opt.high_open and value == high):
            lo, hi = ("(" if opt.low_open else "["), (")" if opt.high_open else "]")
            self.fail(opt.name, f"must be in {lo}{low}, {high}{hi}")
            return
        setattr(self.cfg, opt.name, float(value))

    def names(self, opt: Option, value: Any) -> None:
        """A list of non-empty strings; a comma-separated string is split into one."""
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
            self.fail(opt.name, "must be a non-empty list of names")
        else:
            setattr(self.cfg, opt.name, list(value))

    def indexes(self, opt: Option, value: Any) -> None:
        """Distinct 0-based indexes in increasing order (list i is copied to position i, so the order is
        the student's); a comma-separated string is parsed. The upper bound is the teacher's depth,
        known when it loads (ml.models.layer_map checks it)."""
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",")]
            value = [int(part) if part.isdigit() else part for part in parts if part]
        if not isinstance(value, list) or not value:
            self.fail(opt.name, "must list at least one teacher layer (0-based), e.g. 0,3,5")
        elif not all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in value):
            self.fail(opt.name, "must be teacher layer numbers: integers from 0 (0-based), e.g. 0,3,5")
        elif len(set(value)) < len(value):
            twice = next(i for i in value if value.count(i) > 1)
            self.fail(opt.name, f"lists teacher layer {twice} twice: each layer is copied at most once")
        elif value != sorted(value):
            self.fail(opt.name, "must be in increasing order: student layer i copies the i-th listed teacher layer")
        else:
            setattr(self.cfg, opt.name, list(value))

    def layer_map(self, method: methods.Method) -> None:
        """The `layers` option belongs to the methods that read it (custom), which need it."""
        given = self.cfg.layers is not None
        reads = method.needs_layer_map
        if given and not reads:
            readers = ", ".join(methods.using("layers"))
            self.fail("layers", f"only the {readers} method reads a layer map, not {method.name}")
        elif reads and not given:
            self.fail("layers", f"the {method.name} student needs a layer map, e.g. 0,3,5 (0-based teacher layers)")

    def raise_if_any(self) -> None:
        if self.errors:
            field, message = next(iter(self.errors.items()))
            raise ConfigError(field, message, errors=self.errors)


def _either(choices: tuple[str, ...]) -> str:
    quoted = [repr(choice) for choice in choices]
    return " or ".join(quoted) if len(quoted) < 3 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
