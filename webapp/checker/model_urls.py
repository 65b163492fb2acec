from django.urls import path

from webapp.checker import model_views

urlpatterns = [
    path("", model_views.model_list, name="models"),
    path("<int:version_id>/", model_views.model_detail, name="model"),
    path("<int:version_id>/activate/", model_views.activate, name="model-activate"),
    path("<int:version_id>/threshold/", model_views.set_threshold, name="model-threshold"),
    path("<int:version_id>/score/", model_views.score, name="model-score"),
    path("<int:version_id>/words/", model_views.find_words, name="model-words"),
    path("<int:version_id>/shadow/", model_views.start_shadow, name="model-shadow"),
    path("<int:version_id>/shadow/stop/", model_views.stop_shadow, name="model-shadow-stop"),
]
