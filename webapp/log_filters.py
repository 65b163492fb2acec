"""Filters of the server's log (settings.LOGGING)."""

import logging


class RefusalsWithoutTraceback(logging.Filter):
    """A request refused with a 403 (PermissionDenied: staff without the permission, a member on a
    staff page) is the site working as meant, not a fault: its line keeps the status and the path,
    and drops the traceback Django attaches, which filled the log at every refusal."""

    def filter(self, record):
        if getattr(record, "status_code", None) == 403:
            record.exc_info = record.exc_text = None
        return True
