"""The training options staff may set, shared by the launch form and the API.

Names are ml.TrainConfig's (and `python -m ml train`'s, in snake_case); the rules are ml's own:
`validate` builds a TrainConfig and turns its ConfigError into an OptionError naming the field, then
checks the dataset and teacher cheaply, so a job that cannot start is refused before it is queued.
"""

import dataclasses
from dataclasses import dataclass

from django.conf import settings

from ml.config import DEFAULT_LR, METHODS, TrainConfig
from ml.errors import ConfigError, DataError, ModelLoadError


class OptionError(ValueError):
    """`field`/`message` name the first problem; `errors` maps every bad field to its message."""

    def __init__(self, field, message, errors=None):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.errors = errors or {field: message}


@dataclass(frozen=True)
class Option:
    name: str
    type: type  # int, float, str, bool or list (of str)
    help: str
    group: str = "training"  # training | distillation | lora | advanced
    optional: bool = False  # empty means ml's behaviour for None (e.g. use every sample)
    choices: tuple = ()

    @property
    def default(self):
        return TRAIN_CONFIG_DEFAULTS[self.name]


TRAIN_CONFIG_DEFAULTS = {f.name: f.default for f in dataclasses.fields(TrainConfig)
                         if f.default is not dataclasses.MISSING}

OPTIONS = [
    Option("epochs", int, "passes over the training set"),
    Option("batch_size", int, "comments per step"),
    Option("lr", float, "learning rate; empty takes the method's default", optional=True),
    Option("max_length", int, "tokens kept per comment (8 to 512)"),
    Option("max_train_samples", int, "train on a stratified sample of this many comments; empty uses all",
           optional=True),
    Option("max_eval_samples", int, "validate and test on at most this many comments; empty uses all",
           optional=True),
    Option("temperature", float, "softens the teacher's probabilities", group="distillation"),
    Option("alpha_cls", float, "weight of the cross-entropy on the labels", group="distillation"),
    Option("alpha_div", float, "weight of the KL divergence to the teacher", group="distillation"),
    Option("alpha_cos", float, "weight of the cosine loss to the teacher", group="distillation"),
    Option("cos_on", str, "what the cosine loss compares", group="distillation", choices=("hidden", "logits")),
    Option("lora_r", int, "rank of the adapters", group="lora"),
    Option("lora_alpha", int, "scale of the adapters", group="lora"),
    Option("lora_dropout", float, "dropout inside the adapters", group="lora"),
    Option("lora_target_modules", list, "comma-separated module names; empty lets peft choose",
           group="lora", optional=True),
    Option("weight_decay", float, "AdamW weight decay", group="advanced"),
    Option("warmup_ratio", float, "share of the steps spent warming up the learning rate", group="advanced"),
    Option("max_grad_norm", float, "gradient clipping norm", group="advanced"),
    Option("seed", int, "random seed (sampling, shuffling, initialisation)", group="advanced"),
    Option("log_every_steps", int, "one loss point on the chart every this many steps", group="advanced"),
    Option("eval_every_steps", int, "validate every this many steps; empty validates once per epoch",
           group="advanced", optional=True),
    Option("mixed_precision", str, "auto uses bf16/fp16 on a GPU", group="advanced",
           choices=("auto", "no", "bf16", "fp16")),
    Option("cpu", bool, "train on the CPU even when the worker has a GPU", group="advanced"),
    Option("text_column", str, "column of the comments", group="advanced"),
    Option("label_column", str, "column of the 0/1 labels", group="advanced"),
    Option("extra_train_file", str,
           "a CSV or Parquet file on the server (columns text, label 0/1) added to the training split",
           group="advanced", optional=True),
]
GROUPS = {
    "training": "Training",
    "distillation": "Distillation (odd and even students)",
    "lora": "LoRA",
    "advanced": "Advanced",
}
NAMES = ["method", "teacher", "dataset", *(option.name for option in OPTIONS)]


def validate(options):
    """The options as ml will run them (defaults filled in, `output` left to the worker), or OptionError."""
    try:
        config = TrainConfig.from_dict({**options, "output": None})
    except ConfigError as exc:
        raise OptionError(exc.field, exc.message, exc.errors) from exc
    _check_sources(config)
    cleaned = config.to_dict()
    del cleaned["output"]
    return cleaned


def _check_sources(config):
    from ml.data import check_source  # imports datasets and torch: only when a job is launched
    from ml.models import check_teacher

    roots = settings.TOXILAB_DATA_ROOTS
    try:
        check_source(config.dataset, text_column=config.text_column, label_column=config.label_column, roots=roots)
    except DataError as exc:
        raise OptionError("dataset", str(exc)) from exc
    if config.extra_train_file:
        try:
            # ml reads this file's `text` and `label` columns whatever the dataset's columns are called
            check_source(config.extra_train_file, text_column="text", label_column="label", roots=roots)
        except DataError as exc:
            raise OptionError("extra_train_file", str(exc)) from exc
    try:
        check_teacher(config.teacher)
    except ModelLoadError as exc:
        raise OptionError("teacher", str(exc)) from exc


def default_lr(method):
    return DEFAULT_LR.get(method)


__all__ = ["METHODS", "OPTIONS", "GROUPS", "NAMES", "Option", "OptionError", "validate", "default_lr"]
