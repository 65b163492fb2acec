"""The checker page in a real Chromium, for keyboard and screen-reader users and long comments: the first
check says it loads the model, the focus lands on the result, only the verdict is announced, and a
comment over the limit can be checked by its first 5,000 characters."""

import pytest

from tests.support import chromium
from webapp.checker.classify import MAX_TEXT_LENGTH
from webapp.checker.models import Prediction
from webapp.checker.registry import register

# Every text the check button shows, in order (the fetch may be too quick to catch it otherwise).
WATCH_BUTTON = """() => {
  const button = document.querySelector("#check-form button[type=submit]:not([name])");
  window.buttonTexts = [];
  new MutationObserver(() => window.buttonTexts.push(button.textContent)).observe(button, { childList: true });
}"""
# Each live region and what it says: a region only speaks when its text changes.
LIVE_REGIONS = """() => [...document.querySelectorAll("[aria-live], [role=status], [role=alert]")]
  .map((e) => [e.id || e.className, e.textContent.trim()])"""


@pytest.fixture
def tiny_model(transactional_db, tiny_artifact_dir, settings):
    """A model newly made active: not loaded in this process (the live server's) yet."""
    settings.RUNTIME_CHOICE = False
    settings.TOXILAB_RATE_LIMIT = None
    return register(tiny_artifact_dir, name="tiny", activate=True)


@pytest.mark.parametrize("width", [390, 1280])
def test_the_focus_stays_on_the_result_and_only_the_verdict_is_announced(live_server, tiny_model, width):
    from playwright.sync_api import expect

    with chromium.launch() as browser:
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(live_server.url + "/")
        loaded_at_first = page.get_attribute("#check-form", "data-model-loaded")
        page.evaluate(WATCH_BUTTON)
        page.fill("#id_text", "Thanks for fixing the citation.")
        page.keyboard.press("Tab")  # to the button, as a keyboard user would
        page.keyboard.press("Enter")
        expect(page.locator("#result .verdict")).to_be_visible()
        first = page.evaluate("window.buttonTexts")
        focused = page.evaluate("document.activeElement.id")
        verdict = page.inner_text("#result .verdict-label")
        announced = page.inner_text("#verdict-status")
        live = page.evaluate(LIVE_REGIONS)
        counter_live = page.get_attribute("#char-count", "aria-live")

        page.evaluate(WATCH_BUTTON)
        page.fill("#id_text", "A second comment.")
        page.click("#check-form button[type=submit]:not([name])")
        expect(page.locator("#result .checked-text")).to_have_text("A second comment.")
        second = page.evaluate("window.buttonTexts")
        focused_again = page.evaluate("document.activeElement.id")

    assert loaded_at_first == "0"
    assert first[0] == "Loading the model…" and second[0] == "Checking…"
    assert focused == focused_again == "result"
    assert announced == verdict and verdict in (
        "Toxic",
        "Non-toxic",
        "Uncertain, leaning toxic",
        "Uncertain, leaning non-toxic",
    )
    # The counter and the result are not live regions: only the verdict is read. The "Is this wrong?"
    # and "Why?" forms' statuses are ones too, silent until the user flags or asks why.
    assert live == [["verdict-status", verdict], ["flag-status", ""], ["why-status", ""]]
    assert counter_live is None


def test_a_long_comment_can_be_checked_by_its_first_5000_characters(live_server, tiny_model):
    from playwright.sync_api import expect

    text = "word " * (MAX_TEXT_LENGTH // 5 + 40)
    with chromium.launch() as browser:
        page = browser.new_page(viewport={"width": 390, "height": 900})
        page.goto(live_server.url + "/")
        offer_before = page.is_visible("#truncate-offer")
        page.fill("#id_text", text)
        offer = page.locator("#truncate-offer button")
        expect(offer).to_be_visible()
        offer.click()
        expect(page.locator("#result .verdict")).to_be_visible()
        note = page.inner_text("#result .verdict-note")
        kept = page.input_value("#id_text")

    assert not offer_before
    assert note == f"Only the first {MAX_TEXT_LENGTH} characters were checked."
    assert kept == text, "the comment in the box is left whole"
    assert Prediction.objects.get().text == text[:MAX_TEXT_LENGTH]
