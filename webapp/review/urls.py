from django.urls import path

from webapp.review import views

urlpatterns = [
    path("", views.predictions, name="predictions"),
    path("summary/", views.summary_fragment, name="predictions-summary"),
    path("queue/", views.queue, name="predictions-queue"),
    path("why/", views.why_rows, name="predictions-why"),
    path("export.csv", views.export_csv, name="predictions-export"),
    path("review/", views.review_selected, name="predictions-review"),
    path("undo/", views.undo, name="predictions-undo"),
    path("<int:prediction_id>/", views.prediction_detail, name="prediction"),
    path("<int:prediction_id>/delete/", views.delete_prediction, name="prediction-delete"),
]
