from django.contrib import admin
from django.urls import path

from webapp.api import api
from webapp.checker import views

urlpatterns = [
    path("", views.index, name="checker"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
