"""CPU runtimes that serve a trained run: PyTorch fp32 and bf16, dynamic int8 (torch.ao) and ONNX Runtime.

`load(path, runtime)` returns an `ml.inference.Classifier` whose model is the chosen runtime; the
Classifier's tokenisation, batching and thresholds are the same for every runtime. ONNX files are
exported once, next to the weights (`<run>/onnx/`), and reused afterwards.
`serve(fp32, runtime)` builds the same from a Classifier already loaded in fp32, without reading the
run's weights again, and `choose(fp32)` picks the runtime that serves it: the fastest of `candidates()`
whose test F1 is within `F1_TOLERANCE` of fp32's on the same comments, else fp32.
"""

from __future__ import annotations

import os
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import torch

from ml import methods, recipes
from ml.artifacts import describe_run, read_metrics, read_run_info
from ml.errors import ModelLoadError
from ml.inference import ALONE_BATCH_LIMIT, Classifier, quantize_int8
from ml.names import BF16, FP32, ONNX_FP32, ONNX_INT8, TORCH_INT8
from ml.names import TRANSFORMER_RUNTIMES as RUNTIMES  # a method that is not a transformer has its own
from ml.precision import native_bf16

# The runtimes measured against fp32 wherever a model is prepared (bf16 joins them where the CPU has
# it: candidates()); the fastest within F1_TOLERANCE serves. ONNX int8 was the fastest of the four in
# benchmarks/runtimes.py (docs/BENCHMARKS.md); the others stay loadable for that benchmark and comparison.
CANDIDATES = (ONNX_INT8,)
F1_TOLERANCE = 0.005  # 0.5 F1 points
MAX_F1_TEXTS = 2000  # test comments scored per runtime when a version is registered or promoted
ONNX_FILES = {ONNX_FP32: "model.onnx", ONNX_INT8: "model-int8.onnx"}  # under <run>/onnx/


def load(path, runtime: str = FP32, threshold: float = 0.5) -> Classifier:
    """A Classifier for the run directory `path`, served by `runtime` (one of RUNTIMES).

    A run with a runtime of its own (own_runtime) is served by it whatever `runtime` says: its
    Classifier's info["runtime"] says which. An ONNX runtime whose file was exported already reads
    that file and the tokenizer only."""
    if own_runtime(path) is not None:
        return recipes.load(path, threshold=threshold)
    _known(runtime)
    exported = Path(path) / "onnx" / ONNX_FILES.get(runtime, "")
    if runtime in ONNX_FILES and exported.is_file():
        return _load_exported(Path(path), exported, runtime, threshold)
    return serve(recipes.load(path, threshold=threshold), runtime)


def serve(fp32: Classifier, runtime: str) -> Classifier:
    """`fp32` (a Classifier as Classifier.load returns it) served by `runtime`, built from the model
    already loaded, never from the weights on disk: `fp32` itself, a quantised copy of its model
    (torch int8), or an ONNX Runtime session on the file exported from it (exported once, reused).
    A run with a runtime of its own (own_runtime) is served as it is."""
    path = Path(fp32.info["path"])
    if own_runtime(path) is not None:
        return fp32
    _known(runtime)
    if runtime == FP32:
        fp32.info["runtime"] = FP32
        return fp32
    precision = "fp32"
    if runtime == BF16:  # the same weights, their matrix products under bf16 autocast
        model, info, precision = fp32.model, dict(fp32.info), "bf16"
    elif runtime == TORCH_INT8:  # quantize_dynamic copies the model: fp32 stays as it was
        model, info = quantize_int8(fp32.model), {**fp32.info, "quantized": True}
    else:
        model, info = OnnxModel(_exported(path, fp32, runtime)), dict(fp32.info)
    return Classifier(
        model,
        fp32.tokenizer,
        {**info, "runtime": runtime},
        fp32.max_length or 128,
        fp32.threshold,
        batch_limit=batch_limit(runtime),
        precision=precision,
    )


def _known(runtime: str) -> None:
    if runtime not in RUNTIMES:
        raise ValueError(f"unknown runtime {runtime!r}: choose one of {', '.join(RUNTIMES)}")


