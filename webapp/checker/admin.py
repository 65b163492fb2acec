import logging

from django.contrib import admin, messages
from django.utils.text import Truncator

from webapp.checker import gate, prepare
from webapp.checker.models import ModelVersion, Prediction, Promotion

DEACTIVATED = "Deactivated: no model serves the checker"
log = logging.getLogger(__name__)


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ["name", "method", "teacher", "test_f1", "layers", "runtime", "created", "active"]
    list_filter = ["active", "method", "runtime"]
    search_fields = ["name", "teacher"]
    # active: changed only through the actions, which keep one active; the runtime: by runtime_choice
    readonly_fields = [
        "active",
        "runtime",
        "candidate_runtime",
        "fp32_f1",
        "candidate_f1",
        "runtime_note",
        "runtime_checked",
        "threshold",
        "serving_f1",
    ]
    actions = ["activate", "deactivate"]

    def has_promote_permission(self, request):
        return request.user.has_perm("checker.promote_modelversion")

    @admin.display(description="test F1")
    def test_f1(self, obj):
        return "" if obj.test_f1 is None else f"{obj.test_f1:.3f}"

    @admin.action(description="Activate the selected model (exactly one)", permissions=["promote"])
    def activate(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one model to activate.", messages.ERROR)
            return
        version = queryset.get()
        prepare.complete(version, score=False)  # a version registered before runtimes were chosen: choose now
        try:
            gate.promote(version, request.user, Promotion.Source.ADMIN)
        except (gate.AlreadyActive, gate.CannotLoad, gate.PromotionRefused) as exc:
            self.message_user(request, f"{exc} (on the model's page in the dashboard).", messages.ERROR)
            return
        self.message_user(request, f"{version} is now the active model.")

    @admin.action(description="Deactivate the selected models", permissions=["promote"])
    def deactivate(self, request, queryset):
        """Take the serving model out of service, recorded in the admin's history with who did it
        (Promotion rows record activations; the checker then says no model is active)."""
        for version in queryset.filter(active=True):
            ModelVersion.objects.filter(pk=version.pk).update(active=False)
            self.log_change(request, version, DEACTIVATED)
            log.warning("model version %s (%s) deactivated in the admin by %s", version.pk, version.name, request.user)
        self.message_user(request, "No model is active now unless you activate another.", messages.WARNING)


@admin.register(Prediction)
class PredictionAdmin(admin.ModelAdmin):
    list_display = ["id", "short_text", "label", "probability", "reviewed_label", "model_version", "source", "created"]
    list_filter = ["label", "reviewed_label", "source", "model_version", "created"]
    list_select_related = ["model_version"]
    date_hierarchy = "created"
    search_fields = ["text"]
    show_full_result_count = False  # COUNT(*) over millions of rows on every page is slow
    # Read-only: reviews are made on the review page, which keeps their audit trail.
    fields = readonly_fields = [
        "text",
        "label",
        "probability",
        "model_version",
        "source",
        "created",
        "reviewed_label",
        "reviewed_by",
        "reviewed_at",
    ]

    @admin.display(description="text")
    def short_text(self, obj):
        return Truncator(obj.text).chars(80)

    @admin.display(description="toxic probability", ordering="toxic_probability")
    def probability(self, obj):
        return obj.toxic_percent

    def has_add_permission(self, request):
        return False  # predictions are records of what a model said, never typed in
