"""Named recipes of runs: the options of a teacher and the student distilled from it (and, for the
full data, the baseline they must beat), chosen from measurements (docs/RESULTS.md), so that the CLI
(`python -m ml preset NAME`), the web app's starter and the benchmarks train the same thing.

A preset is stages in order; a stage that distils names the stage whose run teaches it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ml.config import NO_TEACHER, TrainConfig
from ml.errors import ConfigError
from ml.methods import get as get_method


@dataclass(frozen=True)
class Stage:
    name: str  # the run's folder under the preset's output, and what people call it
    options: dict[str, Any]  # TrainConfig options, `method` included; the dataset and teacher come from the caller
    teacher_from: str | None = None  # the stage whose run this one distils from


@dataclass(frozen=True)
class Preset:
    name: str
    help: str
    stages: tuple[Stage, ...] = field(default_factory=tuple)

    def stage(self, name: str) -> Stage:
        return next(stage for stage in self.stages if stage.name == name)


# The baseline's recipe wherever one is trained for people (this preset, the web app's first model): with
# identity_balance, +3.2 points of the final bias metric at -0.05 F1 points (docs/RESULTS.md "Identity bias").
BASELINE = {"method": "baseline", "identity_balance": True}
# The full-data student balanced too: on 3 seeds of 3,000 comments its bias metric rose in each (+1.65 on
# average) at no F1 cost (+0.38), intervals spanning 0 (docs/RESULTS.md "The odd student").
STUDENT = {"method": "odd", "epochs": 1, "lr": 1e-4, "identity_balance": True}
QUICK = {"epochs": 2, "max_train_samples": 2000, "max_eval_samples": 2000}
PRESETS = {
    preset.name: preset
    for preset in (
        Preset(
            "full-data",
            "the TF-IDF baseline, then the teacher fine-tuned, on the whole training split; then an odd-layer "
            "student distilled from that teacher on the whole split; each scored on the whole validation and test "
            "splits",
            (
                Stage("baseline", BASELINE),
                Stage("teacher", {"method": "teacher", "epochs": 1, "lr": 1e-4}),
                Stage("student", STUDENT, teacher_from="teacher"),
            ),
        ),
        Preset(
            "quick",
            "a teacher and an odd student on 2,000 training comments, 2 epochs each, scored on 2,000 comments: "
            "minutes on a small machine",
            (
                Stage(
                    "teacher", {"method": "teacher", "epochs": 2, "max_train_samples": 2000, "max_eval_samples": 2000}
                ),
                Stage(
                    "student",
                    {"method": "odd", "epochs": 2, "max_train_samples": 2000, "max_eval_samples": 2000},
                    teacher_from="teacher",
                ),
            ),
        ),
    )
}


def get(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise ConfigError("preset", f"must be one of {', '.join(PRESETS)}, got {name!r}") from None


def stage_config(
    preset: Preset, stage: Stage, *, dataset: str, teacher: str, output: Path | None = None
) -> TrainConfig:
    """The TrainConfig of one stage: its options on `dataset`; a distilling stage learns from its teacher
    stage's run under `output` (or, without an output, from `teacher`, for validation before that run exists);
    the first stage starts from `teacher`."""
    taught_by = teacher if get_method(stage.options["method"]).uses_teacher else NO_TEACHER
    if stage.teacher_from is not None and output is not None:
        taught_by = str(output / preset.stage(stage.teacher_from).name)
    run = None if output is None else str(output / stage.name)
    return TrainConfig(**{**stage.options, "dataset": dataset, "teacher": taught_by, "output": run})
