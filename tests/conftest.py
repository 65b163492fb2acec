"""Shared fixtures: the real data directory, a tiny random BERT, and trained runs.

Trained runs on the real bundled teacher are session-scoped and cached under .cache/test-runs
($TOXILAB_TEST_CACHE), keyed by their config and the source of ml/, so a local re-run reuses them
and CI trains once. The helpers behind them (paths, the tiny BERT, the run cache) are in tests/support.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support import paths
from tests.support.runs import BASELINE_SAMPLE, REAL_SAMPLE, cached_run, student_config, tiny_config
from tests.support.tiny_bert import make_tiny_bert

# The starter (a first model on a new database) stays off in the servers that tests start (their
# environment), and in this process (the fixture below), unless a test turns it on.
os.environ.setdefault("TOXILAB_STARTER", "0")
# Every run scores this many identity templates for its bias report (ml/bias.py), not the 10,012 of a
# deployment: about a minute less for each real run the tests train.
os.environ.setdefault("TOXILAB_BIAS_SENTENCES", "1000")


@pytest.fixture(autouse=True)
def starter_off(settings):
    settings.TOXILAB_STARTER = False


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Connections opened in this test process close at the end of their request or task.

    Servers do keep them (DATABASE_CONN_MAX_AGE), but here they would outlive the test in the
    threads of Django's test clients and Channels, and PostgreSQL refuses to drop a test database
    that still has sessions. Tests of connection reuse raise it for themselves; the daphne and
    Celery processes that tests start keep the default.
    """
    from django.conf import settings

    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0


@pytest.fixture(autouse=True, scope="session")
def quick_password_hashing():
    """Accounts created and checked in this process hash with one PBKDF2 iteration (Django's own advice
    for tests); the servers and workers that tests start keep the real hashers."""
    from django.conf import settings
    from django.test import override_settings

    hasher = "tests.support.accounts.OneIterationPBKDF2PasswordHasher"
    with override_settings(PASSWORD_HASHERS=[hasher, *settings.PASSWORD_HASHERS]):
        yield


@pytest.fixture(scope="session")
def data_dir() -> Path:
    path = paths.data_dir()
    assert (path / "train.csv").is_file(), f"the real wiki_toxic data is missing at {path}"
    return path


@pytest.fixture(scope="session")
def tiny_bert_dir(tmp_path_factory) -> Path:
    return make_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


@pytest.fixture(scope="session")
def tiny_artifact_dir(tmp_path_factory, tiny_bert_dir, data_dir) -> Path:
    """A complete run directory of a tiny random teacher trained for 4 steps (verdicts meaningless)."""
    import ml

    out = tmp_path_factory.mktemp("tiny-run") / "run"
    result = ml.train(tiny_config(tiny_bert_dir, data_dir, out))
    assert result.status == "succeeded"
    return out


@pytest.fixture(scope="session")
def trained_teacher_dir(data_dir, request) -> Path:
    """The bundled MiniLM fine-tuned on a real sample of wiki_toxic."""
    return cached_run(
        "teacher",
        {"method": "teacher", "teacher": "bundled-minilm", "dataset": str(data_dir), **REAL_SAMPLE},
        request,
    )


@pytest.fixture(scope="session")
def trained_student_dir(trained_teacher_dir, data_dir, request) -> Path:
    """An odd-layer student distilled from the fine-tuned teacher: correct verdicts on plain comments."""
    return cached_run("odd", student_config(trained_teacher_dir, data_dir, "odd"), request)


@pytest.fixture(scope="session")
def baseline_dir(data_dir, request) -> Path:
    """The TF-IDF + logistic regression baseline trained on a real sample of wiki_toxic (seconds)."""
    return cached_run("baseline", {"method": "baseline", "dataset": str(data_dir), **BASELINE_SAMPLE}, request)
