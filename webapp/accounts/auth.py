"""Who may use the staff pages (dashboard, review) and the staff API: active staff users, by session or
bearer token. Apps import their checks from here; finer permissions extend these."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from ninja.errors import AuthorizationError
from ninja.security import HttpBearer, SessionAuth

from webapp.accounts.models import ApiToken


def is_staff(user):
    return user.is_authenticated and user.is_active and user.is_staff


def staff_required(view):
    """Anonymous visitors go to the login page; signed-in users who are not staff get 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_staff(request.user):
            raise PermissionDenied("the staff pages are for staff")
        return view(request, *args, **kwargs)

    return wrapper


class StaffToken(HttpBearer):
    """`Authorization: Bearer <token>` from `manage.py create_api_token`; an unknown or revoked
    token counts as no credentials (401)."""

    def authenticate(self, request, token):
        user = ApiToken.authenticate(token)
        if user is None:
            return None
        if not is_staff(user):
            raise AuthorizationError(message="this API is for staff users")
        return user


class StaffSession(SessionAuth):
    """The dashboard's own session, with Django's CSRF check on unsafe methods."""

    def __call__(self, request):
        if not request.user.is_authenticated:
            return None  # no session to protect from CSRF: the answer is 401
        return super().__call__(request)

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is not None and not is_staff(user):
            raise AuthorizationError(message="this API is for staff users")
        return user


API_AUTH = [StaffToken(), StaffSession()]
