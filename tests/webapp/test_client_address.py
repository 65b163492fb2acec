"""The client address that rate limits count: X-Forwarded-For is trusted for TOXILAB_PROXY_HOPS
entries from its right and no further, so a client that rotates the header keeps its one allowance."""

import http.client
import json
import random

import pytest
from services import Service, require_real_services, service_env

from tests.support.daphne import free_port, wait_until_listening
from webapp.client import client_address
from webapp.launcher import daphne_command


def random_loopback():
    rng = random.SystemRandom()
    return f"127.{rng.randrange(1, 255)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def random_public():
    rng = random.SystemRandom()
    return f"203.0.{rng.randrange(256)}.{rng.randrange(1, 255)}"


@pytest.fixture
def launched_daphne(transactional_db, tmp_path):
    """daphne as `make run` starts it (webapp.launcher.daphne_command), with a limit of 3 checks an hour."""
    require_real_services()
    servers = []

    def start(**env):
        port = free_port()
        command = daphne_command("127.0.0.1", port)
        env = service_env(tmp_path / "artifacts", "unused", TOXILAB_RATE_LIMIT="3/h", **env)
        server = Service("daphne", command, env, tmp_path / f"daphne-{port}.log").start()
        servers.append(server)
        wait_until_listening(port, lambda: server.alive, timeout=90, describe=lambda: server.log()[-3000:])
        server.port = port
        return server

    yield start
    for server in servers:
        server.stop()


def check(port, source, forwarded_for):
    """POST /api/v1/check from the loopback address `source`, with this X-Forwarded-For."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60, source_address=(source, 0))
    try:
        connection.request(
            "POST",
            "/api/v1/check",
            body=json.dumps({"text": "hi"}),
            headers={"Content-Type": "application/json", "X-Forwarded-For": forwarded_for},
        )
        return connection.getresponse().status
    finally:
        connection.close()


def test_with_no_proxy_hops_a_rotated_forwarded_for_header_does_not_reset_the_limit(launched_daphne):
    server = launched_daphne(TOXILAB_BEHIND_PROXY="1")  # trusting X-Forwarded-Proto does not trust -For
    source = random_loopback()

    statuses = [check(server.port, source, random_public()) for _ in range(5)]

    assert 429 not in statuses[:3]
    assert statuses[3:] == [429, 429]


def test_behind_one_proxy_only_the_address_it_appended_counts(launched_daphne):
    server = launched_daphne(TOXILAB_PROXY_HOPS="1")
    source, client = random_loopback(), random_public()

    spoofed = [check(server.port, source, f"{random_public()}, {client}") for _ in range(5)]
    other_client = check(server.port, source, f"{client}, {random_public()}")

    assert 429 not in spoofed[:3]
    assert spoofed[3:] == [429, 429]
    assert other_client != 429


@pytest.mark.parametrize(
    ("hops", "forwarded_for", "expected"),
    [
        (0, "198.51.100.7", "10.0.0.1"),
        (1, "1.2.3.4, 198.51.100.7", "198.51.100.7"),
        (2, "1.2.3.4, 198.51.100.7, 10.0.0.9", "198.51.100.7"),
        (2, "198.51.100.7", "10.0.0.1"),  # fewer entries than proxies: it bypassed one; count the peer
        (1, "not-an-address", "10.0.0.1"),
        (1, "", "10.0.0.1"),
    ],
)
def test_the_client_is_the_entry_as_many_hops_from_the_right_as_there_are_proxies(
    rf, settings, hops, forwarded_for, expected
):
    settings.TOXILAB_PROXY_HOPS = hops
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for)

    assert client_address(request) == expected
