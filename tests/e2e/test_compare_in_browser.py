"""The compare page in a real Chromium at desktop (1280 px) and phone (390 px) widths: the chart starts on
the classification loss of every run (the teacher's and the student's alike), the method's own total loss
and validation F1 are separate series, each run keeps its hashed colour, and the job list shows a run in
the same colour as the compare chart."""

import pytest

from tests.support import chromium
from webapp.training.models import TrainingJob

DATASETS = (
    "() => Chart.getChart(document.getElementById('compare-chart')).data.datasets"
    ".map((d) => ({label: d.label, colour: d.borderColor, points: d.data.map((p) => [p.x, p.y])}))"
)
# Elements that reach past the screen's right edge, except inside a box that scrolls on its own.
OUTSIDE_THE_SCREEN = """() => [...document.querySelectorAll('body *')]
  .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .filter((e) => !e.closest('.table-scroll, .site-nav'))  // boxes that scroll sideways by themselves
  .map((e) => `${e.tagName}#${e.id}`)"""


@pytest.fixture
def runs(server):
    """A teacher (its total loss is its cross-entropy) and a student (its total is a weighted mix)."""
    teacher = TrainingJob.objects.create(method="teacher", teacher="t", dataset="d", config={}, status="succeeded")
    student = TrainingJob.objects.create(method="odd", teacher="t", dataset="d", config={}, status="succeeded")
    for step in (1, 2):
        teacher.points.create(step=step, epoch=step / 2, loss=0.6 / step, components={"cls": 0.6 / step})
        student.points.create(
            step=step, epoch=step / 2, loss=0.2 / step, components={"cls": 0.5 / step, "div": 0.05, "cos": 0.05}
        )
        teacher.evaluations.create(split="validation", step=step, epoch=step / 2, metrics={"f1": 0.5 + step / 10})
        student.evaluations.create(split="validation", step=step, epoch=step / 2, metrics={"f1": 0.55 + step / 10})
    return teacher, student


@pytest.mark.parametrize("width", [1280, 390])
def test_the_compare_chart_shows_like_with_like_series(server, runs, width):
    teacher, student = runs
    with chromium.launch() as browser:
        page = browser.new_page(viewport={"width": width, "height": 900})
        outside = chromium.keep_local(page, server.url)
        chromium.log_in(page, server.url)
        list_colours = page.eval_on_selector_all(
            "#job-table [data-run-colour]",
            "els => els.map((e) => [e.dataset.runColour, getComputedStyle(e).backgroundColor])",
        )

        page.goto(f"{server.url}/dashboard/compare/?jobs={teacher.pk}&jobs={student.pk}")
        page.wait_for_function("() => document.getElementById('compare-chart').dataset.shown === 'cls'")
        default = page.evaluate(DATASETS)
        picker = page.eval_on_selector_all("#compare-term option", "options => options.map((o) => o.value)")
        compare_colours = page.eval_on_selector_all(
            "#comparison [data-run-colour]",
            "els => els.map((e) => [e.dataset.runColour, getComputedStyle(e).backgroundColor])",
        )
        page.select_option("#compare-term", "loss")
        totals = page.evaluate(DATASETS)
        page.select_option("#compare-term", "val_f1")
        f1 = page.evaluate(DATASETS)
        page.check("#compare-log")
        log_type = page.evaluate("() => Chart.getChart(document.getElementById('compare-chart')).options.scales.y.type")
        overflow = page.evaluate(OUTSIDE_THE_SCREEN)

    t, s = f"job {teacher.pk}", f"job {student.pk}"
    assert picker[:3] == ["cls", "val_f1", "loss"]
    assert [(d["label"], d["points"]) for d in default] == [(t, [[1, 0.6], [2, 0.3]]), (s, [[1, 0.5], [2, 0.25]])]
    assert [(d["label"], d["points"]) for d in totals] == [(t, [[1, 0.6], [2, 0.3]]), (s, [[1, 0.2], [2, 0.1]])]
    assert [(d["label"], d["points"]) for d in f1] == [(t, [[1, 0.6], [2, 0.7]]), (s, [[1, 0.65], [2, 0.75]])]
    assert default[0]["colour"] == totals[0]["colour"] != default[1]["colour"]
    assert dict(list_colours)[str(teacher.pk)] == dict(compare_colours)[str(teacher.pk)]
    assert dict(list_colours)[str(student.pk)] == dict(compare_colours)[str(student.pk)]
    assert log_type == "logarithmic"
    assert overflow == []  # the wide table scrolls in its own box; the page itself does not
    assert outside == []
