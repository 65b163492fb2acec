"""Classifier: loading run directories, batched prediction, int8 quantisation, clear load errors."""

import shutil

import pytest

from ml.errors import ModelLoadError
from ml.inference import Classifier, length_batches


@pytest.fixture(scope="module")
def classifier(tiny_artifact_dir):
    return Classifier.load(tiny_artifact_dir)


def test_predictions_keep_input_order_whatever_the_batch_size(classifier):
    texts = [f"comment number {i} " + "word " * (i * 7 % 40) for i in range(37)]
    one_by_one = [classifier.predict_proba([t])[0] for t in texts]
    batched = classifier.predict_proba(texts, batch_size=8)
    assert batched == pytest.approx(one_by_one, abs=1e-5)


def test_no_texts_give_no_probabilities(classifier):
    assert classifier.predict_proba([]) == []


@pytest.mark.parametrize("side", ["right", "left"])
def test_texts_are_padded_as_the_tokenizer_pads_them(classifier, side, monkeypatch):
    monkeypatch.setattr(classifier.tokenizer, "padding_side", side)
    texts = ["ok", "You are wrong.", "a long comment about the article " * 30]
    encoded = classifier.tokenizer(texts, truncation=True, max_length=classifier.max_length)

    ours = classifier._padded(encoded, [2, 0, 1])
    theirs = classifier.tokenizer.pad(
        {key: [rows[i] for i in (2, 0, 1)] for key, rows in encoded.items()}, return_tensors="pt"
    )

    assert ours.keys() == theirs.keys()
    for key in ours:
        assert ours[key].tolist() == theirs[key].tolist()


def test_batches_hold_texts_of_like_length_up_to_the_batch_size():
    lengths = [40, 10, 128, 11, 10, 41, 12, 126]

    # 12 joins 10, 10, 11 (5 padding tokens on 43 real: 12%); 40 would not (117 on 83: 141%)
    assert length_batches(lengths, 32) == [[1, 4, 3, 6], [0, 5], [7, 2]]
    assert length_batches(lengths, 2) == [[1, 4], [3, 6], [0, 5], [7, 2]]
    assert length_batches(lengths, 32, padding_budget=0.0) == [[1, 4], [3], [6], [0], [5], [7], [2]]


def test_labels_follow_the_threshold(classifier):
    for pred in classifier.predict(["hello", "you fool", "x" * 3000]):
        assert 0.0 <= pred.toxic_probability <= 1.0
        assert pred.label == ("toxic" if pred.toxic_probability >= 0.5 else "non-toxic")


def test_info_describes_the_run(classifier):
    assert classifier.info["method"] == "teacher" and classifier.info["layers"] == 4
    assert classifier.info["parameters"] > 0 and classifier.info["created"]


def test_int8_quantisation_stays_close_to_fp32(classifier, tiny_artifact_dir):
    quantized = Classifier.load(tiny_artifact_dir, quantize=True)
    texts = ["hello there", "you are a fool and a liar", "the article needs a citation"]
    assert quantized.predict_proba(texts) == pytest.approx(classifier.predict_proba(texts), abs=0.05)
    assert quantized.info["quantized"] is True


def test_a_single_string_is_refused(classifier):
    with pytest.raises(TypeError):
        classifier.predict("not a list")


def test_a_missing_directory_gives_a_clear_error(tmp_path):
    with pytest.raises(ModelLoadError, match="no such model directory"):
        Classifier.load(tmp_path / "nope")


def test_a_directory_without_weights_gives_a_clear_error(tmp_path, tiny_artifact_dir):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_artifact_dir, broken)
    (broken / "model.safetensors").unlink()
    with pytest.raises(ModelLoadError, match="no model weights"):
        Classifier.load(broken)


def test_a_corrupt_config_gives_a_clear_error(tmp_path, tiny_artifact_dir):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_artifact_dir, broken)
    (broken / "config.json").write_text("{not json")
    with pytest.raises(ModelLoadError, match="could not load model"):
        Classifier.load(broken)


def test_a_quantised_model_reports_the_same_parameter_count(classifier, tiny_artifact_dir):
    assert Classifier.load(tiny_artifact_dir, quantize=True).info["parameters"] == classifier.info["parameters"]
