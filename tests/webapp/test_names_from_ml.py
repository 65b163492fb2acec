"""The web app derives the names it shares with ml from ml.names: the runtimes and their labels, the two
labels of a verdict and the default threshold. A runtime or label added there reaches the models'
choices, the API's schema and the review page without a second copy to keep in step."""

from ml.names import DEFAULT_THRESHOLD, LABELS, RUNTIME_LABELS
from webapp.checker.models import ModelVersion, Prediction
from webapp.review.uncertainty import serving_threshold


def test_a_model_version_offers_every_runtime_of_ml_with_its_label():
    assert ModelVersion.Runtime.choices == list(RUNTIME_LABELS.items())


def test_a_predictions_labels_are_the_classifiers_labels():
    assert set(Prediction.Label.values) == set(LABELS.values())
    assert Prediction.Label.TOXIC == LABELS[1] and Prediction.Label.NON_TOXIC == LABELS[0]


def test_the_api_schema_names_every_runtime_and_only_the_classifiers_labels(client, db):
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]

    runtime = schemas["ModelOut"]["properties"]["runtime"]["description"]
    assert all(name in runtime for name in RUNTIME_LABELS), runtime
    assert set(schemas["ResultOut"]["properties"]["label"]["enum"]) == set(LABELS.values())
    assert set(schemas["PredictionOut"]["properties"]["label"]["enum"]) == set(LABELS.values())


def test_a_version_without_a_tuned_threshold_serves_at_mls_default():
    version = ModelVersion(name="untuned", method="odd", teacher="t", artifact_path="/x")

    assert version.threshold == version.tuned_threshold == DEFAULT_THRESHOLD
    assert serving_threshold(None) == DEFAULT_THRESHOLD
