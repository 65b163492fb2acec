"""The contract of /api/v1/studies that other tools rely on: 201 with the study and its `id`, the
shape of GET, cancel, and a 400 with a JSON reason for bad methods, seeds or vary. (No worker runs
here: a study through real workers is tests/worker/test_studies.py.)"""

import pytest

from webapp.studies.models import Study
from webapp.training.models import TrainingJob


@pytest.fixture
def body(tiny_options):
    options = {k: v for k, v in tiny_options.items() if k != "method"}
    return {"methods": ["teacher", "odd", "lora"], "seeds": 2, **options}


def post(client, path, body=None):
    return client.post(path, body or {}, content_type="application/json")


def test_a_study_is_created_as_one_job_per_method_and_seed_students_waiting_for_their_seeds_teacher(staff_client, body):
    response = post(staff_client, "/api/v1/studies", body)

    assert response.status_code == 201, response.content
    study = response.json()
    assert study["id"] == Study.objects.get().pk and study["status"] == "queued"
    assert study["seeds"] == [42, 43] and study["progress"] == {"done": 0, "succeeded": 0, "total": 6, "eta_s": None}
    by_cell = {(job["method"], job["seed"]): job for job in study["jobs"]}
    assert set(by_cell) == {(m, s) for m in ("teacher", "odd", "lora") for s in (42, 43)}
    for seed in (42, 43):
        teacher, odd, lora = (by_cell[(m, seed)] for m in ("teacher", "odd", "lora"))
        assert (teacher["status"], lora["status"], odd["status"]) == ("queued", "queued", "waiting")
        assert odd["teacher_job"] == teacher["id"] and lora["teacher_job"] is None
        assert TrainingJob.objects.get(pk=odd["id"]).config["seed"] == seed
    assert [r["method"] for r in study["results"]] == ["teacher", "odd", "lora"]
    assert {(c["a"], c["b"], c["metric"]) for c in study["comparisons"]} == {
        (a, "teacher", m) for a in ("odd", "lora") for m in ("f1", "roc_auc")
    }
    for comparison in study["comparisons"]:
        assert {"a", "b", "metric", "difference", "ci_low", "ci_high"} <= set(comparison)
        assert comparison["difference"] is None and "not compared yet" in comparison["sentence"]


def test_get_answers_the_same_shape_and_cancel_cancels_every_job(staff_client, body):
    study_id = post(staff_client, "/api/v1/studies", {**body, "seeds": [7]}).json()["id"]
    got = staff_client.get(f"/api/v1/studies/{study_id}").json()
    assert {"id", "status", "jobs", "results", "comparisons", "progress"} <= set(got) and len(got["jobs"]) == 3

    cancelled = post(staff_client, f"/api/v1/studies/{study_id}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert {job["status"] for job in cancelled.json()["jobs"]} == {"cancelled"}
    assert staff_client.get("/api/v1/studies/999999").status_code == 404


def test_a_varied_option_makes_one_cell_per_value(staff_client, body):
    vary = {"option": "max_train_samples", "values": [32, 64]}
    study = post(staff_client, "/api/v1/studies", {**body, "methods": ["teacher"], "seeds": 1, "vary": vary}).json()
    samples = sorted(TrainingJob.objects.get(pk=job["id"]).config["max_train_samples"] for job in study["jobs"])
    assert samples == [32, 64] and sorted(job["value"] for job in study["jobs"]) == [32, 64]


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"methods": ["teacher", "nonsense"]}, "methods", "unknown nonsense"),
        ({"methods": []}, "methods", "non-empty list"),
        ({"methods": ["odd"]}, "methods", "odd learn from the study's teacher: add teacher"),
        ({"seeds": 0}, "seeds", "from 1 to 20"),
        ({"seeds": [1, 1]}, "seeds", "twice"),
        ({"vary": {"option": "nonsense", "values": [1]}}, "vary", "'nonsense' is not a training option"),
        ({"vary": {"option": "epochs"}}, "vary", '"values"'),
        ({"vary": {"option": "epochs", "values": [1, 0]}}, "epochs", "positive integer (with epochs 0)"),
        ({"seed": 3}, "seed", "set by the study"),
        ({"epochs": "many"}, "epochs", "positive integer"),
    ],
)
def test_bad_input_is_a_400_with_a_json_reason_and_nothing_is_created(staff_client, body, change, field, reason):
    response = post(staff_client, "/api/v1/studies", {**body, **change})
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field and reason in response.json()["error"]
    assert not Study.objects.exists() and not TrainingJob.objects.exists()


def test_only_trainers_launch_studies(client, body, member, django_user_model):
    assert post(client, "/api/v1/studies", body).status_code == 401
    client.force_login(member)
    assert post(client, "/api/v1/studies", body).status_code == 403
    viewer = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    client.force_login(viewer)
    assert post(client, "/api/v1/studies", body).status_code == 403
