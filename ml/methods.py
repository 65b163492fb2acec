"""The training methods as facts: one entry each with its name, label, help, default learning rate,
the loss terms it logs, the option groups it reads, a student's layer map and, for a method that is
not a transformer, the one runtime that serves it.

The bottom floor of ml's training (it imports only errors and names; no torch): ml.config (validation,
defaults), the CLI, the web app's choices and forms, and the benchmarks read it. How each method is
built, trained, saved and loaded is ml.recipes, near the top. Adding a method is one `Method(...)`
below, its recipe (students need none: they share one), and its tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ml.errors import ConfigError
from ml.names import CROSS_ENTROPY, LOSS_TERMS, SKLEARN

# Option groups every transformer method reads; see ml.config.GROUPS.
COMMON_GROUPS = ("data", "training", "advanced")


@dataclass(frozen=True)
class Method:
    """One training method.

    `layers(n)` is a named student's layer map: the teacher layers (0-based) its layers copy; a student
    without one (custom) reads the map from the `layers` option (the "layers" group). `runtime` is set
    for a method that is not a transformer trained by ml's loop (the baseline): it trains itself and
    this one runtime serves its runs.
    """

    name: str
    label: str  # as people read it: the choice label in the web app
    help: str
    default_lr: float | None  # None: a method that trains itself without one
    loss_terms: tuple[str, ...]  # the loss components each logged step carries, besides the total
    groups: tuple[str, ...] = COMMON_GROUPS  # the option groups (ml.config.GROUPS) it reads
    layers: Callable[[int], list[int]] | None = None
    runtime: str | None = None

    @property
    def trains_itself(self) -> bool:
        """Not a transformer trained by ml's loop: the baseline, whose recipe trains and loads it."""
        return self.runtime is not None

    @property
    def uses_teacher(self) -> bool:
        """Transformer methods start from the teacher's weights; a method that trains itself reads none."""
        return not self.trains_itself

    @property
    def is_student(self) -> bool:
        return "distillation" in self.groups

    @property
    def needs_layer_map(self) -> bool:
        """A student whose teacher layers are an option (custom), not fixed by the method (odd, even)."""
        return "layers" in self.groups


def odd_layers(num_teacher_layers: int) -> list[int]:
    """Teacher layers 1, 3, 5, ... (0-based): the odd student's layer map."""
    return [2 * i + 1 for i in range(_half(num_teacher_layers))]


def even_layers(num_teacher_layers: int) -> list[int]:
    """Teacher layers 0, 2, 4, ... (0-based): the even student's layer map."""
    return [2 * i for i in range(_half(num_teacher_layers))]


def first_half_layers(num_teacher_layers: int) -> list[int]:
    """Teacher layers 0 .. n/2-1: the lower half, as PKD and DistilBERT-style students are initialised."""
    return list(range(_half(num_teacher_layers)))


def last_half_layers(num_teacher_layers: int) -> list[int]:
    """Teacher layers n/2 .. n-1: the upper half (the layers PKD-Last distils from)."""
    half = _half(num_teacher_layers)
    return list(range(half, 2 * half))


def _half(num_teacher_layers: int) -> int:
    if num_teacher_layers % 2:
        raise ConfigError(
            "teacher",
            f"has {num_teacher_layers} layers; odd, even and half students need an even number of layers",
        )
    return num_teacher_layers // 2


def student(name: str, label: str, help: str, layers: Callable[[int], list[int]] | None) -> Method:
    """A distilled student whose layer i copies teacher layer layers(n)[i]; with layers None, the map
    is the `layers` option's."""
    return Method(
        name,
        label,
        help,
        default_lr=1e-4,
        loss_terms=LOSS_TERMS,
        groups=(*COMMON_GROUPS, "distillation", *(() if layers else ("layers",))),
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
            loss_terms=(CROSS_ENTROPY,),
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
            loss_terms=(CROSS_ENTROPY,),
            groups=(*COMMON_GROUPS, "lora"),
        ),
        Method(
            "baseline",
            "TF-IDF + logistic regression baseline",
            "scikit-learn: TF-IDF of word and character n-grams, then logistic regression (CPU, minutes)",
            default_lr=None,
            loss_terms=(CROSS_ENTROPY,),
            groups=("data", "baseline"),
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
    return tuple(name for name, method in REGISTRY.items() if not method.trains_itself)


def choices() -> list[tuple[str, str]]:
    """(name, label) of every method: the web app's model choices read this, so a new method needs no migration."""
    return [(method.name, method.label) for method in REGISTRY.values()]


def using(group: str) -> tuple[str, ...]:
    """The methods that read an option group."""
    return tuple(method.name for method in REGISTRY.values() if group in method.groups)
