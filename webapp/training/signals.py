"""A user's live views end when they log out: every WebSocket of theirs joins the user's group, and
logging out sends that group an event on which the consumer closes. The database stays the truth: a
page whose socket closed reconnects, and is refused once its session is gone."""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

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
