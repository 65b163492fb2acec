"""Input drift in words, on a real baseline: traffic in the language it was trained on uses about as
many words outside its vocabulary as its test comments do, and a domain classifier cannot tell the two
apart; traffic in another language uses far more, the classifier tells it apart by its words, and the
monitoring report says so (its figures kept for the beat task's period)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from webapp.checker.models import Prediction
from webapp.checker.registry import register
from webapp.monitoring import figures

pytestmark = pytest.mark.slow

GERMAN = [
    "Bitte füge Quellen hinzu, bevor du den Abschnitt über die Geschichte der Stadt änderst.",
    "Ich habe die Rechtschreibung im zweiten Absatz verbessert und einen toten Link entfernt.",
    "Warum wurde meine Änderung rückgängig gemacht? Die Zahlen stammen aus dem Jahresbericht.",
    "Diese Diskussion gehört auf die Benutzerseite, nicht in den Artikel über Fußballvereine.",
]


def served(version, texts):
    now = timezone.now()
    Prediction.objects.bulk_create(
        Prediction(
            text=text,
            label="non-toxic",
            toxic_probability=0.1,
            model_version=version,
            source="api",
            created=now - timedelta(seconds=i + 1),
        )
        for i, text in enumerate(texts)
    )


def test_another_language_raises_the_share_of_words_outside_the_vocabulary(db, baseline_dir, data_dir, settings):
    from ml.data import load_splits

    version = register(baseline_dir, name="baseline")
    english = list(load_splits(str(data_dir), max_eval_samples=400, seed=1).validation["text"][:200])
    served(version, english)

    same, same_domain = (figures.report(version, 7)[key] for key in ("words", "domain"))
    served(version, GERMAN * 50)
    cached = figures.report(version, 7)["words"]
    other, other_domain = (figures.report(version, 6)[key] for key in ("words", "domain"))  # counted afresh

    assert same["error"] is None and same["served_comments"] == 200
    assert 0 < same["reference"] < 0.3 and abs(same["served"] - same["reference"]) < 0.05
    assert cached == same, "counted once per cache period"
    assert other["served_comments"] == 400  # 200 English, 200 German
    assert other["served"] > same["served"] + 0.08
    gate_comments = min(settings.TOXILAB_GATE_TEST_COMMENTS, figures.TEXT_SAMPLE)
    assert same_domain["served_n"] == 200 and same_domain["reference_n"] == gate_comments
    assert same_domain["roc_auc"] < 0.65 < other_domain["roc_auc"]
    assert {"ich", "die", "bitte"} & set(other_domain["served_words"])


def test_a_model_whose_files_are_gone_says_why_there_is_no_figure(db, settings):
    from webapp.checker.models import ModelVersion

    version = ModelVersion.objects.create(name="gone", method="odd", teacher="t", artifact_path="/no/such/run")
    served(version, ["a comment"])

    found = figures.report(version, 7)["words"]

    assert found["served"] is None and "/no/such/run" in found["error"]
    assert figures.report(version, 7)["domain"]["roc_auc"] is None  # 1 comment: too few to tell apart
