"""The classical baseline: TF-IDF of word and character n-grams, then logistic regression (scikit-learn).

`train(cfg, on_progress, should_stop)` is the "baseline" method's entry in ml.methods: it reads the
same splits as every method, tunes the threshold on validation and scores test with ml.evaluate, and
writes the same run directory (run.json, metrics.json, history.jsonl). The fitted pipeline is saved
with joblib (model.joblib): skops, the safe format, took 386 s and 67 MB for 61k n-grams where
joblib takes 1 s and 2 MB, so like any pickle a run directory must come from a trusted source. Logistic regression is
fitted by lbfgs in chunks of iterations (warm start): each chunk is one logged step with the training
log-loss, and should_stop is honoured between chunks and between stages.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from ml import bias
from ml.artifacts import atomic_dir, describe_run, run_output, write_run_files
from ml.config import TrainConfig
from ml.data import load_run_splits
from ml.errors import ModelLoadError, one_line
from ml.evaluate import compute_metrics, dir_size_bytes, pr_curve, tune_threshold
from ml.inference import Classifier, time_predictions
from ml.names import CROSS_ENTROPY, SKLEARN
from ml.progress import Progress, TrainResult
from ml.words import Explanation

log = logging.getLogger(__name__)
MODEL_FILE = "model.joblib"
CHUNK_ITERATIONS = 25  # lbfgs iterations per logged step
MAX_ITERATIONS = 500  # lbfgs converges well before this on wiki_toxic (docs/RESULTS.md)


def make_pipeline(cfg: TrainConfig):
    """Word 1..n-grams and character 2..n-grams (inside word boundaries), TF-IDF, into logistic regression."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    shared = {"sublinear_tf": True, "min_df": 2, "max_features": cfg.baseline_max_features, "dtype": np.float32}
    features = FeatureUnion(
        [
            ("word", TfidfVectorizer(analyzer="word", ngram_range=(1, cfg.baseline_word_ngrams), **shared)),
            ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, cfg.baseline_char_ngrams), **shared)),
        ]
    )
    model = LogisticRegression(
        C=cfg.baseline_c, class_weight="balanced", max_iter=CHUNK_ITERATIONS, warm_start=True, random_state=cfg.seed
    )
    return Pipeline([("features", features), ("model", model)])


