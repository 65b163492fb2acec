"""Every page, found in the URLconf (tests/support/pages.py), in a real Chromium at a phone's 390 px and
a laptop's 1280 px: nothing makes the page scroll sideways, and every button, header link, link in a table
and checkbox (through its label) is a tap target of 44 px at least."""

import pytest

from tests.support import chromium, pages

WIDTHS = {"phone": 390, "desktop": 1280}

# The elements wider than the window that are not inside a box that scrolls or clips: the culprits.
OVERFLOW = """() => {
  const width = window.innerWidth;
  const clipped = (element) => {
    for (let e = element.parentElement; e && e !== document.body; e = e.parentElement) {
      if (getComputedStyle(e).overflowX !== "visible") return true;
    }
    return false;
  };
  const name = (e) => [e.tagName.toLowerCase(), e.id && `#${e.id}`, ...[...e.classList].map((c) => `.${c}`)].join("");
  const culprits = [...document.body.querySelectorAll("*")]
    .filter((e) => e.getBoundingClientRect().right > width + 0.5 && !clipped(e))
    .map((e) => `${name(e)} (${Math.round(e.getBoundingClientRect().right)} px)`);
  return { scrollWidth: document.documentElement.scrollWidth, innerWidth: width, culprits: culprits.slice(0, 4) };
}"""

SMALL_TARGETS = """() => [...document.querySelectorAll(`.site-header a, .site-header button, main button,
    main .button, main input[type=submit], main input[type=checkbox], main table a`)]
  .filter((e) => e.offsetParent !== null)
  .map((e) => [e.closest("label") || e, e])  // a checkbox is tapped through its label
  .map(([e, control]) => [e.textContent.trim() || control.getAttribute("aria-label") || control.name,
    e.getBoundingClientRect()])
  .filter(([, box]) => box.width < 44 || box.height < 44)
  .map(([text, box]) => `${text} (${Math.round(box.width)}x${Math.round(box.height)})`)"""


@pytest.fixture
def site(transactional_db, tiny_artifact_dir, client, settings):
    """The prepared pages and the superuser's session cookie."""
    settings.RUNTIME_CHOICE = False
    settings.TOXILAB_RATE_LIMIT = None
    objects, user = pages.prepare(tiny_artifact_dir)
    client.force_login(user)
    return pages.pages(client, objects), client.cookies[settings.SESSION_COOKIE_NAME].value


def test_the_pages_are_found_in_the_urlconf(site):
    found = {page.name for page in site[0]}

    # The main pages, as examples: the list is the URLconf's, not this one.
    assert {"checker", "login", "dashboard", "job", "compare", "predictions", "prediction", "api:openapi-view"} <= found
    assert not found & {"logout", "healthz", "job-cancel", "predictions-export", "favicon"}


@pytest.mark.parametrize("device", WIDTHS)
def test_no_page_scrolls_sideways_and_every_tap_target_is_44_px(live_server, site, device):
    found, cookie = site
    overflowing, small, comment_widths = {}, {}, []
    with chromium.launch() as browser:
        context = browser.new_context(viewport={"width": WIDTHS[device], "height": 900})
        context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])
        page = context.new_page()
        for each in found:
            page.goto(live_server.url + each.url, wait_until="networkidle")
            if page.locator("#swagger-ui").count():
                page.wait_for_selector(".swagger-ui .info .title")
            layout = page.evaluate(OVERFLOW)
            if layout["scrollWidth"] > layout["innerWidth"]:
                overflowing[each.name] = layout
            if targets := page.evaluate(SMALL_TARGETS):
                small[each.name] = targets
            if each.name == "predictions":
                comment_widths = page.eval_on_selector_all("td.comment", "cells => cells.map((c) => c.offsetWidth)")
        context.close()

    assert len(found) >= 8
    assert overflowing == {}, f"pages wider than {WIDTHS[device]} px"
    assert small == {}, "tap targets under 44 px"
    # A comment cell keeps room for whole words ("garbage", not "gar / bag / e"): 14 rem, inside the scroll box.
    assert comment_widths and min(comment_widths) >= 14 * 16
