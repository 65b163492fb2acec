"""Does live traffic still look like the comments a model was tested on? A domain classifier (the
input drift of issue 25): TF-IDF and logistic regression learn to tell the served comments from the
test comments, scored by cross-validated ROC-AUC. About 0.5: they cannot be told apart; towards 1: the
traffic is of another kind, and the words with the largest weights on each side say which.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

FOLDS = 5
WORDS = 10
MIN_TEXTS = 50  # on each side: fewer give an AUC that says nothing


def domain_classifier(served: Sequence[str], reference: Sequence[str], seed: int = 0) -> dict:
    """{"roc_auc", "served_n", "reference_n", "served_words", "reference_words"} (roc_auc None with
    fewer than MIN_TEXTS texts on a side)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline

    found: dict[str, object] = {"roc_auc": None, "served_n": len(served), "reference_n": len(reference)}
    found.update(minimum=MIN_TEXTS, served_words=[], reference_words=[])
    if min(len(served), len(reference)) < MIN_TEXTS:
        return found
    texts = [*served, *reference]
    labels = np.array([1] * len(served) + [0] * len(reference))
    model = make_pipeline(
        TfidfVectorizer(sublinear_tf=True, min_df=2, max_features=20_000),
        LogisticRegression(C=1.0, max_iter=1000, class_weight="balanced"),
    )
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=seed)
    scores = cross_val_predict(model, texts, labels, cv=folds, method="predict_proba")[:, 1]
    found["roc_auc"] = float(roc_auc_score(labels, scores))
    model.fit(texts, labels)
    words = model[0].get_feature_names_out()
    order = np.argsort(model[1].coef_[0])
    found["served_words"] = [str(words[i]) for i in order[::-1][:WORDS]]
    found["reference_words"] = [str(words[i]) for i in order[:WORDS]]
    return found
