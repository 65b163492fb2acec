"""Per-client rate limit (settings.TOXILAB_RATE_LIMIT): a fixed window per client address.

With Redis (REDIS_URL) the window's count is one Lua script, INCR and EXPIRE on the first hit:
atomic and one round trip per check (Django's cache API took three: add, exists, incr; their cost
is in docs/BENCHMARKS.md). Without Redis, Django's in-process cache counts with
add and incr. Either way parallel requests cannot slip past the limit; a client may get up to twice
the limit across a window edge.

The limit fails open: while Redis cannot be reached, checks are allowed (and a warning logged at
most once a minute per process) rather than every check failing with a 500.
"""

import functools
import logging
import threading
import time

import redis
from django.conf import settings
from django.core.cache import cache
from ninja.throttling import BaseThrottle

from webapp.client import client_address

log = logging.getLogger(__name__)

# A Redis that does not answer delays a check by at most this much before the check goes through.
REDIS_TIMEOUT_S = 0.5
WARN_EVERY_S = 60
_last_warning = [float("-inf")]  # monotonic time of this process's last warning

COUNT_IN_WINDOW = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


def retry_after(request, bucket="check"):
    """Count this request against its client in `bucket` (checks, flags: each has the limit of its own);
    return None if allowed, else seconds to wait."""
    if settings.TOXILAB_RATE_LIMIT is None:
        return None
    limit, period = settings.TOXILAB_RATE_LIMIT
    now = time.time()
    window = int(now // period)
    prefix = "toxilab:ratelimit" if bucket == "check" else f"toxilab:ratelimit:{bucket}"  # checks: the key of old
    key = f"{prefix}:{client_address(request)}:{period}:{window}"
    try:
        count = _count(key, period + 1)
    except redis.RedisError as exc:
        _warn_unlimited(exc)
        return None
    if count <= limit:
        return None
    return max(1, int((window + 1) * period - now + 0.999))


def _count(key, expires):
    if settings.REDIS_URL:
        return _count_in_window(settings.REDIS_URL)(keys=[key], args=[expires])
    cache.add(key, 0, timeout=expires)
    try:
        return cache.incr(key)
    except ValueError:  # the window expired between add and incr
        cache.add(key, 1, timeout=expires)
        return 1


def _warn_unlimited(exc):
    now = time.monotonic()
    if now - _last_warning[0] >= WARN_EVERY_S:
        _last_warning[0] = now
        log.warning("rate limit not applied: Redis cannot be reached (%s); checks are allowed until it is back", exc)


@functools.cache
def _count_in_window(url):
    """The script on a client of its own (redis-py clients are thread-safe), one per process. No
    retries and short timeouts: a check must not wait on a Redis that is down."""
    client = redis.Redis.from_url(
        url, socket_connect_timeout=REDIS_TIMEOUT_S, socket_timeout=REDIS_TIMEOUT_S, retry=None
    )
    return client.register_script(COUNT_IN_WINDOW)


class ClientRateLimit(BaseThrottle):
    """The same limit for django-ninja operations, which then answer 429 with Retry-After."""

    def __init__(self, bucket="check"):
        self.bucket = bucket
        self._last = threading.local()  # one instance serves concurrent requests

    def allow_request(self, request):
        self._last.wait = retry_after(request, self.bucket)
        return self._last.wait is None

    def wait(self):
        return getattr(self._last, "wait", None)
