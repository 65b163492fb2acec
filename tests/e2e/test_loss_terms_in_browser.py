"""A real browser (Debian's Chromium through Playwright) on the job and compare pages as daphne serves
them: the charts draw one series per loss term the rows carry, including a term no script names and
one that first arrives live over the WebSocket."""

import threading

import pytest

from tests.support import chromium
from tests.support.jobs import job_row
from webapp.training import events

LABELS = "() => Chart.getChart(document.getElementById('loss-chart')).data.datasets.map((d) => d.label)"


@pytest.fixture
def job(server):
    job = job_row("running", method="odd", attempts=1, step=2, total_steps=10, worker="celery@test")
    for step in (1, 2):
        job.points.create(step=step, epoch=step / 10, loss=1 / step, components={"cls": 1 / step, "made_up": 0.1})
    return job


def publish(job_id, **data):
    """events.publish, from a thread of its own: Playwright's event loop runs in this one."""
    sender = threading.Thread(target=events.publish, args=(job_id,), kwargs=data)
    sender.start()
    sender.join()


def test_the_charts_draw_every_loss_term_the_rows_carry(server, job):
    with chromium.launch() as browser:
        page = browser.new_page()
        outside = chromium.keep_local(page, server.url)
        chromium.log_in(page, server.url)

        page.goto(f"{server.url}/dashboard/jobs/{job.pk}/")
        page.wait_for_function("() => document.getElementById('live-state').textContent === 'live'", timeout=30_000)
        drawn = page.evaluate(LABELS)
        publish(
            job.pk,
            points=[
                {
                    "step": 3,
                    "epoch": 0.3,
                    "loss": 0.3,
                    "lr": None,
                    "samples_per_s": None,
                    "components": {"cls": 0.3, "made_up": 0.1, "arrived_live": 0.2},
                }
            ],
        )
        page.wait_for_function(f"() => ({LABELS})().includes('arrived_live')", timeout=30_000)
        drawn_live = page.evaluate(LABELS)

        page.goto(f"{server.url}/dashboard/compare/?jobs={job.pk}")
        curves = page.eval_on_selector_all("#compare-term option", "options => options.map((o) => o.value)")
        page.select_option("#compare-term", "made_up")
        shown = page.evaluate(
            "() => Chart.getChart(document.getElementById('compare-chart')).data.datasets"
            ".map((d) => d.data.map((p) => p.y))"
        )

    assert drawn == ["total loss", "cls (cross-entropy)", "made_up"]
    assert drawn_live == ["total loss", "cls (cross-entropy)", "made_up", "arrived_live"]
    assert curves == ["cls", "loss", "made_up"] and shown == [[0.1, 0.1]]
    assert outside == []
