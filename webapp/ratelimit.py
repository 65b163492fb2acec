"""Per-client rate limit (settings.TOXILAB_RATE_LIMIT) kept in Django's cache, Redis when configured.

A fixed window counted with one atomic increment, so parallel requests cannot slip past it
(unlike a read-modify-write history). A client may get up to twice the limit across a window edge.
"""

import threading
import time

from django.conf import settings
from django.core.cache import cache
from ninja.throttling import BaseThrottle


def retry_after(request):
    """Count this request against its client; return None if allowed, else seconds to wait."""
    if settings.TOXILAB_RATE_LIMIT is None:
        return None
    limit, period = settings.TOXILAB_RATE_LIMIT
    now = time.time()
    window = int(now // period)
    # REMOTE_ADDR is the client, or with TOXILAB_BEHIND_PROXY the address daphne read from the proxy.
    key = f"ratelimit:{request.META.get('REMOTE_ADDR', '')}:{period}:{window}"
    cache.add(key, 0, timeout=period + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # the window expired between add and incr
        cache.add(key, 1, timeout=period + 1)
        count = 1
    if count <= limit:
        return None
    return max(1, int((window + 1) * period - now + 0.999))


class ClientRateLimit(BaseThrottle):
    """The same limit for django-ninja operations, which then answer 429 with Retry-After."""

    def __init__(self):
        self._last = threading.local()  # one instance serves concurrent requests

    def allow_request(self, request):
        self._last.wait = retry_after(request)
        return self._last.wait is None

    def wait(self):
        return getattr(self._last, "wait", None)
