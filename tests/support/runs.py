"""Training configs of the tests' runs, and the cache of the real ones (trained once per config and ml/ source)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tests.support import paths
from tests.support.tiny_bert import tiny_options

# Small enough for a CI run on 2 cores, large enough for a real F1 well above the all-non-toxic 0.
REAL_SAMPLE = {"max_train_samples": 800, "max_eval_samples": 400, "max_length": 64, "batch_size": 32}


def tiny_config(teacher, data, output, **overrides) -> dict:
    return tiny_options(teacher, data, output=str(output), **overrides)


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


def student_config(teacher_dir: Path, data_dir: Path, method: str) -> dict:
    return {"method": method, "teacher": str(teacher_dir), "dataset": str(data_dir), "epochs": 2, **REAL_SAMPLE}
