"""A real browser on the checker: a probability close to the cutoff is a third state, "Uncertain", in the
headline and in what screen readers hear, not a bold "Toxic"; end users read which model judged in plain
words, and staff keep the detail (the model's name, its F1, the comments and threshold it was measured at)."""

import pytest
from django.test import Client

from tests.support import chromium
from tests.support.accounts import staff_user
from webapp.checker import scoring
from webapp.checker.registry import register

pytestmark = pytest.mark.slow
TEXT = "Thanks for fixing the citation."


@pytest.fixture
def close_call(transactional_db, tiny_artifact_dir, settings, data_dir):
    """The tiny model, serving at a cutoff just under what it answers for TEXT, scored on the gate's sample."""
    settings.RUNTIME_CHOICE = False
    settings.TOXILAB_RATE_LIMIT = None
    settings.TOXILAB_GATE_DATASET, settings.TOXILAB_GATE_TEST_COMMENTS = str(data_dir), 200
    version = register(tiny_artifact_dir, name="tiny", activate=True)
    answer = Client().post("/api/v1/check", {"text": TEXT}, content_type="application/json").json()
    scoring.set_threshold(version, answer["results"][0]["toxic_probability"] - 0.02)
    scoring.measure(version)
    staff_user("ada", password=chromium.PASSWORD)
    return version


def check(page):
    page.fill("#id_text", TEXT)
    page.click("#check-form button[type=submit]:not([name])")
    page.wait_for_selector("#result .verdict")
    page.wait_for_function("() => document.getElementById('verdict-status').textContent !== ''")
    return {
        "headline": page.inner_text("#result .verdict-label"),
        "state": page.get_attribute("#result .verdict", "data-state"),
        "announced": page.inner_text("#verdict-status"),
        "model": page.inner_text("#result .verdict-model"),
        "top_line": page.inner_text(".model-line"),
    }


def test_a_close_call_is_uncertain_in_the_headline_and_the_announcement(live_server, close_call):
    with chromium.launch() as browser:
        page = browser.new_page()
        page.goto(live_server.url + "/")
        public = check(page)
        chromium.log_in(page, live_server.url, "/dashboard/")
        page.goto(live_server.url + "/")
        staff = check(page)

    assert public["headline"].startswith("Uncertain") and "leaning toxic" in public["headline"]
    assert public["state"] == "uncertain" and public["announced"].startswith("Uncertain")
    assert "leaning toxic" in public["announced"]
    for line in (public["model"], public["top_line"]):
        assert "F1" not in line and "tiny" not in line and "automatic" in line
    assert "“tiny”" in staff["model"] and "test F1" in staff["model"] and "test comments" in staff["model"]
    assert "test F1" in staff["top_line"]
