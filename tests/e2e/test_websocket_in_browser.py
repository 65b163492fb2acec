"""The job WebSocket in Chromium through daphne and Redis: a page on another port of the same host
cannot open it with the staff user's cookies, and logging out closes the one the site's page opened."""

import http.server
import threading
import uuid

import pytest

from tests.support import chromium
from tests.support.daphne import free_port
from tests.support.jobs import job_row

OPEN_SOCKET = """url => new Promise(resolve => {
    const socket = new WebSocket(url);
    window.closedWith = null;
    socket.onmessage = () => resolve("open");
    socket.onclose = event => { window.closedWith = event.code; resolve("closed " + event.code); };
})"""


@pytest.fixture
def other_port():
    """Another web server on the same host: any page, on a port of its own."""

    class Blank(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<!doctype html><title>elsewhere</title>")

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Blank)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_another_ports_page_is_refused_and_logout_closes_the_sites_own_socket(server, other_port):
    job = job_row("running", celery_task_id=str(uuid.uuid4()))
    socket_url = server.url.replace("http://", "ws://") + f"/ws/jobs/{job.pk}/"
    with chromium.launch() as browser:
        page = browser.new_context().new_page()
        chromium.log_in(page, server.url)

        elsewhere = page.context.new_page()
        elsewhere.goto(other_port + "/")
        assert elsewhere.evaluate(OPEN_SOCKET, socket_url) != "open"

        assert page.evaluate(OPEN_SOCKET, socket_url) == "open"
        other_tab = page.context.new_page()  # the same session, logging out while the first page stays
        other_tab.goto(server.url + "/dashboard/")
        other_tab.click(".site-header button:has-text('Log out')")
        other_tab.wait_for_url("**/accounts/login/**")

        page.wait_for_function("() => window.closedWith === 4401", timeout=30_000)
