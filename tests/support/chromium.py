"""Debian's Chromium driven by Playwright, for the real-browser tests and the dashboard benchmark.

Playwright cannot download its own browser here, so it drives the system's Chromium (installed by
.ci/run; $TOXILAB_CHROMIUM names another). Where none is found the browser tests skip with the
reason, except under CI=true, where they fail: CI must not pass by skipping them. The flags keep
Chromium off the network it cannot reach anyway.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright, Response

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NAMES = ("chromium", "chromium-browser")
# The password of the accounts that the browser tests sign in with.
PASSWORD = "a-long-test-password"


def executable() -> str | None:
    """The Chromium to drive: $TOXILAB_CHROMIUM, else `chromium` or `chromium-browser` on PATH."""
    if os.environ.get("TOXILAB_CHROMIUM"):
        return shutil.which(os.environ["TOXILAB_CHROMIUM"])
    return next((path for path in map(shutil.which, NAMES) if path), None)


def missing_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if executable() is not None:
        return None
    wanted = os.environ.get("TOXILAB_CHROMIUM") or " or ".join(NAMES)
    return (
        f"no Chromium found ({wanted} is not on PATH): install Debian's `chromium` package "
        "(apt-get install chromium, as .ci/run does) or set TOXILAB_CHROMIUM"
    )


def require() -> str:
    """The Chromium path; otherwise skip the test with the reason, or fail it under CI=true."""
    import pytest

    path = executable()
    if path is not None:
        return path
    reason = missing_reason()
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


def launch_with(playwright: Playwright, path: str | None = None) -> Browser:
    """A headless Chromium (`path`, else the one found) started by `playwright`."""
    return playwright.chromium.launch(executable_path=path or executable(), args=ARGS)


@contextmanager
def launch() -> Iterator[Browser]:
    """A headless Chromium browser for a test, closed (with Playwright) at the end of the block."""
    from playwright.sync_api import sync_playwright

    path = require()
    with sync_playwright() as playwright:
        browser = launch_with(playwright, path)
        try:
            yield browser
        finally:
            browser.close()


def log_in(
    page: Page,
    url: str,
    path: str = "/dashboard/",
    username: str = "ada",
    password: str = PASSWORD,
    lands_on: str | None = None,
) -> Response | None:
    """Open `path` on the site at `url`, sign in through the login form it leads to, and wait for the page
    the site then shows (`lands_on`, by default `path` itself). Returns the response to opening `path`."""
    response = page.goto(url + path)
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(url + (lands_on or path))
    return response


def keep_local(page: Page, base_url: str) -> list[str]:
    """Abort every request of `page` that leaves `base_url`; the returned list collects their URLs."""
    outside = []

    def route(request_route):
        if request_route.request.url.startswith(base_url):
            request_route.continue_()
        else:
            outside.append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)
    return outside
