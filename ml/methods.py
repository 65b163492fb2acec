"""The training methods, one entry each: how to build the model, the loss terms it logs, its default
learning rate and the option groups it reads.

ml.config (validation, defaults), ml.run (building and saving), the CLI, the web app's choices and
forms, and the benchmarks all read this registry: adding a method is one `Method(...)` below plus its
tests. Importing this module stays light (no torch): builders import what they need when called.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ml.errors import ConfigError
from ml.models import even_layers, first_half_layers, last_half_layers, odd_layers
from ml.names import SKLEARN

# Option groups every transformer method reads; see ml.config.GROUPS.
COMMON_GROUPS = ("data", "training", "advanced")


@dataclass
class Built:
    """What a method's `build` returns: the model to train, its tokenizer and, for students, the teacher."""

    model: Any
    tokenizer: Any
    teacher: Any = None
    teacher_layers: int | None = None
    layer_map: list[int] | None = None
    parameters: dict | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Method:
    """One training method.

    `build(cfg) -> Built` makes the model; `save(model, tokenizer, directory)` writes the trained one
    (None: `save_pretrained` of both). A method that is not a transformer trained by ml's loop gives
    `train(cfg, on_progress, should_stop) -> ml.run.TrainResult` instead, and ml.run hands it the run;
    it then also gives `load(path, run, metrics, threshold) -> ml.inference.Classifier`, which
    `Classifier.load` hands its run directories, and `runtime`, the one runtime that serves them.
    `layers(n)` is a named student's layer map: the teacher layers (0-based) its layers copy; a student
    without one (custom) reads the map from the `layers` option (the "layers" group).
    """

    name: str
    label: str  # as people read it: the choice label in the web app
    help: str
    default_lr: float | None  # None: a method that trains itself without one
    loss_terms: tuple[str, ...]  # the loss components each logged step carries, besides the total
    groups: tuple[str, ...] = COMMON_GROUPS  # the option groups (ml.config.GROUPS) it reads
    build: Callable[[Any], Built] | None = None
    save: Callable[[Any, Any, Path], None] | None = None
    train: Callable[..., Any] | None = None
    layers: Callable[[int], list[int]] | None = None
    load: Callable[..., Any] | None = None
    runtime: str | None = None

    def __post_init__(self):
        if (self.build is None) == (self.train is None):
            raise ValueError(f"method {self.name!r}: give exactly one of build or train")
        if (self.train is None) != (self.load is None) or (self.load is None) != (self.runtime is None):
            raise ValueError(f"method {self.name!r}: a method that trains itself gives load and runtime too")

    @property
    def uses_teacher(self) -> bool:
        """Transformer methods start from the teacher's weights; a method that trains itself reads none."""
        return self.train is None

    @property
    def is_student(self) -> bool:
        return "distillation" in self.groups

    @property
    def needs_layer_map(self) -> bool:
        """A student whose teacher layers are an option (custom), not fixed by the method (odd, even)."""
        return "layers" in self.groups


def build_teacher(cfg) -> Built:
    from ml.evaluate import count_parameters
    from ml.models import load_classifier

    model, tokenizer = load_classifier(cfg.teacher)
    return Built(model, tokenizer, parameters=count_parameters(model))


def build_lora(cfg) -> Built:
    from ml.evaluate import count_parameters
    from ml.lora import apply_lora
    from ml.models import load_classifier

    model, tokenizer = load_classifier(cfg.teacher)
    peft_model = apply_lora(
        model, r=cfg.lora_r, alpha=cfg.lora_alpha, dropout=cfg.lora_dropout, target_modules=cfg.lora_target_modules
    )
    return Built(peft_model, tokenizer, parameters=count_parameters(peft_model))


def build_student(cfg) -> Built:
    """A copy of the teacher's layers by the layer map (the method's, or cfg.layers); the teacher stays,
    frozen, to distil from."""
    from ml.artifacts import read_run_info
    from ml.evaluate import count_parameters
    from ml.models import load_classifier, make_student, resolve_teacher

    model, tokenizer = load_classifier(cfg.teacher)
    student, mapping = make_student(model, cfg.method, cfg.layers)
    model.requires_grad_(False)
    warnings = []
    if read_run_info(resolve_teacher(cfg.teacher)) is None:
        warnings.append(
            f"teacher '{cfg.teacher}' is not a fine-tuned ToxiLab run: its classification head "
            "is untrained, so the distillation targets carry little label information"
        )
    return Built(
        student,
        tokenizer,
        teacher=model,
        teacher_layers=model.config.num_hidden_layers,
        layer_map=mapping,
        parameters=count_parameters(student),
        warnings=warnings,
    )


