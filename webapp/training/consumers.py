"""/ws/jobs/<id>/: the live view of one job, for staff only.

On connect the consumer joins the job's group first and only then reads the job from the database,
so nothing falls between the snapshot it sends and the events that follow; the page skips points
it already has (by step). The query string's `after` names the last step the page already drew.
"""

from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from webapp.training import events
from webapp.training.auth import is_staff
from webapp.training.models import TrainingJob
from webapp.training.signals import user_group
from webapp.training.state import job_state

UNAUTHORIZED, FORBIDDEN, NOT_FOUND = 4401, 4403, 4404  # close codes: 4000 + the HTTP status they mean


class JobConsumer(AsyncJsonWebsocketConsumer):
    group = own_group = None

    async def connect(self):
        if not is_staff(self.scope["user"]):
            await self.close(code=FORBIDDEN)  # before accept: the handshake is answered 403
            return
        self.own_group = user_group(self.scope["user"].pk)
        await self.channel_layer.group_add(self.own_group, self.channel_name)  # closed on logout
        job_id = self.scope["url_route"]["kwargs"]["job_id"]
        self.group = events.group_name(job_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        snapshot = await database_sync_to_async(_snapshot)(job_id, _after(self.scope))
        if snapshot is None:
            await self.close(code=NOT_FOUND)
            return
        await self.accept()
        await self.send_json(snapshot)

    async def disconnect(self, code):
        for group in (self.group, self.own_group):
            if group:
                await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        pass  # the page only listens

    async def job_update(self, event):
        await self.send_json(event["data"])

    async def user_logged_out(self, event):
        await self.close(code=UNAUTHORIZED)


def _after(scope):
    value = parse_qs(scope.get("query_string", b"").decode()).get("after", ["0"])[0]
    return int(value) if value.isdigit() else 0


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
