"""Scale-out: two real worker processes (as two GPUs or two machines would run them, each with its
own node name) consume one training queue, and two queued jobs run at the same time, one on each."""

from services import tiny_job_options, wait_until

from webapp.training import jobs, options
from webapp.training.models import TrainingJob


def test_two_queued_jobs_run_in_parallel_on_two_workers_and_each_job_names_its_worker(
    two_workers, django_user_model, client, tiny_bert_dir, data_dir
):
    health = client.get("/healthz").json()["workers"]
    assert health["ok"] and health["answered"] >= 2  # others sharing this Redis may answer too
    user = django_user_model.objects.create_user("trainer", password="pw-for-tests", is_staff=True)
    launched = [
        jobs.launch(options.validate(tiny_job_options(tiny_bert_dir, data_dir, epochs=10)), user) for _ in range(2)
    ]

    def finished():
        rows = list(TrainingJob.objects.filter(pk__in=[job.pk for job in launched]).order_by("pk"))
        return all(row.status in ("succeeded", "failed") for row in rows) and rows

    try:
        first, second = wait_until(finished, timeout=180, what="both jobs to finish")
    except TimeoutError as exc:
        raise AssertionError(f"{exc}\n" + "\n".join(w.log()[-3000:] for w in two_workers)) from None

    assert (first.status, second.status) == ("succeeded", "succeeded"), (first.error, second.error)
    assert first.worker != second.worker
    assert {first.worker.split("-")[0], second.worker.split("-")[0]} == {"gpu0", "gpu1"}
    assert first.started < second.finished and second.started < first.finished, "their running times overlap"
    assert first.device == second.device == "cpu"
    client.force_login(user)
    page = client.get(f"/dashboard/jobs/{first.pk}/").content.decode()
    assert first.worker in page and "cpu" in page
