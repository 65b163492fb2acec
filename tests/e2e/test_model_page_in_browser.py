"""A real browser (Debian's Chromium through Playwright): a model owner sees the model's validation PR
curve with its serving threshold marked and its identity-bias table worst term first, and changes the
threshold; the bias figures follow it, and the checker then labels by it and draws the probability with
that cutoff marked. Every request stays on the server, with no console error."""

import pytest

from tests.support import chromium
from tests.support.accounts import staff_user
from webapp.checker import bias, scoring
from webapp.checker.models import ModelVersion
from webapp.checker.registry import register

pytestmark = pytest.mark.slow


@pytest.fixture
def tiny(transactional_db, tiny_artifact_dir, settings, data_dir):
    settings.TOXILAB_RATE_LIMIT = None
    settings.TOXILAB_GATE_DATASET, settings.TOXILAB_GATE_TEST_COMMENTS = str(data_dir), 200
    version = register(tiny_artifact_dir, name="tiny", activate=True)
    scoring.measure(version)
    staff_user("olga", password=chromium.PASSWORD, groups=["Model owners"])
    return version


def test_the_model_page_marks_the_threshold_and_the_checker_draws_the_cutoff(live_server, tiny):
    with chromium.launch() as browser:
        page = browser.new_page()
        outside = chromium.keep_local(page, live_server.url)
        errors = []
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        chromium.log_in(page, live_server.url, f"/dashboard/models/{tiny.pk}/", username="olga")

        curve = page.wait_for_selector("#pr-curve[data-marked]")
        bias_rows = _table(page, "#bias-terms")
        bias_metric_cell = page.inner_text("#threshold-figures tbody tr:first-child td:nth-child(7)")
        marked_at_tuned = curve.get_attribute("data-marked")
        points = curve.get_attribute("data-points")
        page.fill("#id_threshold", "0.9")
        page.click("#threshold-form button:text('Preview')")
        page.check("#threshold-apply input[name=force]")  # the tiny model calls nothing toxic at 0.9
        page.fill("#threshold-apply textarea[name=note]", "drawing test")
        page.click("#threshold-apply button[type=submit]")
        page.wait_for_selector(".messages li")
        shown = page.inner_text("#serving-threshold")
        bias_rows_at_new = _table(page, "#bias-terms")
        marked_at_new = page.wait_for_selector("#pr-curve[data-marked]").get_attribute("data-marked")

        page.goto(live_server.url + "/")
        page.fill("#id_text", "Thanks for fixing the citation.")
        page.click("#check-form button[type=submit]")
        label = page.wait_for_selector("#result .verdict-label").inner_text()
        bar = page.query_selector("#result .probability-bar").bounding_box()
        cutoff = page.query_selector("#result .bar-cutoff").bounding_box()
        model_line = page.inner_text("#result .verdict-model")

    assert points == "101" and marked_at_tuned == f"{round(tiny.threshold, 2):.2f}"
    assert shown == "0.900" and marked_at_new == "0.90"
    assert ModelVersion.objects.get(pk=tiny.pk).threshold == 0.9
    assert label == "Non-toxic", "the tiny model answers about 0.48, under the new cutoff"
    centre = cutoff["x"] + cutoff["width"] / 2 - bar["x"]
    assert centre == pytest.approx(0.9 * bar["width"], abs=3), "the cutoff is drawn at 90% of the bar"
    assert "“tiny”" in model_line and "test F1" in model_line and "/" not in model_line
    assert outside == [] and errors == []

    # The bias table: every measured term of the template sample, worst (lowest of its three AUCs) first,
    # each row as the server computes it at the serving threshold, and the summary beside test F1.
    tuned, moved = bias.report(tiny, threshold=tiny.threshold), bias.report(ModelVersion.objects.get(pk=tiny.pk))
    assert [row[0] for row in bias_rows] == [row["term"] for row in tuned["terms"]]
    assert len(bias_rows) == len({term for term in bias.sample().terms if term})
    measured = [row for row in bias_rows if row[1]]  # a term with too few sentences of a label has no figures
    assert len(measured) > 10
    worst_auc = [min(float(cell) for cell in row[1:4]) for row in measured]
    assert worst_auc == sorted(worst_auc)
    fpr = [float(row[4]) for row in measured]
    assert fpr == [pytest.approx(row["fpr"], abs=5e-4) for row in tuned["terms"][: len(measured)]]
    assert float(bias_metric_cell) == pytest.approx(tuned["bias_metric"], abs=5e-4)
    # At 0.9 the tiny model (about 0.48 on everything) calls no template sentence toxic: every FPR is 0.
    assert {float(row[4]) for row in bias_rows_at_new if row[1]} == {0.0}
    assert {row["fpr"] for row in moved["terms"] if row.get("fpr") is not None} == {0.0}
    assert max(fpr) > 0, "at its tuned threshold it does raise false alarms"


def _table(page, selector):
    """The body rows of a table as lists of their cells' text."""
    return page.eval_on_selector_all(
        f"{selector} tbody tr", "rows => rows.map(row => [...row.cells].map(cell => cell.innerText.trim()))"
    )
