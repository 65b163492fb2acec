"""Staff only: anonymous visitors go to the login page (401 from the API), other users get 403. Reading
predictions also needs checker.view_prediction: staff without it get 403 on the pages, the API by session
and with a token alike."""

import pytest
from django.contrib.auth.models import Permission

from tests.support.accounts import staff_user
from webapp.accounts.models import ApiToken
from webapp.accounts.permissions import GROUPS

READ_PAGES = [
    ("get", "/dashboard/predictions/"),
    ("get", "/dashboard/predictions/summary/"),
    ("get", "/dashboard/predictions/queue/"),
    ("get", "/dashboard/predictions/1/"),
]
PAGES = [
    *READ_PAGES,
    ("get", "/dashboard/predictions/export.csv"),
    ("post", "/dashboard/predictions/review/"),
    ("post", "/dashboard/predictions/undo/"),
]
READ_API = [
    ("get", "/api/v1/predictions"),
    ("get", "/api/v1/predictions/summary"),
    ("get", "/api/v1/predictions/1"),
]
API = [
    *READ_API,
    ("post", "/api/v1/predictions/1/review"),
    ("post", "/api/v1/predictions/review"),
    ("post", "/api/v1/predictions/undo"),
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


@pytest.fixture
def onlooker(db):
    """Staff in no group: may look at the training dashboard, not at the stored predictions."""
    return staff_user("sam", groups=[])


@pytest.mark.parametrize(("method", "path"), READ_PAGES)
def test_staff_without_the_view_permission_get_403_on_the_pages_that_read_predictions(client, onlooker, method, path):
    client.force_login(onlooker)
    response = getattr(client, method)(path)
    assert response.status_code == 403
    assert "your account lacks the permission checker.view_prediction" in response.content.decode()


@pytest.mark.parametrize(("method", "path"), READ_API)
def test_staff_without_the_view_permission_get_403_from_the_api_by_session_and_by_token(client, onlooker, method, path):
    token = ApiToken.issue(onlooker)[1]
    by_token = getattr(client, method)(path, headers={"Authorization": f"Bearer {token}"})
    client.force_login(onlooker)
    by_session = getattr(client, method)(path)
    for response in (by_token, by_session):
        assert response.status_code == 403
        assert response.json()["error"].startswith("your account lacks the permission checker.view_prediction")


def test_the_view_permission_alone_reads_but_does_not_review(client, onlooker, make_prediction):
    prediction = make_prediction()
    onlooker.user_permissions.add(Permission.objects.get(content_type__app_label="checker", codename="view_prediction"))
    token = ApiToken.issue(onlooker)[1]
    client.force_login(onlooker)

    assert client.get("/dashboard/predictions/").status_code == 200
    assert client.get(f"/dashboard/predictions/{prediction.pk}/").status_code == 200
    assert (
        client.get(f"/api/v1/predictions/{prediction.pk}", headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )
    page = client.get(f"/dashboard/predictions/{prediction.pk}/").content.decode()
    assert (
        'data-key="t"' not in page and 'id="queue-links"' not in client.get("/dashboard/predictions/").content.decode()
    )
    assert client.post("/dashboard/predictions/review/", {"row": f"{prediction.pk}:toxic"}).status_code == 403
    assert 'href="/dashboard/predictions/"' in client.get("/").content.decode()


def test_the_header_links_the_review_only_for_staff_who_may_read_predictions(client, onlooker):
    client.force_login(onlooker)
    assert 'href="/dashboard/predictions/"' not in client.get("/").content.decode()


def test_the_migration_gives_an_existing_reviewers_group_the_view_permission(db):
    import importlib

    from django.apps import apps
    from django.contrib.auth.models import Group

    reviewers = Group.objects.get(name="Reviewers")
    reviewers.permissions.remove(Permission.objects.get(content_type__app_label="checker", codename="view_prediction"))
    migration = importlib.import_module("webapp.accounts.migrations.0003_reviewers_view_predictions")

    migration.forwards(apps, schema_editor=None)

    assert reviewers.permissions.filter(codename="view_prediction").exists()
    assert reviewers.permissions.count() == len(GROUPS["Reviewers"]), "the group's other permissions are kept"
