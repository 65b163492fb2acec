"""Staff name a run and note why it exists: set at launch through the API or on the job page, and shown
by the API, the job list and the compare page."""

import json


def test_a_name_and_note_given_at_launch_come_back_from_the_api(api, tiny_options):
    created = api("post", "/jobs", {**tiny_options, "name": "wide student", "note": "alpha_cls 0.5 this time"})

    assert created.status_code == 201, created.json()
    read = api("get", f"/jobs/{created.json()['id']}").json()
    assert (read["name"], read["note"]) == ("wide student", "alpha_cls 0.5 this time")


def test_a_name_longer_than_100_characters_is_a_400(api, tiny_options):
    response = api("post", "/jobs", {**tiny_options, "name": "x" * 101})

    assert response.status_code == 400 and "name" in json.dumps(response.json())


def test_staff_name_a_run_on_its_page_and_the_list_and_compare_page_show_it(staff_client, make_job):
    job = make_job("succeeded")

    staff_client.post(f"/dashboard/jobs/{job.pk}/describe/", {"name": "baseline again", "note": "seed 2"})

    job.refresh_from_db()
    assert (job.name, job.note) == ("baseline again", "seed 2")
    assert "baseline again" in staff_client.get(f"/dashboard/jobs/{job.pk}/").content.decode()
    assert "baseline again" in staff_client.get("/dashboard/").content.decode()
    compare_page = staff_client.get(f"/dashboard/compare/?jobs={job.pk}").content.decode()
    assert f"job {job.pk} · baseline again" in compare_page and "seed 2" in compare_page


def test_a_too_long_name_on_the_page_is_refused_with_a_message(staff_client, make_job):
    job = make_job("succeeded")

    response = staff_client.post(f"/dashboard/jobs/{job.pk}/describe/", {"name": "x" * 101, "note": ""}, follow=True)

    job.refresh_from_db()
    assert job.name == "" and response.status_code == 200
    assert any("not saved" in str(message) for message in response.context["messages"])


def test_only_staff_with_the_trainers_permission_rename_a_run_and_each_change_is_logged(staff_client, make_job):
    from django.test import Client

    from tests.support.accounts import staff_user
    from tests.support.jobs import log_of

    job = make_job("succeeded")
    client = Client()  # staff_client is the test's `client`, signed in as ada
    client.force_login(staff_user("viewer", groups=()))

    refused = client.post(f"/dashboard/jobs/{job.pk}/describe/", {"name": "mine now", "note": "hijacked"})
    page = client.get(f"/dashboard/jobs/{job.pk}/").content.decode()
    staff_client.post(f"/dashboard/jobs/{job.pk}/describe/", {"name": "wide", "note": "seed 2"})
    staff_client.post(f"/dashboard/jobs/{job.pk}/describe/", {"name": "wide", "note": "seed 3"})

    job.refresh_from_db()
    assert refused.status_code == 403 and 'id="describe-form"' not in page
    assert (job.name, job.note) == ("wide", "seed 3")
    assert log_of(job)[-2:] == ["name set to 'wide' and note edited by ada", "note edited by ada"]
