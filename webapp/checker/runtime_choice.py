"""Choose the CPU runtime that serves a ModelVersion: the faster candidate only if it is as accurate.

When a version is registered (the worker at the end of a job, `register_model`) or activated from
the admin without a choice yet, `choose(version)` measures test F1 of PyTorch fp32 and of
ml.runtimes.CANDIDATE on the same test comments of the run's own dataset, serves the candidate
only when it is within ml.runtimes.F1_TOLERANCE (0.5 points) of fp32, and records the choice, both
figures and the reason on the row. It takes seconds (an ONNX export, then the test sample twice),
so it runs off the request path, and never raises: a version it cannot measure stays on fp32.
A run with a runtime of its own (the scikit-learn baseline) is recorded as served by that one.
"""

import logging

from django.conf import settings
from django.utils import timezone

from webapp.checker.models import ModelVersion

log = logging.getLogger(__name__)


def choose(version):
    """Measure, choose and save the runtime of `version`; returns it. Off (fp32 kept) when
    settings.RUNTIME_CHOICE is False."""
    from ml import runtimes  # imports torch
    from ml.errors import ModelLoadError

    own = runtimes.own_runtime(version.artifact_path)
    if own is not None:
        _save(version, own, "", None, None, f"{own} serves it: the ONNX and int8 runtimes are for transformers")
        return version
    if not settings.RUNTIME_CHOICE:
        return version
    try:
        check = runtimes.compare_f1(version.artifact_path, runtimes.CANDIDATE)
    except (ModelLoadError, OSError, ValueError, RuntimeError) as exc:
        log.warning("cannot measure the runtimes of model version %s: %s", version.pk, exc)
        _save(version, ModelVersion.Runtime.FP32, runtimes.CANDIDATE, None, None, f"kept fp32: {exc}"[:300])
        return version
    fp32, candidate = check["fp32_f1"], check["runtime_f1"]
    if check["within_tolerance"]:
        note = (
            f"{runtimes.CANDIDATE} serves: test F1 {candidate:.4f} against fp32 {fp32:.4f} on {check['texts']} comments"
        )
        runtime = runtimes.CANDIDATE
    else:
        note = (
            f"kept fp32: {runtimes.CANDIDATE} test F1 {candidate:.4f} is more than "
            f"{runtimes.F1_TOLERANCE * 100:.1f} points below fp32 {fp32:.4f} on {check['texts']} comments"
        )
        runtime = ModelVersion.Runtime.FP32
    _save(version, runtime, runtimes.CANDIDATE, fp32, candidate, note)
    log.info("model version %s: %s", version.pk, note)
    return version


def _save(version, runtime, candidate, fp32_f1, candidate_f1, note):
    version.runtime, version.candidate_runtime = runtime, candidate
    version.fp32_f1, version.candidate_f1, version.runtime_note = fp32_f1, candidate_f1, note
    version.runtime_checked = timezone.now()
    version.save(
        update_fields=["runtime", "candidate_runtime", "fp32_f1", "candidate_f1", "runtime_note", "runtime_checked"]
    )
