"""ToxiLab's training and inference library: pure Python on PyTorch and Hugging Face.

`ml.train(config, on_progress=..., should_stop=...)` trains one run; `ml.Classifier.load(dir)` serves it.
Never imports Django, Celery or Channels.
"""

from ml.config import METHODS, TrainConfig
from ml.errors import ConfigError, DataError, MLError, ModelLoadError, NonFiniteLossError
from ml.progress import Progress


def train(config, on_progress=None, should_stop=None):
    """See ml.run.train (imported lazily: `import ml` stays light for the web process)."""
    from ml.run import train as _train

    return _train(config, on_progress=on_progress, should_stop=should_stop)


def __getattr__(name):
    if name in ("Classifier", "Prediction"):
        from ml import inference

        return getattr(inference, name)
    raise AttributeError(name)


__all__ = ["METHODS", "TrainConfig", "ConfigError", "DataError", "MLError", "ModelLoadError",
           "NonFiniteLossError", "Progress", "train", "Classifier", "Prediction"]
