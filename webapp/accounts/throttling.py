"""Login throttling is django-axes' (settings.py, AXES_*): failures count per client address and per
username apart, so neither one address trying many accounts nor many addresses trying one account get
past the limit. Axes' own reset on success deletes every failure that shares the address or the
username, so a good sign-in to any account from an address would wipe another account's failures
from it; this clears the signed-in user's own failures only."""

from axes.utils import reset


def clear_own_failures(sender, request, user, **kwargs):
    reset(username=user.get_username())
