"""Word-level explanations: the words of a comment with their offsets, and how each pushed the verdict.

The bottom floor of ml (no ml imports). A word is a run of letters and digits, apostrophes inside it
included ("don't"); punctuation and spaces belong to no word. Offsets are Python string indices into
the original text (`text[start:end] == word`). `Classifier.explain` (ml.inference: occlusion through
the serving runtime) and `BaselineClassifier.explain` (ml.baseline_words: the linear model's exact
contributions) both return `Explanation`s built on these spans.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

WORD = re.compile(r"\w+(?:['’]\w+)*")
OCCLUSION = "occlusion"  # score: p(toxic) of the comment minus p(toxic) with the word deleted
LINEAR = "linear"  # score: the word's share of the logistic regression's log-odds (exact)
UNITS = {OCCLUSION: "probability", LINEAR: "log-odds"}


@dataclass(frozen=True)
class WordScore:
    word: str
    start: int
    end: int
    score: float  # > 0 pushed the verdict towards toxic, < 0 towards non-toxic

    def to_dict(self) -> dict:
        return {"word": self.word, "start": self.start, "end": self.end, "score": round(self.score, 6)}


@dataclass(frozen=True)
class Explanation:
    """One comment's verdict and every word's score, in text order; `runtime` is the runtime that
    computed the scores, the one that gave the verdict."""

    label: str
    toxic_probability: float
    words: tuple[WordScore, ...]
    method: str
    runtime: str | None

    @property
    def unit(self) -> str:
        return UNITS[self.method]

    def top(self, k: int) -> list[WordScore]:
        """The k words that pushed hardest towards toxic (highest score first)."""
        return sorted(self.words, key=lambda word: word.score, reverse=True)[:k]

    def to_dict(self) -> dict:
        return {
            "label": self.label,
            "toxic_probability": round(self.toxic_probability, 6),
            "method": self.method,
            "unit": self.unit,
            "runtime": self.runtime,
            "words": [word.to_dict() for word in self.words],
        }


def word_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each word of `text`, in order."""
    return [match.span() for match in WORD.finditer(text)]


def overlaps(spans: list[tuple[int, int]], start: int, end: int) -> list[tuple[int, int]]:
    """(word index, characters shared) of each word of `spans` that [start, end) overlaps."""
    shared = []
    for i, (word_start, word_end) in enumerate(spans):
        if word_start >= end:
            break
        common = min(end, word_end) - max(start, word_start)
        if common > 0:
            shared.append((i, common))
    return shared


def token_words(spans: list[tuple[int, int]], offsets: list[tuple[int, int]], special: list[int]) -> list[int | None]:
    """The word of each token (a fast tokenizer's offset mapping): the word its characters overlap
    most; None for special tokens and punctuation."""
    owners: list[int | None] = []
    for (start, end), is_special in zip(offsets, special, strict=True):
        shared = [] if is_special or end <= start else overlaps(spans, start, end)
        owners.append(max(shared, key=lambda pair: pair[1])[0] if shared else None)
    return owners


def kept_tokens(
    owners: list[int | None], special: list[int], limit: int | None, deleted: Collection[int] = ()
) -> list[int]:
    """Indices of the tokens left when the words `deleted` are deleted, truncated to `limit` tokens as
    the tokenizer truncates one sequence: from the end of its text, its closing special tokens kept."""
    kept = [i for i, owner in enumerate(owners) if owner is None or owner not in deleted]
    if limit is None or len(kept) <= limit:
        return kept
    closing = 0
    while closing < len(kept) and special[kept[len(kept) - 1 - closing]]:
        closing += 1
    return kept[: limit - closing] + kept[len(kept) - closing :]


def scored_words(text: str, spans: list[tuple[int, int]], scores) -> tuple[WordScore, ...]:
    return tuple(WordScore(text[s:e], s, e, float(score)) for (s, e), score in zip(spans, scores, strict=True))


@dataclass(frozen=True)
class PushingWord:
    """A word (lowercased) among the top pushes to toxic of `comments` of the explained comments."""

    word: str
    comments: int
    mean_score: float  # its mean score in those comments

    def to_dict(self) -> dict:
        return {"word": self.word, "comments": self.comments, "mean_score": round(self.mean_score, 6)}


def toxic_words(explanations, top: int = 30, per_comment: int = 3) -> list[PushingWord]:
    """The `top` words that most often push verdicts to toxic: over the explanations labelled toxic,
    how many have the word among their `per_comment` highest-scored words with a score above 0 (a
    comment counts once per word), most comments first, then the higher mean score."""
    found: dict[str, list[float]] = {}
    for explanation in explanations:
        if explanation.label != "toxic":
            continue
        best: dict[str, float] = {}
        for word in explanation.top(per_comment):
            if word.score > 0:
                key = word.word.lower()
                best[key] = max(best.get(key, word.score), word.score)
        for key, score in best.items():
            found.setdefault(key, []).append(score)
    ranked = sorted(found.items(), key=lambda item: (-len(item[1]), -sum(item[1]) / len(item[1]), item[0]))
    return [PushingWord(word, len(scores), sum(scores) / len(scores)) for word, scores in ranked[:top]]
