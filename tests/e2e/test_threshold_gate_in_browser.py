"""A real browser: changing the serving model's threshold is a promotion. The owner first sees precision,
recall and F1 at the typed value on the gate's test comments; the gate refuses a change that makes the
model worse, unless forced with a reason; every change is a row of the promotion history that names
who made it. A rollback asks for confirmation before it happens."""

import pytest

from tests.support import chromium
from tests.support.accounts import staff_user
from webapp.checker import bias, gate, scoring
from webapp.checker.models import ModelVersion, Promotion, SampleScores
from webapp.checker.registry import register

pytestmark = pytest.mark.slow

POSITIVES = [round(0.55 + 0.43 * i / 49, 4) for i in range(50)]  # 0.55 ... 0.98
NEGATIVES = [round(0.02 + 0.43 * i / 149, 4) for i in range(150)]  # 0.02 ... 0.45


def give_scores(version):
    """Scores on the gate's sample that separate the classes at 0.5 and lose most toxic ones at 0.9, and
    those of a fair model on the identity templates (so that the gate's bias rule has figures to compare)."""
    templates = bias.sample()
    SampleScores.objects.update_or_create(
        model_version=version,
        sample=bias.bias_key(),
        defaults={
            "labels": templates.labels.tolist(),
            "probabilities": [0.95 if label else 0.05 for label in templates.labels],
            "runtime": version.runtime,
        },
    )
    SampleScores.objects.update_or_create(
        model_version=version,
        sample=scoring.sample_key(),
        defaults={"labels": [1] * 50 + [0] * 150, "probabilities": POSITIVES + NEGATIVES, "runtime": version.runtime},
    )
    scoring.set_threshold(version, 0.5)


@pytest.fixture
def serving(transactional_db, tiny_artifact_dir, settings, data_dir):
    settings.TOXILAB_RATE_LIMIT = None
    settings.TOXILAB_GATE_DATASET, settings.TOXILAB_GATE_TEST_COMMENTS = str(data_dir), 200
    version = register(tiny_artifact_dir, name="tiny", activate=True)
    give_scores(version)
    staff_user("olga", password=chromium.PASSWORD, groups=["Model owners"])
    return version


def preview(page, threshold):
    page.fill("#id_threshold", threshold)
    page.click("#threshold-form button:text('Preview')")
    return page.wait_for_selector("#threshold-preview")


def test_a_threshold_change_on_the_serving_model_is_previewed_gated_and_recorded(live_server, serving):
    at_09 = scoring.figures(serving, threshold=0.9)
    with chromium.launch() as browser:
        page = browser.new_page()
        chromium.log_in(page, live_server.url, f"/dashboard/models/{serving.pk}/", username="olga")

        shown = preview(page, "0.9").inner_text()
        refusals = page.inner_text("#threshold-preview .errors")
        unchanged_after_preview = page.inner_text("#serving-threshold")
        page.click("#threshold-apply button[type=submit]")
        refused = page.wait_for_selector(".messages li").inner_text()
        unchanged_after_refusal = page.inner_text("#serving-threshold")

        preview(page, "0.9")
        page.check("#threshold-apply input[name=force]")
        page.fill("#threshold-apply textarea[name=note]", "stricter for the launch week")
        page.click("#threshold-apply button[type=submit]")
        forced = page.wait_for_selector(".messages li").inner_text()
        history = page.inner_text("#promotions tbody tr:first-child")

        preview(page, "0.45")
        passes = page.query_selector("#threshold-preview .errors") is None
        page.click("#threshold-apply button[type=submit]")
        page.wait_for_selector(".messages li")

    assert "0.900" in shown and f"{at_09['f1']:.4f}" in shown and f"{at_09['precision']:.4f}" in shown
    assert f"{at_09['recall']:.4f}" in shown and "200" in shown, "the figures name the gate's 200 comments"
    assert "under the minimum" in refusals
    assert unchanged_after_preview == unchanged_after_refusal == "0.500"
    assert refused.startswith("Threshold not changed") and "force" in refused
    assert "0.9" in forced and "forced" in forced
    first, second = Promotion.objects.filter(previous_threshold__isnull=False).order_by("promoted_at", "id")
    assert (first.previous_threshold, first.threshold, first.forced) == (0.5, 0.9, True)
    assert first.promoted_by.username == "olga" and first.note == "stricter for the launch week"
    assert "under the minimum" in first.reason and first.figures["candidate"]["f1"] == pytest.approx(at_09["f1"])
    assert "0.500 → 0.900" in history and "olga" in history and "stricter for the launch week" in history
    assert passes and (second.previous_threshold, second.threshold, second.forced) == (0.9, 0.45, False)
    assert ModelVersion.objects.get(pk=serving.pk).threshold == 0.45


def test_a_rollback_asks_for_confirmation_first(live_server, serving, tiny_artifact_dir):
    newer = register(tiny_artifact_dir, name="tiny-b")
    give_scores(newer)
    for version in (newer, serving, newer):  # tiny has served (by a promotion) before tiny-b
        gate.promote(version, None, Promotion.Source.CLI, force=True)
    with chromium.launch() as browser:
        page = browser.new_page()
        chromium.log_in(page, live_server.url, f"/dashboard/models/{serving.pk}/", username="olga")
        page.click("#activate-form button[type=submit]")
        question = page.wait_for_selector("#rollback-confirm").inner_text()
        page.goto(f"{live_server.url}/dashboard/models/")
        active_while_asked = page.inner_text("#versions tbody tr:has(.badge.succeeded)")
        page.goto(f"{live_server.url}/dashboard/models/{serving.pk}/")
        page.click("#activate-form button[type=submit]")
        page.click("#rollback-confirm button[type=submit]")
        done = page.wait_for_selector(".messages li").inner_text()

    assert "Roll back" in question and "tiny-b" in question
    assert "tiny-b" in active_while_asked, "nothing changed before the confirmation"
    assert "rolled back" in done and ModelVersion.current().name == "tiny"
