"""The progress reporter of one training attempt: ml's `on_progress` and `should_stop` callbacks.

`on_progress` only appends to a list: the training loop never waits on the database or Redis. A
background thread wakes every TOXILAB_PROGRESS_FLUSH_MS and, when points are waiting, writes them
as one batch (one INSERT of metric rows and one UPDATE of the job, so at most a few writes a second
whatever the step rate) and then sends one channel-layer event with the same points to the job's
group. The same thread polls the job row every TOXILAB_JOB_POLL_MS for a cancel request and keeps
its heartbeat fresh while nothing is reported (loading data, long evaluations).
"""

import logging
import threading
import time
from collections import Counter

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from webapp.training import events
from webapp.training.models import EvaluationResult, TrainingJob, TrainingMetric
from webapp.training.state import progress_state

log = logging.getLogger(__name__)


class JobReporter:
    def __init__(self, attempt):
        self.job_id, self.attempt = attempt.job_id, attempt.number
        self.flush_s = settings.TOXILAB_PROGRESS_FLUSH_MS / 1000
        self.poll_s = settings.TOXILAB_JOB_POLL_MS / 1000
        self.heartbeat_s = settings.TOXILAB_JOB_HEARTBEAT_S
        self.superseded = False  # another attempt owns the job now: write nothing more
        self.stats = Counter()  # batches written, rows, heartbeats, events sent: read by benchmarks
        self._pending = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"job-{self.job_id}-reporter", daemon=True)
        self._last_write = time.monotonic()

    def __call__(self, progress):
        with self._lock:
            self._pending.append(progress)

    def should_stop(self):
        return self._stop.is_set()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._closing.set()
        self._thread.join()

    def _run(self):
        next_poll = 0.0
        try:
            while True:
                closing = self._closing.wait(self.flush_s)
                if not self.superseded:
                    self._flush()
                now = time.monotonic()
                if now >= next_poll and not closing:
                    self._poll()
                    next_poll = now + self.poll_s
                if closing:
                    return
        finally:
            connection.close()  # this thread's own connection

    def _flush(self):
        with self._lock:
            batch, self._pending = self._pending, []
        if not batch and time.monotonic() - self._last_write < self.heartbeat_s:
            return
        try:
            self._write(batch)
        except DatabaseError:
            log.warning("job %s: could not store %d progress reports; retrying", self.job_id, len(batch), exc_info=True)
            connection.close_if_unusable_or_obsolete()
            with self._lock:
                self._pending[:0] = batch
            return
        self._last_write = time.monotonic()
        if batch and not self.superseded:
            self._publish(batch)

    def _write(self, batch):
        """One UPDATE of the job (progress and heartbeat, only while this attempt owns it) and one
        INSERT per kind of report, in one transaction."""
        steps = [p for p in batch if p.kind == "step"]
        evals = [p for p in batch if p.kind == "eval"]
        fields = {"heartbeat": timezone.now()}
        if steps:
            fields.update(step=steps[-1].step, total_steps=steps[-1].total_steps, eta_s=steps[-1].eta_s)
        if batch and batch[-1].kind == "evaluating":  # a long evaluation pass: its ETA, not a stale one
            fields.update(eta_s=batch[-1].eta_s)
        with transaction.atomic():
            if not self._owned().update(**fields):
                self._lose_ownership()
                return
            TrainingMetric.objects.bulk_create(TrainingMetric.from_progress(self.job_id, p) for p in steps)
            EvaluationResult.objects.bulk_create(
                EvaluationResult(job_id=self.job_id, split=p.split, step=p.step, epoch=p.epoch, metrics=p.metrics)
                for p in evals
            )
        self.stats.update(
            job_updates=1,
            metric_rows=len(steps),
            evaluation_rows=len(evals),
            **({"flushes": 1} if batch else {"heartbeats": 1}),
        )

    def _publish(self, batch):
        steps = [p for p in batch if p.kind == "step"]
        data = {
            "points": [TrainingMetric.from_progress(self.job_id, p).to_point() for p in steps],
            "evaluations": [
                {"split": p.split, "step": p.step, "epoch": p.epoch, "final": False, "metrics": p.metrics}
                for p in batch
                if p.kind == "eval"
            ],
        }
        if steps:
            data["job"] = progress_state(self.job_id, steps[-1])
        if batch[-1].kind == "evaluating":  # a long evaluation pass: its ETA and how far it is
            last = batch[-1]
            data["job"] = {
                **data.get("job", {}),
                "eta_s": last.eta_s,
                "evaluating": {"split": last.split, **last.metrics},
            }
        events.publish(self.job_id, **data)
        self.stats.update(events=1)

    def _poll(self):
        """Stop at the next step when staff asked to cancel, or when this attempt lost the job."""
        try:
            row = TrainingJob.objects.filter(pk=self.job_id).values("status", "attempts", "cancel_requested").first()
        except DatabaseError:
            log.warning("job %s: could not poll for a cancel request", self.job_id, exc_info=True)
            connection.close_if_unusable_or_obsolete()
            return
        if row is None or row["status"] != TrainingJob.Status.RUNNING or row["attempts"] != self.attempt:
            self._lose_ownership()
        elif row["cancel_requested"]:
            self._stop.set()

    def _owned(self):
        return TrainingJob.objects.filter(pk=self.job_id, attempts=self.attempt, status=TrainingJob.Status.RUNNING)

    def _lose_ownership(self):
        if not self.superseded:
            log.warning("job %s: attempt %s no longer owns the job; stopping it", self.job_id, self.attempt)
        self.superseded = True
        self._stop.set()
