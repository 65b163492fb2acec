"""A real Chromium on the unfinished details at a phone's 390 px: a missing page fits the phone and leads
back, a checkbox stays beside its words, and the threshold input, compare's multi-select and the cancel
dialog are styled like the rest of the forms, not left to the browser's defaults; a reviewer's "Toxic" and
"Non-toxic" buttons wear their labels' two colours; the model list keeps a row's action in view and a
forced promotion's long reason keeps its row short."""

import pytest

from tests.support import chromium
from tests.support.accounts import staff_user
from webapp.checker.models import ModelVersion, Prediction
from webapp.checker.registry import register
from webapp.training.models import TrainingJob

pytestmark = pytest.mark.slow
PHONE = {"width": 390, "height": 900}
STYLE = """(e) => { const s = getComputedStyle(e); const box = e.getBoundingClientRect();
  return { radius: s.borderTopLeftRadius, padding: s.paddingLeft, border: s.borderTopStyle, width: box.width }; }"""


def test_a_missing_page_fits_a_phone_and_leads_back(server):
    with chromium.launch() as browser:
        page = browser.new_page(viewport=PHONE)
        response = page.goto(f"{server.url}/no/such/page/")
        width = page.evaluate("document.documentElement.scrollWidth")
        heading, back = page.inner_text("h1"), page.get_attribute("main a", "href")

    assert response.status == 404 and heading == "Page not found"
    assert width == PHONE["width"] and back == "/"


def test_checkboxes_inputs_selects_and_the_dialog_are_styled_on_a_phone(server, tiny_artifact_dir):
    staff_user("olga", password=chromium.PASSWORD)
    version = register(tiny_artifact_dir, name="tiny")
    job = TrainingJob.objects.create(method="odd", teacher="t", dataset="d", config={}, status="queued")
    with chromium.launch() as browser:
        page = browser.new_page(viewport=PHONE)
        chromium.log_in(page, server.url, "/dashboard/jobs/new/", username="olga")
        checkboxes = page.eval_on_selector_all(
            "main label:has(> input[type=checkbox])",
            "labels => labels.filter((l) => l.offsetParent)"
            ".map((l) => l.querySelector('input').getBoundingClientRect().width)",
        )
        page.goto(f"{server.url}/dashboard/models/{version.pk}/")
        threshold = page.eval_on_selector("#id_threshold", STYLE)
        page.goto(f"{server.url}/dashboard/compare/")
        select = page.eval_on_selector("#compare-jobs", STYLE)
        page.goto(f"{server.url}/dashboard/jobs/{job.pk}/")
        page.click("form[data-action=cancel] button")
        page.wait_for_selector("#confirm-dialog[open] #confirm-form")
        dialog = page.eval_on_selector("#confirm-dialog", STYLE)

    assert checkboxes and max(checkboxes) <= 24, checkboxes
    for control in (threshold, select):
        assert control["radius"] == "4px" and control["padding"] != "0px" and control["border"] == "solid", control
    assert dialog["radius"] == "8px" and dialog["width"] <= PHONE["width"] - 32, dialog


def test_the_review_buttons_wear_the_two_labels_colours(server):
    staff_user("rita", password=chromium.PASSWORD, groups=["Reviewers"])
    version = ModelVersion.objects.create(name="v", method="odd", teacher="t", artifact_path="/x")
    prediction = Prediction.objects.create(
        text="a comment", label="toxic", toxic_probability=0.7, model_version=version
    )
    colours = (
        "bs => Object.fromEntries(bs.map((b) => [b.textContent.trim().split(/\\s/)[0], getComputedStyle(b)[PROP]]))"
    )
    with chromium.launch() as browser:
        page = browser.new_page()
        chromium.log_in(page, server.url, f"/dashboard/predictions/{prediction.pk}/", username="rita")
        queue = page.eval_on_selector_all("#review-buttons button", colours.replace("PROP", "'backgroundColor'"))
        page.goto(f"{server.url}/dashboard/predictions/")
        rows = page.eval_on_selector_all(f"#prediction-{prediction.pk} button", colours.replace("PROP", "'color'"))

    for found in (queue, rows):
        assert found["Toxic"] == "rgb(179, 38, 30)" and found["Non-toxic"] == "rgb(27, 127, 59)", found


def test_on_a_phone_a_models_action_stays_in_view_and_a_forced_promotion_keeps_its_row_short(server):
    from webapp.checker.models import Promotion

    staff_user("olga", password=chromium.PASSWORD)
    old = ModelVersion.objects.create(name="old", method="odd", teacher="t", artifact_path="/x")
    new = ModelVersion.objects.create(name="new", method="odd", teacher="t", artifact_path="/y", active=True)
    Promotion.objects.create(model_version=old, source="dashboard")
    reason = "its test F1 0.4200 on the gate's 2,000 comments is under the minimum 0.5000, " * 3
    Promotion.objects.create(model_version=new, previous=old, source="dashboard", forced=True, reason=reason)
    with chromium.launch() as browser:
        page = browser.new_page(viewport=PHONE)
        chromium.log_in(page, server.url, "/dashboard/models/", username="olga")
        right = page.eval_on_selector(
            f"#versions tr[data-version='{old.pk}'] button", "(e) => e.getBoundingClientRect().right"
        )
        heights = page.eval_on_selector_all("#promotions tbody tr", "rows => rows.map((r) => r.offsetHeight)")

    assert 0 < right <= PHONE["width"], right  # "Roll back to this" without scrolling the table
    assert max(heights) <= 200, heights
