"""A real Chromium on the checker page of a fresh install: while the first model is on its way the page
names each stage (done, under way, to come) and keeps its form usable; a comment typed meanwhile is
checked by itself as soon as a model answers."""

import threading

import pytest
from django.db import connection

from tests.support import chromium
from webapp.checker.registry import register
from webapp.training.models import Starter, TrainingJob

pytestmark = pytest.mark.slow
CURRENT = "#first-model-stages li[data-state=current]"


def in_thread(work):
    """Run `work()` on a thread of its own: Playwright's sync API keeps an event loop on this one, where
    Django refuses database calls."""

    failed = []

    def run():
        try:
            work()
        except Exception as exc:
            failed.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failed:
        raise failed[0]


def test_a_comment_typed_before_the_first_model_is_checked_once_it_is_ready(server, tiny_artifact_dir):
    job = TrainingJob.objects.create(method="baseline", teacher="", dataset="d", config={}, status="queued")
    Starter.objects.create(baseline_job=job)
    with chromium.launch() as browser:
        page = browser.new_page()
        page.goto(server.url + "/")
        first_stage = page.inner_text(CURRENT)
        page.fill("#check-form textarea", "you are an idiot")
        page.click("#check-form button[type=submit]")
        pending = page.inner_text("#pending-check")
        in_thread(
            lambda: TrainingJob.objects.filter(pk=job.pk).update(status="running", step=40, total_steps=100, eta_s=300)
        )
        page.wait_for_selector("#first-model-stages li:nth-child(2)[data-state=current]", timeout=15000)
        training = page.inner_text("#first-model-message")
        in_thread(lambda: register(tiny_artifact_dir, name="tiny", activate=True))
        page.wait_for_selector("#result .verdict", timeout=60000)
        checked = page.inner_text("#result .checked-text")
        box_hidden = page.is_hidden("#first-model")

    assert first_stage == "The training worker starts"
    assert "checked as soon as the model is ready" in pending
    assert training == "The first model is training: 40 %, about 5 min left."
    assert checked == "you are an idiot" and box_hidden
