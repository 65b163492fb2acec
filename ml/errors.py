"""Typed errors of the ml package. Library code raises these and never exits the process."""


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
