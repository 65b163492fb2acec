"""CPU runtimes that serve a trained run: PyTorch fp32, dynamic int8 (torch.ao) and ONNX Runtime.

`load(path, runtime)` returns an `ml.inference.Classifier` whose model is the chosen runtime; the
Classifier's tokenisation, batching and thresholds are the same for every runtime. ONNX files are
exported once, next to the weights (`<run>/onnx/`), and reused afterwards.
`compare_f1(path, runtime)` measures the runtime's test F1 against fp32 on the same comments: the
web app serves a runtime only when the two are within `F1_TOLERANCE`.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path
from types import SimpleNamespace

import torch

from ml import methods, recipes
from ml.artifacts import describe_run, read_metrics, read_run_info
from ml.errors import ModelLoadError
from ml.inference import INT8_BATCH_LIMIT, Classifier
from ml.names import BF16, FP32, ONNX_FP32, ONNX_INT8, TORCH_INT8
from ml.names import TRANSFORMER_RUNTIMES as RUNTIMES  # a method that is not a transformer has its own

# The one served when its test F1 holds: the fastest of the four in benchmarks/runtimes.py
# (docs/BENCHMARKS.md). The others stay loadable for that benchmark and for comparison.
CANDIDATE = ONNX_INT8
F1_TOLERANCE = 0.005  # 0.5 F1 points
MAX_F1_TEXTS = 2000  # test comments scored per runtime when a version is registered or promoted


def load(path, runtime: str = FP32, threshold: float = 0.5):
    """A Classifier for the run directory `path`, served by `runtime` (one of RUNTIMES).

    A run with a runtime of its own (own_runtime) is served by it whatever `runtime` says: its
    Classifier's info["runtime"] says which."""
    if own_runtime(path) is not None:
        return recipes.load(path, threshold=threshold)
    if runtime not in RUNTIMES:
        raise ValueError(f"unknown runtime {runtime!r}: choose one of {', '.join(RUNTIMES)}")
    exported = Path(path) / "onnx" / ("model-int8.onnx" if runtime == ONNX_INT8 else "model.onnx")
    if runtime in (ONNX_FP32, ONNX_INT8) and exported.is_file():
        return _load_exported(Path(path), exported, runtime, threshold)
    precision = "bf16" if runtime == BF16 else "fp32"
    classifier = recipes.load(path, quantize=runtime == TORCH_INT8, threshold=threshold, precision=precision)
    if runtime in (ONNX_FP32, ONNX_INT8):
        try:
            file = onnx_file(Path(path), classifier, int8=runtime == ONNX_INT8)
        except Exception as exc:  # the exporter and the quantiser raise many untyped errors
            raise ModelLoadError(f"{path}: cannot export it to ONNX ({type(exc).__name__}: {exc})") from exc
        classifier.model = OnnxModel(file)
        classifier.batch_limit = batch_limit(runtime)
    classifier.info["runtime"] = runtime
    return classifier


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
    """Classifier.batch_limit of `runtime`: one text per pass for dynamic int8 (see Classifier)."""
    return INT8_BATCH_LIMIT if runtime in (TORCH_INT8, ONNX_INT8) else None


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
    fp32 = directory / "model.onnx"
    if not fp32.is_file():
        _export(classifier, fp32)
    if not int8:
        return fp32
    quantized = directory / "model-int8.onnx"
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


def compare_f1(path, runtime: str = CANDIDATE) -> dict:
    """Test F1 of fp32 and of `runtime` on the same test comments of the run's own dataset.

    {"runtime", "fp32_f1", "runtime_f1", "texts", "within_tolerance"}; raises ModelLoadError when
    the run or its dataset cannot be read.
    """
    from ml.data import load_splits  # imported when measured: the web process serves without pandas and datasets
    from ml.evaluate import compute_metrics

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
    texts, labels = list(test["text"]), list(test["label"])
    f1 = {}
    for name in (FP32, runtime):
        classifier = load(path, name)
        f1[name] = compute_metrics(labels, classifier.predict_proba(texts), classifier.threshold)["f1"]
    return {
        "runtime": runtime,
        "fp32_f1": f1[FP32],
        "runtime_f1": f1[runtime],
        "texts": len(texts),
        "within_tolerance": f1[FP32] - f1[runtime] <= F1_TOLERANCE,
    }
