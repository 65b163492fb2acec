"""Judge comments with the active model and store every verdict: the one path the page and the API share."""

import functools
import logging
import threading

from django.db import connection

from webapp.checker.models import ModelVersion, Prediction

MAX_TEXT_LENGTH = 5000
MAX_TEXTS = 64

log = logging.getLogger(__name__)


class NoActiveModel(Exception):
    """No ModelVersion is active yet."""


class ModelUnavailable(Exception):
    """The active ModelVersion's artifact cannot be loaded."""


class ActiveModel:
    """The active ModelVersion and its loaded Classifier, one per process, loaded on first use.

    Every check re-reads the active row with one raw query (cheaper than the ORM's `current()`;
    figures in docs/BENCHMARKS.md) and reloads only when that row changed,
    so activating another version, from any process, switches models on the next check without a
    restart. Predictions run one at a time under a lock: a fast tokenizer is not safe to share
    between threads, and two predictions at once would only compete for the same cores.
    """

    COLUMNS = ("id", "name", "method", "teacher", "artifact_path", "created")

    def __init__(self):
        self._lock = threading.Lock()
        self._row = self._version = self._classifier = None

    def predict(self, texts):
        """(version, verdicts) of the active model, or NoActiveModel / ModelUnavailable."""
        row = self._active_row()
        if row is None:
            raise NoActiveModel
        with self._lock:
            if row != self._row:
                self._load(row)
            return self._version, self._classifier.predict(texts)

    @functools.cached_property
    def _select_active(self):
        """The query's text, built once: the names and their quoting never change in a process."""
        quote = connection.ops.quote_name
        columns = ", ".join(quote(column) for column in self.COLUMNS)
        return f"SELECT {columns} FROM {quote(ModelVersion._meta.db_table)} WHERE active = %s"

    def _active_row(self):
        with connection.cursor() as cursor:
            cursor.execute(self._select_active, [True])
            return cursor.fetchone()

    def _load(self, row):
        from ml.errors import ModelLoadError
        from ml.inference import Classifier  # imports torch: only when a model is needed

        self._row = None
        version = ModelVersion.objects.filter(pk=row[0]).first()
        if version is None:  # deleted since the row was read
            raise NoActiveModel
        loaded = self._version and (self._version.pk, self._version.artifact_path)
        if loaded != (version.pk, version.artifact_path):
            self._version = self._classifier = None
            try:
                self._classifier = Classifier.load(version.artifact_path)
            except ModelLoadError as exc:
                log.error("cannot load model version %s (%s): %s", version.pk, version.artifact_path, exc)
                raise ModelUnavailable(str(exc)) from exc
        self._version, self._row = version, row


active_model = ActiveModel()


def check(texts, source):
    """Judge `texts` with the active model; returns (version, saved Prediction rows) in input order."""
    version, verdicts = active_model.predict(list(texts))
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
    if len(rows) == 1:  # one INSERT in autocommit: bulk_create would add a BEGIN and a COMMIT around it
        rows[0].save(force_insert=True)
        return version, rows
    return version, Prediction.objects.bulk_create(rows)
