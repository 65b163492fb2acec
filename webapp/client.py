"""The client's address, which the rate limit and login throttling count.

With no proxy in front (settings.TOXILAB_PROXY_HOPS = 0) it is the TCP peer, and X-Forwarded-For is
ignored: anyone can send that header. Behind N proxies that each append the address they received
from, the client is the Nth entry from the right; what lies further left was written by the client.
"""

import ipaddress

from django.conf import settings


def client_address(request):
    peer = request.META.get("REMOTE_ADDR", "")
    hops = settings.TOXILAB_PROXY_HOPS
    if not hops:
        return peer
    forwarded = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(forwarded) < hops:
        return peer  # it did not pass through every proxy: count the nearest one
    candidate = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return peer
