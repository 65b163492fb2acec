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
