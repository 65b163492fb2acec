"""/ws/jobs/<id>/: the live view of one job, for staff only.

On connect the consumer joins the job's group first and only then reads the job from the database,
so nothing falls between the snapshot it sends and the events that follow; the page skips points
it already has (by step). The query string's `after` names the last step the page already drew.
"""

import asyncio
import logging
import re
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from redis.exceptions import RedisError

from webapp.accounts.auth import is_staff
from webapp.training import events
from webapp.training.models import TrainingJob
from webapp.training.signals import user_group
from webapp.training.state import job_state

BAD_REQUEST, UNAUTHORIZED, FORBIDDEN, NOT_FOUND = 4400, 4401, 4403, 4404  # close codes: 4000 + the HTTP status
MAX_STEP = 2**63 - 1  # a step past the database's bigint is no step
_STEP = re.compile(r"[0-9]{1,19}")
TRY_AGAIN_LATER = 1013  # RFC 6455: the live feed (Redis) is down; the snapshot was sent

log = logging.getLogger(__name__)


class JobConsumer(AsyncJsonWebsocketConsumer):
    """With Redis down the handshake still succeeds: the socket gets the snapshot from the database and
    is closed with 1013 (try again later), so the page shows the history and reconnects later."""

    group = own_group = None
    accepted = feed_down = False

    # Channels sets channel_receive to the layer's receive; this reads through it, but turns a Redis
    # error into one `live.lost` event instead of an exception that kills the consumer (a 500).
    @property
    def channel_receive(self):
        return self._receive_live

    @channel_receive.setter
    def channel_receive(self, receive):
        self._layer_receive = receive

    async def _receive_live(self):
        if self.feed_down:
            await asyncio.Event().wait()  # nothing more from the layer; cancelled when the socket ends
        try:
            return await self._layer_receive()
        except RedisError as exc:
            self.feed_down = True
            log.warning("a job stream lost its live feed, the channel layer (Redis) cannot be reached: %s", exc)
            return {"type": "live.lost"}

    async def live_lost(self, event):
        if self.accepted:
            await self.close(code=TRY_AGAIN_LATER)

    async def connect(self):
        if not is_staff(self.scope["user"]):
            await self.close(code=FORBIDDEN)  # before accept: the handshake is answered 403
            return
        job_id = self.scope["url_route"]["kwargs"]["job_id"]
        after = _after(self.scope)
        if after is None:
            await self.close(code=BAD_REQUEST)
            return
        try:
            await self.channel_layer.group_add(user_group(self.scope["user"].pk), self.channel_name)  # logout
            self.own_group = user_group(self.scope["user"].pk)
            await self.channel_layer.group_add(events.group_name(job_id), self.channel_name)
            self.group = events.group_name(job_id)
        except RedisError as exc:  # no live events: send what the database has, then ask to come back
            log.warning("job %s: no live feed, the channel layer (Redis) cannot be reached: %s", job_id, exc)
        snapshot = await database_sync_to_async(_snapshot)(job_id, after)
        if snapshot is None:
            await self.close(code=NOT_FOUND)
            return
        await self.accept()
        self.accepted = True
        await self.send_json(snapshot)
        if self.group is None or self.feed_down:
            await self.close(code=TRY_AGAIN_LATER)

    async def disconnect(self, code):
        for group in (self.group, self.own_group):
            if group:
                try:
                    await self.channel_layer.group_discard(group, self.channel_name)
                except RedisError:
                    pass  # the group's entry expires on its own

    async def receive_json(self, content, **kwargs):
        pass  # the page only listens

    async def job_update(self, event):
        await self.send_json(event["data"])

    async def user_logged_out(self, event):
        await self.close(code=UNAUTHORIZED)


class NoSuchSocket(AsyncJsonWebsocketConsumer):
    """Every path that routes to no consumer: refused as not found, where the router would raise (a 500)."""

    async def connect(self):
        await self.close(code=NOT_FOUND)


def _after(scope):
    """The `after` step of the query string (0 when absent), or None when it is not a step number."""
    value = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("after", ["0"])[0]
    if not _STEP.fullmatch(value) or int(value) > MAX_STEP:
        return None
    return int(value)


def _snapshot(job_id, after):
    job = TrainingJob.objects.filter(pk=job_id).first()
    if job is None:
        return None
    return {
        "job": job_state(job),
        "points": [point.to_point() for point in job.points.filter(step__gt=after)],
        "evaluations": [evaluation.to_dict() for evaluation in job.evaluations.all()],
        "log": [entry.to_dict() for entry in job.log_entries.all()],
        "snapshot": True,
    }
