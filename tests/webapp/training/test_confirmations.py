"""Cancel asks first: a POST without confirm=yes answers a confirmation page (it works without
JavaScript) and changes nothing; the confirmed POST acts. (Promote asks on the model's page, beside
the active model's figures: tests/webapp/training/test_dashboard_pages.py.)"""


def test_cancel_without_confirm_shows_the_question_and_leaves_the_job_queued(staff_client, make_job):
    job = make_job("queued")

    response = staff_client.post(f"/dashboard/jobs/{job.pk}/cancel/")

    job.refresh_from_db()
    assert response.status_code == 200 and job.status == "queued"
    html = response.content.decode()
    assert f"Cancel job {job.pk}?" in html and 'name="confirm" value="yes"' in html


def test_confirmed_cancel_cancels_and_says_exactly_what_happened(staff_client, make_job):
    job = make_job("queued")

    response = staff_client.post(f"/dashboard/jobs/{job.pk}/cancel/", {"confirm": "yes"}, follow=True)

    job.refresh_from_db()
    assert job.status == "cancelled"
    assert f"Job {job.pk} is cancelled; it will not run." in [str(m) for m in response.context["messages"]]
