"""The JSON API (/api/v1) as a script calls it, for the web tests: the body as JSON, a bearer token when
one is given (else the test client's session), and a GET's query parameters."""

import json

PREFIX = "/api/v1"


def call_json(client, method, path, body=None, token=None, **params):
    """`method` ("get", "post", ...) on PREFIX + `path` through Django's test `client`: `body` as JSON
    (json.dumps escapes NUL and lone surrogates as \\u0000 and \\ud800, which every JSON parser accepts),
    else `params` as a GET's query string; `token` as a bearer token when given."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = json.dumps(body) if body is not None else params or None
    return getattr(client, method)(PREFIX + path, data=data, content_type="application/json", headers=headers)


def post_json(client, path, body=None, token=None):
    """POST `body` (none: an empty JSON object) to PREFIX + `path`."""
    return call_json(client, "post", path, body, token)
