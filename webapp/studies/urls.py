from django.urls import path

from webapp.studies import views

urlpatterns = [
    path("", views.study_list, name="studies"),
    path("new/", views.study_new, name="study-new"),
    path("<int:study_id>/", views.study_detail, name="study"),
    *(
        path(f"<int:study_id>/{action}/", views.study_action, {"action": action}, name=f"study-{action}")
        for action in ("cancel", "retry")
    ),
    *(
        path(f"<int:study_id>/export.{kind}", views.study_export, {"kind": kind}, name=f"study-export-{kind}")
        for kind in ("csv", "json")
    ),
]
