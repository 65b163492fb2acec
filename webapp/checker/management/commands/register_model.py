from django.core.management.base import BaseCommand, CommandError

from ml.errors import one_line
from webapp.checker import gate, scoring
from webapp.checker.models import ModelVersion, Promotion
from webapp.checker.prepare import prepare
from webapp.checker.registry import ArtifactError


class Command(BaseCommand):
    help = "Register a model directory written by `python -m ml train` so the checker can serve it."

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument("--name", help="name shown on the page and in the API (default: directory name)")
        parser.add_argument(
            "--activate",
            action="store_true",
            help="serve this model from now on, if the quality gate passes it (scored here on the gate's test sample)",
        )
        parser.add_argument("--force", action="store_true", help="with --activate: activate even if the gate refuses")
        parser.add_argument(
            "--runtime",
            choices=["auto", *ModelVersion.Runtime.values],
            default="auto",
            help="CPU runtime that serves it; auto (default): the faster one if its test F1 "
            "is within 0.5 points of fp32 (measured now; TOXILAB_RUNTIME_CHOICE=0 skips)",
        )

    def handle(self, directory, name, activate, runtime, force, **options):
        from ml.runtimes import own_runtime
        from ml.terminal import quiet_transformers

        quiet_transformers()  # no "Loading weights" bar on stderr
        if force and not activate:
            raise CommandError("--force only applies with --activate", returncode=2)
        own = own_runtime(directory)
        if own is not None and runtime not in ("auto", own):
            raise CommandError(f"{directory} is served by {own} only: leave out --runtime", returncode=2)
        try:
            prepared = prepare(directory, name, runtime=None if runtime == "auto" else runtime, score=activate)
        except ArtifactError as exc:
            raise CommandError(one_line(exc), returncode=2) from exc
        version = prepared.version
        f1 = "n/a" if version.test_f1 is None else f"{version.test_f1:.3f}"
        self.stdout.write(
            f"Registered model {version.pk} {version.name!r}: {version.method} of {version.teacher}, "
            f"test F1 {f1}; served by {version.runtime}."
        )
        if activate:
            self._activate(prepared, force)
        else:
            self.stdout.write("Not active: use --activate, or the model's page in the dashboard.")

    def _activate(self, prepared, force):
        """Show the candidate's scores (and the active model's, scored here if it never was), then promote."""
        version, active = prepared.version, ModelVersion.current()
        if prepared.problem:
            self.stderr.write(f"warning: {prepared.problem}")
        if active is not None:
            try:
                scoring.measure(active)
            except scoring.ScoringFailed as exc:
                self.stderr.write(f"warning: {exc}")
        verdict = gate.judge(version, active)
        for label, figures in (("candidate", verdict.candidate), ("active", verdict.active)):
            if figures:
                self.stdout.write(
                    f"{label} {figures['name']!r}: test F1 {figures['f1']:.4f}, precision {figures['precision']:.4f}, "
                    f"recall {figures['recall']:.4f} at threshold {figures['threshold']:.3f} on {figures['n']} comments"
                )
        try:
            promotion = gate.promote(version, None, Promotion.Source.CLI, force=force)
        except gate.CannotLoad as exc:
            raise CommandError(str(exc), returncode=2) from exc
        except gate.PromotionRefused as exc:
            raise CommandError(
                f"model {version.pk} is registered but not active: {exc.verdict.reason}; --force activates it anyway",
                returncode=2,
            ) from exc
        forced = f" (forced past the gate: {promotion.reason})" if promotion.forced else ""
        self.stdout.write(f"Model {version.pk} {version.name!r} is now active{forced}.")
