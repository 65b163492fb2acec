"""ASGI entry point (daphne). Static files (our CSS/JS and the API docs' Swagger UI) are served by
Django's static handler, so a single process needs no CDN and no separate file server.
WebSockets (the training dashboard's live view) carry the Django session, from this site's own pages
only (webapp/websocket_origin.py)."""

import os

import django

from webapp.handler import PooledASGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
django.setup(set_prefix=False)

from django.conf import settings  # noqa: E402  (after setup)
from django.core.handlers.asgi import ASGIHandler  # noqa: E402

django_application = PooledASGIHandler() if settings.WEB_HANDLER == "pooled" else ASGIHandler()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs the app registry loaded)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from webapp.checker.classify import warm_up  # noqa: E402
from webapp.training.routing import websocket_urlpatterns  # noqa: E402
from webapp.websocket_origin import SameOriginOnly  # noqa: E402

if settings.WARM_MODEL:
    warm_up()  # before the server listens: the first check does not pay for loading the model

application = ProtocolTypeRouter(
    {
        "http": ASGIStaticFilesHandler(django_application),
        "websocket": SameOriginOnly(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