def train(
    cfg: TrainConfig,
    on_progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
):
    """Fit the pipeline on cfg's training split and write the run; a TrainResult like ml.run.train's."""
    on_progress = on_progress or (lambda progress: None)
    should_stop = should_stop or (lambda: False)
    output = run_output(cfg)
    splits = load_run_splits(cfg)
    fit = _Fit(cfg, on_progress, should_stop)
    fit.run(list(splits.train["text"]), np.asarray(splits.train["label"]))
    metrics = fit.facts(splits.summary())
    test = None
    if not fit.cancelled:
        scores, scored = _final_metrics(fit, splits, on_progress)
        metrics.update(scores)
        test = (list(splits.test["text"]), *scored["test"])  # per comment: the studies' paired bootstrap
        texts = list(splits.test["text"][:64])
        metrics["latency"] = time_predictions(lambda batch: fit.pipeline.predict_proba(batch), texts, "cpu")
    metrics["status"] = "cancelled" if fit.cancelled else "succeeded"
    metrics["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    _write_run(output, cfg, metrics, fit, test)
    return TrainResult(metrics["status"], str(output), metrics, fit.history, [])


class _Fit:
    """The stages of one fit: vectorise (word, then characters), then lbfgs chunk by chunk."""

    def __init__(self, cfg: TrainConfig, on_progress: Callable[[Progress], None], should_stop: Callable[[], bool]):
        self.cfg, self.on_progress, self.should_stop = cfg, on_progress, should_stop
        self.pipeline = make_pipeline(cfg)
        self.history: list[dict] = []
        self.cancelled = False
        self.steps_done, self.total_steps = 0, MAX_ITERATIONS // CHUNK_ITERATIONS
        self.iterations, self.converged = 0, False
        self.train_seconds = self.vectorise_seconds = 0.0
        self.loss: float | None = None

    def run(self, texts: list[str], labels: np.ndarray) -> None:
        started = time.perf_counter()
        features = self._vectorise(texts)
        self.vectorise_seconds = time.perf_counter() - started
        if features is not None:
            self._optimise(features, labels)
        self.train_seconds = time.perf_counter() - started

    def _vectorise(self, texts: list[str]):
        """Fit each vectoriser in turn (stop honoured between them); the stacked training matrix."""
        from scipy.sparse import hstack

        parts = []
        for name, vectoriser in self.pipeline.named_steps["features"].transformer_list:
            if self.should_stop():
                self.cancelled = True
                return None
            started = time.perf_counter()
            parts.append(vectoriser.fit_transform(texts))
            log.info(
                "%s n-grams: %s features in %.1f s", name, f"{parts[-1].shape[1]:,}", time.perf_counter() - started
            )
        return hstack(parts, format="csr")

    def _optimise(self, features, labels: np.ndarray) -> None:
        """lbfgs in chunks of CHUNK_ITERATIONS (warm start), one logged step each, until it converges."""
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.metrics import log_loss

        model = self.pipeline.named_steps["model"]
        fit_started = time.perf_counter()
        while self.steps_done < self.total_steps and not self.converged:
            if self.should_stop():
                self.cancelled = True
                return
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)  # by design: each chunk stops early
                model.fit(features, labels)
            chunk = int(model.n_iter_[0])
            self.iterations += chunk
            self.converged = chunk < CHUNK_ITERATIONS
            self.steps_done += 1
            self.loss = float(log_loss(labels, model.predict_proba(features)[:, 1], labels=[0, 1]))
            elapsed = time.perf_counter() - fit_started
            self._report(
                Progress(
                    "step",
                    self.steps_done,
                    self.total_steps,
                    self.steps_done / self.total_steps,
                    loss=self.loss,
                    components={CROSS_ENTROPY: self.loss},
                    eta_s=0.0 if self.converged else elapsed / self.steps_done * (self.total_steps - self.steps_done),
                )
            )
        if not self.converged:
            log.warning("lbfgs stopped at %d iterations before converging", self.iterations)

    def _report(self, progress: Progress) -> None:
        self.history.append(progress.to_dict())
        self.on_progress(progress)

    def facts(self, data: dict) -> dict:
        """The run's facts in metrics.json, under the keys every method's runs use."""
        coefficients = self.pipeline.named_steps["model"].coef_.size + 1 if self.steps_done else 0
        return {
            "method": self.cfg.method,
            "teacher": self.cfg.teacher,
            "layers": None,
            "teacher_layers": None,
            "layer_map": None,
            "layer_map_1based": None,
            "parameters": {"total": coefficients, "trainable": coefficients, "trainable_share": 1.0},
            "features": self._feature_counts(),
            "lbfgs_iterations": self.iterations,
            "converged": self.converged,
            "train_seconds": round(self.train_seconds, 3),
            "vectorise_seconds": round(self.vectorise_seconds, 3),
            "samples_per_s": None,
            "steps": self.steps_done,
            "total_steps": self.steps_done if self.converged else self.total_steps,
            "train_loss": None if self.loss is None else {"loss": self.loss, CROSS_ENTROPY: self.loss},
            "device": "cpu",
            "num_processes": 1,
            "data": data,
            "warnings": [],
        }

    def _feature_counts(self) -> dict:
        counts = {}
        for name, vectoriser in self.pipeline.named_steps["features"].transformer_list:
            vocabulary = getattr(vectoriser, "vocabulary_", None)
            counts[name] = None if vocabulary is None else len(vocabulary)
        return counts


