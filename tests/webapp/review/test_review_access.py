"""Staff only: anonymous visitors go to the login page (401 from the API), other users get 403."""

import pytest

PAGES = [
    ("get", "/dashboard/predictions/"),
    ("get", "/dashboard/predictions/export.csv"),
    ("get", "/dashboard/predictions/1/"),
    ("post", "/dashboard/predictions/review/"),
]
API = [
    ("get", "/api/v1/predictions"),
    ("get", "/api/v1/predictions/summary"),
    ("get", "/api/v1/predictions/1"),
    ("post", "/api/v1/predictions/1/review"),
    ("post", "/api/v1/predictions/review"),
]


@pytest.mark.parametrize(("method", "path"), PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(client, db, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize(("method", "path"), PAGES)
def test_signed_in_users_who_are_not_staff_get_403(member_client, method, path):
    assert getattr(member_client, method)(path).status_code == 403


@pytest.mark.parametrize(("method", "path"), API)
def test_the_api_answers_401_without_credentials_and_403_to_non_staff(client, db, django_user_model, method, path):
    response = getattr(client, method)(path, content_type="application/json")
    assert response.status_code == 401 and response.json()["error"].startswith("authentication required")
    client.force_login(django_user_model.objects.create_user("bob"))
    response = getattr(client, method)(path, content_type="application/json")
    assert response.status_code == 403 and response.json() == {"error": "this API is for staff users"}


def test_staff_see_the_review_link_in_the_header_and_others_do_not(client, staff, django_user_model):
    client.force_login(django_user_model.objects.create_user("bob"))
    assert 'href="/dashboard/predictions/"' not in client.get("/").content.decode()
    client.force_login(staff)
    assert 'href="/dashboard/predictions/"' in client.get("/").content.decode()
