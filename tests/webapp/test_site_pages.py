"""What every page shares: the icon, the header (also above the API docs), and a sign-in page styled as the site."""

import re
import urllib.request

import pytest


def test_the_favicon_is_linked_from_every_page_and_served(live_server, client):
    page = client.get("/accounts/login/").content.decode()
    linked = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page).group(1)

    with urllib.request.urlopen(live_server.url + linked) as icon:
        status, body = icon.status, icon.read()
    legacy = client.get("/favicon.ico")

    assert status == 200 and body.startswith(b"<svg")
    assert legacy.status_code == 301 and legacy["Location"] == linked


@pytest.mark.parametrize("url", ["/api/v1/docs", "/admin/login/"])
def test_the_api_docs_and_the_admin_link_the_favicon_too(client, db, url):
    assert 'rel="icon" href="/static/favicon.svg"' in client.get(url).content.decode()


def test_the_login_page_uses_the_site_styles_and_says_how_to_get_an_account(client, db):
    page = client.get("/accounts/login/").content.decode()

    assert '<link rel="stylesheet" href="/static/css/toxilab.css">' in page
    assert '<link rel="stylesheet" href="/static/css/layout.css">' in page
    assert '<div class="signin">' in page
    assert "createsuperuser" in page


def test_the_api_docs_have_the_site_header_with_a_way_back(client, db):
    page = client.get("/api/v1/docs").content.decode()

    header = page[page.index('<header class="site-header">') : page.index("</header>")]
    assert '<a class="brand" href="/">' in header
    assert '<a href="/">Checker</a>' in header
    assert '<div id="swagger-ui"></div>' in page, "the docs themselves are still there"
