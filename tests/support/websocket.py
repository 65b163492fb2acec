"""The job page's WebSocket, /ws/jobs/<id>/, opened in this process as a browser opens it: the Host and
Origin of a page of the site, the session cookie of a signed-in user."""

from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator

PAGE_ORIGIN = "http://127.0.0.1"


def connect(path, cookie=None, origin=PAGE_ORIGIN, host="127.0.0.1", scheme="ws", headers=()):
    """A client of webapp.asgi's `path`: sent from a page of `origin` (None: no Origin header) to `host`
    over `scheme`, with the session `cookie` when given and `headers` after those."""
    from webapp.asgi import application

    sent = [(b"host", host.encode())]
    if origin:
        sent.append((b"origin", origin.encode()))
    if cookie:
        sent.append((b"cookie", f"sessionid={cookie}".encode()))
    communicator = WebsocketCommunicator(application, path, headers=[*sent, *headers])
    communicator.scope["scheme"] = scheme
    return communicator


def job_socket(job_id, cookie):
    """A client of the job page's WebSocket, signed in with a staff session cookie."""
    return connect(f"/ws/jobs/{job_id}/", cookie)


@async_to_sync
async def handshake(communicator, timeout=10):
    """(accepted, close code) of one connection attempt, closed again afterwards."""
    accepted, code = await communicator.connect(timeout=timeout)
    await communicator.disconnect()
    return accepted, code


def job_snapshot(job_id, cookie):
    """The first message of the job's WebSocket: the snapshot a (re)connecting page draws from."""

    async def receive():
        communicator = job_socket(job_id, cookie)
        connected, _ = await communicator.connect(timeout=5)
        assert connected
        snapshot = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return snapshot

    return async_to_sync(receive)()
