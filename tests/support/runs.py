"""Training configs of the tests' runs, and the cache of the real ones (trained once per config and ml/ source)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import sys
from pathlib import Path

from tests.support import paths
from tests.support.tiny_bert import tiny_options

# Small enough for a CI run on 2 cores, large enough for a real F1 well above the all-non-toxic 0.
# The teacher and the students of the real runs all train on it (tests/conftest.py, tests/ml/test_real_runs.py).
REAL_SAMPLE = {"max_train_samples": 800, "max_eval_samples": 400, "max_length": 64, "batch_size": 32, "epochs": 2}
# The baseline trains in seconds on a larger sample (its F1 there is about 0.75).
BASELINE_SAMPLE = {"max_train_samples": 1500, "max_eval_samples": 400, "baseline_max_features": 20_000}


def tiny_config(teacher, data, output, **overrides) -> dict:
    return tiny_options(teacher, data, output=str(output), **overrides)


def cached_run(name: str, config: dict, request=None) -> Path:
    """Train `config` once per (config, ml source) and reuse the directory afterwards.

    A lock serialises concurrent test sessions; older entries are left in place (another session
    may be reading them) and cost only disk under the git-ignored .cache/. Given pytest's `request`,
    a first training shows its progress on the terminal, past pytest's capture.
    """
    import fcntl

    import ml
    from ml.reporting import ProgressPrinter

    key = hashlib.sha256(json.dumps(config, sort_keys=True).encode())
    for source in sorted((paths.ROOT / "ml").glob("*.py")):
        key.update(source.read_bytes())
    cache = paths.test_cache_dir()
    out = cache / f"{name}-{key.hexdigest()[:12]}"
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (out / "metrics.json").is_file():
            with _on_the_terminal(request) as stream, ProgressPrinter(stream) as printer:
                print(
                    f"\ntraining the real {name} run once for the test cache ({out.name}; minutes on a CPU)",
                    file=stream,
                    flush=True,
                )
                ml.train({**config, "output": str(out)}, on_progress=printer)
    return out


@contextlib.contextmanager
def _on_the_terminal(request):
    """stderr past pytest's capture, so that a first run's long training shows its progress (and ETA)."""
    capture = request.config.pluginmanager.getplugin("capturemanager") if request else None
    if capture is None:
        yield sys.stderr
        return
    with capture.global_and_fixture_disabled():
        yield sys.stderr


def student_config(teacher_dir: Path, data_dir: Path, method: str) -> dict:
    return {"method": method, "teacher": str(teacher_dir), "dataset": str(data_dir), **REAL_SAMPLE}
