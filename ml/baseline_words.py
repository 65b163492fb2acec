"""The baseline's exact word scores: each TF-IDF feature's term of the logistic regression's log-odds,
shared out among the words of the comment it was read from.

A feature's term is weight x TF-IDF value. It is split equally among the places the n-gram occurs in
the comment; a word n-gram's place equally among its words, a character n-gram's place among the
words its characters overlap (by characters shared). What no word overlaps (an n-gram of punctuation
alone) is `rest`, so the intercept, the words' scores and `rest` add up to the model's log-odds.
The n-grams are found as scikit-learn's analyzers find them ("word": the token pattern on lowercased
text; "char_wb": each whitespace-separated token padded with one space), with their offsets.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from ml.names import LABELS, SKLEARN
from ml.words import LINEAR, Explanation, overlaps, scored_words, word_spans

Place = list[tuple[int, int]]  # the character ranges of one occurrence of an n-gram, one per token


@dataclass(frozen=True)
class LinearTerms:
    """A comment's log-odds as the sum of `intercept`, the words' `scores` and `rest`."""

    intercept: float
    scores: np.ndarray
    rest: float

    @property
    def log_odds(self) -> float:
        return self.intercept + float(self.scores.sum()) + self.rest


def explain(pipeline, text: str, threshold: float) -> Explanation:
    spans = word_spans(text)
    terms = linear_terms(pipeline, text, spans)
    probability = 1.0 / (1.0 + math.exp(-terms.log_odds))
    label = LABELS[int(probability >= threshold)]
    return Explanation(label, probability, scored_words(text, spans, terms.scores), LINEAR, SKLEARN)


def linear_terms(pipeline, text: str, spans: list[tuple[int, int]]) -> LinearTerms:
    """The log-odds of `text` under `pipeline` (make_pipeline's shape) split among the words `spans`."""
    model = pipeline.named_steps["model"]
    coef = model.coef_[0]
    scores, rest, offset = np.zeros(len(spans)), 0.0, 0
    for _, vectoriser in pipeline.named_steps["features"].transformer_list:
        values = vectoriser.transform([text]).toarray()[0]
        for gram, places in ngram_places(vectoriser, text).items():
            index = vectoriser.vocabulary_.get(gram)
            if index is None:
                continue
            share = float(coef[offset + index] * values[index]) / len(places)
            rest += _share_out(share, places, spans, scores)
        offset += len(vectoriser.vocabulary_)
    return LinearTerms(float(model.intercept_[0]), scores, rest)


def _share_out(share: float, places: list[Place], spans, scores: np.ndarray) -> float:
    """Add `share` of each place to the words it overlaps; return what fell on no word."""
    unassigned = 0.0
    for place in places:
        for start, end in place:
            piece = share / len(place)
            shared = overlaps(spans, start, end)
            total = sum(common for _, common in shared)
            if not total:
                unassigned += piece
            for word, common in shared:
                scores[word] += piece * common / total
    return unassigned


def ngram_places(vectoriser, text: str) -> dict[str, list[Place]]:
    """Each n-gram the vectoriser's analyzer reads in `text`, with the places it occurs."""
    lowered, origin = _lowercase(text) if vectoriser.lowercase else (text, None)

    def back(start: int, end: int) -> tuple[int, int]:
        return (start, end) if origin is None else (origin[start], origin[end - 1] + 1)

    low, high = vectoriser.ngram_range
    places: dict[str, list[Place]] = defaultdict(list)
    if vectoriser.analyzer == "word":
        tokens = [(m.group(), back(*m.span())) for m in re.finditer(vectoriser.token_pattern, lowered)]
        for n in range(low, high + 1):
            for i in range(len(tokens) - n + 1):
                window = tokens[i : i + n]
                places[" ".join(token for token, _ in window)].append([span for _, span in window])
    elif vectoriser.analyzer == "char_wb":
        for match in re.finditer(r"\S+", lowered):
            _char_places(match.group(), match.start(), low, high, back, places)
    else:
        raise ValueError(f"no word scores for a {vectoriser.analyzer!r} analyzer")
    return places


def _char_places(token: str, at: int, low: int, high: int, back, places) -> None:
    """scikit-learn's char_wb n-grams of one token (padded " token "), each with its characters in
    the text (the padding spaces excluded); a token shorter than n gives itself once, then no more."""
    padded = f" {token} "
    for n in range(low, high + 1):
        for offset in range(max(len(padded) - n + 1, 1)):
            start, end = max(offset - 1, 0), min(offset + n - 1, len(token))
            places[padded[offset : offset + n]].append([back(at + start, at + end)])
        if n >= len(padded):
            break


def _lowercase(text: str) -> tuple[str, list[int] | None]:
    """`text.lower()` as scikit-learn lowercases, and where each of its characters came from in `text`
    (None: the same place, as for almost every text)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered, None
    pieces, origin = [], []
    for i, char in enumerate(text):  # a character that lowercases to two ("İ"): both come from it
        pieces.append(char.lower())
        origin.extend([i] * len(pieces[-1]))
    return "".join(pieces), origin
