"""Typed errors of the ml package. Library code raises these and never exits the process."""


class MLError(Exception):
    """Base class of every error the ml package raises on purpose."""


class ConfigError(MLError, ValueError):
    """A training option is invalid. `field` names the option (as in TrainConfig)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


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
