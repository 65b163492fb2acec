"""Word-level explanations: words and offsets, occlusion through the serving runtime, the baseline's
exact log-odds shares, the sanity check against a random model, and `python -m ml explain`."""

import json

import pytest
import torch

import ml
from ml import runtimes
from ml.baseline_words import linear_terms
from ml.inference import Classifier, Occlusion
from ml.names import ONNX_INT8, SKLEARN
from ml.words import Explanation, WordScore, kept_tokens, token_words, toxic_words, word_spans
from tests.ml.test_cli import run_cli

AWKWARD = [
    "You are an idiot, an IDIOT!!! idiot...",
    "Café naïve — don't say “日本語” (ok?)",
    "İstanbul ΣΟΦΟΣ straße",  # İ lowercases to two characters
    "  spaces\tand\nnewlines  ",
    "?!...",
    "",
]


def words_of(text):
    return [text[s:e] for s, e in word_spans(text)]


def test_words_keep_their_offsets_in_the_original_text():
    assert words_of(AWKWARD[0]) == ["You", "are", "an", "idiot", "an", "IDIOT", "idiot"]
    assert words_of(AWKWARD[1]) == ["Café", "naïve", "don't", "say", "日本語", "ok"]
    assert words_of(AWKWARD[4]) == [] and words_of("") == []


def test_deleting_a_word_deletes_its_tokens_and_truncation_keeps_the_closing_token(tokenizer):
    text = "you absolute idiot, really"
    encoded = tokenizer(text, return_offsets_mapping=True, return_special_tokens_mask=True)
    special = encoded["special_tokens_mask"]
    owners = token_words(word_spans(text), encoded["offset_mapping"], special)
    ids = encoded["input_ids"]

    without_idiot = [ids[i] for i in kept_tokens(owners, special, None, {2})]
    assert tokenizer.decode(without_idiot, skip_special_tokens=True) == "you absolute, really"
    truncated = [ids[i] for i in kept_tokens(owners, special, 4)]
    assert truncated == tokenizer(text, truncation=True, max_length=4)["input_ids"]


@pytest.fixture(scope="module")
def teacher(trained_teacher_dir):
    return ml.load(trained_teacher_dir)


@pytest.mark.parametrize("text", [*AWKWARD, "a long comment about the article " * 30])
def test_every_word_is_scored_at_its_offsets_and_the_verdict_is_predicts(teacher, text):
    [explanation] = teacher.explain([text])

    assert [w.word for w in explanation.words] == words_of(text)
    assert all(text[w.start : w.end] == w.word for w in explanation.words)
    assert explanation.toxic_probability == pytest.approx(teacher.predict_proba([text])[0], abs=1e-5)
    assert explanation.method == "occlusion" and explanation.runtime == "torch-fp32"


def test_a_word_past_the_truncation_scores_nothing(teacher):
    text = "thanks for the edit " * 40 + "idiot"
    [explanation] = teacher.explain([text])

    assert explanation.words[-1].word == "idiot" and explanation.words[-1].score == 0.0
    assert any(w.score != 0.0 for w in explanation.words[:5])


def test_a_score_is_the_drop_in_probability_when_the_word_is_deleted(teacher):
    text = "you are a stupid idiot and nobody likes you"
    [explanation] = teacher.explain([text])
    stupid = explanation.words[3]

    without = teacher.predict_proba([text[: stupid.start] + text[stupid.end :]])[0]
    assert stupid.word == "stupid"
    assert stupid.score == pytest.approx(explanation.toxic_probability - without, abs=1e-5)
    assert explanation.label == "toxic" and {w.word for w in explanation.top(2)} & {"stupid", "idiot"}


def test_a_randomly_initialised_model_explains_differently(teacher):
    from transformers import AutoModelForSequenceClassification

    torch.manual_seed(0)
    random_model = AutoModelForSequenceClassification.from_config(teacher.model.config)
    random = Classifier(random_model, teacher.tokenizer, {}, teacher.max_length)
    texts = ["you are a stupid idiot and nobody likes you", "shut up you moron, go away", "what a stupid idea, idiot"]

    for trained, untrained in zip(teacher.explain(texts), random.explain(texts), strict=True):
        assert [w.word for w in trained.words] == [w.word for w in untrained.words]
        top = {w.word for w in trained.top(2)}
        assert top & {"stupid", "idiot", "moron"}, top
        assert [w.score for w in trained.words] != pytest.approx([w.score for w in untrained.words], abs=1e-4)
    assert [w.word for e in teacher.explain(texts) for w in e.top(1)] != [
        w.word for e in random.explain(texts) for w in e.top(1)
    ]


