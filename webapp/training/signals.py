"""A promotion of a job's model is written to the job's log, whichever page, API or command made it.

A user's live views end when they log out: every WebSocket of theirs joins the user's group, and
logging out sends that group an event on which the consumer closes. The database stays the truth: a
page whose socket closed reconnects, and is refused once its session is gone."""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from webapp.checker.models import Promotion

log = logging.getLogger(__name__)

LOGGED_OUT_TYPE = "user.logged_out"  # handled by JobConsumer.user_logged_out


def user_group(user_id):
    return f"training.user.{user_id}"


@receiver(user_logged_out)
def close_the_users_sockets(sender, request, user, **kwargs):
    layer = get_channel_layer()
    if user is None or layer is None:
        return
    try:
        async_to_sync(layer.group_send)(user_group(user.pk), {"type": LOGGED_OUT_TYPE})
    except Exception:  # Redis down must not stop a logout; the sockets then end at their next check
        log.warning("could not close the WebSockets of user %s", user.pk, exc_info=True)


@receiver(post_save, sender=Promotion)
def log_the_promotion_on_its_job(sender, instance, created, **kwargs):
    from webapp.training import events
    from webapp.training.models import TrainingJob

    job = TrainingJob.objects.filter(model_version=instance.model_version_id).first()
    if not created or job is None:
        return
    what = "rolled back to" if instance.rollback else "promoted"
    forced = f" (forced past the gate: {instance.reason})" if instance.forced else ""
    who = instance.promoted_by or instance.get_source_display()
    entry = job.log(f"{what} by {who}: model {instance.model_version.name!r} now serves the checker{forced}")
    transaction.on_commit(lambda: events.publish_state(job, [entry]))
