"""Server paths as staff see them. The artifacts folder (settings.TOXILAB_ARTIFACTS_DIR), where runs
and the reviewed-comments files live, is written `artifacts`, so staff pages and the staff API name a
run's files ('artifacts/runs/job-12') without showing the server's layout. Paths staff typed
themselves (a dataset, a teacher directory) are theirs and shown as given."""

import re
from pathlib import Path

from django.conf import settings

NAME = "artifacts"


def hide_paths(value):
    """`value` (text, or a dict or list holding text) with the artifacts folder written as `artifacts`."""
    if isinstance(value, str):
        return _folder_pattern().sub(NAME, value)
    if isinstance(value, dict):
        return {key: hide_paths(item) for key, item in value.items()}
    if isinstance(value, list):
        return [hide_paths(item) for item in value]
    return value


def _folder_pattern():
    given = Path(settings.TOXILAB_ARTIFACTS_DIR).expanduser()
    spellings = sorted({str(given.resolve()), str(given)}, key=len, reverse=True)
    return re.compile("|".join(re.escape(spelling) for spelling in spellings) + r"(?![\w.-])")
