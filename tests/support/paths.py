"""Where the real data and the cache of trained test runs are, each overridable by an environment variable."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    """The real wiki_toxic CSVs: $TOXILAB_DATA_DIR, else ../shared/data/wiki_toxic beside the checkout."""
    return Path(os.environ.get("TOXILAB_DATA_DIR", ROOT.parent / "shared" / "data" / "wiki_toxic"))


def test_cache_dir() -> Path:
    """Trained test runs, reused across sessions: $TOXILAB_TEST_CACHE, else .cache/test-runs (git-ignored)."""
    return Path(os.environ.get("TOXILAB_TEST_CACHE", ROOT / ".cache" / "test-runs"))
