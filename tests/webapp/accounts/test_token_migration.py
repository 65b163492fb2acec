"""ApiToken moved from the training app to accounts without touching its table: a database
migrated from before the move keeps its tokens, and they still open the staff API."""

import hashlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from webapp.accounts.models import ApiToken

BEFORE_THE_MOVE = ("training", "0002_job_reviewed_rows")


def migrate_back():
    """Unapply the move (accounts 0001 and what depends on it); returns the models as they were."""
    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", None)])
    return executor.loader.project_state(BEFORE_THE_MOVE).apps


def migrate_forward():
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_a_token_made_before_the_move_still_authenticates_after_it(client):
    old = migrate_back()
    try:
        user = old.get_model("auth", "User").objects.create(username="ada", is_staff=True, is_active=True)
        raw = "tlk_made-before-the-move-0123456789"
        old.get_model("training", "ApiToken").objects.create(
            user=user, name="old", prefix=raw[:12], key_hash=hashlib.sha256(raw.encode()).hexdigest()
        )
    finally:
        migrate_forward()

    token = ApiToken.objects.get()
    assert (token.name, token.user.username) == ("old", "ada")
    assert ApiToken.authenticate(raw).username == "ada"
    response = client.get("/api/v1/jobs", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200


def test_the_token_table_keeps_its_name():
    assert ApiToken._meta.db_table == "training_apitoken"
    assert ApiToken._meta.app_label == "accounts"
