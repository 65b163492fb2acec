from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "webapp.training"
    label = "training"
    verbose_name = "Training dashboard"

    def ready(self):
        from webapp.training import signals  # noqa: F401  (connects the logout and promotion receivers)
