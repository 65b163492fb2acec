from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from webapp.api import api
from webapp.checker import views
from webapp.health import healthz
from webapp.training import starter

urlpatterns = [
    path("", views.index, name="checker"),
    path("healthz", healthz, name="healthz"),
    path("first-model", starter.status_view, name="first-model"),
    path("api/v1/", api.urls),
    path("dashboard/predictions/", include("webapp.review.urls")),
    path("dashboard/", include("webapp.training.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]
