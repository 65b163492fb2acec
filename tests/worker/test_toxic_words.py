"""A model owner asks for the words that push a version to toxic; a real Celery worker explains the
gate's test comments the version calls toxic and the version's page lists the words it counted."""

from services import wait_until

from tests.support.accounts import staff_user
from webapp.checker import scoring
from webapp.checker.models import WordReport
from webapp.checker.registry import register


def test_the_worker_finds_the_words_that_push_a_version_to_toxic(celery_worker, baseline_dir, client):
    version = register(baseline_dir, name="words")
    scores = scoring.measure(version)
    client.force_login(staff_user("owner"))
    page = f"/dashboard/models/{version.pk}/"
    assert "Not found yet" in client.get(page).content.decode()

    asked = client.post(f"{page}words/", follow=True).content.decode()
    report = wait_until(
        lambda: WordReport.objects.filter(model_version=version, finished__isnull=False).first(),
        timeout=120,
        what="the worker to find the words",
    )

    assert "The worker is finding them" in asked
    called = sum(p >= version.threshold for p in scores.probabilities)
    assert report.problem == "" and report.called_toxic == called and report.explained == called > 0
    assert report.runtime == "sklearn" and 0 < len(report.words) <= 30
    counts = [row["comments"] for row in report.words]
    assert counts == sorted(counts, reverse=True) and counts[0] <= called
    assert all(row["mean_score"] > 0 and row["word"] == row["word"].lower() for row in report.words)
    insults = {"fuck", "fucking", "stupid", "idiot", "shit", "suck", "sucks", "ass", "gay", "bitch", "dick"}
    assert insults & {row["word"] for row in report.words[:10]}, report.words[:10]
    shown = client.get(page).content.decode()
    assert 'id="toxic-words-table"' in shown and f"<td>{report.words[0]['word']}</td>" in shown
    assert f"On the first {called} of the {called} comments" in shown
    listed = client.get(f"/api/v1/models/{version.pk}").json()["toxic_words"]
    assert listed["words"] == report.words and listed["explained"] == called and listed["problem"] == ""
