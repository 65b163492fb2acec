"""Whether a dataset or teacher named by a Hugging Face hub id can be had, checked when a job is
submitted (form and API) so that an unreachable one is an error on its field, not a job that fails
30 s later in the worker.

A hub id is fine when its snapshot is in the local hub cache (ml then loads it offline) or the hub
answers for it within HUB_TIMEOUT_S. Answers are kept per id for CACHE_S in this process, so a form
posted twice does not wait twice. Local paths and the bundled teacher are ml's checks, not these.
"""

import time

from django.conf import settings

HUB_TIMEOUT_S = 3
CACHE_S = 60
_answers: dict[tuple[str, str], tuple[float, str | None]] = {}  # (kind, id) -> (when, error or None)

WHAT = {"dataset": "dataset", "model": "model"}


class Unreachable(Exception):
    """The hub id cannot be had from this server; the message says why and what staff can do."""


def check_hub(repo_id, repo_type):
    """None if the hub id `repo_id` (repo_type "dataset" or "model") can be loaded, else Unreachable."""
    key = (repo_type, repo_id)
    when, error = _answers.get(key, (0.0, None))
    if time.monotonic() - when > CACHE_S:
        error = _ask(repo_id, repo_type)
        _answers[key] = (time.monotonic(), error)
    if error:
        raise Unreachable(error)


def _ask(repo_id, repo_type):
    from huggingface_hub import HfApi, constants, snapshot_download
    from huggingface_hub.errors import RepositoryNotFoundError

    try:
        snapshot_download(repo_id, repo_type=repo_type, local_files_only=True)
        return None
    except Exception:  # not in the local cache (the error types vary by version): ask the hub
        pass
    what = WHAT[repo_type]
    if constants.HF_HUB_OFFLINE:
        return _offline(what, repo_id, "the server runs offline (HF_HUB_OFFLINE)")
    try:
        HfApi().repo_info(repo_id, repo_type=repo_type, timeout=HUB_TIMEOUT_S)
    except RepositoryNotFoundError:
        return f"no {what} {repo_id!r} on the Hugging Face hub (or it is private)"
    except Exception as exc:  # DNS, connection, timeout, HTTP errors: the hub cannot answer now
        return _offline(what, repo_id, f"the Hugging Face hub cannot be reached from the server ({type(exc).__name__})")
    return None


def _offline(what, repo_id, why):
    local = settings.TOXILAB_DATASET if what == "dataset" else settings.TOXILAB_TEACHER
    hint = f"; use one on the server instead, such as {local}" if local != repo_id else ""
    return f"{why}, and the {what} {repo_id!r} is not in its download cache{hint}"