def _final_metrics(fit: _Fit, splits, on_progress: Callable[[Progress], None]) -> tuple[dict, dict]:
    """Validation (threshold tuned there) and test at 0.5 and at the tuned threshold, as ml.run reports
    them, and the (labels, probabilities) of each split."""
    started = time.perf_counter()
    scored = {}
    for name in ("validation", "test"):
        split = getattr(splits, name)
        scored[name] = np.asarray(split["label"]), fit.pipeline.predict_proba(list(split["text"]))[:, 1]
    threshold = tune_threshold(*scored["validation"])
    validation = compute_metrics(*scored["validation"])
    on_progress(Progress("eval", fit.steps_done, fit.total_steps, 1.0, split="validation", metrics=validation))
    figures = {
        "validation": validation,
        "threshold": threshold,
        "validation_at_threshold": compute_metrics(*scored["validation"], threshold),
        "test": compute_metrics(*scored["test"]),
        "test_at_threshold": compute_metrics(*scored["test"], threshold),
        "best_validation_f1": validation["f1"],
        "validation_curve": pr_curve(*scored["validation"]),  # the model page's PR curve
    }
    test = (list(splits.test["text"]), *scored["test"])
    figures["bias"] = bias.run_report(lambda texts: fit.pipeline.predict_proba(texts)[:, 1].tolist(), threshold, test)
    figures["eval_seconds"] = round(time.perf_counter() - started, 3)
    return figures, scored


def _write_run(output: Path, cfg: TrainConfig, metrics: dict, fit: _Fit, test: tuple | None) -> None:
    import joblib

    started = time.perf_counter()
    with atomic_dir(output) as tmp:
        if metrics["status"] == "succeeded":
            joblib.dump(fit.pipeline, tmp / MODEL_FILE, compress=3)
            metrics["size_bytes"] = dir_size_bytes(tmp)
            metrics["model_size_bytes"] = (tmp / MODEL_FILE).stat().st_size
        metrics["save_seconds"] = round(time.perf_counter() - started, 3)
        write_run_files(tmp, output, cfg, metrics, fit.history, test)


class BaselineClassifier(Classifier):
    """A fitted pipeline behind Classifier's interface: predict_proba / predict of a list of texts."""

    def __init__(self, pipeline, info: dict, threshold: float = 0.5):
        self.model, self.tokenizer, self.info = pipeline, None, info
        self.max_length = None  # TF-IDF reads the whole comment
        self.threshold = threshold
        self.batch_limit = None  # a text's probability never depends on its batch-mates

    def predict_proba(self, texts: list[str], batch_size: int = 32, on_batch=None) -> list[float]:
        if isinstance(texts, str):
            raise TypeError("predict takes a list of texts, not a single string")
        probs: list[float] = []
        for start in range(0, len(texts), batch_size):
            probs.extend(self.model.predict_proba(texts[start : start + batch_size])[:, 1].tolist())
            if on_batch is not None:
                on_batch(len(probs), len(texts))
        return probs

    def explain(self, texts: list[str], batch_size: int = 32, on_batch=None) -> list[Explanation]:
        """Each text's verdict and its words' exact shares of the log-odds (ml.baseline_words);
        `on_batch(done, total)` after each text."""
        from ml.baseline_words import explain

        if isinstance(texts, str):
            raise TypeError("explain takes a list of texts, not a single string")
        explanations = []
        for text in texts:
            explanations.append(explain(self.model, text, self.threshold))
            if on_batch is not None:
                on_batch(len(explanations), len(texts))
        return explanations

    @property
    def runtime(self) -> str:
        return SKLEARN


def load(path: Path, run: dict, metrics: dict, threshold: float = 0.5) -> BaselineClassifier:
    """The run's pipeline from model.joblib (a pickle: load only run directories you trust)."""
    import joblib

    file = path / MODEL_FILE
    if not file.is_file():
        raise ModelLoadError(f"{path}: no model ({MODEL_FILE}) in this directory")
    try:
        pipeline = joblib.load(file)
    except Exception as exc:  # unpickling a damaged file raises many untyped errors
        raise ModelLoadError(f"{file}: cannot load it ({one_line(exc)})") from exc
    info = describe_run(path, run, metrics, runtime=SKLEARN)
    return BaselineClassifier(pipeline, info, threshold)
