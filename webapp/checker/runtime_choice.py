"""Choose the CPU runtime that serves a ModelVersion: a faster candidate only if it is as accurate.

When a version is prepared (webapp/checker/prepare.py: the worker at the end of a job, `register_model`,
the admin's activation of a version never measured), `choose(version, load)` has ml.runtimes.choose
measure test F1 and speed of PyTorch fp32 and of each of ml.runtimes.candidates() (ONNX int8, and bf16
where the CPU has it) on the same test comments of the run's own dataset; the fastest candidate within
ml.runtimes.F1_TOLERANCE (0.5 points) of fp32 serves, else fp32. The choice, the figures and the
reason are recorded on the row. It takes seconds (an ONNX export, then the test sample per runtime), so
it runs off the request path, and never raises: a version it cannot measure stays on fp32. A run with a
runtime of its own (the scikit-learn baseline) is recorded as served by that one.
"""

import logging

from django.conf import settings
from django.utils import timezone

log = logging.getLogger(__name__)
HAND_SET = "set by register_model --runtime"


def choose(version, load):
    """Measure, choose and save the runtime of `version`, whose fp32 Classifier `load()` returns (read
    once by the caller); returns the Classifier built for the chosen runtime, or None when nothing was
    measured. Off (fp32 kept, runtime_checked left empty) when settings.RUNTIME_CHOICE is False."""
    from ml import runtimes  # imports torch
    from ml.errors import ModelLoadError

    own = runtimes.own_runtime(version.artifact_path)
    if own is not None:
        _save(version, own, "", None, None, f"{own} serves it: the ONNX and int8 runtimes are for transformers")
        return None
    if not settings.RUNTIME_CHOICE:
        return None
    try:
        served, checks = runtimes.choose(load())
    except (ModelLoadError, OSError, ValueError, RuntimeError) as exc:
        log.warning("cannot measure the runtimes of model version %s: %s", version.pk, exc)
        _save(version, runtimes.FP32, runtimes.candidates()[0], None, None, f"kept fp32: {exc}"[:300])
        return None
    runtime = served.info["runtime"]
    shown = next((check for check in checks if check.runtime == runtime), None) or max(
        checks, key=lambda check: check.runtime_f1
    )  # the candidate that serves, or the closest to fp32
    note = _note(runtime, checks, runtimes.F1_TOLERANCE)
    _save(version, runtime, shown.runtime, shown.fp32_f1, shown.runtime_f1, note)
    log.info("model version %s: %s", version.pk, note)
    return served


def keep(version, runtime, note=HAND_SET):
    """Serve `version` by `runtime`, chosen by a person: recorded as a choice, so that it is not measured again."""
    _save(version, runtime, "", None, None, note)


def _note(runtime, checks, tolerance):
    on = f"on {checks[0].texts} comments"
    serving = next((check for check in checks if check.runtime == runtime), None)
    if serving is not None:
        note = (
            f"{runtime} serves: test F1 {serving.runtime_f1:.4f} against fp32 {serving.fp32_f1:.4f} {on}, "
            f"{serving.comments_per_s:.0f} comments/s"
        )
        others = [check for check in checks if check is not serving]
        if others:
            note += "; also measured: " + ", ".join(
                f"{check.runtime} F1 {check.runtime_f1:.4f} at {check.comments_per_s:.0f} comments/s"
                for check in others
            )
        return note
    lost = ", ".join(f"{check.runtime} test F1 {check.runtime_f1:.4f}" for check in checks)
    verb = "is" if len(checks) == 1 else "are each"
    return f"kept fp32: {lost} {verb} more than {tolerance * 100:.1f} points below fp32 {checks[0].fp32_f1:.4f} {on}"


def _save(version, runtime, candidate, fp32_f1, candidate_f1, note):
    version.runtime, version.candidate_runtime = runtime, candidate
    version.fp32_f1, version.candidate_f1, version.runtime_note = fp32_f1, candidate_f1, note[:300]
    version.runtime_checked = timezone.now()
    version.save(
        update_fields=["runtime", "candidate_runtime", "fp32_f1", "candidate_f1", "runtime_note", "runtime_checked"]
    )
