"""Live updates of a job: one channel-layer group per job, one event shape for every change.

An event's `data` is what the browser receives: any of `job` (the state.JobState, possibly partial), `points`
(new loss rows), `evaluations` and `log` (new entries). The database is written first; an event
that cannot be sent is logged and dropped, since a page that reconnects redraws from the database.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from webapp.training.state import job_state

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


def publish_state(job, log_entries=()):
    publish(job.pk, job=job_state(job), log=[entry.to_dict() for entry in log_entries])
