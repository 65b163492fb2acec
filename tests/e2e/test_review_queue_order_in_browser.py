"""A real browser in the review queue: a review goes on to the top unreviewed prediction of the chosen
order (not the neighbour of the one just reviewed, so a skipped one is not left behind), the page says how
far the reviewer is ("2 of 4"), and undo reopens the prediction just reviewed, not the first of its group."""

import pytest

from tests.support import chromium
from tests.support.accounts import staff_user
from webapp.checker.models import ModelVersion, Prediction

pytestmark = pytest.mark.slow


def test_the_queue_goes_on_at_its_top_shows_progress_and_undo_reopens_the_one_just_reviewed(
    live_server, transactional_db
):
    from playwright.sync_api import expect

    staff_user("ada", password=chromium.PASSWORD, groups=["Reviewers"])
    version = ModelVersion.objects.create(name="odd-v1", method="odd", teacher="t", artifact_path="/x")

    def checked(text, p):
        label = "toxic" if p >= 0.5 else "non-toxic"
        return Prediction.objects.create(text=text, label=label, toxic_probability=p, model_version=version)

    twin = checked("same words", 0.95)  # the group's first id, last in the queue
    first, second, third = checked("same words", 0.51), checked("other", 0.55), checked("plain", 0.6)
    with chromium.launch() as browser:
        page = browser.new_page()
        chromium.log_in(page, live_server.url, "/dashboard/predictions/")
        page.click("#queue-links >> text=most uncertain first")
        heading = page.locator("h1")

        def shows(prediction, progress):
            expect(heading).to_have_text(f"Review queue: prediction {prediction.pk}")
            expect(page.locator("#queue-progress")).to_have_text(progress)
            page.wait_for_load_state()  # the keys' script (deferred) listens from then on

        shows(first, "1 of 4")
        page.keyboard.press("j")  # skip the first for now
        shows(second, "1 of 4")
        page.keyboard.press("t")
        shows(first, "2 of 4")  # back to the top, not on to the third
        page.keyboard.press("t")  # with its twin: the same text, labelled together
        shows(third, "4 of 4")
        page.keyboard.press("u")
        shows(first, "2 of 4")

    assert Prediction.objects.get(pk=second.pk).reviewed_label == "toxic"
    assert Prediction.objects.get(pk=first.pk).reviewed_label == Prediction.objects.get(pk=twin.pk).reviewed_label == ""


def test_the_queue_ends_with_a_summary_of_what_was_corrected_and_a_way_to_train_on_it(live_server, transactional_db):
    from playwright.sync_api import expect

    staff_user("ada", password=chromium.PASSWORD, groups=["Reviewers", "Trainers"])
    version = ModelVersion.objects.create(name="odd-v1", method="odd", teacher="t", artifact_path="/x")
    for text, p in (("fine words", 0.52), ("rude words", 0.7)):
        Prediction.objects.create(text=text, label="toxic", toxic_probability=p, model_version=version)
    with chromium.launch() as browser:
        page = browser.new_page()
        chromium.log_in(page, live_server.url, "/dashboard/predictions/")
        page.click("#queue-links >> text=most uncertain first")
        expect(page.locator("#queue-progress")).to_have_text("1 of 2")
        page.wait_for_load_state()  # the keys' script (deferred) listens from then on
        page.keyboard.press("n")  # corrected: the model said toxic
        expect(page.locator("#queue-progress")).to_have_text("2 of 2")
        page.wait_for_load_state()
        page.keyboard.press("c")
        summary = page.wait_for_selector("#queue-summary").inner_text()
        train_link = page.get_attribute("#queue-summary a", "href")

    assert "2 reviewed" in summary and "1 corrected" in summary and "toxic → non-toxic" in summary
    assert train_link == "/dashboard/jobs/new/"
