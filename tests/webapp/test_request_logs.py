"""What the server's log keeps of requests: a refused request (a plain 403) in one line, without a
traceback; and no review search terms in the access log."""

import logging

from tests.support.accounts import staff_user


def test_a_plain_403_is_logged_in_one_line_without_a_traceback(client, db, caplog):
    client.force_login(staff_user("viewer", groups=()))

    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/dashboard/predictions/")

    assert response.status_code == 403
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == "Forbidden (Permission denied): /dashboard/predictions/"
    assert record.exc_info is None and "Traceback" not in caplog.text


def test_review_search_terms_stay_out_of_the_access_log(transactional_db, tmp_path, client):
    import http.client

    from services import Service, require_real_services, service_env

    from tests.support.daphne import free_port, wait_until_listening
    from webapp.launcher import daphne_command

    require_real_services()
    port = free_port()
    server = Service(
        "daphne", daphne_command("127.0.0.1", port), service_env(tmp_path / "a", "unused"), tmp_path / "daphne.log"
    ).start()
    try:
        wait_until_listening(port, lambda: server.alive, timeout=90, describe=lambda: server.log()[-3000:])
        for path in ("/dashboard/predictions/?q=zebra-secret-words", "/api/v1/predictions?q=zebra-secret-words"):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            connection.request("GET", path)
            connection.getresponse().read()
            connection.close()
    finally:
        server.stop()

    log = server.log()
    assert '"GET /dashboard/predictions/?' in log and '"GET /api/v1/predictions?' in log, log[-2000:]
    assert "zebra-secret-words" not in log
