from django.urls import path

from webapp.monitoring import views

urlpatterns = [path("", views.monitoring, name="monitoring")]