def _exported(path: Path, fp32: Classifier, runtime: str) -> Path:
    try:
        return onnx_file(path, fp32, int8=runtime == ONNX_INT8)
    except Exception as exc:  # the exporter and the quantiser raise many untyped errors
        raise ModelLoadError(f"{path}: cannot export it to ONNX ({type(exc).__name__}: {exc})") from exc


def own_runtime(path) -> str | None:
    """The one runtime of a run whose method is not a transformer ("sklearn" for the baseline), else None."""
    try:
        run = read_run_info(Path(path)) or {}
    except ModelLoadError:  # unreadable run.json: Classifier.load says so
        return None
    method = methods.REGISTRY.get(run.get("method"))  # type: ignore[arg-type]
    return method.runtime if method is not None else None


def _load_exported(path: Path, file: Path, runtime: str, threshold: float):
    """The ONNX file and the tokenizer only: the torch weights are never read (less memory, faster start)."""
    from transformers import AutoTokenizer

    run = read_run_info(path) or {}
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(path))
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"{path}: cannot load its tokenizer ({exc})") from exc
    info = describe_run(path, run, read_metrics(path), runtime=runtime)
    max_length = run.get("max_length", 128)
    return Classifier(OnnxModel(file), tokenizer, info, max_length, threshold, batch_limit=batch_limit(runtime))


def batch_limit(runtime: str) -> int | None:
    """Classifier.batch_limit of `runtime`: one text per pass for dynamic int8 and bf16 (see Classifier)."""
    return ALONE_BATCH_LIMIT if runtime in (TORCH_INT8, ONNX_INT8, BF16) else None


