"""The words that most often push a version's verdicts to toxic, on the gate's test sample (issue 23).

An owner asks for them on the version's page; the worker (webapp.queue.FIND_WORDS) explains the
sample's comments that the version calls toxic at its serving threshold (at most
TOXILAB_WORDS_COMMENTS of them, in the sample's order) with the runtime that serves it, and keeps the
30 words most often among a comment's 3 strongest pushes to toxic (ml.words.toxic_words) in the
version's WordReport. A model that keys on identity words or names shows them here. Found on demand,
not with every scoring: a transformer explains a comment in tens of passes (docs/BENCHMARKS.md).
"""

import logging

from django.conf import settings
from django.utils import timezone

from webapp.checker import scoring
from webapp.checker.models import WordReport
from webapp.queue import FIND_WORDS, send

log = logging.getLogger(__name__)
TOP = 30


def ask(version):
    """Queue the search for `version` at its serving threshold; the report it replaces is dropped.
    False when the broker cannot be reached (logged; asking again queues it again)."""
    WordReport.objects.update_or_create(
        model_version=version,
        defaults={
            "sample": scoring.sample_key(),
            "threshold": version.threshold,
            "requested": timezone.now(),
            "finished": None,
            "words": None,
            "problem": "",
        },
    )
    try:
        send(FIND_WORDS, version.pk)
    except Exception:
        log.exception("could not queue the words of model version %s", version.pk)
        return False
    return True


def find(version_id):
    """The worker's task body: explain and count, into the version's WordReport ("gone" when the
    version or its request is gone)."""
    from ml import runtimes  # imports torch
    from ml.errors import DataError, ModelLoadError
    from ml.words import toxic_words

    report = WordReport.objects.select_related("model_version").filter(model_version_id=version_id).first()
    if report is None:
        return "gone"
    version = report.model_version
    try:
        scores = scoring.scores_of(version)
        if scores is None:
            raise ValueError("it is not scored on the gate's sample yet")
        texts = list(scoring.sample()["text"])
        called = [text for text, p in zip(texts, scores.probabilities, strict=True) if p >= report.threshold]
        classifier = runtimes.load(version.artifact_path, version.runtime, report.threshold)
        explanations = classifier.explain(called[: settings.TOXILAB_WORDS_COMMENTS])
    except (ModelLoadError, DataError, OSError, ValueError, RuntimeError) as exc:  # the page shows why
        log.exception("the words of model version %s could not be found", version.pk)
        return _finish(report, problem=f"{type(exc).__name__}: {exc}")
    terms = identity_terms()
    words = [{**word.to_dict(), "identity": word.word in terms} for word in toxic_words(explanations, TOP)]
    return _finish(
        report,
        called_toxic=len(called),
        explained=len(explanations),
        words=words,
        runtime=classifier.runtime,
    )


def identity_terms():
    """The identity terms of the template set (ml.bias), to mark them among the words; none without it."""
    from ml import bias
    from ml.errors import DataError

    try:
        return set(bias.read_terms(bias.templates_dir()))
    except DataError:
        return set()


def _finish(report, **fields):
    fields["finished"] = timezone.now()
    WordReport.objects.filter(pk=report.pk, requested=report.requested).update(**fields)
    return "failed" if fields.get("problem") else "found"
