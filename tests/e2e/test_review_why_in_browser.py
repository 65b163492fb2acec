"""A reviewer in a real Chromium sees the words that pushed each verdict marked in the review list and,
through the queue, on the prediction's page, at a desktop's and a phone's width."""

import pytest

from tests.support import chromium
from tests.support.accounts import staff_user
from webapp.checker.models import Prediction
from webapp.checker.registry import register

MARKED = """() => [...document.querySelectorAll("#why mark.push-toxic")].map((m) => m.firstChild.textContent)"""
# A row's comment as drawn, each mark's word without its sign and spoken note.
WORDS_AS_WRITTEN = """() => [...document.querySelector("#predictions .comment-text").childNodes]
  .map((node) => (node.nodeType === Node.TEXT_NODE ? node.textContent : node.firstChild.textContent)).join("")"""


@pytest.mark.parametrize("width", [1280, 390])
def test_the_queue_shows_why_the_model_said_so(live_server, transactional_db, baseline_dir, width):
    from playwright.sync_api import expect

    staff_user("ada", password=chromium.PASSWORD, groups=["Reviewers"])
    version = register(baseline_dir, name="baseline", activate=True)
    Prediction.objects.create(
        text="you are a stupid idiot", label="toxic", toxic_probability=0.51, model_version=version
    )

    with chromium.launch() as browser:
        page = browser.new_page(viewport={"width": width, "height": 900})
        chromium.log_in(page, live_server.url, "/dashboard/predictions/")
        expect(page.locator("#predictions mark.push-toxic").first).to_be_visible()
        listed = page.evaluate(MARKED.replace("#why", "#predictions"))
        listed_text = page.evaluate(WORDS_AS_WRITTEN)
        page.click("#queue-links >> text=most uncertain first")
        expect(page.locator("h1")).to_contain_text("Review queue: prediction")
        marked = page.evaluate(MARKED)
        legend = page.locator("#why .why-legend").is_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")

    assert {"stupid", "idiot"} <= set(marked) and legend and overflow <= 0
    assert {"stupid", "idiot"} <= set(listed) and listed_text == "you are a stupid idiot"
