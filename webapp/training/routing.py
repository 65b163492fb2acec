from django.urls import path, re_path

from webapp.training.consumers import JobConsumer, NoSuchSocket

websocket_urlpatterns = [
    path("ws/jobs/<int:job_id>/", JobConsumer.as_asgi()),
    re_path(r"", NoSuchSocket.as_asgi()),  # last: any other path is a 4404, not the router's exception
]
