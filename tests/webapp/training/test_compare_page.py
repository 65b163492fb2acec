"""The compare page compares like with like: the classification loss of every run, each method's own
total loss as a separate series, validation F1 per evaluation; failed runs apart; a config diff; and the
job page's config table shows only the options its method reads."""

import pytest

from webapp.training import compare


@pytest.fixture
def teacher_and_student(make_job):
    teacher = make_job(
        "succeeded", step=2, total_steps=2, metrics={"test": {"f1": 0.70}, "model_size_bytes": 90_900_000}
    )
    student_config = {**teacher.config, "method": "odd", "alpha_cls": 1 / 3}
    student = make_job(
        "succeeded",
        method="odd",
        config=student_config,
        step=2,
        total_steps=2,
        metrics={"test": {"f1": 0.75}, "model_size_bytes": 45_000_000},
    )
    for step in (1, 2):
        teacher.points.create(step=step, epoch=step / 2, loss=0.6 / step, components={"cls": 0.6 / step})
        student.points.create(
            step=step, epoch=step / 2, loss=0.2 / step, components={"cls": 0.5 / step, "div": 0.05, "cos": 0.05}
        )
    for job, f1s in ((teacher, (0.5, 0.7)), (student, (0.55, 0.72))):
        for step, f1 in zip((1, 2), f1s, strict=True):
            job.evaluations.create(split="validation", step=step, epoch=step / 2, metrics={"f1": f1})
        job.evaluations.create(split="test", step=2, epoch=1, final=True, metrics={"f1": 0.9})
    return teacher, student


def test_every_run_has_its_classification_loss_and_the_total_is_a_separate_series(teacher_and_student):
    teacher, student = teacher_and_student
    curves = compare.curves([teacher, student])

    assert curves[teacher.pk]["cls"] == [[1, 0.6], [2, 0.3]]
    assert curves[student.pk]["cls"] == [[1, 0.5], [2, 0.25]]
    assert curves[student.pk]["loss"] == [[1, 0.2], [2, 0.1]]  # its own mix, not the cross-entropy
    assert [name for name, _ in compare.series_labels(curves)][:3] == ["cls", "val_f1", "loss"]
    assert "not comparable" in dict(compare.series_labels(curves))["loss"]


def test_validation_f1_is_one_point_per_evaluation_step_without_the_final_test(teacher_and_student):
    teacher, student = teacher_and_student
    curves = compare.curves([teacher, student])

    assert curves[teacher.pk]["val_f1"] == [[1, 0.5], [2, 0.7]]
    assert curves[student.pk]["val_f1"] == [[1, 0.55], [2, 0.72]]


def test_the_page_defaults_to_the_classification_loss_and_bolds_the_best_value(staff_client, teacher_and_student):
    teacher, student = teacher_and_student
    response = staff_client.get(f"/dashboard/compare/?jobs={teacher.pk}&jobs={student.pk}")
    html = response.content.decode()

    assert response.status_code == 200
    assert html.index('<option value="cls">') < html.index('<option value="loss">')
    rows = {job: row for job, *_, row in response.context["rows_by_job"]}
    best = {heading: text for heading, text, is_best in rows[student] if is_best}
    assert best == {"F1": "0.7500", "size MB": "45.0"}


def test_the_config_diff_shows_only_the_options_that_differ(teacher_and_student):
    teacher, student = teacher_and_student

    diff = dict(compare.config_diff([teacher, student]))

    assert diff["method"] == ["teacher", "odd"]
    assert diff["alpha_cls"] == ["—", "0.3333"]  # the teacher's config holds it, but its method does not read it
    assert "epochs" not in diff and "batch_size" not in diff


def test_failed_runs_are_listed_apart_not_as_rows_of_dashes(staff_client, make_job, teacher_and_student):
    teacher, _ = teacher_and_student
    failed = make_job("failed", error="CUDA out of memory")
    response = staff_client.get(f"/dashboard/compare/?jobs={teacher.pk}&jobs={failed.pk}")

    assert [job for job, *_ in response.context["rows_by_job"]] == [teacher]
    assert response.context["failed"] == [failed]
    assert "CUDA out of memory" in response.content.decode()


def test_the_job_page_config_table_shows_only_the_options_its_method_reads(staff_client, teacher_and_student):
    teacher, student = teacher_and_student
    config = {**teacher.config, "lora_r": 8, "alpha_div": 1 / 3}
    teacher.config = config
    teacher.save()

    def rows(job):
        return {name: text for name, text, _ in staff_client.get(f"/dashboard/jobs/{job.pk}/").context["config_rows"]}

    teacher_rows, student_rows = rows(teacher), rows(student)

    assert "lora_r" not in teacher_rows and "alpha_div" not in teacher_rows and "epochs" in teacher_rows
    assert student_rows["alpha_cls"] == "0.3333"


def test_the_job_page_shows_the_compare_pages_size_and_speed_figures(staff_client, make_job):
    metrics = {
        "test": {"f1": 0.7},
        "model_size_bytes": 90_900_000,
        "latency": {"ms_per_comment_batch1": 12.34, "comments_per_s_batch32": 812.0},
    }
    job = make_job("succeeded", metrics=metrics)

    job_page = staff_client.get(f"/dashboard/jobs/{job.pk}/").content.decode()
    ((_job, _gate, _sample, cells),) = compare.rows([job])
    row = {heading: text for heading, text, _ in cells}

    assert (row["size MB"], row["ms/comment"], row["comments/s"]) == ("90.9", "12.3", "812")
    assert "90.9 MB" in job_page and "12.3 ms/comment at batch size 1" in job_page
    assert "812 comments/s at batch size 32" in job_page
