"""Typed errors of the ml package. Library code raises these and never exits the process.

`one_line(exc)` is how any exception is shown to a person: the CLI, `manage.py register_model` and
the API all use it, so a traceback-sized message never reaches a terminal line or a JSON error.
"""

MAX_LINE = 300
NAME_MAX = 255  # bytes in one part of a path (Linux file systems)
PATH_MAX = 4095  # bytes in a whole path


def one_line(exc: BaseException | str, limit: int = MAX_LINE) -> str:
    """The message on one line: every bad option of a ConfigError, whitespace collapsed, cut at
    `limit` characters, the exception's type name if it has no message."""
    text = str(exc)
    if isinstance(exc, ConfigError):  # every bad option, not only the first
        text = "; ".join(f"{field}: {message}" for field, message in exc.errors.items())
    text = " ".join(text.split()) or (type(exc).__name__ if isinstance(exc, BaseException) else "")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def path_too_long(text: str) -> str | None:
    """Why the file system cannot name the path `text` (a part or the whole too long), or None: checked
    before the path is looked at, since the look would raise `OSError: File name too long`."""
    if _size(text) > PATH_MAX:
        return f"path too long: over {PATH_MAX} bytes"
    if any(_size(part) > NAME_MAX for part in text.split("/")):
        return f"path too long: a part of it is over {NAME_MAX} bytes, the file system's limit"
    return None


def _size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


class MLError(Exception):
    """Base class of every error the ml package raises on purpose."""


class ConfigError(MLError, ValueError):
    """A training option is invalid. `field` names the (first) bad option as in TrainConfig;
    `errors` maps every bad option to its message, for forms that show them all at once."""

    def __init__(self, field: str, message: str, errors: dict[str, str] | None = None):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.errors = errors or {field: message}


class DataError(MLError):
    """A dataset cannot be used: missing column, bad label, empty text or split, unreadable file."""


class ModelLoadError(MLError):
    """A model, teacher or artifact directory cannot be loaded."""


class RunDirError(ModelLoadError):
    """A run directory, or one of its files, is missing or unreadable. The message is one line that
    names the directory or file: every reader of run directories (ml.artifacts) raises this."""

    def __init__(self, message: str):
        super().__init__(one_line(message))


class NonFiniteLossError(MLError):
    """Training produced a NaN or infinite loss."""

    def __init__(self, step: int, components: dict):
        super().__init__(f"non-finite loss at step {step}: {components}")
        self.step = step
        self.components = components


class EvaluationInterrupted(KeyboardInterrupt):
    """Ctrl-C during the final evaluation: the trained model was saved in `output` without test metrics."""

    def __init__(self, output: str):
        super().__init__(output)
        self.output = output
