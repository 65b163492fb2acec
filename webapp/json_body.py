"""JSON request bodies: the Content-Type they must declare, and the strings they may carry.

A body the API's parser refuses raises a BadBody subclass; the API answers it by that type."""

import json
from functools import wraps

from django.http import JsonResponse
from ninja.errors import HttpError
from ninja.parser import Parser


def require_json(view):
    """Answer 415 unless the request declares a JSON body (runs before django-ninja parses it)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.content_type != "application/json":
            got = request.content_type or "none"
            return JsonResponse({"error": f"Content-Type must be application/json (got {got})"}, status=415)
        return view(request, *args, **kwargs)

    return wrapper


class BadBody(ValueError):
    """A request body the parser refuses; its message is the one the client sees."""


class MalformedJSON(BadBody):
    """A body that json.loads refuses (or that is not UTF-8)."""


class UnstorableText(BadBody):
    """A string that no database column can hold: PostgreSQL refuses NUL, and no encoder takes a lone
    surrogate ("\\ud800" is valid JSON but no Unicode text)."""


def check_storable(value, where="the request"):
    """Raise UnstorableText for any string in a decoded JSON value (keys included) that cannot be stored."""
    if isinstance(value, str):
        if "\x00" in value:
            raise UnstorableText(f"{where} contains a NUL character (\\u0000)")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise UnstorableText(f"{where} contains a lone surrogate (\\ud800-\\udfff), which is not text") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            check_storable(key, where)
            check_storable(item, f"{key}" if where == "the request" else f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_storable(item, f"{where}[{index}]")


class StorableTextParser(Parser):
    """django-ninja's JSON and query parsing, refusing text the database cannot store (400, not a 500
    from the driver). The query string is decoded by Django, which replaces bad bytes, but %00 stays."""

    def parse_body(self, request):
        try:
            data = json.loads(request.body)
        except ValueError as exc:  # UnicodeDecodeError included
            raise MalformedJSON(f"malformed JSON: {exc}") from None
        check_storable(data)  # django-ninja turns this into HttpError(400) with it as the __cause__
        return data

    def parse_querydict(self, data, list_fields, request):
        result = super().parse_querydict(data, list_fields, request)
        try:
            check_storable(result, "the query string")
        except UnstorableText as exc:
            raise HttpError(400, str(exc)) from None
        return result
