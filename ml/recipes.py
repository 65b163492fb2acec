"""How each method is built, trained, saved and loaded: the recipes behind ml.methods' facts.

Near the top of ml (only ml.run, ml.runtimes and the CLI stand on it). A transformer method gives
`build(cfg) -> Built` (and `save` when `save_pretrained` is not enough) and ml's loop trains it; a
method that trains itself (the baseline) gives `train` and `load`. Every student shares one recipe:
its layer map is a fact of ml.methods. This module is the one place that hands a run to the
baseline: `train_run` for training, `load` for loading.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ml import methods
from ml.artifacts import read_run_info, read_servable
from ml.errors import ConfigError, ModelLoadError
from ml.inference import Classifier
from ml.lora import apply_lora, save_lora
from ml.models import count_parameters, load_classifier, make_student, resolve_teacher

if TYPE_CHECKING:
    from ml.config import TrainConfig
    from ml.progress import Progress, TrainResult


@dataclass
class Built:
    """What a recipe's `build` returns: the model to train, its tokenizer and, for students, the teacher."""

    model: Any
    tokenizer: Any
    teacher: Any = None
    teacher_layers: int | None = None
    layer_map: list[int] | None = None
    parameters: dict | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Recipe:
    """`build` for a transformer trained by ml's loop, with `save` where `save_pretrained` of the model
    and tokenizer is not enough; or `train(cfg, on_progress, should_stop) -> TrainResult` and
    `load(path, run, metrics, threshold) -> Classifier` for a method that trains itself."""

    build: Callable[[TrainConfig], Built] | None = None
    save: Callable[[Any, Any, Path], None] | None = None
    train: Callable[..., TrainResult] | None = None
    load: Callable[..., Classifier] | None = None

    def __post_init__(self) -> None:
        if (self.build is None) == (self.train is None):
            raise ValueError("a recipe gives exactly one of build or train")
        if (self.train is None) != (self.load is None):
            raise ValueError("a recipe that trains itself gives load too")


def build_teacher(cfg: TrainConfig) -> Built:
    model, tokenizer = load_classifier(cfg.teacher)
    return Built(model, tokenizer, parameters=count_parameters(model))


def build_lora(cfg: TrainConfig) -> Built:
    model, tokenizer = load_classifier(cfg.teacher)
    peft_model = apply_lora(
        model, r=cfg.lora_r, alpha=cfg.lora_alpha, dropout=cfg.lora_dropout, target_modules=cfg.lora_target_modules
    )
    return Built(peft_model, tokenizer, parameters=count_parameters(peft_model))


def build_student(cfg: TrainConfig) -> Built:
    """A copy of the teacher's layers by the layer map (the method's, or cfg.layers); the teacher stays,
    frozen, to distil from."""
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


def train_baseline(
    cfg: TrainConfig,
    on_progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TrainResult:
    from ml import baseline  # imported when used: scikit-learn and pandas stay out of a transformer's process

    return baseline.train(cfg, on_progress=on_progress, should_stop=should_stop)


def load_baseline(path: Path, run: dict, metrics: dict, threshold: float) -> Classifier:
    from ml import baseline

    return baseline.load(path, run, metrics, threshold)


STUDENT = Recipe(build=build_student)
RECIPES: dict[str, Recipe] = {
    "teacher": Recipe(build=build_teacher),
    "lora": Recipe(build=build_lora, save=save_lora),
    "baseline": Recipe(train=train_baseline, load=load_baseline),
}


def get(name: str) -> Recipe:
    """The recipe of the method `name`: its own, or the one every student shares; ConfigError for an
    unknown method."""
    method = methods.get(name)
    return STUDENT if method.is_student else RECIPES[method.name]


def build(cfg: TrainConfig) -> Built:
    """The model to train for cfg.method, its tokenizer and (for students) the frozen teacher."""
    recipe = get(cfg.method)
    if recipe.build is None:
        raise ConfigError("method", f"{cfg.method} trains itself: it has no model to build")
    return recipe.build(cfg)


def train_run(
    cfg: TrainConfig,
    on_progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TrainResult | None:
    """Train a method that trains itself and return its result; None for a transformer (ml.run trains it)."""
    recipe = get(cfg.method)
    if recipe.train is None:
        return None
    return recipe.train(cfg, on_progress=on_progress, should_stop=should_stop)


def load(
    path: str | Path, quantize: bool = False, adapter: bool = False, threshold: float = 0.5, precision: str = "fp32"
) -> Classifier:
    """A run directory as a Classifier, whatever its method: a method that trains itself loads its own
    (it has no int8, bf16 or adapter form); a transformer run loads through Classifier.load."""
    path = Path(path)
    run, metrics = read_servable(path)
    method = methods.REGISTRY.get(run.get("method"))  # type: ignore[arg-type]
    if method is None or not method.trains_itself:
        return Classifier.load(path, quantize=quantize, adapter=adapter, threshold=threshold, precision=precision)
    if quantize or adapter or precision != "fp32":
        raise ModelLoadError(f"{path}: a {method.name} run has no int8, bf16 or adapter form")
    loader = get(method.name).load
    if loader is None:
        raise ModelLoadError(f"{path}: the {method.name} recipe gives no way to load its runs")
    return loader(path, run, metrics, threshold)
