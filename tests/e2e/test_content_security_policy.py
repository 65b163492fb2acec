"""Every page is served with a Content-Security-Policy that allows this site's own scripts, styles and
connections only, and every page works under it in Chromium: no violation is reported on any of them."""

import uuid

import pytest

from tests.support import chromium
from tests.support.jobs import job_row
from webapp.checker.models import ModelVersion, Prediction

REPORT_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", event => window.cspViolations.push(
    `${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`));
"""


@pytest.fixture
def site(transactional_db, django_user_model):
    """A superuser (every page, the admin's too), a finished job with a loss curve, and a prediction."""
    django_user_model.objects.create_superuser("ada", "", chromium.PASSWORD)
    curve = {"threshold": [0.0, 0.5, 1.0], "precision": [0.25, 0.8, 1.0], "recall": [1.0, 0.7, 0.0]}
    version = ModelVersion.objects.create(
        name="odd-v1", method="odd", teacher="bundled-minilm", artifact_path="/x", metrics={"validation_curve": curve}
    )
    prediction = Prediction.objects.create(
        text="you are a zebra", label="toxic", toxic_probability=0.9, model_version=version, source="page"
    )
    finished = {"step": 2, "total_steps": 2, "metrics": {"test": {"f1": 0.5, "accuracy": 0.9}}}
    jobs = [job_row("succeeded", celery_task_id=str(uuid.uuid4()), **finished) for _ in range(2)]
    for job in jobs:
        for step in (1, 2):
            job.points.create(step=step, epoch=step / 2, loss=1 / step)
    return {"job": jobs[0].pk, "jobs": [job.pk for job in jobs], "prediction": prediction.pk, "model": version.pk}


def pages(site):
    job, prediction = site["job"], site["prediction"]
    return [
        "/",
        "/dashboard/",
        "/dashboard/jobs/new/",
        f"/dashboard/jobs/new/?from={job}",
        f"/dashboard/jobs/{job}/",
        "/dashboard/compare/?" + "&".join(f"jobs={pk}" for pk in site["jobs"]),
        "/dashboard/predictions/",
        f"/dashboard/predictions/{prediction}/",
        "/dashboard/models/",
        f"/dashboard/models/{site['model']}/",
        "/api/v1/docs",
        "/admin/",
        "/admin/training/trainingjob/",
        f"/admin/training/trainingjob/{job}/change/",
        "/admin/auth/user/add/",
    ]


def test_every_page_sends_the_policy_and_breaks_none_of_its_rules(live_server, site):
    with chromium.launch() as browser:
        page = browser.new_context().new_page()
        page.add_init_script(REPORT_VIOLATIONS)
        console = []
        page.on("console", lambda message: console.append(message.text) if message.type == "error" else None)

        first = chromium.log_in(page, live_server.url, "/accounts/login/", lands_on="/dashboard/")
        policy = first.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "script-src 'self'" in policy and "unsafe-inline" not in policy

        violations = {}
        for path in ["/accounts/login/", *pages(site)]:
            response = page.goto(live_server.url + path)
            page.wait_for_load_state("networkidle")
            assert response.status == 200, path
            assert response.headers["content-security-policy"] == policy, path
            found = page.evaluate("window.cspViolations") + [text for text in console if "Content Security" in text]
            console.clear()
            if found:
                violations[path] = found

    assert violations == {}
