"""Shared fixtures: the real data directory, a tiny random BERT, and trained runs.

Trained runs on the real bundled teacher are session-scoped and cached under .cache/test-runs
($TOXILAB_TEST_CACHE), keyed by their config and the source of ml/, so a local re-run reuses them
and CI trains once. The helpers behind them (paths, the tiny BERT) are in tests/support.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.support import paths
from tests.support.tiny_bert import make_tiny_bert, tiny_options

# Small enough for a CI run on 2 cores, large enough for a real F1 well above the all-non-toxic 0.
REAL_SAMPLE = {"max_train_samples": 800, "max_eval_samples": 400, "max_length": 64, "batch_size": 32}


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


@pytest.fixture(scope="session")
def data_dir() -> Path:
    path = paths.data_dir()
    assert (path / "train.csv").is_file(), f"the real wiki_toxic data is missing at {path}"
    return path


@pytest.fixture(scope="session")
def tiny_bert_dir(tmp_path_factory) -> Path:
    return make_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


def tiny_config(teacher, data, output, **overrides) -> dict:
    return tiny_options(teacher, data, output=str(output), **overrides)


@pytest.fixture(scope="session")
def tiny_artifact_dir(tmp_path_factory, tiny_bert_dir, data_dir) -> Path:
    """A complete run directory of a tiny random teacher trained for 4 steps (verdicts meaningless)."""
    import ml

    out = tmp_path_factory.mktemp("tiny-run") / "run"
    result = ml.train(tiny_config(tiny_bert_dir, data_dir, out))
    assert result.status == "succeeded"
    return out


def cached_run(name: str, config: dict) -> Path:
    """Train `config` once per (config, ml source) and reuse the directory afterwards.

    A lock serialises concurrent test sessions; older entries are left in place (another session
    may be reading them) and cost only disk under the git-ignored .cache/.
    """
    import fcntl

    import ml

    key = hashlib.sha256(json.dumps(config, sort_keys=True).encode())
    for source in sorted((paths.ROOT / "ml").glob("*.py")):
        key.update(source.read_bytes())
    cache = paths.test_cache_dir()
    out = cache / f"{name}-{key.hexdigest()[:12]}"
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (out / "metrics.json").is_file():
            ml.train({**config, "output": str(out)})
    return out


@pytest.fixture(scope="session")
def trained_teacher_dir(data_dir) -> Path:
    """The bundled MiniLM fine-tuned on a real sample of wiki_toxic."""
    return cached_run("teacher", {"method": "teacher", "teacher": "bundled-minilm", "dataset": str(data_dir),
                                  "epochs": 2, **REAL_SAMPLE})


def student_config(teacher_dir: Path, data_dir: Path, method: str) -> dict:
    return {"method": method, "teacher": str(teacher_dir), "dataset": str(data_dir), "epochs": 2, **REAL_SAMPLE}


@pytest.fixture(scope="session")
def trained_student_dir(trained_teacher_dir, data_dir) -> Path:
    """An odd-layer student distilled from the fine-tuned teacher: correct verdicts on plain comments."""
    return cached_run("odd", student_config(trained_teacher_dir, data_dir, "odd"))
