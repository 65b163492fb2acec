"""The retention of stored comments: the daily task removes the texts of checks older than
TOXILAB_PREDICTION_RETENTION_DAYS, keeps reviewed and flagged ones' and every verdict (the monitoring
figures still count them), and the review pages say the text was removed; a removed text groups with
no other."""

from datetime import timedelta

from django.utils import timezone

from webapp.checker.models import ModelVersion, Prediction
from webapp.checker.retention import forget_old_texts
from webapp.monitoring import figures


def test_old_texts_go_their_verdicts_stay_and_reviewed_or_flagged_ones_keep_theirs(db, settings, staff_client):
    settings.TOXILAB_PREDICTION_RETENTION_DAYS = 30
    now = timezone.now()
    version = ModelVersion.objects.create(name="v", method="odd", teacher="t", artifact_path="/x")

    def check(text, days, **extra):
        return Prediction.objects.create(
            text=text,
            label="toxic",
            toxic_probability=0.9,
            model_version=version,
            source="api",
            created=now - timedelta(days=days),
            **extra,
        )

    old, old_twin = check("same old words", 40), check("same old words", 45)
    recent = check("same old words", 3)
    reviewed = check("reviewed long ago", 50, reviewed_label="non-toxic", reviewed_at=now - timedelta(days=49))
    flagged = check("flagged long ago", 50, flag_count=1, first_flagged_at=now - timedelta(days=49))
    before = figures.with_rates(Prediction.objects.filter(model_version=version).aggregate(**figures.counts(version)))

    removed = forget_old_texts(now)
    again = forget_old_texts(now)
    after = figures.with_rates(Prediction.objects.filter(model_version=version).aggregate(**figures.counts(version)))
    for row in (old, old_twin, recent, reviewed, flagged):
        row.refresh_from_db()
    detail = staff_client.get(f"/dashboard/predictions/{old.pk}/").content.decode()
    listed = staff_client.get("/dashboard/predictions/").content.decode()
    recent_page = staff_client.get(f"/dashboard/predictions/{recent.pk}/").context

    assert (removed, again) == (2, 0)
    assert old.text == old_twin.text == "" and old.text_removed_at == now and old.label == "toxic"
    assert recent.text == "same old words" and reviewed.text and flagged.text
    assert after == before  # the monitoring figures count every check still
    assert "Text removed on" in detail and "same_text_count" not in detail
    assert "(text removed " in listed
    assert recent_page["same_text_count"] == 0  # the removed twins no longer share its text


def test_zero_days_keeps_every_text(db, settings):
    settings.TOXILAB_PREDICTION_RETENTION_DAYS = 0
    version = ModelVersion.objects.create(name="v", method="odd", teacher="t", artifact_path="/x")
    Prediction.objects.create(
        text="ancient",
        label="toxic",
        toxic_probability=0.9,
        model_version=version,
        source="api",
        created=timezone.now() - timedelta(days=4000),
    )

    assert forget_old_texts() == 0 and Prediction.objects.get().text == "ancient"


def test_celery_beat_sends_it_daily_from_a_process_of_make_runs_own(settings, monkeypatch):
    import worker.tasks  # noqa: F401 (registers the tasks)
    from webapp.celery import app
    from webapp.launcher import servers

    spawned = []
    monkeypatch.setattr(servers, "spawn", lambda command, **kwargs: spawned.append((command, kwargs)))
    servers.start_beat()
    entry = settings.CELERY_BEAT_SCHEDULE["forget-old-texts"]

    assert entry["schedule"] == 24 * 3600 and entry["task"] in app.tasks
    [(command, kwargs)] = spawned
    assert command[command.index("-A") + 1 :][:2] == ["webapp", "beat"] and kwargs["death_signal"] == 9
    assert str(settings.VAR_DIR / "celerybeat-schedule") in command
