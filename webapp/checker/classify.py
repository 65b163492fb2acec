"""Judge comments with the active model and store every verdict: the one path the page and the API share."""

import asyncio
import functools
import logging
import threading
from typing import NamedTuple

from django.conf import settings
from django.db import DatabaseError, connection, connections

from webapp.checker import shadow
from webapp.checker.batching import Batcher
from webapp.checker.loaded import LoadedVersion
from webapp.checker.models import ModelVersion, Prediction

MAX_TEXT_LENGTH = 5000
MAX_TEXTS = 64
MAX_EXPLAINED_TEXTS = 16  # an explanation costs up to about 40 forward passes (ml.inference.Occlusion)

log = logging.getLogger(__name__)


class NoActiveModel(Exception):
    """No ModelVersion is active yet."""


class ModelUnavailable(Exception):
    """The active ModelVersion's artifact cannot be loaded."""


class PredictionFailed(Exception):
    """The model call for a batch of checks raised: those checks fail, the process serves on."""


class Explaining(NamedTuple):
    """The batcher's key of explanations by `classifier`: they never share a batch with checks."""

    classifier: object


class ActiveModel:
    """The active ModelVersion and its loaded Classifier, one per process, loaded on first use.

    Every check re-reads the active row with one raw query (cheaper than the ORM's `current()`;
    figures in docs/BENCHMARKS.md) and reloads only when that row changed,
    so activating another version, from any process, switches models on the next check without a
    restart. The model runs one call at a time (a fast tokenizer is not safe to share between
    threads, and two calls at once would only compete for the same cores): with batching on
    (settings.BATCH_MAX_SIZE > 1) checks that arrive while it is busy share its next call
    (webapp/checker/batching.py), otherwise each waits for the lock in turn.
    """

    COLUMNS = ("id", "name", "method", "teacher", "artifact_path", "created", "runtime", "threshold", "serving_f1")

    def __init__(self):
        self._lock = threading.Lock()  # loading, and the model itself when batching is off
        self._batcher = Batcher(self._call)
        self._row = self._version = None
        self._model = LoadedVersion()  # the active version's classifier

    def predict(self, texts):
        """(version, toxic-class probabilities) of the active model, or NoActiveModel / ModelUnavailable /
        PredictionFailed. The version's threshold turns them into labels (a new threshold needs no reload)."""
        return self._run(texts, explain=False)

    def explain(self, texts):
        """(version, an ml.words.Explanation per text) of the active model: the verdict's probability
        and each word's score, computed by the runtime that serves (Classifier.explain). Explanations
        run on the model thread in batches of their own, so a check beside one waits at most for it."""
        return self._run(texts, explain=True)

    def _run(self, texts, explain):
        with self._lock:
            version, classifier = self._loaded()
            key = Explaining(classifier) if explain else classifier
            if settings.BATCH_MAX_SIZE == 1:
                return version, self._call(key, texts)
        # A runtime that runs one text per pass (int8) gains nothing from gathered requests, whose
        # every sender would wait for the whole gathering: the model thread then serves them in turn.
        size = min(settings.BATCH_MAX_SIZE, classifier.batch_limit or settings.BATCH_MAX_SIZE)
        if explain:  # one comment's words already fill a forward pass
            size = 1
        return version, self._batcher.run(key, texts, size, settings.BATCH_MAX_WAIT_MS / 1000)

    def run_background(self, classifier, texts):
        """Another loaded model's toxic probabilities for `texts` (a version in shadow), run on the model
        thread only while no check is waiting (webapp/checker/batching.py)."""
        return self._batcher.run(classifier, texts, len(texts), background=True)

    def holds(self, version):
        """Whether `version` is loaded in this process, so that a check of it needs no loading first."""
        return version is not None and self._model.pk == version.pk

    def ready(self):
        """The active version once it is loaded in this process (loading it now if the active row changed):
        whether the checker can answer, for /healthz. NoActiveModel or ModelUnavailable otherwise."""
        with self._lock:
            return self._loaded()[0]

    def _loaded(self):
        """(version, classifier) of the active row, loaded if it changed; the caller holds the lock."""
        row = self._active_row()
        if row is None:
            raise NoActiveModel
        if row != self._row:
            self._load(row)
        return self._version, self._model.classifier

    def warm(self):
        """Load the active model and run it once, so that the first check does not pay for either."""
        version, _ = self.predict(["warm-up"])
        return version

    def _call(self, key, texts):
        batch_size = max(settings.BATCH_MAX_SIZE, 32)
        try:
            if isinstance(key, Explaining):
                passes = settings.TOXILAB_EXPLAIN_PASS_SIZE
                return key.classifier.explain(texts, batch_size=passes, on_batch=self._between_passes)
            return key.predict_proba(texts, batch_size=batch_size)
        except Exception as exc:
            log.exception("the model failed on a batch of %d texts", len(texts))
            raise PredictionFailed(f"{type(exc).__name__}: {exc}") from exc

    def _between_passes(self, done, total):
        """Between an explanation's passes, on the model thread: the checks queued meanwhile run now
        rather than after the whole explanation (other explanations wait their turn)."""
        if threading.current_thread() is self._batcher.thread:
            self._batcher.serve_between(lambda key: not isinstance(key, Explaining))

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

        self._row = None
        version = ModelVersion.objects.filter(pk=row[0]).first()
        if version is None:  # deleted since the row was read
            raise NoActiveModel
        try:
            self._model.get(version)
        except ModelLoadError as exc:
            self._version = None
            log.error("cannot load model version %s (%s): %s", version.pk, version.artifact_path, exc)
            raise ModelUnavailable(str(exc)) from exc
        self._version, self._row = version, row


