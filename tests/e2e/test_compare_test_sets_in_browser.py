"""A real browser on the compare page: runs tested on different comments are not ranked against each
other (a warning says why, and no figure of theirs is marked best), runs tested on the same comments are;
F1 and ROC-AUC come first, on screen at 1280 px, before the loss columns that do not compare across methods."""

import pytest

from tests.support import chromium
from webapp.training.models import TrainingJob

pytestmark = pytest.mark.slow


def finished(method, rows, f1, seed=42):
    metrics = {
        "test": {"f1": f1, "roc_auc": f1 + 0.1, "accuracy": 0.9, "precision": f1, "recall": f1, "n": rows},
        "train_loss": {"loss": 0.3, "cls": 0.2},
        "data": {"source": "/data/wiki_toxic", "test": {"rows": rows, "toxic": rows // 10}},
    }
    return TrainingJob.objects.create(
        method=method, teacher="t", dataset="d", config={"seed": seed}, status="succeeded", metrics=metrics
    )


def headings(page):
    return page.eval_on_selector_all("#comparison thead th", "ths => ths.map((th) => th.textContent.trim())")


def best_cells(page):
    return page.eval_on_selector_all(
        "#comparison td.best",
        "tds => tds.map((td) => td.closest('table').querySelectorAll('thead th')[td.cellIndex].textContent.trim())",
    )


def test_runs_on_different_test_comments_are_not_ranked_and_f1_comes_first(server):
    baseline, student, twin = finished("baseline", 2000, 0.83), finished("odd", 200, 0.61), finished("even", 200, 0.55)
    with chromium.launch() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        chromium.log_in(page, server.url)
        page.goto(f"{server.url}/dashboard/compare/?jobs={baseline.pk}&jobs={student.pk}")
        warning = page.inner_text("#different-tests")
        mixed_best = best_cells(page)
        order = headings(page)
        f1_box = page.query_selector("#comparison thead th:text-is('F1')").bounding_box()
        auc_box = page.query_selector("#comparison thead th:text-is('ROC-AUC')").bounding_box()
        samples = page.eval_on_selector_all("#comparison td.sample", "tds => tds.map((td) => td.textContent.trim())")

        page.goto(f"{server.url}/dashboard/compare/?jobs={student.pk}&jobs={twin.pk}")
        same_warning = page.query_selector("#different-tests")
        same_best = best_cells(page)

    assert "different test comments" in warning and "2,000" in warning and "200" in warning
    assert not {"F1", "ROC-AUC", "accuracy", "precision", "recall"} & set(mixed_best)
    numbers = order[order.index("test comments") + 1 :]
    assert numbers[:2] == ["F1", "ROC-AUC"] and numbers.index("loss") > numbers.index("params")
    assert f1_box["x"] + f1_box["width"] <= 1280 and auc_box["x"] + auc_box["width"] <= 1280
    assert samples == ["2,000", "200"]
    assert same_warning is None and {"F1", "ROC-AUC"} <= set(same_best)
