from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from webapp.api import api
from webapp.checker import views
from webapp.health import healthz
from webapp.training import starter

admin.site.site_header = "ToxiLab admin"
admin.site.site_title = "ToxiLab admin"
admin.site.index_title = "Models, predictions, jobs and accounts"

urlpatterns = [
    path("", views.index, name="checker"),
    path("flag", views.flag, name="flag"),
    path("why", views.why, name="why"),
    path("healthz", healthz, name="healthz"),
    path("first-model", starter.status_view, name="first-model"),
    path("api/v1/", api.urls),
    path("dashboard/predictions/", include("webapp.review.urls")),
    path("dashboard/models/", include("webapp.checker.model_urls")),
    path("dashboard/studies/", include("webapp.studies.urls")),
    path("dashboard/monitoring/", include("webapp.monitoring.urls")),
    path("dashboard/", include("webapp.training.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico on pages that link none (the admin's, the API docs' own)
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("favicon.svg"), permanent=True)),
]
