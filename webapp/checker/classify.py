"""Judge comments with the active model and store every verdict: the one path the page and the API share."""

import logging
import threading

from webapp.checker.models import ModelVersion, Prediction

MAX_TEXT_LENGTH = 5000
MAX_TEXTS = 64

log = logging.getLogger(__name__)


class NoActiveModel(Exception):
    """No ModelVersion is active yet."""


class ModelUnavailable(Exception):
    """The active ModelVersion's artifact cannot be loaded."""


class ClassifierCache:
    """The loaded Classifier of the active version, one per process, loaded on first use.

    Keyed by (id, path) so that activating another version switches models without a restart.
    Predictions run one at a time under a lock: a fast tokenizer is not safe to share between
    threads, and two predictions at once would only compete for the same cores.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._key = None
        self._classifier = None

    def predict(self, version, texts):
        classifier = self._get(version)
        with self._lock:
            return classifier.predict(texts)

    def _get(self, version):
        key = (version.pk, version.artifact_path)
        with self._lock:
            if self._key != key:
                from ml.errors import ModelLoadError
                from ml.inference import Classifier  # imports torch: only when a model is needed

                self._key = self._classifier = None
                try:
                    self._classifier = Classifier.load(version.artifact_path)
                except ModelLoadError as exc:
                    log.error("cannot load model version %s (%s): %s", version.pk, version.artifact_path, exc)
                    raise ModelUnavailable(str(exc)) from exc
                self._key = key
            return self._classifier


classifiers = ClassifierCache()


def check(texts, source):
    """Judge `texts` with the active model; returns (version, saved Prediction rows) in input order."""
    version = ModelVersion.current()
    if version is None:
        raise NoActiveModel
    verdicts = classifiers.predict(version, list(texts))
    rows = [
        Prediction(
            text=text,
            label=verdict.label,
            toxic_probability=verdict.toxic_probability,
            model_version=version,
            source=source,
        )
        for text, verdict in zip(texts, verdicts, strict=True)
    ]
    return version, Prediction.objects.bulk_create(rows)
