"""Django's HTTP side over ASGI, each request served start to finish by one thread of a fixed pool.

Django's own ASGIHandler starts a new thread for every request (ThreadSensitiveContext) and hops
between the event loop and threads about fifteen times. Database connections are per thread, so
none outlived its request either: every request paid for a new thread and a new connection (what
that cost, and what this saves: docs/BENCHMARKS.md, "Figures behind design choices in the code").

Here a pool of settings.WEB_THREADS threads runs request_started, the middleware, the view and the
response's close (request_finished) in one hop, so each thread keeps its connection between
requests (CONN_MAX_AGE, with health checks) and closes it in the thread that opened it. A streaming
response is read in that same thread, where its view's queries ran, and sent chunk by chunk; a
client that disconnects stops it. All our views are sync; an async one would still run, through
async_to_sync on the server's event loop.

It is built on Django internals (read_body, create_request, chunk_bytes, get_script_prefix,
_handler_class), pinned by tests/webapp/test_handler_django_internals.py: a Django upgrade that changes
them fails there first, with what to check.
"""

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse
from django.urls import set_script_prefix


class PooledASGIHandler(ASGIHandler):
    def __init__(self):
        super().__init__()
        self.executor = ThreadPoolExecutor(settings.WEB_THREADS, thread_name_prefix="django-http")

    def load_middleware(self, is_async=False):
        super().load_middleware(is_async=False)  # the sync chain, called once per request in a pool thread

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django serves only HTTP connections, not {scope['type']}")
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        disconnected = threading.Event()
        listener = asyncio.create_task(self._listen_for_disconnect(receive, disconnected))
        try:
            serve = sync_to_async(self.serve, thread_sensitive=False, executor=self.executor)
            messages = await serve(scope, body_file, send, disconnected)
            for message in messages:
                await send(message)
        finally:
            listener.cancel()
            body_file.close()

    def serve(self, scope, body_file, send, disconnected):
        """One request in a pool thread: the ASGI messages still to send (a streamed body is sent here)."""
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            response = self.get_response(request)
            response._handler_class = self.__class__
        try:
            start = {"type": "http.response.start", "status": response.status_code, "headers": _headers(response)}
            if not response.streaming:
                return [start, *self._body_messages(response.content)]
            async_to_sync(send)(start)
            self._stream(response, async_to_sync(send), disconnected)
            return []
        finally:
            response.close()  # sends request_finished: stale connections of this thread are closed here

    def _stream(self, response, send, disconnected):
        if isinstance(response, FileResponse):
            response.block_size = self.chunk_size
        for part in response:
            if disconnected.is_set():
                return
            for message in self._body_messages(part, more=True):
                send(message)
        send({"type": "http.response.body"})

    def _body_messages(self, data, more=False):
        return [
            {"type": "http.response.body", "body": chunk, "more_body": more or not last}
            for chunk, last in self.chunk_bytes(data)
        ]

    async def _listen_for_disconnect(self, receive, disconnected):
        while (await receive())["type"] != "http.disconnect":
            pass
        disconnected.set()


def _headers(response):
    headers = [(name.encode("ascii"), value.encode("latin1")) for name, value in response.items()]
    headers += [(b"Set-Cookie", c.output(header="").encode("ascii").strip()) for c in response.cookies.values()]
    return headers
