"""WebSocket handshakes are accepted only from this site's own pages.

Browsers send cookies with a WebSocket handshake whatever page opened it, so the Origin header is
the only thing that tells this site's page from another one. Channels' AllowedHostsOriginValidator
compares host names only: a page on another port or scheme of an allowed host passed. Here, as
Django's CSRF check does for forms, the Origin must be exactly the scheme://host[:port] the socket
was opened to (its Host an allowed host), or one of CSRF_TRUSTED_ORIGINS.
"""

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host


class SameOriginOnly:
    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not same_origin(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)


def same_origin(scope):
    headers = {name.lower(): value.decode("latin1") for name, value in scope.get("headers", [])}
    origin, host = headers.get(b"origin", "").lower(), headers.get(b"host", "").lower()
    if not origin or not host:
        return False
    if origin in (trusted.lower() for trusted in settings.CSRF_TRUSTED_ORIGINS):
        return True
    domain, _ = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return False
    secure = scope.get("scheme") == "wss" or (
        settings.TOXILAB_BEHIND_PROXY and headers.get(b"x-forwarded-proto", "").lower() == "https"
    )
    return origin == f"{'https' if secure else 'http'}://{host}"
