"""A real browser (Debian's Chromium through Playwright), at a desktop's and a phone's width: a reviewer
works through the review queue with the keyboard (t, n, c, u, j, k), and an end user's "Is this wrong?"
on the checker page shows up under the review list's "flagged" filter."""

import re

import pytest

from tests.support import chromium
from tests.support.accounts import staff_user
from webapp.checker.models import ModelVersion, Prediction
from webapp.checker.registry import register

WIDTHS = [1280, 390]


@pytest.fixture
def reviewer(transactional_db):
    return staff_user("ada", password=chromium.PASSWORD, groups=["Reviewers"])


def within_width(page, selector, width):
    """Every element matching `selector` is shown whole inside the viewport's width."""
    boxes = [page.locator(selector).nth(i).bounding_box() for i in range(page.locator(selector).count())]
    return bool(boxes) and all(box and box["x"] >= 0 and box["x"] + box["width"] <= width for box in boxes)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_reviewer_works_through_the_queue_with_the_keyboard_and_undoes_a_review(live_server, reviewer, width):
    from playwright.sync_api import expect

    version = ModelVersion.objects.create(name="odd-v1", method="odd", teacher="bundled-minilm", artifact_path="/x")
    # most uncertain first: |probability - 0.5| = .01, .05, .1, .2, .45
    specs = [("nearly even", 0.51), ("rude maybe", 0.55), ("rather rude", 0.6), ("mild note", 0.3), ("rude", 0.95)]
    rows = [
        Prediction.objects.create(
            text=text, label="toxic" if p >= 0.5 else "non-toxic", toxic_probability=p, model_version=version
        )
        for text, p in specs
    ]

    with chromium.launch() as browser:
        page = browser.new_page(viewport={"width": width, "height": 900})
        chromium.log_in(page, live_server.url, "/dashboard/predictions/")
        page.click("#queue-links >> text=most uncertain first")
        heading = page.locator("h1")

        def shows(prediction):
            expect(heading).to_have_text(f"Review queue: prediction {prediction.pk}")

        shows(rows[0])
        buttons_fit = within_width(page, "#review-buttons button", width)
        # toxic, non-toxic, undo (back to the row, its review gone), confirm, next, previous
        for key, then in [("t", 1), ("n", 2), ("u", 1), ("c", 2), ("j", 3), ("k", 2)]:
            page.keyboard.press(key)
            shows(rows[then])
            if key == "u":
                expect(page.locator("#reviewed-label")).to_have_text("not reviewed")
        page.goto(f"{live_server.url}/dashboard/predictions/{rows[1].pk}/")
        trail = page.inner_text("#audit-trail")

    assert buttons_fit, f"the review buttons fit a {width} px wide screen"
    states = {p.pk: (p.reviewed_label, p.reviews.count()) for p in Prediction.objects.all()}
    assert states[rows[0].pk] == ("toxic", 1)
    assert states[rows[1].pk] == ("toxic", 3), "relabelled, undone, then confirmed: three audit rows"
    assert states[rows[2].pk] == states[rows[3].pk] == states[rows[4].pk] == ("", 0)
    assert [r.action for r in rows[1].reviews.order_by("created", "id")] == ["relabel", "undo", "confirm"]
    assert "undid a review" in trail and "confirmed" in trail


@pytest.mark.parametrize("width", WIDTHS)
def test_is_this_wrong_on_the_checker_reaches_the_review_lists_flagged_filter(
    live_server, reviewer, tiny_artifact_dir, settings, width
):
    from playwright.sync_api import expect

    settings.TOXILAB_RATE_LIMIT = None
    register(tiny_artifact_dir, name="tiny", activate=True)
    text = f"this verdict is surely wrong at {width} px"

    with chromium.launch() as browser:
        visitor = browser.new_page(viewport={"width": width, "height": 900})
        visitor.goto(live_server.url + "/")
        for comment in (text, "a second comment nobody flags"):
            visitor.fill("#id_text", comment)
            visitor.click("#check-form button[type=submit]")
            expect(visitor.locator("#result .checked-text")).to_have_text(comment)
            if comment == text:
                link_fits = within_width(visitor, "#result .flag-form button", width)
                visitor.click("#result .flag-form button")
                expect(visitor.locator("#result .flag-status")).to_have_text(
                    "Thank you: staff will look at this verdict again."
                )

        staff = browser.new_page(viewport={"width": width, "height": 900})
        chromium.log_in(staff, live_server.url, "/dashboard/predictions/")
        staff.select_option("#id_flagged", "yes")
        staff.click("#filter-form button[type=submit]")
        expect(staff.locator("#predictions tbody tr")).to_have_count(1)
        listed = staff.inner_text("#predictions tbody tr")
        # The row's comment as written: the words the model explains may be marked by then (issue 23).
        comment_shown = staff.eval_on_selector(
            "#predictions tbody tr .comment-text",
            """(cell) => { const copy = cell.cloneNode(true);
              copy.querySelectorAll(".push-sign, .visually-hidden").forEach((e) => e.remove());
              return copy.textContent; }""",
        )

    assert link_fits, f"the link fits a {width} px wide screen"
    assert text in comment_shown and re.search(r"flagged ×1", listed)
    flagged = Prediction.objects.get(text=text)
    assert flagged.flag_count == 1 and flagged.first_flagged_at is not None
    assert Prediction.objects.get(text="a second comment nobody flags").flag_count == 0
