"""The training options staff may set, shared by the launch form, the API and the job page.

They are ml.TrainConfig's fields as `ml.config.options()` describes them (help, group, bounds), so a
new option appears here by itself. `validate` builds a TrainConfig and turns its ConfigError into an
OptionError naming the field, then checks the dataset and teacher cheaply (a hub id by asking the
hub, webapp.training.sources), so a job that cannot start is refused before it is queued.
"""

from django.conf import settings

from ml import methods
from ml.config import GROUPS as ML_GROUPS
from ml.config import Option, TrainConfig, options
from ml.errors import ConfigError, DataError, ModelLoadError
from webapp.training import sources

METHODS = methods.names()


class OptionError(ValueError):
    """`field`/`message` name the first problem; `errors` maps every bad field to its message."""

    def __init__(self, field, message, errors=None):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.errors = errors or {field: message}


# "run" (method, teacher, dataset, output) is the form's own first fieldset; the API and the form set
# every option of the other groups. `output` is the worker's to choose.
RUN_FIELDS = ("method", "teacher", "dataset")
GROUPS = {key: title for key, title in ML_GROUPS.items() if key != "run"}
OPTIONS = [option for option in options() if option.group in GROUPS]
NAMES = [*RUN_FIELDS, *(option.name for option in OPTIONS)]


def group_methods(group):
    """The methods that read an option group, space-separated (the launch page hides the group for others)."""
    return " ".join(methods.using(group))


def validate(options):
    """The options as ml will run them (defaults filled in, `output` left to the worker), or OptionError."""
    try:
        config = TrainConfig.from_dict({**options, "output": None})
    except ConfigError as exc:
        raise OptionError(exc.field, exc.message, exc.errors) from exc
    _check_sources(config)
    cleaned = config.to_dict()
    del cleaned["output"]
    return cleaned


def _check_sources(config):
    from ml.models import check_layers, check_teacher
    from ml.sources import check_source  # imports datasets and torch: only when a job is launched

    roots = settings.TOXILAB_DATA_ROOTS
    try:
        source = check_source(
            config.dataset, text_column=config.text_column, label_column=config.label_column, roots=roots
        )
        if source["kind"] == "hub":
            sources.check_hub(config.dataset, "dataset")
    except (DataError, sources.Unreachable) as exc:
        raise OptionError("dataset", str(exc)) from exc
    if config.extra_train_file:
        try:
            # ml reads this file's `text` and `label` columns whatever the dataset's columns are called
            check_source(config.extra_train_file, text_column="text", label_column="label", roots=roots)
        except DataError as exc:
            raise OptionError("extra_train_file", str(exc)) from exc
    if not methods.get(config.method).uses_teacher:
        return
    try:
        if check_teacher(config.teacher) == "hub":
            sources.check_hub(config.teacher, "model")
    except (ModelLoadError, sources.Unreachable) as exc:
        raise OptionError("teacher", str(exc)) from exc
    try:
        check_layers(config.teacher, config.method, config.layers)  # a local teacher's depth is known now
    except ConfigError as exc:
        raise OptionError(exc.field, exc.message) from exc


def check_roots(config):
    """The worker's check right before it reads: the dataset and the extra training file still lie in
    the data roots (or the reviewed-predictions folder), since a root or a symlink may have changed
    after the launch was checked. ml.DataError otherwise, which fails the job."""
    from ml.sources import check_within_roots
    from webapp.review.dataset import training_dir

    roots = [*settings.TOXILAB_DATA_ROOTS, training_dir()]
    for field in ("dataset", "extra_train_file"):
        if config.get(field):
            check_within_roots(config[field], roots)


def default_lr(method):
    entry = methods.REGISTRY.get(method)
    return entry.default_lr if entry else None


__all__ = [
    "METHODS",
    "OPTIONS",
    "GROUPS",
    "NAMES",
    "Option",
    "OptionError",
    "validate",
    "check_roots",
    "default_lr",
    "group_methods",
    "config_text",
    "config_rows",
]


def config_text(value):
    """An option's value as people write it: floats to 4 significant digits (1/3 reads 0.3333), yes/no."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def config_rows(config):
    """(name, text, help) of a job's options in the form's order, numbers as people write them; only the
    options of the option groups the job's method reads (ml.methods' `groups`)."""
    specs = {option.name: option for option in options()}
    method = methods.REGISTRY.get(config.get("method"))
    groups = set(method.groups) | {"run"} if method else None
    names = [name for name in NAMES if name in config] + sorted(set(config) - set(NAMES))
    if groups is not None:
        names = [name for name in names if name not in specs or specs[name].group in groups]
    return [(name, config_text(config[name]), specs[name].help if name in specs else "") for name in names]
