"""Every page of the site, found in the URLconf, and a database with something on each of them.

`pages()` lists each named route that answers GET with HTML, so that a page added later is covered
without a change here; a route whose URL takes an id needs an object of that kind in `prepare()`'s
answer, and one it cannot fill fails loudly with the route's name (add the kind to `prepare`).
Used by the real-browser layout tests (tests/e2e/test_phone_layout.py) and scripts/screenshots.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

# Namespaces that are not our pages: Django's admin (its own responsive styles, a page per model and
# object) and the JSON API, whose one HTML page, the docs, is kept.
SKIP_NAMESPACES = {"admin", "api"}
KEEP = {"api:openapi-view"}
# Query strings that show a page with its content rather than empty: the compare page's two runs.
QUERIES = {"compare": "?jobs={job_id}&jobs={other_job_id}"}

LONG_COMMENT = (
    "This is garbage and you know it. Reverting again is pointless vandalism: read the talk page first, "
    "https://en.wikipedia.org/wiki/Wikipedia:Three-revert_rule_and_its_many_exceptions_explained_at_length "
) * 3


@dataclass(frozen=True)
class Route:
    name: str  # with its namespace, as reverse() takes it
    kwargs: tuple[str, ...]  # the URL's parameters


@dataclass(frozen=True)
class Page:
    name: str
    url: str  # the path and query


class MissingObject(Exception):
    """A route takes an id of a kind that prepare() does not create."""


def named_routes(patterns=None, namespace=None, prefix_kwargs=()):
    """Every named route of the URLconf (namespaced names joined with ':'), with its URL's parameters."""
    from django.urls import URLPattern, URLResolver, get_resolver

    found = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        kwargs = (*prefix_kwargs, *entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace) if part) or None
            found += named_routes(entry.url_patterns, inner, kwargs)
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            found.append(Route(name, tuple(kwargs)))
    return found


def candidate_urls(objects):
    """(route name, URL) of every route that may be a page; MissingObject names the routes it cannot fill."""
    from django.urls import reverse

    urls, missing = [], []
    for route in named_routes():
        if route.name.split(":")[0] in SKIP_NAMESPACES and route.name not in KEEP:
            continue
        unknown = [kwarg for kwarg in route.kwargs if kwarg not in objects]
        if unknown:
            missing.append(f"{route.name} (takes {', '.join(unknown)})")
            continue
        url = reverse(route.name, kwargs={kwarg: objects[kwarg] for kwarg in route.kwargs})
        urls.append((route.name, url + QUERIES.get(route.name, "").format(**objects)))
    if missing:
        routes = "; ".join(missing)
        raise MissingObject(
            f"no prepared object for the page routes {routes}: add one to tests/support/pages.py prepare()"
        )
    return urls


def pages(client, objects):
    """The pages: the routes whose GET answers 200 with HTML to `client` (signed in as a superuser).

    A route that answers 405 takes POST only (an action), one that answers another type is data
    (JSON, CSV), a redirect is no page of its own; any other answer is an error, raised with its name.
    """
    found, broken = [], []
    for name, url in candidate_urls(objects):
        response = client.get(url)
        if response.status_code in (301, 302, 405) or "text/html" not in response.get("Content-Type", ""):
            continue
        if response.status_code != 200:
            broken.append(f"{name} {url}: {response.status_code}")
            continue
        found.append(Page(name, url))
    assert not broken, "page routes that do not answer 200: " + "; ".join(broken)
    return found


def prepare(run_dir: Path, username="ada"):
    """A superuser, the run in `run_dir` registered as the active model, jobs in several states with
    their curves, evaluations and logs, and predictions, some reviewed, one long. Returns
    ({URL parameter name: id} for the routes that take one, the superuser)."""
    from django.contrib.auth import get_user_model

    from webapp.checker.registry import register

    user = get_user_model().objects.create_superuser(username, "", "pw-for-pages")
    config = json.loads((run_dir / "run.json").read_text())
    version = register(run_dir, name=f"{config.get('method', 'model')}-v1", activate=True)
    student, teacher = _jobs(run_dir, config, version, user)
    prediction = _predictions(version, user)
    objects = {"job_id": student.pk, "other_job_id": teacher.pk, "prediction_id": prediction.pk}
    objects.update(dict.fromkeys(("model_id", "version_id", "model_version_id"), version.pk))
    return objects, user


def _jobs(run_dir, config, version, user):
    """A finished teacher and its student (the active model's job), a running and a queued job."""
    from django.utils import timezone

    from webapp.training.models import EvaluationResult, TrainingJob, TrainingMetric

    metrics = json.loads((run_dir / "metrics.json").read_text())
    now = timezone.now()
    common = {"dataset": "/srv/data/wiki_toxic", "config": config, "created_by": user}
    done = {"status": "succeeded", "metrics": metrics, "output_dir": str(run_dir), "step": 400, "total_steps": 400}
    ran = {"attempts": 1, "worker": "celery@gpu0", "device": "cuda:0", "finished": now - timedelta(minutes=5)}
    start = now - timedelta(minutes=15)
    teacher = TrainingJob.objects.create(
        method="teacher", teacher="bundled-minilm", started=start, **done, **ran, **common
    )
    student = TrainingJob.objects.create(
        method="odd", teacher=str(run_dir), teacher_job=teacher, model_version=version, started=start, **done, **ran,
        **common,
    )  # fmt: skip
    TrainingJob.objects.create(
        method="lora", teacher="/srv/models/a-very-long-teacher-directory-name/checkpoint-final", status="running",
        step=120, total_steps=400, eta_s=340, attempts=1, started=now, worker="celery@gpu1", device="cuda:1", **common,
    )  # fmt: skip
    TrainingJob.objects.create(method="even", teacher="bundled-minilm", status="queued", **common)
    for job in (teacher, student):
        TrainingMetric.objects.bulk_create(
            TrainingMetric(job=job, step=step, epoch=step / 400, loss=step**-0.5, components={"cls": 0.6 * step**-0.5})
            for step in range(10, 401, 10)
        )
        for split in set(metrics) & {"validation", "test"}:
            EvaluationResult.objects.create(job=job, split=split, step=400, epoch=1, final=True, metrics=metrics[split])
        job.log(f"queued by {user.get_username()}")
        job.log("finished")
    return student, teacher


def _predictions(version, user):
    """Three checks, the first reviewed; returns the long one."""
    from django.utils import timezone

    from webapp.checker.models import Prediction, PredictionReview

    texts = [
        ("you are a stupid idiot, shut up", "toxic", 0.973),
        ("Thanks for fixing the citation.", "non-toxic", 0.012),
        (LONG_COMMENT, "toxic", 0.81),
    ]
    rows = [
        Prediction.objects.create(text=text, label=label, toxic_probability=p, model_version=version, source="page")
        for text, label, p in texts
    ]
    rows[0].reviewed_label, rows[0].reviewed_by, rows[0].reviewed_at = "toxic", user, timezone.now()
    rows[0].save()
    PredictionReview.objects.create(
        prediction=rows[0], reviewer=user, action="confirm", previous_label="toxic", label="toxic"
    )
    return rows[2]
