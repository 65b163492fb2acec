from django.urls import path

from webapp.checker import views_review

urlpatterns = [
    path("", views_review.predictions, name="predictions"),
    path("export.csv", views_review.export_csv, name="predictions-export"),
    path("review/", views_review.review_selected, name="predictions-review"),
    path("<int:prediction_id>/", views_review.prediction_detail, name="prediction"),
]
