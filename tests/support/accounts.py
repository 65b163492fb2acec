"""Staff users for tests, in the staff groups that migrate creates (webapp/accounts/permissions.py)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import Group

from webapp.accounts.permissions import GROUPS


def staff_user(username, password="pw-for-tests", groups=tuple(GROUPS)):
    """An active staff user in `groups` (all three by default; none: staff who may only look)."""
    user = get_user_model().objects.create_user(username, password=password, is_staff=True)
    found = Group.objects.filter(name__in=groups)
    assert len(found) == len(groups), f"missing staff groups: {set(groups) - {g.name for g in found}}"
    user.groups.set(found)
    return user


class OneIterationPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2 at one iteration, for the accounts the tests create (tests/conftest.py): a real hash costs
    seconds on a loaded CI machine. Its hashes say `pbkdf2_sha256$1$...`, so the daphne the tests start,
    with the default hashers, still verifies them."""

    iterations = 1
