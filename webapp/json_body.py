from functools import wraps

from django.http import JsonResponse


def require_json(view):
    """Answer 415 unless the request declares a JSON body (runs before django-ninja parses it)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.content_type != "application/json":
            got = request.content_type or "none"
            return JsonResponse({"error": f"Content-Type must be application/json (got {got})"}, status=415)
        return view(request, *args, **kwargs)

    return wrapper
