"""Login throttling (django-axes): wrong passwords from one address lock it out, the right password
included, until the cool-off has passed; other addresses and the count's reset behave."""

import datetime

import pytest
from axes.models import AccessAttempt

PASSWORD = "pw-for-tests"


@pytest.fixture
def limit(settings):
    settings.AXES_FAILURE_LIMIT = 3
    return 3


def sign_in(client, password, address="10.1.2.3"):
    return client.post("/accounts/login/", {"username": "ada", "password": password}, REMOTE_ADDR=address)


def test_repeated_wrong_passwords_lock_out_the_right_one_until_the_cool_off(client, staff, limit, settings):
    failures = [sign_in(client, "wrong").status_code for _ in range(limit)]
    locked = sign_in(client, PASSWORD)

    assert failures[:-1] == [200] * (limit - 1) and failures[-1] == 429
    assert locked.status_code == 429 and b"Too many failed sign-ins" in locked.content
    assert "_auth_user_id" not in client.session
    assert sign_in(client, PASSWORD, address="10.9.9.9").status_code == 302, "another address is not locked"

    client.logout()
    AccessAttempt.objects.update(
        attempt_time=datetime.datetime.now(datetime.UTC) - settings.AXES_COOLOFF_TIME - datetime.timedelta(seconds=1)
    )
    assert sign_in(client, PASSWORD).status_code == 302, "after the cool-off the right password works again"


def test_a_successful_sign_in_resets_the_count(client, staff, limit):
    for _ in range(limit - 1):
        sign_in(client, "wrong")
    assert sign_in(client, PASSWORD).status_code == 302
    client.logout()

    assert [sign_in(client, "wrong").status_code for _ in range(limit - 1)] == [200] * (limit - 1)


def test_behind_a_proxy_the_count_follows_the_forwarded_address(client, staff, limit, settings):
    settings.TOXILAB_PROXY_HOPS = 1
    for n in range(limit):
        client.post(
            "/accounts/login/",
            {"username": "ada", "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"1.1.1.{n}, 198.51.100.7",
        )

    right = client.post(
        "/accounts/login/",
        {"username": "ada", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="5.5.5.5, 198.51.100.7",
    )

    assert AccessAttempt.objects.get().ip_address == "198.51.100.7"
    assert right.status_code == 429
