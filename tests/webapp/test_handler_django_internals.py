"""webapp/handler.py re-implements Django's ASGI request cycle on Django internals. These tests pin each
one it uses, so that a Django upgrade that moves or changes them fails here, loudly and by name, before
the handler misbehaves in production. On a failure: read the new django/core/handlers/asgi.py
(ASGIHandler.handle and send_response, which handler.py mirrors), adapt handler.py, then update these pins."""

import asyncio
import inspect
import re
import tomllib

import django
import pytest
from django.core.exceptions import RequestAborted
from django.core.handlers import asgi
from django.http import FileResponse, HttpResponse

from tests.support.paths import ROOT

DJANGO = "5.2.19"  # the version handler.py was written and measured against
UPGRADE = "webapp/handler.py relies on Django internals; see this file's docstring for what to re-check"


def signature(function):
    return list(inspect.signature(function).parameters)


def test_django_is_the_version_the_handler_was_written_against():
    assert django.__version__ == DJANGO, f"Django {django.__version__} is installed, not {DJANGO}: {UPGRADE}"


def test_pyproject_pins_that_same_django():
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = [dep for dep in dependencies if re.match(r"(?i)django[=<>~!]", dep)]
    assert pins == [f"Django=={DJANGO}"], f"pyproject.toml pins {pins}, the handler's pin is {DJANGO}: {UPGRADE}"


@pytest.mark.parametrize(
    ("name", "parameters", "is_async"),
    [
        ("read_body", ["self", "receive"], True),
        ("create_request", ["self", "scope", "body_file"], False),
        ("get_response", ["self", "request"], False),
        ("load_middleware", ["self", "is_async"], False),
        ("chunk_bytes", ["data"], False),  # a classmethod: `cls` is bound
    ],
)
def test_the_asgi_handler_methods_it_calls_keep_their_signatures(name, parameters, is_async):
    method = getattr(asgi.ASGIHandler, name, None)
    assert method is not None, f"ASGIHandler.{name} is gone: {UPGRADE}"
    assert signature(method) == parameters, f"ASGIHandler.{name}{inspect.signature(method)} changed: {UPGRADE}"
    assert inspect.iscoroutinefunction(method) == is_async, f"ASGIHandler.{name} changed sync/async: {UPGRADE}"


def test_the_module_helpers_and_attributes_it_reads_are_there():
    assert signature(asgi.get_script_prefix) == ["scope"], UPGRADE
    assert isinstance(asgi.ASGIHandler.chunk_size, int) and asgi.ASGIHandler.chunk_size > 0, UPGRADE
    assert hasattr(FileResponse("x"), "block_size"), UPGRADE


def test_chunk_bytes_yields_chunks_of_chunk_size_and_marks_the_last():
    size = asgi.ASGIHandler.chunk_size

    chunks = list(asgi.ASGIHandler.chunk_bytes(b"a" * (2 * size + 1)))

    assert [(len(chunk), last) for chunk, last in chunks] == [(size, False), (size, False), (1, True)], UPGRADE
    assert list(asgi.ASGIHandler.chunk_bytes(b"")) == [(b"", True)], UPGRADE


def feed(*messages):
    queue = list(messages)

    async def receive():
        return queue.pop(0)

    return receive


def test_read_body_joins_the_body_messages_and_rewinds_the_file():
    handler = asgi.ASGIHandler()
    receive = feed({"type": "http.request", "body": b"ab", "more_body": True}, {"type": "http.request", "body": b"c"})

    body_file = asyncio.run(handler.read_body(receive))

    assert body_file.read() == b"abc", UPGRADE
    body_file.close()


def test_read_body_raises_request_aborted_when_the_client_disconnects():
    handler = asgi.ASGIHandler()

    with pytest.raises(RequestAborted):
        asyncio.run(handler.read_body(feed({"type": "http.disconnect"})))


def test_create_request_returns_the_request_and_no_error_response(settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/v1/check",
        "root_path": "",
        "query_string": b"a=1",
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }
    handler = asgi.ASGIHandler()
    body_file = asyncio.run(handler.read_body(feed({"type": "http.request", "body": b'{"text": "hi"}'})))

    request, error = handler.create_request(scope, body_file)

    assert error is None, UPGRADE
    assert (request.method, request.path, request.GET["a"], request.body) == (
        "POST",
        "/api/v1/check",
        "1",
        b'{"text": "hi"}',
    ), UPGRADE
    body_file.close()


def test_closing_a_response_sends_request_finished_from_its_handler_class():
    """handler.py sets response._handler_class, as Django's handler does, for request_finished's sender."""
    from django.core.signals import request_finished

    response = HttpResponse()
    assert response._handler_class is None, UPGRADE
    senders = []

    def finished(sender, **kwargs):
        senders.append(sender)

    request_finished.connect(finished)
    try:
        response._handler_class = asgi.ASGIHandler
        response.close()
    finally:
        request_finished.disconnect(finished)

    assert senders == [asgi.ASGIHandler], UPGRADE
