from django.urls import path

from webapp.training import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("jobs/new/", views.launch, name="launch"),
    path("jobs/<int:job_id>/", views.job_detail, name="job"),
    *(
        path(f"jobs/<int:job_id>/{action}/", views.job_action, {"action": action}, name=f"job-{action}")
        for action in ("cancel", "retry", "promote")
    ),
    path("jobs/<int:job_id>/describe/", views.describe, name="job-describe"),
    path("compare/", views.compare, name="compare"),
]
