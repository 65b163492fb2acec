"""ToxiLab's training and inference library: pure Python on PyTorch and Hugging Face.

`ml.train(config, on_progress=..., should_stop=...)` trains one run; `ml.load(dir)` serves it (a Classifier).
Never imports Django, Celery or Channels.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ml.config import METHODS, TrainConfig
from ml.errors import ConfigError, DataError, MLError, ModelLoadError, NonFiniteLossError
from ml.progress import Progress

if TYPE_CHECKING:
    from pathlib import Path

    from ml.inference import Classifier
    from ml.progress import TrainResult


def train(
    config: TrainConfig | dict,
    on_progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TrainResult:
    """See ml.run.train (imported lazily: `import ml` stays light for the web process)."""
    from ml.run import train as _train

    return _train(config, on_progress=on_progress, should_stop=should_stop)


def load(path: str | Path, quantize: bool = False, adapter: bool = False, threshold: float = 0.5) -> Classifier:
    """See ml.recipes.load: a run directory of any method as a Classifier (imported lazily, as train)."""
    from ml.recipes import load as _load

    return _load(path, quantize=quantize, adapter=adapter, threshold=threshold)


def __getattr__(name: str) -> Any:
    if name in ("Classifier", "Prediction"):
        from ml import inference

        return getattr(inference, name)
    raise AttributeError(name)


__all__ = [
    "METHODS",
    "TrainConfig",
    "ConfigError",
    "DataError",
    "MLError",
    "ModelLoadError",
    "NonFiniteLossError",
    "Progress",
    "train",
    "load",
    "Classifier",
    "Prediction",
]
