"""A real browser at a phone's 390 px: the staff header lists Studies with the other pages, marks the
page one is on (aria-current), and each link is a tap target of its own (44 px, not run together) whose
words fit inside it (a shrunk link let its word run over the next one's)."""

import itertools

import pytest

from tests.support import chromium

pytestmark = pytest.mark.slow

LINKS = """() => [...document.querySelectorAll(".site-nav a")].map((a) => ({
  text: a.textContent.trim(), current: a.getAttribute("aria-current"), box: a.getBoundingClientRect().toJSON(),
  fits: a.scrollWidth <= a.clientWidth }))"""


def test_the_header_lists_studies_marks_the_current_page_and_keeps_links_apart_on_a_phone(server):
    """The `server` fixture's staff user "ada" signs in."""
    with chromium.launch() as browser:
        page = browser.new_page(viewport={"width": 390, "height": 800})
        chromium.log_in(page, server.url, "/dashboard/studies/")
        on_studies = page.evaluate(LINKS)
        page.goto(f"{server.url}/dashboard/models/")
        on_models = page.evaluate(LINKS)

    texts = [link["text"] for link in on_studies]
    assert "Studies" in texts and "Dashboard" in texts and "Models" in texts
    assert [link["text"] for link in on_studies if link["current"] == "page"] == ["Studies"]
    assert [link["text"] for link in on_models if link["current"] == "page"] == ["Models"]
    boxes = [link["box"] for link in on_studies]
    assert all(box["width"] >= 44 and box["height"] >= 44 for box in boxes)
    assert all(a["x"] + a["width"] <= b["x"] for a, b in itertools.pairwise(boxes)), "links apart"
    assert [link["text"] for link in on_studies if not link["fits"]] == [], "each word inside its own link"
