"""A real browser (Debian's Chromium through Playwright) on the review page: staff sign in, filter
by text and verdict, relabel one row in place, relabel the ticked rows (the "By model" figures follow
each review without a reload), and read the audit trail."""

import re

import pytest

from tests.support import chromium
from tests.support.accounts import staff_user
from webapp.checker.models import ModelVersion, Prediction


@pytest.fixture
def predictions(transactional_db):
    staff_user("ada", password=chromium.PASSWORD, groups=["Reviewers"])
    version = ModelVersion.objects.create(name="odd-v1", method="odd", teacher="bundled-minilm", artifact_path="/x")
    texts = [
        ("you are a zebra idiot", "toxic", 0.91),
        ("zebra facts, thanks", "toxic", 0.62),
        ("another zebra note", "toxic", 0.55),
        ("thanks for the zebra fix", "non-toxic", 0.08),
        ("unrelated comment", "toxic", 0.97),
    ]
    return [
        Prediction.objects.create(text=text, label=label, toxic_probability=p, model_version=version, source="page")
        for text, label, p in texts
    ]


def test_staff_filter_relabel_one_row_in_place_then_the_ticked_rows(live_server, predictions):
    from playwright.sync_api import expect

    with chromium.launch() as browser:
        page = browser.new_page()
        chromium.log_in(page, live_server.url, "/dashboard/predictions/")

        page.fill("#id_q", "zebra")
        page.select_option("#id_label", "toxic")
        page.click("#filter-form button[type=submit]")
        shown = page.locator("#predictions tbody tr").all_inner_texts()
        page.evaluate("window.notReloaded = true")

        first = predictions[1]
        page.click(f"#prediction-{first.pk} button[value='{first.pk}:non-toxic']")
        expect(page.locator(f"#prediction-{first.pk} td.reviewed")).to_contain_text("Non-toxic")
        in_place = page.evaluate("window.notReloaded === true")
        figures = page.locator("#model-summary tbody tr")
        expect(figures).to_contain_text(re.compile(r"1 \(33\s%\)\s+0\s% of 1"))

        for p in (predictions[0], predictions[2]):
            page.check(f"#prediction-{p.pk} input[name=ids]")
        page.click("#bulk-actions button[value=confirm]")
        expect(page.locator("#review-notice")).to_contain_text("2 predictions reviewed.")
        expect(figures).to_contain_text(re.compile(r"3 \(100\s%\)\s+67\s% of 3"))
        live_figures = page.evaluate("window.notReloaded === true")

        page.click(f"#prediction-{first.pk} a")
        trail = page.locator("#audit-trail tbody").inner_text()

    assert len(shown) == 3 and all("zebra" in row for row in shown)
    assert in_place, "the row changed without reloading the page"
    assert live_figures, "the figures changed without reloading the page"
    states = {p.pk: (p.label, p.reviewed_label) for p in Prediction.objects.all()}
    assert states[predictions[1].pk] == ("toxic", "non-toxic")
    assert states[predictions[0].pk] == states[predictions[2].pk] == ("toxic", "toxic")
    assert states[predictions[3].pk] == ("non-toxic", "") and states[predictions[4].pk] == ("toxic", "")
    assert "ada" in trail and "relabelled" in trail
