"""Checks are limited per client address, counted in the Redis cache that CI runs (TOXILAB_RATE_LIMIT)."""

import random

import pytest
from django.conf import settings as django_settings


@pytest.fixture
def address():
    """A fresh client address, so that counts left in the shared Redis by earlier runs do not matter."""
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


def test_the_counter_lives_in_redis_when_redis_url_is_set():
    assert django_settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"


def test_it_answers_429_with_retry_after_past_the_limit(check_api, active_model, settings, address):
    settings.TOXILAB_RATE_LIMIT = (3, 60)

    statuses = [check_api({"text": "hi"}, REMOTE_ADDR=address).status_code for _ in range(4)]
    response = check_api({"text": "hi"}, REMOTE_ADDR=address)

    assert statuses == [200, 200, 200, 429]
    assert response.status_code == 429
    seconds = int(response["Retry-After"])
    assert 1 <= seconds <= 60
    assert response.json() == {"error": f"too many checks from your address; try again in {seconds} seconds"}


def test_other_clients_keep_their_own_allowance(check_api, active_model, settings, address):
    settings.TOXILAB_RATE_LIMIT = (1, 60)

    first = check_api({"text": "hi"}, REMOTE_ADDR=address)
    second = check_api({"text": "hi"}, REMOTE_ADDR=address)
    other = check_api({"text": "hi"}, REMOTE_ADDR=address + "1")

    assert [first.status_code, second.status_code, other.status_code] == [200, 429, 200]


def test_the_page_and_the_api_share_one_allowance(client, check_api, active_model, settings, address):
    settings.TOXILAB_RATE_LIMIT = (2, 60)

    page = client.post("/", {"text": "hi"}, REMOTE_ADDR=address)
    api = check_api({"text": "hi"}, REMOTE_ADDR=address)
    limited = client.post("/", {"text": "hi"}, REMOTE_ADDR=address)

    assert (page.status_code, api.status_code, limited.status_code) == (200, 200, 429)
    assert b"Too many checks from your address. Try again in" in limited.content
