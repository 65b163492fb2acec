"""Screenshots of the main pages at a laptop's 1280 px and a phone's 390 px, into docs/screenshots/.

    .venv/bin/python scripts/screenshots.py [--model runs/odd] [--out docs/screenshots]

A throwaway SQLite database gets the pages' content (tests/support/pages.py: jobs, predictions, the
model in --model as the active one, else a tiny random model trained here in seconds, whose verdicts
mean nothing), daphne serves it, and the real Chromium (tests/support/chromium.py) takes each page.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}
# File name, URL (its fields are the prepared objects' ids) and whether the page needs signing in.
SHOTS = [
    (name, url, signed == "in")
    for name, url, signed in (
        line.split()
        for line in """
            checker          /                                                     out
            checker-verdict  /                                                     out
            login            /accounts/login/                                      out
            dashboard        /dashboard/                                           in
            job              /dashboard/jobs/{job_id}/                             in
            compare          /dashboard/compare/?jobs={job_id}&jobs={other_job_id} in
            review           /dashboard/predictions/                               in
            review-detail    /dashboard/predictions/{prediction_id}/               in
            models           /dashboard/models/                                    in
            model            /dashboard/models/{version_id}/                       in
            monitoring       /dashboard/monitoring/                                in
            study            /dashboard/studies/{study_id}/                        in
            api-docs         /api/v1/docs                                          out
        """.strip().splitlines()
    )
]
VERDICT_TEXT = "Thanks for fixing the citation on this article."


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="a trained run directory to serve (default: a tiny random one)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    if args.model and not (args.model / "metrics.json").is_file():
        print(f"error: --model {args.model}: not a run directory (no metrics.json)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="toxilab-shots-") as tmp:
        env = setup_django(Path(tmp))
        run_dir = args.model or tiny_run(Path(tmp))
        from tests.support import pages

        objects, user = pages.prepare(run_dir)
        cookie = session_cookie(user)
        args.out.mkdir(parents=True, exist_ok=True)
        take(env, objects, cookie, args.out)
    return 0


def setup_django(tmp: Path) -> dict[str, str]:
    """A fresh SQLite database under `tmp`, migrated; the environment that daphne gets too."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE="webapp.settings",
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        TOXILAB_ARTIFACTS_DIR=str(tmp / "artifacts"),
        TOXILAB_SECRET_KEY_FILE=str(tmp / "secret_key"),
        TOXILAB_RUNTIME_CHOICE="0",
        TOXILAB_RATE_LIMIT="1000/m",
    )
    for name in ("REDIS_URL", "DEBUG"):
        os.environ.pop(name, None)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return dict(os.environ)


def tiny_run(tmp: Path) -> Path:
    import ml
    from tests.support import paths
    from tests.support.runs import tiny_config
    from tests.support.tiny_bert import make_tiny_bert

    teacher = make_tiny_bert(tmp / "tiny-bert")
    out = tmp / "tiny-run"
    ml.train(tiny_config(teacher, paths.data_dir(), out))
    return out


def session_cookie(user) -> str:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def take(env, objects, cookie, out: Path) -> None:
    from tests.support import chromium, daphne

    with daphne.serving(env) as server, chromium.launch() as browser:
        for device, (width, height) in WIDTHS.items():
            for name, url, signed_in in SHOTS:
                context = browser.new_context(viewport={"width": width, "height": height})
                if signed_in:
                    context.add_cookies([{"name": "sessionid", "value": cookie, "url": server.url}])
                page = context.new_page()
                page.goto(server.url + url.format(**objects), wait_until="networkidle")
                if name == "api-docs":
                    page.wait_for_selector(".swagger-ui .info .title")
                if name == "checker-verdict":
                    page.fill("#id_text", VERDICT_TEXT)
                    page.click("#check-form button[type=submit]")
                    page.wait_for_selector("#result .verdict")
                path = out / f"{name}-{device}.png"
                page.screenshot(path=str(path))
                context.close()
                print(f"{path} ({path.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    sys.exit(main())
