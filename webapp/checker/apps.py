from django.apps import AppConfig


class CheckerConfig(AppConfig):
    name = "webapp.checker"
    label = "checker"
    verbose_name = "Comment checker"
