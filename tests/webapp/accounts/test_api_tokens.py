"""API tokens: made by `create_api_token`, printed once, stored hashed, revocable."""

import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from webapp.accounts.models import ApiToken


def create_token(username, *args):
    out, err = StringIO(), StringIO()
    call_command("create_api_token", username, *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_a_token_is_printed_once_and_only_its_hash_is_stored(staff, client):
    raw, note = create_token("ada", "--name", "nightly job")

    token = ApiToken.objects.get()
    assert raw.startswith("tlk_") and len(raw) > 40
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest() and raw not in str(vars(token))
    assert (token.user, token.name, token.prefix) == (staff, "nightly job", raw[:12])
    assert "not shown again" in note and raw not in note
    response = client.get("/api/v1/jobs", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used is not None


def test_tokens_are_only_for_existing_staff_users(member):
    with pytest.raises(CommandError, match="no user named 'nobody'"):
        create_token("nobody")
    with pytest.raises(CommandError, match="is not an active staff user"):
        create_token("bob")
    assert not ApiToken.objects.exists()


def test_a_token_revoked_by_its_first_characters_stops_working_at_once(staff, client):
    raw, _ = create_token("ada")
    kept, _ = create_token("ada")
    out = StringIO()
    call_command("revoke_api_token", raw[:12], stdout=out)

    assert "Revoked 1 token(s)." in out.getvalue()
    assert client.get("/api/v1/jobs", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    assert client.get("/api/v1/jobs", headers={"Authorization": f"Bearer {kept}"}).status_code == 200


def test_every_token_of_a_user_can_be_revoked_and_the_list_never_shows_a_token(staff):
    raws = [create_token("ada")[0] for _ in range(2)]
    call_command("revoke_api_token", "--user", "ada", stdout=StringIO())
    listing = StringIO()
    call_command("revoke_api_token", "--list", stdout=listing)

    assert ApiToken.objects.filter(revoked__isnull=True).count() == 0
    assert listing.getvalue().count("revoked") == 2 and not any(raw in listing.getvalue() for raw in raws)


def test_revoking_needs_enough_characters_to_name_one_token(staff):
    create_token("ada")
    with pytest.raises(CommandError, match="at least the first 8 characters"):
        call_command("revoke_api_token", "tlk_", stdout=StringIO())
    with pytest.raises(CommandError, match="no token starts with"):
        call_command("revoke_api_token", "tlk_zzzzzzzz", stdout=StringIO())


def test_staff_revoke_tokens_from_the_admin(client, django_user_model, staff):
    admin = django_user_model.objects.create_superuser("root", password="pw-for-tests")
    client.force_login(admin)
    raw, _ = create_token("ada")
    token = ApiToken.objects.get()

    response = client.post("/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked is not None and ApiToken.authenticate(raw) is None


@pytest.mark.django_db
def test_both_token_commands_refuse_an_unknown_user_alike_with_exit_2():
    errors = []
    for command in (["create_api_token", "nobody"], ["revoke_api_token", "--user", "nobody"]):
        with pytest.raises(CommandError) as raised:
            call_command(*command, stdout=StringIO(), stderr=StringIO())
        errors.append((raised.value.returncode, str(raised.value)))
    assert errors == [(2, "no user named 'nobody'")] * 2
