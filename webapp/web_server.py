"""daphne as `make run`, `webapp.serve`, the web image and the compose file start it
(`python -m webapp.web_server`, daphne's own options), with an access log that leaves out query
strings: they carry what staff search for in the review list, words of end users' comments, and a
sign-in's `next=` repeats them. A logged path with a query ends in `?…`."""

from daphne.access import AccessLogGenerator
from daphne.cli import CommandLineInterface
from daphne.server import Server


class AccessLogWithoutQueries(AccessLogGenerator):
    def __call__(self, protocol, action, details):
        path = details.get("path")
        if isinstance(path, str) and "?" in path:
            details = {**details, "path": path.split("?", 1)[0] + "?…"}
        super().__call__(protocol, action, details)


class QuietServer(Server):
    def __init__(self, *args, action_logger=None, **kwargs):
        if isinstance(action_logger, AccessLogGenerator):
            action_logger = AccessLogWithoutQueries(action_logger.stream)
        super().__init__(*args, action_logger=action_logger, **kwargs)


class WebServerCommand(CommandLineInterface):
    server_class = QuietServer


if __name__ == "__main__":
    WebServerCommand.entrypoint()
