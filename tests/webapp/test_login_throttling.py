"""Login throttling (django-axes): wrong passwords from one address lock it out, and wrong passwords for
one user lock that user out from every address, the right password included, until the cool-off has
passed; a successful sign-in clears its own user's failures and no one else's."""

import datetime

import pytest
from axes.models import AccessAttempt

PASSWORD = "pw-for-tests"


@pytest.fixture
def limit(settings):
    settings.AXES_FAILURE_LIMIT = 3
    return 3


def sign_in(client, password, address="10.1.2.3", username="ada"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user("bob", password=PASSWORD)


def test_repeated_wrong_passwords_lock_out_the_right_one_until_the_cool_off(client, staff, bob, limit, settings):
    failures = [sign_in(client, "wrong").status_code for _ in range(limit)]
    locked = sign_in(client, PASSWORD)

    assert failures[:-1] == [200] * (limit - 1) and failures[-1] == 429
    assert locked.status_code == 429 and b"Too many failed sign-ins" in locked.content
    assert "_auth_user_id" not in client.session
    assert sign_in(client, PASSWORD, "10.9.9.9", "bob").status_code == 302, "another address and user are not locked"
    client.logout()

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


def test_a_sign_in_to_another_account_does_not_clear_a_users_failures(client, staff, bob, limit):
    answers = []
    for _ in range(limit - 1):
        answers.append(sign_in(client, "wrong").status_code)
        assert sign_in(client, PASSWORD, username="bob").status_code == 302
        client.logout()
    answers.append(sign_in(client, "wrong").status_code)

    assert answers == [200] * (limit - 1) + [429], "ada's failures added up across bob's sign-ins"
    assert sign_in(client, PASSWORD).status_code == 429


def test_wrong_passwords_for_one_user_from_many_addresses_lock_that_user_out(client, staff, bob, limit):
    answers = [sign_in(client, "wrong", address=f"10.0.{n}.1").status_code for n in range(limit)]

    assert answers == [200] * (limit - 1) + [429]
    assert sign_in(client, PASSWORD, address="10.0.99.1").status_code == 429, "locked from a new address too"
    assert sign_in(client, PASSWORD, address="10.0.99.1", username="bob").status_code == 302, "bob is not"
