"""The checker's "Why?" in a real Chromium: after a verdict, the words that pushed it are marked in the
comment, toxic and non-toxic pushes told apart without colour, at 390 px too, and a comment's markup
stays text."""

import pytest

from tests.support import chromium
from webapp.checker.registry import register

TEXT = 'Thanks, but you are a stupid idiot <img src=x onerror="alert(1)">'
MARKED_TOXIC = """() => [...document.querySelectorAll("#result .why-text mark.push-toxic")]
  .map((mark) => mark.firstChild.textContent)"""
# The comment as drawn, each mark's word without its sign and spoken note: the text must come back whole.
WORDS_AS_WRITTEN = """() => [...document.querySelector("#result .why-text").childNodes]
  .map((node) => (node.nodeType === Node.TEXT_NODE ? node.textContent : node.firstChild.textContent)).join("")"""
# How each legend mark is drawn: the two pushes must differ in more than colour.
STYLES = """() => [...document.querySelectorAll("#result .why-legend mark")].map((mark) => {
  const style = getComputedStyle(mark);
  return [style.textDecorationLine, style.outlineStyle, mark.textContent];
})"""


@pytest.fixture
def baseline(transactional_db, baseline_dir, settings):
    settings.TOXILAB_RATE_LIMIT = None
    return register(baseline_dir, name="baseline", activate=True)


@pytest.mark.parametrize("width", [390, 1280])
def test_why_marks_the_words_that_pushed_the_verdict(live_server, baseline, width):
    from playwright.sync_api import expect

    with chromium.launch() as browser:
        page = browser.new_page(viewport={"width": width, "height": 800})
        dialogs = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(live_server.url + "/")
        page.fill("#id_text", TEXT)
        page.click("#check-form button[type=submit]:not([name])")
        expect(page.locator("#result .verdict-label")).to_have_text("Toxic")
        assert page.locator("#result .why").is_hidden()

        page.click("#result .why-form button")
        expect(page.locator("#result .why")).to_be_visible()
        shown = page.evaluate(WORDS_AS_WRITTEN)
        toxic = page.evaluate(MARKED_TOXIC)
        styles = page.evaluate(STYLES)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")

    assert {"stupid", "idiot"} <= set(toxic) and "Thanks" not in toxic
    assert shown == TEXT
    [toxic_style, calm_style] = styles
    assert toxic_style[:2] == ["underline", "none"] and calm_style[:2] == ["none", "dotted"]
    assert toxic_style[2].endswith("+") and calm_style[2].endswith("−")
    assert overflow <= 0 and dialogs == []


def test_without_javascript_why_is_a_page_of_its_own(live_server, baseline):
    with chromium.launch() as browser:
        page = browser.new_page(java_script_enabled=False)
        page.goto(live_server.url + "/")
        page.fill("#id_text", "you are a stupid idiot")
        page.click("#check-form button[type=submit]:not([name])")
        page.click("#result .why-form button")
        heading = page.inner_text("h1")
        marked = page.locator(".why-text mark.push-toxic").count()

    assert heading == "Why this verdict" and marked >= 2