def train_baseline(cfg, on_progress=None, should_stop=None):
    from ml.baseline import train

    return train(cfg, on_progress=on_progress, should_stop=should_stop)


def load_baseline(path: Path, run: dict, metrics: dict, threshold: float):
    from ml.baseline import load

    return load(path, run, metrics, threshold)


def save_lora(model, tokenizer, directory: Path) -> None:
    from ml.lora import save_lora as save

    save(model, tokenizer, directory)


def student(name: str, label: str, help: str, layers: Callable[[int], list[int]] | None) -> Method:
    """A distilled student whose layer i copies teacher layer layers(n)[i]; with layers None, the map
    is the `layers` option's."""
    return Method(
        name,
        label,
        help,
        default_lr=1e-4,
        loss_terms=("cls", "div", "cos"),
        groups=(*COMMON_GROUPS, "distillation", *(() if layers else ("layers",))),
        build=build_student,
        layers=layers,
    )


# Learning rates chosen on the bundled MiniLM with 800 real comments x 2 epochs: teacher 5e-5 -> test
# F1 0.40, 1e-4 -> 0.73; LoRA 5e-4 -> 0.0, 2e-3 -> 0.72.
REGISTRY: dict[str, Method] = {
    method.name: method
    for method in (
        Method(
            "teacher",
            "fine-tuned teacher",
            "fine-tunes the teacher itself",
            default_lr=1e-4,
            loss_terms=("cls",),
            build=build_teacher,
        ),
        student(
            "odd",
            "odd-layer student",
            "distils a half-depth student from teacher layers 1, 3, 5, ... (0-based)",
            odd_layers,
        ),
        student(
            "even", "even-layer student", "distils a half-depth student from teacher layers 0, 2, 4, ...", even_layers
        ),
        student(
            "first-half",
            "first-half student",
            "distils a half-depth student from the lower half of the teacher, layers 0 to n/2-1",
            first_half_layers,
        ),
        student(
            "last-half",
            "last-half student",
            "distils a half-depth student from the upper half of the teacher, layers n/2 to n-1 (PKD-Last's)",
            last_half_layers,
        ),
        student(
            "custom",
            "custom-map student",
            "distils a student from the teacher layers the layers option lists (0-based, e.g. 0,3,5)",
            None,
        ),
        Method(
            "lora",
            "LoRA adapter",
            "trains low-rank adapters and the head; the teacher's weights stay frozen",
            default_lr=2e-3,
            loss_terms=("cls",),
            groups=(*COMMON_GROUPS, "lora"),
            build=build_lora,
            save=save_lora,
        ),
        Method(
            "baseline",
            "TF-IDF + logistic regression baseline",
            "scikit-learn: TF-IDF of word and character n-grams, then logistic regression (CPU, minutes)",
            default_lr=None,
            loss_terms=("cls",),
            groups=("data", "baseline"),
            train=train_baseline,
            load=load_baseline,
            runtime=SKLEARN,
        ),
    )
}


def get(name: str) -> Method:
    """The method called `name`, or ConfigError naming the known ones."""
    try:
        return REGISTRY[name]
    except (KeyError, TypeError):
        raise ConfigError("method", f"must be one of {', '.join(REGISTRY)}, got {name!r}") from None


def names() -> tuple[str, ...]:
    return tuple(REGISTRY)


def transformer_names() -> tuple[str, ...]:
    """The methods that train a transformer through ml's loop: all but those that train themselves (baseline)."""
    return tuple(name for name, method in REGISTRY.items() if method.train is None)


def choices() -> list[tuple[str, str]]:
    """(name, label) of every method: the web app's model choices read this, so a new method needs no migration."""
    return [(method.name, method.label) for method in REGISTRY.values()]


def using(group: str) -> tuple[str, ...]:
    """The methods that read an option group."""
    return tuple(method.name for method in REGISTRY.values() if group in method.groups)
