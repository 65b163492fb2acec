"""Live updates of a job: one channel-layer group per job, one event shape for every change.

An event's `data` is what the browser receives: any of `job` (the state, possibly partial), `points`
(new loss rows), `evaluations` and `log` (new entries). The database is written first; an event
that cannot be sent is logged and dropped, since a page that reconnects redraws from the database.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

log = logging.getLogger(__name__)

EVENT_TYPE = "job.update"  # handled by JobConsumer.job_update


def group_name(job_id):
    return f"training.job.{job_id}"


def publish(job_id, **data):
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group_name(job_id), {"type": EVENT_TYPE, "data": data})
    except Exception:  # Redis down must not fail a training step or a staff action
        log.warning("could not send the live update of job %s", job_id, exc_info=True)


def job_state(job):
    """Everything the job page shows about the job itself, as JSON."""
    return {
        "id": job.pk,
        "status": job.status,
        "cancel_requested": job.cancel_requested,
        "step": job.step,
        "total_steps": job.total_steps,
        "progress": job.progress,
        "eta_s": job.eta_s,
        "attempts": job.attempts,
        "worker": job.worker,
        "device": job.device,
        "error": job.error,
        "started": _iso(job.started),
        "finished": _iso(job.finished),
        "model_version": job.model_version_id,
        "can_cancel": job.can_cancel,
        "can_retry": job.can_retry,
        "can_promote": job.can_promote,
    }


def publish_state(job, log_entries=()):
    publish(job.pk, job=job_state(job), log=[entry.to_dict() for entry in log_entries])


def _iso(moment):
    return moment.isoformat() if moment else None
