"""A real browser (Debian's Chromium through Playwright) uses the checker page with a real student model."""

import pytest

from tests.support import chromium
from webapp.checker.models import Prediction
from webapp.checker.registry import register

pytestmark = pytest.mark.slow

TOXIC = "you are a stupid idiot, shut up"
POLITE = "Thank you for fixing the citation on this article."


@pytest.fixture
def student(transactional_db, trained_student_dir, settings):
    settings.TOXILAB_RATE_LIMIT = None
    return register(trained_student_dir, name="odd-student", activate=True)


def check(page, text):
    """Type `text`, press the button, and read the verdict once the result shows this text."""
    from playwright.sync_api import expect

    page.fill("#id_text", text)
    page.click("button[type=submit]")
    expect(page.locator("#result .checked-text")).to_have_text(text)
    return page.inner_text("#result .verdict-label")


def test_a_visitor_reads_the_verdicts_with_and_without_javascript(live_server, student):
    with chromium.launch() as browser:
        page = browser.new_page()
        dialogs = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(live_server.url + "/")
        page.evaluate("window.notReloaded = true")

        toxic, polite = check(page, TOXIC), check(page, POLITE)
        check(page, '<img src=x onerror="alert(1)"><script>alert(2)</script>')
        shown = page.inner_text("#result .checked-text")
        enhanced = page.evaluate("window.notReloaded === true")
        assert "automatic model" in page.inner_text("#result .verdict-model")  # plain words for a visitor

        plain = browser.new_page(java_script_enabled=False)
        plain.goto(live_server.url + "/")
        plain_verdict = check(plain, TOXIC)

    assert (toxic, polite, plain_verdict) == ("Toxic", "Non-toxic", "Toxic")
    assert enhanced, "with JavaScript the result is swapped in without reloading the page"
    assert shown == '<img src=x onerror="alert(1)"><script>alert(2)</script>' and dialogs == []
    assert Prediction.objects.filter(source="page", model_version=student).count() == 4


def test_the_api_docs_page_renders_without_any_outside_request(live_server, db):
    with chromium.launch() as browser:
        page = browser.new_page()
        outside = chromium.keep_local(page, live_server.url)
        page.goto(live_server.url + "/api/v1/docs")
        title = page.wait_for_selector(".swagger-ui .info .title").inner_text()
        page.wait_for_selector(".opblock-summary-path[data-path='/api/v1/check']")

    assert title.startswith("ToxiLab API")
    assert outside == []