def test_a_long_comment_is_explained_in_two_rounds_that_find_its_insult(teacher):
    text = "thanks for the careful edit of the article about the old bridge " * 5 + "you stupid idiot"
    words = len(word_spans(text))
    passes = []

    [explanation] = teacher.explain([text], batch_size=1, on_batch=lambda done, total: passes.append(done))
    run = -(-words // Occlusion.RUNS)

    assert words > Occlusion.SINGLE_WORDS and len(passes) <= 1 + Occlusion.RUNS + Occlusion.REFINED * run < words
    top = explanation.top(1)[0]
    assert top.word in {"stupid", "idiot"}
    without = teacher.predict_proba([text[: top.start] + text[top.end :]])[0]
    assert top.score == pytest.approx(explanation.toxic_probability - without, abs=1e-4)


def test_the_words_counted_are_the_toxic_verdicts_strongest_pushes():
    def explained(label, *scored):
        words = tuple(WordScore(word, 0, len(word), score) for word, score in scored)
        return Explanation(label, 0.9, words, "occlusion", "torch-fp32")

    explanations = [
        explained("toxic", ("You", 0.01), ("idiot", 0.5), ("idiot", 0.3), ("gay", 0.2), ("the", 0.1)),
        explained("toxic", ("Idiot", 0.4), ("stupid", 0.6), ("thanks", -0.2)),
        explained("toxic", ("gay", 0.3), ("kind", -0.1), ("nice", -0.2), ("fine", -0.3)),
        explained("non-toxic", ("idiot", 0.2), ("stupid", 0.1)),
    ]

    counted = [(w.word, w.comments, round(w.mean_score, 3)) for w in toxic_words(explanations)]

    assert counted == [("idiot", 2, 0.45), ("gay", 2, 0.25), ("stupid", 1, 0.6)]
    assert toxic_words(explanations, top=1)[0].word == "idiot"


def test_an_int8_runtime_explains_its_own_verdicts(tiny_artifact_dir):
    served = runtimes.load(tiny_artifact_dir, ONNX_INT8)
    texts = ["You are an idiot, an IDIOT!!!", "thanks for the careful edit"]

    explanations = served.explain(texts)

    assert [e.runtime for e in explanations] == [ONNX_INT8, ONNX_INT8]
    assert [e.toxic_probability for e in explanations] == pytest.approx(served.predict_proba(texts), abs=1e-6)


@pytest.fixture(scope="module")
def baseline(baseline_dir):
    return ml.load(baseline_dir)


@pytest.mark.parametrize("text", AWKWARD)
def test_the_baseline_words_intercept_and_rest_add_up_to_its_log_odds(baseline, text):
    terms = linear_terms(baseline.model, text, word_spans(text))
    [explanation] = baseline.explain([text])

    assert terms.log_odds == pytest.approx(float(baseline.model.decision_function([text])[0]), abs=1e-4)
    assert explanation.toxic_probability == pytest.approx(baseline.predict_proba([text])[0], abs=1e-5)
    assert [w.word for w in explanation.words] == words_of(text)
    assert [w.score for w in explanation.words] == pytest.approx(list(terms.scores))
    assert explanation.method == "linear" and explanation.runtime == SKLEARN


def test_only_punctuation_is_left_to_no_word(baseline):
    text = "you are a stupid idiot and nobody likes you"
    assert linear_terms(baseline.model, text, word_spans(text)).rest == 0.0
    assert linear_terms(baseline.model, "idiot !!!", word_spans("idiot !!!")).rest != 0.0


def test_the_baseline_blames_the_insults(baseline):
    [explanation] = baseline.explain(["you are a stupid idiot and nobody likes you"])

    assert explanation.label == "toxic"
    assert {w.word for w in explanation.top(2)} == {"stupid", "idiot"}


def test_the_cli_prints_one_json_line_per_text(baseline_dir):
    code, out, err = run_cli("explain", "--model", baseline_dir, "you stupid idiot", "thank you, Zoë")

    assert code == 0, err
    first, second = (json.loads(line) for line in out.splitlines())
    assert [w["word"] for w in first["words"]] == ["you", "stupid", "idiot"] and first["label"] == "toxic"
    assert second["words"][2] == {"word": "Zoë", "start": 11, "end": 14, "score": second["words"][2]["score"]}
    assert first["unit"] == "log-odds" and first["runtime"] == SKLEARN


def test_the_cli_says_in_one_line_when_the_model_is_missing(tmp_path):
    code, out, err = run_cli("explain", "--model", tmp_path / "nothing", "hello")

    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and err.startswith("error:")
