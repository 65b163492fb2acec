"""The gate's identity-bias rule on real models: a baseline trained where every comment that names an
identity term is labelled toxic is refused against a fairly trained one, both scored for real on the
same template sentences (webapp/checker/bias.py); `force` promotes it and stores the reason; the API
and the model page show the figures."""

import pandas as pd
import pytest

import ml
from ml import bias as ml_bias
from tests.support.accounts import staff_user
from webapp.checker import bias, gate
from webapp.checker.models import ModelVersion, Promotion
from webapp.checker.prepare import prepare

TRAIN = {"method": "baseline", "teacher": "none", "max_eval_samples": 300, "baseline_max_features": 20_000}


def _dataset(data_dir, folder, biased):
    """3,000 real training comments (all of them toxic when they name a term, if `biased`) and the real
    validation and test splits."""
    folder.mkdir()
    train = pd.read_csv(data_dir / "train.csv").sample(n=3000, random_state=0)
    if biased:
        terms = ml_bias.read_terms(ml_bias.templates_dir())
        named = [bool(found) for found in ml_bias.mentions(list(train["comment_text"]), terms)]
        train.loc[named, "label"] = 1
    train.to_csv(folder / "train.csv", index=False)
    for split in ("validation", "test"):
        (folder / f"{split}.csv").symlink_to(data_dir / f"{split}.csv")
    return folder


@pytest.fixture(scope="module")
def runs(data_dir, tmp_path_factory):
    base = tmp_path_factory.mktemp("bias-runs")
    found = {}
    for name, biased in (("fair", False), ("biased", True)):
        dataset = _dataset(data_dir, base / f"{name}-data", biased)
        result = ml.train({**TRAIN, "dataset": str(dataset), "output": str(base / name)})
        assert result.status == "succeeded"
        found[name] = base / name
    return found


@pytest.fixture
def fair_serving(db, runs, settings, gate_sample):
    settings.TOXILAB_PROMOTE_MIN_F1 = 0.0
    settings.TOXILAB_PROMOTE_MAX_DROP = 100.0  # the F1 rule out of the way: this is the bias rule's test
    prepared = prepare(runs["fair"], "fair")
    assert prepared.problem == ""
    gate.promote(prepared.version, None, Promotion.Source.CLI)
    return prepared.version


def test_a_model_trained_to_call_identity_comments_toxic_is_refused(fair_serving, runs, settings):
    limit = settings.TOXILAB_PROMOTE_MAX_BIAS_DROP  # the default (webapp/settings.py): not changed here
    biased = prepare(runs["biased"], "biased").version

    with pytest.raises(gate.PromotionRefused) as refused:
        gate.promote(biased, None, Promotion.Source.CLI)

    verdict = refused.value.verdict
    mine, theirs = verdict.candidate["bias"], verdict.active["bias"]
    drop = (theirs["bias_metric"] - mine["bias_metric"]) * 100
    reasons = [r for r in verdict.refusals if "identity-bias metric" in r or "template sentences naming" in r]
    assert reasons[0] == (
        f"its identity-bias metric {mine['bias_metric']:.4f} is {drop:.1f} points under the active model's "
        f"{theirs['bias_metric']:.4f} on the same template sentences (at most {limit:g} allowed)"
    )
    # the fair baseline already calls every non-toxic "gay" sentence toxic: the worst FPR cannot rise
    assert len(reasons) == 1 + (mine["worst_fpr"]["fpr"] - theirs["worst_fpr"]["fpr"] > 0.1), verdict.refusals
    assert ModelVersion.current() == fair_serving

    forced = gate.promote(biased, None, Promotion.Source.CLI, force=True)
    assert forced.forced and all(reason in forced.reason for reason in reasons)
    assert forced.figures["candidate"]["bias"] == mine
    assert ModelVersion.current() == biased


def test_with_a_looser_limit_the_same_candidate_passes_the_bias_rule(fair_serving, runs, settings):
    settings.TOXILAB_PROMOTE_MAX_BIAS_DROP = settings.TOXILAB_PROMOTE_MAX_FPR_RISE = 100.0
    biased = prepare(runs["biased"], "biased").version
    assert gate.judge(biased, fair_serving).refusals == []


def test_a_candidate_whose_worst_term_fpr_rises_is_refused(db, scored, settings):
    """Stored template scores: the active model is fair; the candidate calls every non-toxic sentence
    naming "gay" toxic and is otherwise the same, so its bias metric barely moves but its worst FPR
    rises from 0 to 100 %."""
    settings.TOXILAB_PROMOTE_MAX_BIAS_DROP, settings.TOXILAB_PROMOTE_MAX_FPR_RISE = 100.0, 10.0
    active, candidate = (
        ModelVersion.objects.create(name=name, method="odd", teacher="t", artifact_path=f"/runs/{name}")
        for name in ("fair", "gay-flagging")
    )
    sample = bias.sample()
    scored(active, f1=0.8)
    gate.promote(active, None, Promotion.Source.CLI)
    flagged = [
        0.9 if term == "gay" else 0.5 + (0.1 if y else -0.1)
        for term, y in zip(sample.terms, sample.labels, strict=True)
    ]
    scored(candidate, f1=0.8, templates=flagged)

    verdict = gate.judge(candidate, active)

    assert verdict.refusals == [
        "it calls 100% of the non-toxic template sentences naming 'gay' toxic, 100.0 points more than the "
        f"active model's worst term ({verdict.active['bias']['worst_fpr']['term']!r}, 0%; at most 10 allowed)"
    ]


def test_the_api_and_the_model_page_show_the_bias_figures(fair_serving, client):
    staff = staff_user("ada")
    client.force_login(staff)

    found = client.get(f"/api/v1/models/{fair_serving.pk}").json()
    summary, terms = found["bias"]["summary"], found["bias"]["terms"]
    assert 0 < summary["bias_metric"] < 1 and summary["worst_bpsn"]["term"] in {row["term"] for row in terms}
    assert found["bias"]["on"].startswith("1,0")  # the tests' sample (conftest): 1,000 sentences
    assert len(terms) == 50 and {"subgroup_auc", "bpsn_auc", "bnsp_auc", "fpr"} <= set(terms[0])
    assert found["bias"]["threshold"] == fair_serving.threshold

    page = client.get(f"/dashboard/models/{fair_serving.pk}/").content.decode()
    assert "Identity bias" in page and f"{summary['bias_metric']:.3f}" in page
    worst = terms[0]["term"]
    assert page.index(f"<td>{worst}</td>") < page.index(f"<td>{terms[-1]['term']}</td>")
