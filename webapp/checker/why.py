"""Why a verdict: the words of a stored prediction that pushed it, computed when asked (never stored).

The active model explains the prediction's text (classify.explain, ml's Classifier.explain); the text
is cut into segments, each word that pushed hard enough marked with the way it pushed. The checker's
"Why?" and the review pages show these segments; templates and scripts only draw them.
"""

from dataclasses import dataclass

from webapp.checker import classify

TOXIC, NON_TOXIC = "toxic", "non-toxic"
PER_SIDE = 5  # at most this many words are marked for each way they push
SHARE_OF_STRONGEST = 0.2  # a word is marked when it pushes at least this share of the strongest word


@dataclass(frozen=True)
class Why:
    """A prediction's explanation by `version` (the active model, which may not be the one that gave the
    stored verdict: `same_model` says) as segments of its text."""

    version: object
    same_model: bool
    explanation: object
    segments: list[dict]

    def to_dict(self):
        return {
            "model": self.version.display_name,
            "same_model": self.same_model,
            "method": self.explanation.method,
            "unit": self.explanation.unit,
            "runtime": self.explanation.runtime,
            "segments": self.segments,
        }


def explain_predictions(predictions):
    """A Why per prediction, in order, from one call of the active model (NoActiveModel,
    ModelUnavailable or PredictionFailed as classify.check raises them)."""
    if not predictions:
        return []
    version, explanations = classify.explain([p.text for p in predictions])
    return [
        Why(version, version.pk == p.model_version_id, explanation, segments(p.text, explanation))
        for p, explanation in zip(predictions, explanations, strict=True)
    ]


def segments(text, explanation):
    """`text` cut into {"text", "push", "score"}: push is TOXIC or NON_TOXIC on the marked words, None
    elsewhere; the segments' texts joined give `text` back."""
    marked = marked_words(explanation)
    pieces, at = [], 0
    for word in explanation.words:
        push = marked.get((word.start, word.end))
        if push is None:
            continue
        if word.start > at:
            pieces.append({"text": text[at : word.start], "push": None, "score": None})
        pieces.append({"text": word.word, "push": push, "score": round(word.score, 4)})
        at = word.end
    if at < len(text):
        pieces.append({"text": text[at:], "push": None, "score": None})
    return pieces


def marked_words(explanation):
    """{(start, end): push} of the words worth marking: up to PER_SIDE each way, each pushing at least
    SHARE_OF_STRONGEST of the strongest word's push."""
    strongest = max((abs(w.score) for w in explanation.words), default=0.0)
    if strongest <= 0:
        return {}
    strong = [w for w in explanation.words if abs(w.score) >= SHARE_OF_STRONGEST * strongest]
    toxic = sorted((w for w in strong if w.score > 0), key=lambda w: -w.score)[:PER_SIDE]
    calm = sorted((w for w in strong if w.score < 0), key=lambda w: w.score)[:PER_SIDE]
    return {(w.start, w.end): TOXIC for w in toxic} | {(w.start, w.end): NON_TOXIC for w in calm}
