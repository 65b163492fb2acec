"""Per-model figures of the review page: predictions, share flagged toxic, share reviewed, and how
often reviewers agreed with the model. One grouped query over the page's matches. And how often each
of a page's texts was checked (duplicate groups)."""

from dataclasses import dataclass

from django.db.models import Count, F, Q

from webapp.checker.models import Prediction


@dataclass(frozen=True)
class ModelSummary:
    model_id: int
    model_name: str
    predictions: int
    toxic: int
    reviewed: int
    agreed: int

    @property
    def toxic_share(self):
        return self.toxic / self.predictions if self.predictions else None

    @property
    def reviewed_share(self):
        return self.reviewed / self.predictions if self.predictions else None

    @property
    def agreement(self):
        """Share of the reviewed predictions whose reviewer kept the model's verdict; None if none."""
        return self.agreed / self.reviewed if self.reviewed else None

    def to_dict(self):
        return {
            "model_id": self.model_id,
            "model": self.model_name,
            "predictions": self.predictions,
            "toxic_share": self.toxic_share,
            "reviewed": self.reviewed,
            "reviewed_share": self.reviewed_share,
            "agreement": self.agreement,
        }


def per_model(matches):
    """A ModelSummary per model among `matches` (a queryset of predictions), most predictions first."""
    reviewed = Q(reviewed_at__isnull=False)
    rows = (
        matches.order_by()
        .values("model_version_id", "model_version__name")
        .annotate(
            predictions=Count("id"),
            toxic=Count("id", filter=Q(label=Prediction.Label.TOXIC)),
            reviewed=Count("id", filter=reviewed),
            agreed=Count("id", filter=reviewed & Q(reviewed_label=F("label"))),
        )
        .order_by("-predictions", "model_version_id")
    )
    return [
        ModelSummary(
            row["model_version_id"],
            row["model_version__name"],
            row["predictions"],
            row["toxic"],
            row["reviewed"],
            row["agreed"],
        )
        for row in rows
    ]


def same_text_counts(texts, field="text"):
    """{text: number of predictions of exactly that text} for those of `texts` checked more than once;
    with field="text_digest", the same by keyed hash for texts that were not stored (TOXILAB_STORE_TEXT=0)."""
    if field == "text":
        matches = Prediction.with_texts(texts)
    else:
        matches = Prediction.objects.filter(text_digest__in=texts)
    rows = matches.order_by().values(field).annotate(n=Count("id"))
    return {row[field]: row["n"] for row in rows.filter(n__gt=1)}