active_model = ActiveModel()
shadow.judge.run_model = active_model.run_background


def warm_up():
    """At server start: load and run the active model, if any, and the one in shadow mode (so that the
    first checks do not share the CPU with its loading). Never raises: a server whose model
    or database is not ready yet still starts, and checks report why.

    Imported inside a running event loop (a test's ASGI communicator), the ORM refuses to run on that
    thread, so the warm-up runs in a thread of its own and is waited for."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _warm_up()
    thread = threading.Thread(target=_warm_up_in_thread, name="warm-up")
    thread.start()
    thread.join()


def _warm_up_in_thread():
    try:
        _warm_up()
    finally:
        connections.close_all()


def _warm_up():
    try:
        version = active_model.warm()
    except NoActiveModel:
        log.info("no active model to warm up")
    except (ModelUnavailable, PredictionFailed, DatabaseError) as exc:
        log.warning("could not warm up the active model: %s", exc)
    else:
        log.info("warmed up model version %s (%s)", version.pk, version.runtime)
    try:
        shadow.judge.warm()
    except DatabaseError as exc:
        log.warning("could not load the model in shadow: %s", exc)


def check(texts, source, explain=False):
    """Judge `texts` with the active model; returns (version, saved Prediction rows) in input order. With
    TOXILAB_STORE_TEXT off the rows store the text's keyed hash, not the text (the returned rows carry it).
    With `explain`, one pass gives each verdict and its explanation (an ml.words.Explanation, each
    row's `explanation`, not stored)."""
    if explain:
        version, explanations = active_model.explain(list(texts))
        probabilities = [explanation.toxic_probability for explanation in explanations]
    else:
        version, probabilities = active_model.predict(list(texts))
        explanations = [None] * len(probabilities)
    keep = settings.TOXILAB_STORE_TEXT
    rows = [
        Prediction(
            text=text if keep else "",
            text_digest="" if keep else Prediction.digest(text),
            label=version.label_for(probability),
            toxic_probability=probability,
            model_version=version,
            source=source,
        )
        for text, probability in zip(texts, probabilities, strict=True)
    ]
    if len(rows) == 1:  # one INSERT in autocommit: bulk_create would add a BEGIN and a COMMIT around it
        rows[0].save(force_insert=True)
    else:
        rows = Prediction.objects.bulk_create(rows)
    for row, text, explanation in zip(rows, texts, explanations, strict=True):
        row.explanation = explanation
        row.text = text  # stored or not, this request's own page echoes it, and shadow mode judges it
    try:
        shadow.judge.offer(rows)
    except DatabaseError as exc:  # the verdicts are stored: the check answers, unseen by the shadow
        log.warning("shadow mode could not read its run; these checks are not judged in shadow: %s", exc)
    return version, rows


def explain(texts):
    """(version, an ml.words.Explanation per text) by the active model, stored nowhere: the page's
    "Why?" and the review pages' highlights of verdicts already stored."""
    return active_model.explain(list(texts))
