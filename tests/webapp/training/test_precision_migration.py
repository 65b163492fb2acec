"""The `mixed_precision` option became `precision`: stored job configs and study options are renamed both ways."""

from tests.support.migrations import migrate

BEFORE = [("training", "0010_job_name_and_note"), ("studies", "0001_studies_and_their_runs")]
AFTER = [("training", "0011_precision_option"), ("studies", "0002_precision_option")]


def old_rows(apps):
    jobs = apps.get_model("training", "TrainingJob").objects
    fp32 = jobs.create(
        method="teacher", teacher="t", dataset="d", config={"method": "teacher", "mixed_precision": "no"}
    )
    auto = jobs.create(method="odd", teacher="t", dataset="d", config={"method": "odd", "mixed_precision": "auto"})
    baseline = jobs.create(method="baseline", teacher="none", dataset="d", config={"method": "baseline"})
    study = apps.get_model("studies", "Study").objects.create(
        options={"epochs": 1, "mixed_precision": "bf16"},
        methods=["odd"],
        seeds=[1],
        vary={"option": "mixed_precision", "values": ["no", "bf16"]},
    )
    return fp32.pk, auto.pk, baseline.pk, study.pk


def test_it_renames_the_option_and_calls_no_fp32(old_schema):
    fp32, auto, baseline, study = old_rows(old_schema)
    apps = migrate(AFTER)
    jobs = apps.get_model("training", "TrainingJob").objects
    assert jobs.get(pk=fp32).config == {"method": "teacher", "precision": "fp32"}
    assert jobs.get(pk=auto).config == {"method": "odd", "precision": "auto"}
    assert jobs.get(pk=baseline).config == {"method": "baseline"}
    stored = apps.get_model("studies", "Study").objects.get(pk=study)
    assert stored.options == {"epochs": 1, "precision": "bf16"}
    assert stored.vary == {"option": "precision", "values": ["fp32", "bf16"]}


def test_it_can_be_reversed(old_schema):
    fp32, _, _, study = old_rows(old_schema)
    migrate(AFTER)
    apps = migrate(BEFORE)
    assert apps.get_model("training", "TrainingJob").objects.get(pk=fp32).config["mixed_precision"] == "no"
    assert apps.get_model("studies", "Study").objects.get(pk=study).vary["values"] == ["no", "bf16"]
