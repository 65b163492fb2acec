"""The floor under benchmarks/api_load.py: the same model behind a bare ASGI app on daphne, with no
Django, no validation and no database. What this adds to in-process latency, any endpoint served by
daphne that runs the model off the event loop (in a thread, as Django runs its views) pays too.

    BARE_ASGI_MODEL=runs/odd python -m daphne benchmarks.bare_asgi:application
"""

import asyncio
import json
import os
from concurrent.futures import ThreadPoolExecutor

import torch

import ml

torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
classifier = ml.load(os.environ["BARE_ASGI_MODEL"])
executor = ThreadPoolExecutor(1)


async def application(scope, receive, send):
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    payload = json.loads(body)
    texts = payload["texts"] if "texts" in payload else [payload["text"]]
    verdicts = await asyncio.get_running_loop().run_in_executor(executor, classifier.predict, texts)
    results = [{"label": v.label, "toxic_probability": v.toxic_probability} for v in verdicts]
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": json.dumps({"results": results}).encode()})
