"""tests/support's Chromium launcher: without a browser the browser tests skip with the reason, but fail under CI."""

import pytest

from tests.support import chromium


def test_without_chromium_a_browser_test_skips_and_says_what_to_install(monkeypatch):
    monkeypatch.setenv("TOXILAB_CHROMIUM", "no-such-chromium")
    monkeypatch.delenv("CI", raising=False)

    with pytest.raises(pytest.skip.Exception, match="no Chromium found .*apt-get install chromium"):
        chromium.require()


def test_under_ci_a_missing_chromium_fails_the_browser_test(monkeypatch):
    monkeypatch.setenv("TOXILAB_CHROMIUM", "no-such-chromium")
    monkeypatch.setenv("CI", "true")

    with pytest.raises(pytest.fail.Exception, match="CI=true: no Chromium found"):
        chromium.require()


def test_the_test_run_cache_can_be_moved(monkeypatch, tmp_path):
    from tests.support import paths

    monkeypatch.setenv("TOXILAB_TEST_CACHE", str(tmp_path))

    assert paths.test_cache_dir() == tmp_path
