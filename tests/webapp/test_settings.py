"""Settings come from the environment and refuse malformed values; a production config passes check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from webapp.settings import env_bool, env_int, env_rate, redis_urls

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args, **env):
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DEBUG", "SECRET_KEY", "TOXILAB_HTTPS", "TOXILAB_SECRET_KEY_FILE")
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_reports_no_warnings_with_debug_off():
    proc = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="k" * 20 + "-Q7#mZ2!vR9$wL4^pX8&nB6*tC3(yH5)",
        ALLOWED_HOSTS="toxilab.example.org",
        TOXILAB_HTTPS="1",
    )

    assert proc.returncode == 0, proc.stderr
    assert "System check identified no issues (0 silenced)." in proc.stdout


def test_with_nothing_set_debug_is_off_and_a_random_key_is_made_once_and_kept_private(tmp_path):
    key_file = tmp_path / "var" / "secret_key"
    show = "from django.conf import settings; print(settings.DEBUG, settings.SECRET_KEY)"
    first = _manage("shell", "--no-imports", "-c", show, TOXILAB_SECRET_KEY_FILE=str(key_file))
    second = _manage("shell", "--no-imports", "-c", show, TOXILAB_SECRET_KEY_FILE=str(key_file))

    assert first.returncode == 0, first.stderr
    debug, key = first.stdout.split()
    assert debug == "False" and len(key) >= 50 and "insecure" not in key
    assert second.stdout == first.stdout, "the key is kept across starts"
    assert key_file.read_text() == key and key_file.stat().st_mode & 0o777 == 0o600
    other = _manage("shell", "--no-imports", "-c", show, TOXILAB_SECRET_KEY_FILE=str(tmp_path / "other"))
    assert other.stdout.split()[1] != key


def test_debug_is_on_only_when_asked_for(tmp_path):
    show = "from django.conf import settings; print(settings.DEBUG)"
    proc = _manage("shell", "--no-imports", "-c", show, DEBUG="1", TOXILAB_SECRET_KEY_FILE=str(tmp_path / "key"))
    assert proc.stdout.strip() == "True", proc.stderr


@pytest.mark.parametrize(
    ("helper", "value"), [(env_bool, "maybe"), (env_int, "ten"), (env_rate, "60 per minute"), (env_rate, "0/m")]
)
def test_env_helpers_refuse_a_malformed_value(monkeypatch, helper, value):
    monkeypatch.setenv("TOXILAB_SOMETHING", value)

    with pytest.raises(ImproperlyConfigured, match="TOXILAB_SOMETHING"):
        helper("TOXILAB_SOMETHING", "60/m" if helper is env_rate else 1)


def test_env_helpers_read_good_values(monkeypatch):
    for name, value in {"A": "off", "B": "yes", "C": "120/h"}.items():
        monkeypatch.setenv(name, value)

    assert (env_rate("A", "1/s"), env_bool("B", False), env_rate("C", "1/s")) == (None, True, (120, 3600))


def test_a_unix_socket_redis_url_is_spelled_for_each_client():
    assert redis_urls("unix:///tmp/r/redis.sock") == {
        "redis": "unix:///tmp/r/redis.sock",
        "celery": "redis+socket:///tmp/r/redis.sock",
    }
    assert redis_urls("redis://h:6379/2") == {"redis": "redis://h:6379/2", "celery": "redis://h:6379/2"}
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL"):
        redis_urls("http://h")
