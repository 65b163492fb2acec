"""ml.methods: one entry of facts per method, read by the config, the training run and the layer maps;
ml.recipes: how each is built, or trains and loads itself."""

import pytest

import ml
from ml import methods, recipes
from ml.config import DEFAULT_LR, GROUPS, METHODS, TrainConfig
from ml.errors import ConfigError
from ml.methods import Method
from ml.models import layer_map
from ml.progress import TrainResult
from ml.recipes import Recipe

TRANSFORMERS = tuple(name for name in METHODS if not methods.get(name).trains_itself)


def test_the_registry_holds_the_methods_each_with_what_the_rest_of_ml_reads():
    assert methods.names() == METHODS == (*TRANSFORMERS, "baseline")
    assert TRANSFORMERS == ("teacher", "odd", "even", "first-half", "last-half", "custom", "lora")
    for method in methods.REGISTRY.values():
        assert method.label and method.help and method.loss_terms and set(method.groups) <= set(GROUPS)
        layers = [0] if method.needs_layer_map else None  # the custom student's map is an option
        assert DEFAULT_LR[method.name] == method.default_lr == TrainConfig(method=method.name, layers=layers).lr
        if method.name in TRANSFORMERS:
            assert 0 < method.default_lr <= 1 and method.uses_teacher and method.runtime is None
    assert [name for name, method in methods.REGISTRY.items() if method.layers] == [
        "odd",
        "even",
        "first-half",
        "last-half",
    ]
    assert methods.using("distillation") == ("odd", "even", "first-half", "last-half", "custom")
    assert methods.using("layers") == ("custom",) and methods.using("lora") == ("lora",)
    assert methods.using("training") == TRANSFORMERS and methods.using("baseline") == ("baseline",)
    assert methods.using("data") == METHODS


def test_the_baseline_reads_no_teacher_and_records_none():
    baseline = methods.get("baseline")
    assert not baseline.uses_teacher and baseline.default_lr is None and baseline.runtime == "sklearn"
    cfg = TrainConfig(method="baseline", teacher="bert-base-uncased")
    assert cfg.teacher == "none" and cfg.lr is None
    with pytest.raises(ConfigError, match="baseline_c: must be in") as info:
        TrainConfig(method="baseline", baseline_c=0, baseline_char_ngrams=1)
    assert set(info.value.errors) == {"baseline_c", "baseline_char_ngrams"}


def test_every_logged_loss_term_has_a_chart_label():
    from ml.names import LOSS_TERM_LABELS as TERMS

    assert {term for method in methods.REGISTRY.values() for term in method.loss_terms} <= set(TERMS)


def test_an_unknown_method_is_a_config_error_that_lists_the_known_ones():
    with pytest.raises(
        ConfigError,
        match="must be one of teacher, odd, even, first-half, last-half, custom, lora, baseline, got 'half'",
    ):
        methods.get("half")
    with pytest.raises(ConfigError, match="student method"):
        layer_map(12, "teacher")


def test_every_method_has_a_recipe_that_builds_it_or_trains_and_loads_it():
    for name in METHODS:
        recipe = recipes.get(name)
        if name in TRANSFORMERS:
            assert recipe.build is not None and recipe.train is None and recipe.load is None
        else:
            assert recipe.build is None and recipe.train is not None and recipe.load is not None
    assert {recipes.get(name) for name in methods.using("distillation")} == {recipes.STUDENT}


def test_a_recipe_gives_either_a_builder_or_its_own_training_and_loading():
    with pytest.raises(ValueError, match="exactly one"):
        Recipe()
    with pytest.raises(ValueError, match="gives load too"):
        Recipe(train=lambda cfg: None)


def test_a_method_that_is_not_a_transformer_trains_through_its_own_recipe(monkeypatch, tmp_path):
    """A method like a TF-IDF baseline names its runtime, and its recipe's `train` skips ml's transformer loop."""
    calls = []

    def train_words(cfg, on_progress, should_stop):
        calls.append((cfg.method, cfg.lr, on_progress, should_stop()))
        return TrainResult("succeeded", str(tmp_path), {"method": cfg.method})

    words = Method(
        "words", "word-count baseline", "a bag of words", default_lr=0.5, loss_terms=("cls",), runtime="words"
    )
    monkeypatch.setitem(methods.REGISTRY, "words", words)
    monkeypatch.setitem(recipes.RECIPES, "words", Recipe(train=train_words, load=lambda *args: None))

    result = ml.train({"method": "words", "output": str(tmp_path)}, should_stop=lambda: False)

    assert result.metrics == {"method": "words"} and calls == [("words", 0.5, None, False)]
    assert ("words", "word-count baseline") in methods.choices() and words.trains_itself


def test_a_new_student_is_one_entry_with_its_layer_map(monkeypatch):
    bottom = methods.student(
        "bottom-third", "bottom-third student", "the lowest third", layers=lambda n: [*range(n // 3)]
    )
    monkeypatch.setitem(methods.REGISTRY, "bottom-third", bottom)

    assert layer_map(12, "bottom-third") == [0, 1, 2, 3]
    assert TrainConfig(method="bottom-third").lr == bottom.default_lr
    with pytest.raises(ConfigError, match="loss weights cannot all be zero"):
        TrainConfig(method="bottom-third", alpha_cls=0, alpha_div=0, alpha_cos=0)


@pytest.mark.parametrize("name", TRANSFORMERS)
def test_each_method_logs_exactly_its_registered_loss_terms(name, tiny_artifact_dir, data_dir):
    from accelerate import Accelerator

    from ml.batches import make_dataloader, tokenize_splits
    from ml.data import load_splits
    from ml.trainer import Trainer

    layers = [0, 2] if name == "custom" else None  # the custom student's map is an option
    cfg = TrainConfig(method=name, teacher=str(tiny_artifact_dir), dataset=str(data_dir), max_length=16, layers=layers)
    models = recipes.build(cfg)
    tokenized = tokenize_splits(load_splits(cfg.dataset, max_train_samples=8, max_eval_samples=8), models.tokenizer, 16)
    loader = make_dataloader(tokenized["train"], models.tokenizer, 8, shuffle=False)
    trainer = Trainer(cfg, Accelerator(cpu=True), models.model, loader, loader, teacher=models.teacher)

    _, components = trainer.step(next(iter(loader)))

    assert tuple(components) == methods.get(name).loss_terms


def test_a_run_longer_than_a_32_bit_step_counter_is_refused_before_it_starts():
    from ml.trainer import MAX_TOTAL_STEPS, Trainer

    cfg = TrainConfig(method="teacher", epochs=3)
    with pytest.raises(ConfigError, match=f"exceed {MAX_TOTAL_STEPS} steps") as info:
        Trainer(cfg, accelerator=None, model=None, train_loader=range(2**30), eval_loader=None)
    assert info.value.field == "epochs"
