"""One way to make a trained run ready to serve: register it, choose its CPU runtime, score it on the
gate's test sample, reading its weights from disk once for all three.

`prepare(run_dir, name)` does it for a new run: the worker when a job ends (webapp.training.jobs,
which registers under the job's lock) and `register_model`. `complete(version)` does what is left for
a version registered some other way (a promote that found its job's model unregistered, fixtures):
the worker's `score_model` task, and the admin's activation of a version never measured. The run's
fp32 Classifier is loaded on first need and shared: registration reads its description, the runtime
choice (webapp/checker/runtime_choice.py) builds each candidate from it, and the gate's scoring
(webapp/checker/scoring.py) runs on the Classifier of the runtime that serves.
"""

import functools
import logging
from dataclasses import dataclass

from webapp.checker import registry, runtime_choice, scoring
from webapp.checker.models import ModelVersion, SampleScores

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prepared:
    """A registered version served by its chosen runtime, and its scores on the gate's sample: None
    when it was not scored (`problem` says why, when scoring was asked for and failed)."""

    version: ModelVersion
    scores: SampleScores | None
    problem: str = ""


def prepare(run_dir, name=None, *, runtime=None, score=True, register=None):
    """Register the run directory as `name`, choose its runtime (or serve `runtime`, chosen by a
    person) and, with `score`, score it on the gate's sample; returns a Prepared.

    `register(load)` records the version, where `load()` returns the run's model: by default
    registry.register; the training app registers a job's model under the job's lock. ArtifactError
    when the directory is not a loadable run (nothing is recorded then)."""
    load = _loader(run_dir)
    version = (register or functools.partial(registry.register, run_dir, name))(load=load)
    return _ready(version, load, runtime, score)


def complete(version, score=True):
    """Choose the runtime of a version that never had one chosen and, with `score`, score it on the
    gate's sample if it was not; its weights are read once, and not at all when nothing is left to do."""
    return _ready(version, _loader(version.artifact_path), None, score)


def complete_by_id(version_id):
    """The worker's task body: complete the version if it still exists; never raises ScoringFailed."""
    version = ModelVersion.objects.filter(pk=version_id).first()
    if version is None:
        return "gone"
    return "failed" if complete(version).problem else "scored"


def _loader(run_dir):
    """registry.load_model of `run_dir`: read on the first call, the same Classifier on the calls after it."""
    return functools.cache(functools.partial(registry.load_model, run_dir))


def _ready(version, load, runtime, score):
    served = None
    if runtime is not None:
        runtime_choice.keep(version, runtime)
    elif version.runtime_checked is None:
        served = runtime_choice.choose(version, load)
    if not score:
        return Prepared(version, scoring.scores_of(version))
    try:
        scores = scoring.measure(version, _serving(version, served, load))
    except scoring.ScoringFailed as exc:
        log.warning("%s", exc)
        return Prepared(version, None, str(exc))
    return Prepared(version, scores)


def _serving(version, served, load):
    """What scoring runs on: the Classifier the runtime choice built, else one built from the model
    loaded already; else None, and scoring loads what serves (an exported ONNX file without the weights)."""
    from ml import runtimes  # imports torch

    if served is not None:
        return lambda: served
    if load.cache_info().currsize:
        return lambda: runtimes.serve(load(), version.runtime)
    return None
