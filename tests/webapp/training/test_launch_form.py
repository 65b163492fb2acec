"""The launch form: ml's defaults, field errors from ml's own rules, and nothing queued when refused."""

import pytest

from ml.config import DEFAULT_LR
from tests.support.jobs import form_data
from webapp.training.models import TrainingJob


def test_the_form_offers_every_option_with_mls_defaults(staff_client):
    page = staff_client.get("/dashboard/jobs/new/")

    assert page.status_code == 200
    html = page.content.decode()
    for name in (
        "method",
        "teacher",
        "teacher_job",
        "dataset",
        "epochs",
        "batch_size",
        "lr",
        "max_length",
        "max_train_samples",
        "temperature",
        "alpha_cls",
        "alpha_div",
        "alpha_cos",
        "lora_r",
        "seed",
        "log_every_steps",
        "precision",
        "cpu",
    ):
        assert f'name="{name}"' in html
    assert 'name="epochs" value="3"' in html and 'name="batch_size" value="32"' in html
    assert 'value="bundled-minilm"' in html and '<datalist id="teacher-suggestions">' in html
    assert f'"lora": {DEFAULT_LR["lora"]}' in html, "the page knows each method's default learning rate"


def test_a_valid_form_queues_the_job_and_opens_its_page(
    staff_client, staff, tiny_options, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        response = staff_client.post("/dashboard/jobs/new/", form_data(tiny_options, epochs=2))

    job = TrainingJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/dashboard/jobs/{job.pk}/"
    assert len(queued) == 1
    assert (job.status, job.created_by, job.config["epochs"], job.config["max_train_samples"]) == (
        "queued",
        staff,
        2,
        64,
    )
    assert job.config["alpha_cls"] == pytest.approx(1 / 3), "options left as shown keep ml's defaults"


def test_an_empty_learning_rate_takes_the_methods_default(staff_client, tiny_options):
    staff_client.post("/dashboard/jobs/new/", form_data(tiny_options, method="lora", lr=""))
    assert TrainingJob.objects.get().config["lr"] == DEFAULT_LR["lora"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("epochs", "0", "must be a positive integer"),
        ("epochs", str(10**12), "must be at most 100"),
        ("max_eval_samples", "99999999999", "must be at most 10000000"),
        ("lr", "2", "must be in (0.0, 1.0]"),
        ("max_length", "4", "must be an integer from 8 to 512"),
        ("lora_dropout", "1", "must be in [0.0, 1.0)"),
        ("batch_size", "lots", "Enter a whole number."),
        ("dataset", "/no/such/dataset", "not in a data directory this server reads from"),
        ("dataset", "not a dataset id", "not a local path or a Hugging Face dataset id"),
        ("teacher", "/no/such/teacher", "not a model directory on the server"),
        ("cos_on", "everything", "Select a valid choice."),
    ],
)
def test_bad_options_are_refused_with_an_error_on_their_field_and_nothing_is_queued(
    staff_client, tiny_options, django_capture_on_commit_callbacks, field, value, message
):
    with django_capture_on_commit_callbacks() as queued:
        response = staff_client.post("/dashboard/jobs/new/", form_data(tiny_options, **{field: value}))

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field] and message in errors[field][0]
    assert f'id="{field}-errors"' in response.content.decode()
    assert not TrainingJob.objects.exists() and queued == []


def test_every_bad_option_gets_its_error_in_one_submit(staff_client, tiny_options):
    response = staff_client.post("/dashboard/jobs/new/", form_data(tiny_options, epochs="0", lr="2", max_length="4"))
    errors = response.context["form"].errors
    assert set(errors) == {"epochs", "lr", "max_length"}


def test_distilling_with_all_three_loss_weights_at_zero_is_refused(staff_client, tiny_options):
    response = staff_client.post(
        "/dashboard/jobs/new/", form_data(tiny_options, method="odd", alpha_cls="0", alpha_div="0", alpha_cos="0")
    )
    assert response.context["form"].errors == {"alpha_cls": ["the three loss weights cannot all be zero"]}


def test_a_finished_teacher_job_can_be_the_teacher_of_a_student(
    staff_client, finished_job, tiny_options, tiny_artifact_dir
):
    page = staff_client.get("/dashboard/jobs/new/").content.decode()
    assert f'<option value="{finished_job.pk}">job {finished_job.pk}:' in page

    staff_client.post(
        "/dashboard/jobs/new/", form_data(tiny_options, method="odd", teacher="", teacher_job=finished_job.pk)
    )
    student = TrainingJob.objects.exclude(pk=finished_job.pk).get()
    assert student.teacher_job == finished_job and student.teacher == str(tiny_artifact_dir)


def test_launch_a_copy_prefills_the_form_with_the_jobs_configuration(staff_client, make_job):
    job = make_job("failed")
    form = staff_client.get(f"/dashboard/jobs/new/?from={job.pk}").context["form"]
    assert form.initial["max_train_samples"] == 64 and form.initial["teacher"] == job.teacher


def test_the_baseline_needs_no_teacher_and_records_none(staff_client, tiny_options):
    response = staff_client.post("/dashboard/jobs/new/", form_data(tiny_options, method="baseline", teacher=""))

    job = TrainingJob.objects.get()
    assert response.status_code == 302 and (job.method, job.teacher, job.config["teacher"]) == (
        "baseline",
        "none",
        "none",
    )
    assert job.config["baseline_c"] == 4.0 and job.config["max_train_samples"] == tiny_options["max_train_samples"]
