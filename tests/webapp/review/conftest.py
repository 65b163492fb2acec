"""Fixtures of the review tests: two model versions, and predictions made row by row (few) or in bulk
(tens of thousands, PostgreSQL). Staff, a member and the API caller are tests/webapp/conftest.py's."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from webapp.checker.models import ModelVersion, Prediction

VOLUME = 30_000
WORDS = ["wiki", "edit", "thanks", "revert", "source", "idiot", "article", "please", "stupid", "citation"]


@pytest.fixture
def versions(db):
    return [
        ModelVersion.objects.create(name=name, method="odd", teacher="bundled-minilm", artifact_path="/x")
        for name in ("odd-v1", "odd-v2")
    ]


@pytest.fixture
def make_prediction(versions):
    def make(text="a comment", label="non-toxic", probability=None, version=None, source="api", **fields):
        probability = probability if probability is not None else (0.9 if label == "toxic" else 0.1)
        return Prediction.objects.create(
            text=text,
            label=label,
            toxic_probability=probability,
            model_version=version or versions[0],
            source=source,
            **fields,
        )

    return make


def volume_rows(versions, count=VOLUME, seed=5):
    """`count` unsaved predictions spread over 60 days, both models, both sources, every probability."""
    rng = random.Random(seed)
    now = timezone.now().replace(microsecond=0)
    rows = []
    for i in range(count):
        probability = round(rng.random(), 4)
        text = " ".join(rng.choice(WORDS) for _ in range(6)) + f" #{i}"
        rows.append(
            Prediction(
                text=text,
                label="toxic" if probability >= 0.5 else "non-toxic",
                toxic_probability=probability,
                model_version=versions[1 if i % 3 == 0 else 0],
                source="page" if i % 4 == 0 else "api",
                # whole seconds, so many rows share a timestamp and pagination must break ties by id
                created=now - timedelta(seconds=rng.randrange(60 * 86400) // 60 * 60),
            )
        )
    return rows


@pytest.fixture(scope="module")
def volume(django_db_setup, django_db_blocker):
    """VOLUME committed predictions shared by a module's tests (each test's own writes roll back)."""
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("the volume tests run on PostgreSQL (DATABASE_URL=postgres://...)")
        versions = [
            ModelVersion.objects.create(name=f"bulk-{n}", method="odd", teacher="t", artifact_path="/x") for n in (1, 2)
        ]
        Prediction.objects.bulk_create(volume_rows(versions), batch_size=5000)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE checker_prediction")
        rows = list(Prediction.objects.all())
    yield versions, rows
    with django_db_blocker.unblock():
        Prediction.objects.all().delete()
        ModelVersion.objects.filter(pk__in=[v.pk for v in versions]).delete()
