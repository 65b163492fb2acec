"""Shadow mode: a registered version judges live checks beside the one that serves, before anyone
promotes it. End users see only the served verdict; the version's page and the gate show how often the
two agree on real traffic, and the checks where they disagree form a review queue of their own
(`/dashboard/predictions/queue?shadow=<run>`), whose reviewed labels say which of the two was right.

Off the request's path: `offer` (classify.check, once the served verdicts are stored) samples `share`
of the checks into this process's queue, which costs the request a list append and, once a second, one
indexed query for the open run. A thread of its own (one per web process) takes them in batches, loads
the version's model, and runs it on the checker's model thread as background work
(webapp/checker/batching.py), which runs only when no check is waiting: a check then waits at most for
one shadow call. A queue past TOXILAB_SHADOW_QUEUE drops its oldest (counted as `dropped`), so a busy
server judges fewer checks rather than falling behind. A run ends by itself after `max_checks` judged
checks or on `until`, when another version goes into shadow, and when its version is promoted.
"""

import logging
import random
import threading
import time
from collections import Counter, deque
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connections, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from scipy.stats import binomtest

from webapp.checker.loaded import LoadedVersion
from webapp.checker.models import Prediction, ShadowRun, ShadowVerdict

End = ShadowRun.End
RUN_READ_S = 1.0  # how stale this process's idea of the open run may be
CONFIDENCE = 0.95

log = logging.getLogger(__name__)


class ShadowError(ValueError):
    """A shadow run that cannot be started as asked; the message says why."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field


def start(version, user=None, share=1.0, max_checks=None, days=None):
    """Put `version` in shadow, ending any other open run (End.REPLACED); returns the new ShadowRun."""
    max_checks = settings.TOXILAB_SHADOW_MAX_CHECKS if max_checks is None else max_checks
    days = settings.TOXILAB_SHADOW_DAYS if days is None else days
    if version.active:
        raise ShadowError("model", "this version serves the checker already: shadow mode is for one that does not")
    if not 0 < share <= 1:
        raise ShadowError("share", f"must be more than 0 and at most 1 (of the live checks), got {share}")
    if max_checks < 1:
        raise ShadowError("max_checks", f"must be at least 1, got {max_checks}")
    if not 0 < days <= 365:
        raise ShadowError("days", f"must be more than 0 and at most 365, got {days}")
    with transaction.atomic():
        for run in ShadowRun.objects.select_for_update().filter(ended__isnull=True):
            _end(run, End.REPLACED)
        run = ShadowRun.objects.create(
            model_version=version,
            share=share,
            max_checks=max_checks,
            until=timezone.now() + timedelta(days=days),
            started_by=user,
        )
    judge.forget()
    return run


def stop(run, reason=End.STOPPED):
    """End `run` now, if it is still open; returns whether it was."""
    ended = _end(run, reason)
    judge.forget()
    return ended


def promoted(version):
    """`version` now serves: its own shadow run has nothing left to compare it with."""
    for run in ShadowRun.objects.filter(model_version=version, ended__isnull=True):
        stop(run, End.SERVING)


def _end(run, reason):
    ended = ShadowRun.objects.filter(pk=run.pk, ended__isnull=True).update(ended=timezone.now(), end_reason=reason)
    if ended:
        run.refresh_from_db(fields=["ended", "end_reason"])
        log.info("shadow run %s of version %s ended: %s", run.pk, run.model_version_id, run.get_end_reason_display())
    return bool(ended)


def latest(version):
    """The version's newest ShadowRun, or None."""
    return ShadowRun.objects.filter(model_version=version).first()


def summary(run):
    """What the version's page, the gate and the API show of `run`: its state, how often the two models
    agreed, and, among the disagreements a reviewer labelled, how often the shadow version was right, with
    a Wilson 95 % interval on that share (`better` names a side only when the interval excludes one half)."""
    if run is None:
        return None
    counts = run.verdicts.aggregate(judged=Count("id"), agreed=Count("id", filter=Q(agrees=True)))
    reviewed = Counter(
        label == reviewed_label
        for label, reviewed_label in run.verdicts.filter(agrees=False, prediction__reviewed_at__isnull=False)
        .values_list("label", "prediction__reviewed_label")
        .iterator()
    )
    labelled, shadow_right = reviewed.total(), reviewed[True]
    found = {
        "run": run.pk,
        "model": run.model_version_id,
        "running": run.running,
        "started": run.started,
        "until": run.until,
        "ended": run.ended,
        "end_reason": run.get_end_reason_display() if run.end_reason else "",
        "share": run.share,
        "max_checks": run.max_checks,
        "judged": counts["judged"],
        "dropped": run.dropped,
        "agreed": counts["agreed"],
        "agreement": counts["agreed"] / counts["judged"] if counts["judged"] else None,
        "disagreements": counts["judged"] - counts["agreed"],
        "reviewed_disagreements": labelled,
        "shadow_right": shadow_right,
        "served_right": labelled - shadow_right,
        "shadow_right_share": shadow_right / labelled if labelled else None,
        "interval": None,
        "better": None,
    }
    if labelled:
        interval = binomtest(shadow_right, labelled).proportion_ci(CONFIDENCE, method="wilson")
        found["interval"] = [interval.low, interval.high]
        found["better"] = "shadow" if interval.low > 0.5 else "served" if interval.high < 0.5 else None
    return found


