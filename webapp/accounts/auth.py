"""Who may use the staff pages (dashboard, review) and the staff API: active staff users, by session or
bearer token. Looking at the dashboard needs only staff; reading stored predictions and each action also
need their permission (webapp/accounts/permissions.py), which a token's user must have too. Apps import
their checks from here."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from ninja.errors import AuthorizationError
from ninja.security import HttpBearer, SessionAuth

from webapp.accounts.models import ApiToken
from webapp.accounts.permissions import group_of


def is_staff(user):
    return user.is_authenticated and user.is_active and user.is_staff


def refusal(user, perm, not_staff):
    """Why `user` may not do what `perm` ("app_label.codename") allows, or None when they may.
    Without `perm`, being staff is enough; superusers have every permission."""
    if not is_staff(user):
        return not_staff
    if perm is not None and not user.has_perm(perm):
        group = group_of(perm)
        return f"your account lacks the permission {perm}" + (f" (the {group} group has it)" if group else "")
    return None


def check_permission(user, perm):
    """Raise PermissionDenied (403) unless `user` may do what `perm` allows."""
    reason = refusal(user, perm, "the staff pages are for staff")
    if reason:
        raise PermissionDenied(reason)


def permission_required(perm=None):
    """Anonymous visitors go to the login page; signed-in users who are not staff, or lack `perm`, get 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            check_permission(request.user, perm)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


staff_required = permission_required()


class StaffToken(HttpBearer):
    """`Authorization: Bearer <token>` from `manage.py create_api_token`; an unknown or revoked
    token counts as no credentials (401). The token acts with its user's permissions."""

    def __init__(self, perm=None):
        super().__init__()
        self.perm = perm

    def authenticate(self, request, token):
        user = ApiToken.authenticate(token)
        if user is None:
            return None
        authorize(user, self.perm)
        return user


class StaffSession(SessionAuth):
    """The dashboard's own session, with Django's CSRF check on unsafe methods."""

    def __init__(self, perm=None):
        super().__init__()
        self.perm = perm

    def __call__(self, request):
        if not request.user.is_authenticated:
            return None  # no session to protect from CSRF: the answer is 401
        return super().__call__(request)

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is not None:
            authorize(user, self.perm)
        return user


def authorize(user, perm):
    """Raise AuthorizationError (a JSON 403) unless `user` may do what `perm` allows."""
    reason = refusal(user, perm, "this API is for staff users")
    if reason:
        raise AuthorizationError(message=reason)


def api_auth(perm=None):
    """An endpoint's `auth=`: staff by token or session, with `perm` when the endpoint needs one."""
    return [StaffToken(perm), StaffSession(perm)]


API_AUTH = api_auth()
