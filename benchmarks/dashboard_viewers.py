"""How many concurrent dashboard viewers of one job a single daphne process serves with no dropped
event, on this machine's cores. Prints JSON.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python benchmarks/dashboard_viewers.py [--viewers 25,50,100,200,400,800] [--seconds 10]

For each count N: N WebSocket clients signed in as staff open /ws/jobs/<id>/ (the job page's socket)
and receive its snapshot; then, for --seconds, this process publishes the job's events through the
Redis channel layer at the reporter's fastest pace (one event per TOXILAB_PROGRESS_FLUSH_MS, each
with a few loss points, as a fast GPU run logging every step produces). Every client counts what
it got. An event is dropped when some client has not received it 10 s after the last was sent. The clients and
the publisher run in this process, on the same cores as daphne, Redis and PostgreSQL: the figure is for the whole box.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
import uuid
from pathlib import Path

from dashboard_common import cpu_info, daphne_server, percentile, scratch_database, staff_session

POINTS_PER_EVENT = 3


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", default="25,50,100,200,400,800")
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    counts = [int(n) for n in args.viewers.split(",")]
    load_before = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="toxilab-bench-"))
    with scratch_database():
        from django.conf import settings

        from webapp.training.models import TrainingJob

        user, cookie = staff_session()
        job = TrainingJob.objects.create(
            method="teacher",
            teacher="t",
            dataset="d",
            config={},
            created_by=user,
            status="running",
            celery_task_id=str(uuid.uuid4()),
        )
        interval = settings.TOXILAB_PROGRESS_FLUSH_MS / 1000
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # daphne is already started with the check on
        runs = []
        with daphne_server(work / "daphne.log") as server:
            host = server.host
            for count in counts:
                run = asyncio.run(one_round(host, cookie, job.pk, count, args.seconds, interval))
                runs.append(run)
                print(json.dumps(run), flush=True)
                if run["dropped_events"] or run["connected"] < count:
                    break
    held = [run["viewers"] for run in runs if not run["dropped_events"] and run["connected"] == run["viewers"]]
    prompt = [n for n, run in zip(held, runs, strict=False) if (run["delivery_ms_p95"] or 0) < 1000]
    print(
        json.dumps(
            {
                "benchmark": "concurrent dashboard viewers of one job, one daphne process",
                "max_viewers_without_drops": max(held, default=0),
                "max_viewers_without_drops_and_p95_under_1s": max(prompt, default=0),
                "event_interval_ms": round(interval * 1000),
                "points_per_event": POINTS_PER_EVENT,
                "rounds": runs,
                "machine": {**cpu_info(), "load_average_1min_before": round(load_before, 2)},
            },
            indent=2,
        )
    )


async def one_round(host, cookie, job_id, count, seconds, interval):
    from channels.layers import get_channel_layer

    from webapp.training import events

    viewers = [Viewer(i) for i in range(count)]
    started = time.monotonic()
    for batch in range(0, count, 25):  # a crowd arriving, not one burst of handshakes
        await asyncio.gather(
            *(v.connect(host, cookie, job_id) for v in viewers[batch : batch + 25]), return_exceptions=True
        )
    connect_s = time.monotonic() - started
    connected = [v for v in viewers if v.ready]
    layer = get_channel_layer()
    sent, step = 0, 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        points = [{"step": step + i + 1, "loss": 1.0, "components": {"cls": 1.0}} for i in range(POINTS_PER_EVENT)]
        step += POINTS_PER_EVENT
        await layer.group_send(
            events.group_name(job_id),
            {"type": events.EVENT_TYPE, "data": {"points": points, "sent_at": time.time(), "seq": sent}},
        )
        sent += 1
        await asyncio.sleep(interval)
    await asyncio.sleep(10)  # a late event is not a dropped one: wait for stragglers
    for viewer in connected:
        await viewer.close()
    await layer.close_pools()
    received = [len(v.seqs) for v in connected]
    latencies = [lat for v in connected for lat in v.latencies]
    return {
        "viewers": count,
        "connected": len(connected),
        "connect_seconds": round(connect_s, 1),
        "events_sent": sent,
        "events_received_min": min(received, default=0),
        "dropped_events": sum(sent - len(v.seqs) for v in connected),
        "delivery_ms_p50": _ms(percentile(latencies, 50)),
        "delivery_ms_p95": _ms(percentile(latencies, 95)),
        "delivery_ms_max": _ms(max(latencies, default=None)),
    }


class Viewer:
    """One dashboard tab's socket (autobahn's asyncio client, which daphne already depends on)."""

    def __init__(self, index):
        self.index, self.ready, self.seqs, self.latencies = index, False, set(), []

    async def connect(self, host, cookie, job_id):
        from autobahn.asyncio.websocket import WebSocketClientFactory

        loop = asyncio.get_running_loop()
        self.snapshot = loop.create_future()
        factory = WebSocketClientFactory(
            f"ws://{host}/ws/jobs/{job_id}/", origin=f"http://{host}", headers={"Cookie": f"sessionid={cookie}"}
        )
        factory.protocol = _viewer_protocol()
        factory.viewer = self
        address, port = host.split(":")
        self.transport, self.protocol = await loop.create_connection(factory, address, int(port))
        await asyncio.wait_for(self.snapshot, 60)
        self.ready = True

    def on_message(self, payload):
        data = json.loads(payload)
        if not self.snapshot.done():
            self.snapshot.set_result(data)
        elif "seq" in data:
            self.seqs.add(data["seq"])
            self.latencies.append(time.time() - data["sent_at"])

    async def close(self):
        self.protocol.sendClose()
        await asyncio.sleep(0)
        self.transport.close()


def _viewer_protocol():
    from autobahn.asyncio.websocket import WebSocketClientProtocol

    class ViewerProtocol(WebSocketClientProtocol):
        def onMessage(self, payload, is_binary):
            self.factory.viewer.on_message(payload)

    return ViewerProtocol


def _ms(seconds):
    return None if seconds is None else round(seconds * 1000, 1)


if __name__ == "__main__":
    main()
