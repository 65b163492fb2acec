"""Checks are limited per client address (TOXILAB_RATE_LIMIT), counted in Redis when REDIS_URL is set."""

import random

import pytest
import redis


@pytest.fixture
def address():
    """A fresh client address, so that counts left in the shared Redis by earlier runs do not matter
    (from the OS's randomness: tests that train seed the `random` module)."""
    rng = random.SystemRandom()
    return f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


@pytest.fixture(params=["redis", "django-cache"])
def counted_in(request, settings):
    """Each test runs on both counters: the Lua script on Redis, and Django's cache API (in-process
    without REDIS_URL; here on whatever cache the settings configure)."""
    if request.param == "redis" and not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL (as CI has)")
    if request.param == "django-cache":
        settings.REDIS_URL = ""
    return request.param


def test_on_redis_one_key_per_client_and_window_expires_with_the_window(check_api, active_model, settings, address):
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL (as CI has)")
    settings.TOXILAB_RATE_LIMIT = (5, 3600)  # an hour's window: the two checks never straddle its edge

    check_api({"text": "hi"}, REMOTE_ADDR=address)
    check_api({"text": "hi"}, REMOTE_ADDR=address)

    client = redis.Redis.from_url(settings.REDIS_URL)
    (key,) = client.keys(f"toxilab:ratelimit:{address}:3600:*")
    assert int(client.get(key)) == 2
    assert 0 < client.ttl(key) <= 3601


def test_it_answers_429_with_retry_after_past_the_limit(check_api, active_model, settings, address, counted_in):
    settings.TOXILAB_RATE_LIMIT = (3, 3600)  # an hour's window: the checks never straddle its edge

    statuses = [check_api({"text": "hi"}, REMOTE_ADDR=address).status_code for _ in range(4)]
    response = check_api({"text": "hi"}, REMOTE_ADDR=address)

    assert statuses == [200, 200, 200, 429]
    assert response.status_code == 429
    seconds = int(response["Retry-After"])
    assert 1 <= seconds <= 3600
    assert response.json() == {"error": f"too many checks from your address; try again in {seconds} seconds"}


def test_other_clients_keep_their_own_allowance(check_api, active_model, settings, address, counted_in):
    settings.TOXILAB_RATE_LIMIT = (1, 3600)

    first = check_api({"text": "hi"}, REMOTE_ADDR=address)
    second = check_api({"text": "hi"}, REMOTE_ADDR=address)
    other = check_api({"text": "hi"}, REMOTE_ADDR=address + "1")

    assert [first.status_code, second.status_code, other.status_code] == [200, 429, 200]


def test_the_page_and_the_api_share_one_allowance(client, check_api, active_model, settings, address, counted_in):
    settings.TOXILAB_RATE_LIMIT = (2, 3600)

    page = client.post("/", {"text": "hi"}, REMOTE_ADDR=address)
    api = check_api({"text": "hi"}, REMOTE_ADDR=address)
    limited = client.post("/", {"text": "hi"}, REMOTE_ADDR=address)

    assert (page.status_code, api.status_code, limited.status_code) == (200, 200, 429)
    assert b"Too many checks from your address. Try again in" in limited.content
