"""What the training loop reports through its `on_progress` callback."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field


@dataclass
class Progress:
    """One report: kind="step" at every logging step, kind="eval" after each evaluation."""

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
