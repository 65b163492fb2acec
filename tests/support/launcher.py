"""The environment of a `make run` that a test starts: its own port, a throw-away SQLite database and
artifacts folder, and the embedded Redis (REDIS_URL unset)."""

import os


def fresh_run_env(tmp_path, port, unset=(), **overrides):
    """os.environ without REDIS_URL, TEST_DATABASE_NAME and `unset`, pointed at tmp_path, with `overrides`."""
    gone = {"REDIS_URL", "TEST_DATABASE_NAME", *unset}
    env = {name: value for name, value in os.environ.items() if name not in gone}
    env.update(
        PORT=str(port),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        TOXILAB_ARTIFACTS_DIR=str(tmp_path / "artifacts"),
        **overrides,
    )
    return env