class OnnxModel:
    """An ONNX Runtime session called like a transformers classifier: `model(**encoded).logits`."""

    def __init__(self, file: Path):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        # As torch: the web server's OMP_NUM_THREADS (`make run` sets 1), else ONNX Runtime's default.
        options.intra_op_num_threads = int(os.environ.get("OMP_NUM_THREADS", "0"))
        options.inter_op_num_threads = 1
        try:
            self.session = onnxruntime.InferenceSession(str(file), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own untyped errors for a damaged file
            raise ModelLoadError(f"{file}: ONNX Runtime cannot load it ({exc})") from exc
        self.inputs = [i.name for i in self.session.get_inputs()]

    def __call__(self, **encoded):
        feeds = {name: encoded[name].numpy() for name in self.inputs}
        return SimpleNamespace(logits=torch.from_numpy(self.session.run(None, feeds)[0]))

    def eval(self):
        return self


def onnx_file(path: Path, classifier, int8: bool) -> Path:
    """`<run>/onnx/model.onnx` (or model-int8.onnx), exported from `classifier` when missing."""
    directory = path / "onnx"
    fp32 = directory / ONNX_FILES[ONNX_FP32]
    if not fp32.is_file():
        _export(classifier, fp32)
    if not int8:
        return fp32
    quantized = directory / ONNX_FILES[ONNX_INT8]
    if not quantized.is_file():
        _quantize(fp32, quantized)
    return quantized


def _export(classifier, out: Path) -> None:
    """torch.onnx (dynamo) with batch and sequence length dynamic; written atomically."""
    encoded = classifier.tokenizer(["an example", "a second example comment"], padding=True, return_tensors="pt")
    dims = {0: torch.export.Dim("batch", min=1, max=4096), 1: torch.export.Dim("sequence", min=1, max=4096)}
    out.parent.mkdir(exist_ok=True)
    with warnings.catch_warnings(), tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        warnings.simplefilter("ignore")
        program = torch.onnx.export(
            classifier.model,
            (),
            kwargs=dict(encoded),
            input_names=list(encoded),
            output_names=["logits"],
            dynamic_shapes={name: dims for name in encoded},
            dynamo=True,
            optimize=True,
            verbose=False,
        )
        program.save(str(Path(tmp) / out.name))
        os.replace(Path(tmp) / out.name, out)


def _quantize(source: Path, out: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        # per channel: on the trained odd student, test F1 0.2 points under fp32 rather than 0.6, and
        # half the probability error, for 7% of the speed (docs/BENCHMARKS.md)
        quantize_dynamic(source, Path(tmp) / out.name, weight_type=QuantType.QInt8, per_channel=True)
        os.replace(Path(tmp) / out.name, out)


@dataclass(frozen=True)
class F1Check:
    """Test F1 of fp32 and of `runtime`, at the classifier's threshold, on the same `texts` test comments,
    and how many of them `runtime` scored a second (one pass over them, in batches of 32)."""

    runtime: str
    fp32_f1: float
    runtime_f1: float
    texts: int
    comments_per_s: float = 0.0

    @property
    def within_tolerance(self) -> bool:
        return self.fp32_f1 - self.runtime_f1 <= F1_TOLERANCE


def candidates() -> tuple[str, ...]:
    """The runtimes that may serve instead of fp32 on this machine: ONNX int8, and bf16 where the CPU
    computes it natively (emulated, bf16 is slower than fp32)."""
    return (*CANDIDATES, BF16) if native_bf16("cpu") else CANDIDATES


def choose(fp32: Classifier, among: tuple[str, ...] | None = None) -> tuple[Classifier, list[F1Check]]:
    """The Classifier that should serve the loaded `fp32`, and the check of each candidate (`among`, by
    default this machine's candidates()).

    Each candidate is measured on the run's own test comments (own_test_comments): its test F1 and its
    speed. The fastest of those within F1_TOLERANCE of fp32's test F1 serves; when none is, fp32 does.
    Each is built from `fp32` (serve): the run's weights are read no more. Raises ModelLoadError when the
    comments cannot be read or a candidate cannot be built."""
    fp32 = serve(fp32, FP32)
    texts, labels = own_test_comments(fp32.info["path"])
    fp32_f1, _ = measure(fp32, texts, labels)
    built, checks = {}, []
    for runtime in candidates() if among is None else among:
        built[runtime] = serve(fp32, runtime)
        f1, rate = measure(built[runtime], texts, labels)
        checks.append(F1Check(runtime, fp32_f1, f1, len(texts), rate))
    held = [check for check in checks if check.within_tolerance]
    if not held:
        return fp32, checks
    return built[max(held, key=lambda check: check.comments_per_s).runtime], checks


def compare_f1(path, runtime: str = CANDIDATES[0]) -> F1Check:
    """Test F1 of fp32 and of `runtime` on the same test comments of the run's own dataset; the run's
    weights are read once. Raises ModelLoadError when the run or its dataset cannot be read."""
    return choose(load(path), (runtime,))[1][0]


def measure(classifier: Classifier, texts: list[str], labels: list[int]) -> tuple[float, float]:
    """(test F1 at the classifier's own threshold, comments scored a second) of `classifier` on `texts`."""
    from ml.evaluate import compute_metrics

    started = time.perf_counter()
    probs = classifier.predict_proba(texts)
    rate = len(texts) / max(time.perf_counter() - started, 1e-9)
    return compute_metrics(labels, probs, classifier.threshold)["f1"], round(rate, 1)


def own_test_comments(path) -> tuple[list[str], list[int]]:
    """The texts and labels on which runtimes are compared: the test split of the run's own dataset,
    at most MAX_F1_TEXTS of them (sampled as the run sampled its own). ModelLoadError when the run
    names no dataset or it cannot be read."""
    from ml.data import load_splits  # imported when measured: the web process serves without pandas and datasets

    run = read_run_info(Path(path)) or {}
    if not run.get("dataset"):
        raise ModelLoadError(f"{path}: run.json names no dataset to measure test F1 on")
    limit = min(run.get("max_eval_samples") or MAX_F1_TEXTS, MAX_F1_TEXTS)
    try:
        test = load_splits(
            run["dataset"],
            text_column=run.get("text_column", "comment_text"),
            label_column=run.get("label_column", "label"),
            max_eval_samples=limit,
            seed=run.get("seed", 42),
        ).test
    except Exception as exc:  # a moved or unreachable dataset: the caller keeps fp32
        raise ModelLoadError(f"{path}: cannot read the test split of {run['dataset']} ({exc})") from exc
    return list(test["text"]), list(test["label"])
