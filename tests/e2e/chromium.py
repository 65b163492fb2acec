"""Debian's Chromium driven by Playwright, for the real-browser tests.

Playwright cannot download its own browser here, so it drives /usr/bin/chromium (installed by
.ci/run). The flags keep Chromium off the network it cannot reach anyway.
"""

from contextlib import contextmanager

EXECUTABLE = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@contextmanager
def launch():
    """A headless Chromium browser, closed (with Playwright) at the end of the block."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=EXECUTABLE, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def keep_local(page, base_url: str) -> list[str]:
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
