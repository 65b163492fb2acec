"""How many of a text's words a model's vocabulary does not hold whole (the input drift of issue 25).

A transformer's WordPiece vocabulary splits such a word into pieces, or maps it to [UNK]; the
baseline's TF-IDF has no feature for it and drops it. When that share rises in live traffic against
the model's own test comments, the traffic uses words the model never learnt: another language, new
slang, code or markup. Words are what each model itself splits a text into: the tokenizer's
pre-tokenization (punctuation apart) for a transformer, the word vectorizer's for the baseline.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from ml import artifacts, runtimes
from ml.errors import ModelLoadError

WordCounter = Callable[[Sequence[str]], tuple[int, int]]


def word_counter(path: str | Path) -> WordCounter:
    """For the run directory `path`, a function from texts to (words, words not held whole)."""
    path = Path(path)
    artifacts.read_run_info(path, required=True)  # a finished run, or RunDirError saying why not
    if runtimes.own_runtime(path) is not None:  # the baseline, loaded as it serves
        return _vectoriser_counter(runtimes.load(path).model)
    return _tokenizer_counter(path)  # a transformer run keeps its tokenizer beside its weights


def rate(counted: tuple[int, int]) -> float | None:
    words, unknown = counted
    return unknown / words if words else None


def _tokenizer_counter(path: Path) -> WordCounter:
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(str(path))
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"no tokenizer at {path}: {exc}") from exc
    if not tokenizer.is_fast:
        raise ModelLoadError(f"the tokenizer of {path} is not a fast one: its words cannot be counted")

    def count(texts: Sequence[str]) -> tuple[int, int]:
        words = unknown = 0
        if not texts:  # the tokenizer refuses an empty batch
            return 0, 0
        for encoding in tokenizer(list(texts), add_special_tokens=False, verbose=False).encodings:
            pieces: dict[int, int] = {}
            for word, token in zip(encoding.word_ids, encoding.ids, strict=True):
                if word is not None:
                    pieces[word] = pieces.get(word, 0) + (2 if token == tokenizer.unk_token_id else 1)
            words += len(pieces)
            unknown += sum(1 for n in pieces.values() if n > 1)
        return words, unknown

    return count


def _vectoriser_counter(pipeline) -> WordCounter:
    """The baseline's word vectoriser (ml/baseline.py make_pipeline): unigrams it has no feature for."""
    try:
        words = dict(pipeline.named_steps["features"].transformer_list)["word"]
    except (KeyError, AttributeError) as exc:
        raise ModelLoadError(f"the baseline has no word vectoriser: {exc}") from exc
    split, known = words.build_analyzer(), words.vocabulary_

    def count(texts: Sequence[str]) -> tuple[int, int]:
        total = unknown = 0
        for text in texts:
            unigrams = [gram for gram in split(text) if " " not in gram]
            total += len(unigrams)
            unknown += sum(1 for gram in unigrams if gram not in known)
        return total, unknown

    return count
