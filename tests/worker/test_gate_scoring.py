"""A promotion that finds its model unscored is refused and queues the scoring for a real Celery worker,
which scores it on the gate's test sample; the promotion then passes on the same comments."""

import pytest
from services import wait_until

from webapp.checker import gate, scoring
from webapp.checker.models import ModelVersion, Promotion
from webapp.checker.registry import register


def test_the_worker_scores_a_model_whose_promotion_found_it_unscored(celery_worker, tiny_artifact_dir, settings):
    settings.TOXILAB_PROMOTE_MIN_F1 = 0.2  # the tiny model scores about 0.37 on the gate's sample
    version = register(tiny_artifact_dir, name="unscored")

    with pytest.raises(gate.PromotionRefused) as refused:
        gate.promote(version, None, Promotion.Source.API)
    assert refused.value.verdict.unmeasured == [version] and "not scored" in str(refused.value)

    scores = wait_until(lambda: scoring.scores_of(version), timeout=120, what="the worker to score the model")
    promotion = gate.promote(version, None, Promotion.Source.API)

    assert len(scores.labels) == 200 and scores.runtime == version.runtime
    assert ModelVersion.current() == version and not promotion.forced
    assert promotion.figures["candidate"]["f1"] == pytest.approx(scoring.figures(version)["f1"])
