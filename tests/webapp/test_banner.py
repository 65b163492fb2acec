"""The banner `make run` prints once web and worker are up: the site, the dashboard, how to sign in."""

import subprocess
import sys

import pytest

from webapp.launcher import banner


def test_it_names_the_site_the_dashboard_and_the_generated_password():
    text = "\n".join(banner.lines("127.0.0.1", 8000, banner.StaffAccount("admin", password="s3cret-pw"), True))

    assert "ToxiLab is running on http://127.0.0.1:8000/ (Ctrl-C to stop)" in text
    assert "Dashboard   http://127.0.0.1:8000/dashboard/" in text
    assert "Sign in     http://127.0.0.1:8000/accounts/login/" in text
    assert "as 'admin' with password s3cret-pw (shown only this once)" in text
    assert "Worker      ready" in text


@pytest.mark.parametrize(
    ("account", "says"),
    [
        (banner.StaffAccount("boss", from_env=True), "as 'boss' with DJANGO_SUPERUSER_PASSWORD"),
        (banner.StaffAccount(), "with your staff account (add one: .venv/bin/python manage.py createsuperuser)"),
    ],
)
def test_it_says_how_to_sign_in_when_no_password_was_generated(account, says):
    text = "\n".join(banner.lines("127.0.0.1", 8000, account, True))

    assert says in text and "password " not in text.replace("DJANGO_SUPERUSER_PASSWORD", "")


def test_a_server_on_every_interface_is_shown_at_the_loopback_address():
    assert banner.site_url("0.0.0.0", 8080) == "http://127.0.0.1:8080/"
    assert banner.site_url("::", 8080) == "http://[::1]:8080/"
    assert banner.site_url("::1", 8080) == "http://[::1]:8080/"


def test_it_says_when_the_worker_does_not_answer_and_frames_every_line():
    lines = banner.lines("127.0.0.1", 8000, banner.StaffAccount(), False)

    assert any("Worker      not answering yet" in line for line in lines)
    assert lines[0] == lines[-1] == "=" * max(len(line) for line in lines[1:-1])


def test_waiting_for_a_worker_that_exited_returns_at_once():
    exited = subprocess.Popen([sys.executable, "-c", "pass"])
    exited.wait()

    assert banner.wait_for_worker(exited, timeout=60) is False


def test_the_first_accounts_generated_password_is_shown_in_the_banner_only(db, django_user_model, monkeypatch, capsys):
    from webapp.launcher import ensure_staff_account

    monkeypatch.delenv("DJANGO_SUPERUSER_USERNAME", raising=False)
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)

    account = ensure_staff_account()
    printed = capsys.readouterr().out
    again = ensure_staff_account()

    assert django_user_model.objects.get(username="admin").check_password(account.password)
    assert account.password not in printed and "Created staff account 'admin'" in printed
    assert again == banner.StaffAccount(), "with staff already there, the banner points to createsuperuser"
