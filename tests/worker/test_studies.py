"""A study of 2 seeds x 3 methods through two real worker processes: each seed's students wait for
that seed's teacher, jobs run on both workers at once, and the finished study answers its results
and paired-bootstrap comparisons from the runs' own test predictions."""

from services import wait_until

from tests.support.tiny_bert import tiny_options
from webapp.studies import results
from webapp.studies.models import Study


def test_a_study_of_two_seeds_and_three_methods_runs_on_two_workers_at_once(
    two_workers, django_user_model, client, tiny_bert_dir, data_dir
):
    user = django_user_model.objects.create_superuser("lead", password="pw-for-tests")
    client.force_login(user)
    options = {k: v for k, v in tiny_options(tiny_bert_dir, data_dir, epochs=3).items() if k != "method"}
    created = client.post(
        "/api/v1/studies", {"methods": ["teacher", "odd", "even"], "seeds": 2, **options}, "application/json"
    )
    assert created.status_code == 201, created.content
    study_id = created.json()["id"]

    def finished():
        study = client.get(f"/api/v1/studies/{study_id}").json()
        return study["status"] not in ("queued", "running") and study

    try:
        study = wait_until(finished, timeout=600, interval=1, what="the study to finish")
    except TimeoutError as exc:
        raise AssertionError(f"{exc}\n" + "\n".join(w.log()[-3000:] for w in two_workers)) from None

    assert study["status"] == "succeeded", study["jobs"]
    assert study["progress"] == {"done": 6, "succeeded": 6, "total": 6, "eta_s": None}
    jobs = study["jobs"]
    teachers = {job["seed"]: job for job in jobs if job["method"] == "teacher"}
    for job in jobs:
        if job["method"] != "teacher":
            teacher = teachers[job["seed"]]
            assert job["teacher_job"] == teacher["id"] and job["started"] >= teacher["finished"]
    assert {job["worker"].split("-")[0] for job in jobs} == {"gpu0", "gpu1"}
    overlapping = [
        (a, b)
        for a in jobs
        for b in jobs
        if a["worker"] != b["worker"] and a["started"] < b["finished"] and b["started"] < a["finished"]
    ]
    assert overlapping, "some jobs ran at the same time on the two workers"

    by_method = {row["method"]: row for row in study["results"]}
    assert by_method["odd"]["seeds"] == 2 and by_method["odd"]["f1"]["mean"] is not None
    assert by_method["odd"]["f1"]["std"] is not None and by_method["teacher"]["train_s"]["mean"] > 0
    odd_even = next(c for c in study["comparisons"] if (c["a"], c["b"], c["metric"]) == ("odd", "even", "f1"))
    assert odd_even["paired_seeds"] == 2 and odd_even["ci_low"] <= odd_even["difference"] <= odd_even["ci_high"]
    assert odd_even["sentence"].startswith("odd vs even (test F1): ")
    pairs = {(c["a"], c["b"]) for c in study["comparisons"]}
    assert pairs == {("odd", "even"), ("odd", "teacher"), ("even", "teacher")}
    assert results.to_csv(Study.objects.get(pk=study_id)).count("\n") == 7
