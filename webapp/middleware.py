"""Errors under /api/ are always JSON `{"error": "..."}`, whoever produced them.

django-ninja answers a wrong method with a plain-text 405 and Django an unknown path with an HTML 404;
API clients should not have to parse either. Responses that are already JSON pass through.
"""

from http import HTTPStatus

from django.http import JsonResponse

API_PREFIX = "/api/"
KEPT_HEADERS = ("Allow", "Retry-After")


def json_api_errors(get_response):
    def middleware(request):
        response = get_response(request)
        if (
            request.path.startswith(API_PREFIX)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return _as_json(response)
        return response

    return middleware


def _as_json(response):
    reason = HTTPStatus(response.status_code).phrase.lower()
    converted = JsonResponse({"error": reason}, status=response.status_code)
    for header in KEPT_HEADERS:
        if header in response:
            converted[header] = response[header]
    return converted
