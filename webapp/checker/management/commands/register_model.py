from django.core.management.base import BaseCommand, CommandError

from ml.errors import one_line
from webapp.checker import runtime_choice
from webapp.checker.models import ModelVersion
from webapp.checker.registry import ArtifactError, register


class Command(BaseCommand):
    help = "Register a model directory written by `python -m ml train` so the checker can serve it."

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument("--name", help="name shown on the page and in the API (default: directory name)")
        parser.add_argument("--activate", action="store_true", help="serve this model from now on")
        parser.add_argument(
            "--runtime",
            choices=["auto", *ModelVersion.Runtime.values],
            default="auto",
            help="CPU runtime that serves it; auto (default): the faster one if its test F1 "
            "is within 0.5 points of fp32 (measured now; TOXILAB_RUNTIME_CHOICE=0 skips)",
        )

    def handle(self, directory, name, activate, runtime, **options):
        from ml.runtimes import own_runtime
        from ml.terminal import quiet_transformers

        quiet_transformers()  # no "Loading weights" bar on stderr
        own = own_runtime(directory)
        if own is not None and runtime not in ("auto", own):
            raise CommandError(f"{directory} is served by {own} only: leave out --runtime", returncode=2)
        try:
            version = register(directory, name=name, activate=activate)
        except ArtifactError as exc:
            raise CommandError(one_line(exc), returncode=2) from exc
        if runtime == "auto":
            runtime_choice.choose(version)
        else:
            version.runtime, version.runtime_note = runtime, "set by register_model --runtime"
            version.save(update_fields=["runtime", "runtime_note"])
        f1 = "n/a" if version.test_f1 is None else f"{version.test_f1:.3f}"
        state = "active" if version.active else "not active (use --activate or the admin)"
        self.stdout.write(
            f"Registered model {version.pk} {version.name!r}: {version.method} of {version.teacher}, "
            f"test F1 {f1}; served by {version.runtime}; {state}."
        )