class Judge:
    """This process's queue of checks for the version in shadow, and the thread that judges them."""

    def __init__(self):
        self._queue = deque()
        self._changed = threading.Condition()
        self._thread = None
        self._run, self._read_at = None, float("-inf")
        self._dropped = Counter()  # run id -> checks dropped since the last batch was stored
        self._model = LoadedVersion()
        # (classifier, texts) -> probabilities on the checker's model thread while no check waits: set by
        # webapp.checker.classify (ActiveModel.run_background), which offers the checks
        self.run_model = None

    def forget(self):
        """Read the open run again at the next check (after a start or a stop in this process)."""
        self._read_at = float("-inf")

    def open_run(self):
        """The open ShadowRun, read at most once every RUN_READ_S; ends it when its days are over."""
        if time.monotonic() - self._read_at > RUN_READ_S:
            self._run = ShadowRun.objects.filter(ended__isnull=True).first()
            self._read_at = time.monotonic()
        run = self._run
        if run is not None and run.until <= timezone.now():
            stop(run, End.DAYS)
            return None
        return run

    @property
    def loaded(self):
        """The id of the version whose model this process holds for shadow mode, or None."""
        return self._model.pk

    def warm(self):
        """Load the model of the open run now (at server start), rather than beside the first checks."""
        run = self.open_run()
        if run is not None:
            self._load(run)

    def offer(self, rows):
        """Queue `share` of the just-stored Prediction `rows` for the version in shadow, if one is."""
        run = self.open_run()
        if run is None:
            return
        chosen = [row for row in rows if run.share >= 1 or random.random() < run.share]
        if not chosen:
            return
        with self._changed:
            self._queue.extend((run.pk, row.pk, row.text, row.label) for row in chosen)
            while len(self._queue) > settings.TOXILAB_SHADOW_QUEUE:
                self._dropped[self._queue.popleft()[0]] += 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="shadow-judge", daemon=True)
                self._thread.start()
            self._changed.notify()

    def _loop(self):
        while True:
            with self._changed:
                while not self._queue:
                    self._changed.wait()
                run_id = self._queue[0][0]
                batch = []
                while self._queue and self._queue[0][0] == run_id and len(batch) < self._batch_size():
                    batch.append(self._queue.popleft())
                dropped, self._dropped = self._dropped, Counter()
            close_old_connections()
            try:
                self._judge(run_id, batch, dropped)
            except Exception:  # the thread must live on: these checks stay unjudged
                log.exception("shadow run %s could not judge %d checks", run_id, len(batch))
            if not self._queue:  # idle: hold no database connection until checks come again
                connections.close_all()

    def _batch_size(self):
        limit = self._model.classifier is not None and self._model.classifier.batch_limit
        return min(limit or 8, 8)  # one background call: what a waiting check may wait for

    def _judge(self, run_id, batch, dropped):
        for other, count in dropped.items():
            ShadowRun.objects.filter(pk=other).update(dropped=F("dropped") + count)
        run = ShadowRun.objects.select_related("model_version").filter(pk=run_id, ended__isnull=True).first()
        if run is None:  # ended meanwhile
            return
        classifier = self._load(run)
        if classifier is None:
            return
        probabilities = self.run_model(classifier, [text for _, _, text, _ in batch])
        still_stored = set(Prediction.objects.filter(pk__in=[pk for _, pk, _, _ in batch]).values_list("pk", flat=True))
        version = run.model_version
        verdicts = []
        for (_, prediction_id, _, served), probability in zip(batch, probabilities, strict=True):
            if prediction_id in still_stored:  # a reviewer may have deleted it meanwhile
                label = version.label_for(probability)
                verdicts.append(
                    ShadowVerdict(
                        run=run,
                        prediction_id=prediction_id,
                        label=label,
                        toxic_probability=probability,
                        agrees=label == served,
                    )
                )
        ShadowVerdict.objects.bulk_create(verdicts, ignore_conflicts=True)
        if run.judged >= run.max_checks:
            stop(run, End.CHECKS)

    def _load(self, run):
        """The shadow version's classifier, loaded in this thread (not the model thread) on first use."""
        from ml.errors import ModelLoadError

        try:
            return self._model.get(run.model_version)
        except ModelLoadError as exc:
            log.error("shadow run %s: version %s cannot be loaded: %s", run.pk, run.model_version_id, exc)
            stop(run, End.BROKEN)
            return None


judge = Judge()
