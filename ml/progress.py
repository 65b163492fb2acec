"""What a run reports: Progress through its `on_progress` callback while it trains, and a TrainResult at its end."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

# on_batch(rows_done, rows_total): progress of a long pass (evaluation, predictions over a file)
OnBatch = Callable[[int, int], None]


@dataclass
class Progress:
    """One report: kind="step" at every logging step, kind="eval" after each evaluation, and
    kind="evaluating" after each batch of an evaluation pass (metrics={"done": rows, "total": rows},
    eta_s the pass's own; not kept in the run's history)."""

    kind: str
    step: int
    total_steps: int
    epoch: float
    loss: float | None = None
    components: dict[str, float] = field(default_factory=dict)
    lr: float | None = None
    samples_per_s: float | None = None
    eta_s: float | None = None
    split: str | None = None
    metrics: dict | None = None

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass
class TrainResult:
    """What `ml.train` returns, whichever recipe trained the run."""

    status: str  # "succeeded" or "cancelled"
    output_dir: str
    metrics: dict
    history: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
