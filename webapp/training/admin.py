from django.contrib import admin

from webapp.training.models import JobLogEntry, TrainingJob


class JobLogInline(admin.TabularInline):
    model = JobLogEntry
    extra = 0
    can_delete = False
    readonly_fields = ["created", "level", "message"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(TrainingJob)
class TrainingJobAdmin(admin.ModelAdmin):
    """Read-only: jobs are launched, cancelled and promoted from the dashboard, which keeps the rules."""

    list_display = [
        "id",
        "method",
        "teacher",
        "status",
        "step",
        "total_steps",
        "attempts",
        "worker",
        "device",
        "created_by",
        "created",
        "finished",
    ]
    list_filter = ["status", "method"]
    search_fields = ["teacher", "dataset", "worker", "celery_task_id"]
    inlines = [JobLogInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
