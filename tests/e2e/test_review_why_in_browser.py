"""A reviewer in a real Chromium opens the review queue and sees, on the prediction's page, the words
that pushed its verdict marked, at a desktop's and a phone's width."""

import pytest

from tests.support import chromium
from tests.support.accounts import staff_user
from webapp.checker.models import Prediction
from webapp.checker.registry import register


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
        page.click("#queue-links >> text=most uncertain first")
        expect(page.locator("h1")).to_contain_text("Review queue: prediction")
        marked = page.evaluate(
            """() => [...document.querySelectorAll("#why mark.push-toxic")].map((m) => m.firstChild.textContent)"""
        )
        legend = page.locator("#why .why-legend").is_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")

    assert {"stupid", "idiot"} <= set(marked) and legend and overflow <= 0
