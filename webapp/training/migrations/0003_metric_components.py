"""Loss components move from one column per term (cls, div, cos) to one JSON mapping per row, so a
new loss term needs no migration. Existing rows keep their values: each UPDATE below folds the
columns of the rows that have the same terms set, in the database, whatever the number of rows."""

from itertools import product

from django.db import migrations, models
from django.db.models import F, FloatField, Func, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, JSONObject

TERMS = ("cls", "div", "cos")  # the columns this migration folds into `components`


class TermObject(JSONObject):
    """JSON_OBJECT('cls', cls, ...) of the named columns: JSONObject(**fields) cannot take `cls`."""

    def __init__(self, terms):
        Func.__init__(self, *(part for term in terms for part in (Value(term), F(term))))


def fold_columns(apps, schema_editor):
    metrics = apps.get_model("training", "TrainingMetric").objects
    for present in product((True, False), repeat=len(TERMS)):
        names = [term for term, there in zip(TERMS, present, strict=True) if there]
        if names:  # rows with no term set keep the new column's default, {}
            rows = metrics.filter(**{f"{term}__isnull": not there for term, there in zip(TERMS, present, strict=True)})
            rows.update(components=TermObject(names))


def unfold_columns(apps, schema_editor):
    metrics = apps.get_model("training", "TrainingMetric").objects
    metrics.update(**{term: Cast(KeyTextTransform(term, "components"), FloatField()) for term in TERMS})


class Migration(migrations.Migration):
    dependencies = [("training", "0002_job_reviewed_rows")]

    operations = [
        migrations.AddField("trainingmetric", "components", models.JSONField(blank=True, default=dict)),
        migrations.RunPython(fold_columns, unfold_columns),
        *(migrations.RemoveField("trainingmetric", term) for term in TERMS),
    ]
