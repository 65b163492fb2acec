"""Serving a trained run: load an artifact directory once, predict batches of comments."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from ml import methods
from ml.artifacts import describe_run, has_model, read_servable
from ml.errors import ModelLoadError, one_line
from ml.models import load_classifier
from ml.names import BF16, FP32, LABELS, TORCH_INT8
from ml.precision import autocast
from ml.words import OCCLUSION, Explanation, kept_tokens, scored_words, token_words, word_spans

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

# A batch of texts sorted by token length is split where its padding would pass this share of its
# real tokens: at one thread, padding a random mix of comments to the longest costs more than
# batching saves (fp32: 76 comments/s in batches of 32 by arrival, 152 split this way; docs/BENCHMARKS.md).
PADDING_BUDGET = 0.25
# Classifier.batch_limit of dynamic int8 (torch.ao or ONNX Runtime) and of bf16: one text per forward pass
# (see Classifier).
ALONE_BATCH_LIMIT = 1


@dataclass(frozen=True)
class Prediction:
    label: str
    toxic_probability: float


class Classifier:
    """A loaded model with its tokenizer. Use `Classifier.load(dir)`; `predict` is thread-compatible
    for reading (no state changes after load).

    `batch_limit` is the most texts one forward pass may hold; 1 where a text's probability would
    depend on the texts beside it: dynamic int8 (torch.ao or ONNX Runtime) scales the activations of the
    whole batch, padding included, by one factor (up to 0.15 on the odd student), and bf16's rounding
    follows the matrix kernels that the batch's shape selects (up to 0.0007 on the full-data student,
    where fp32's is 0.0000002; docs/BENCHMARKS.md).
    """

    def __init__(
        self,
        model,
        tokenizer,
        info: dict,
        max_length: int = 128,
        threshold: float = 0.5,
        batch_limit: int | None = None,
        precision: str = "fp32",
    ):
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.info = info
        self.max_length: int | None = max_length  # None: a model that reads whole comments (the baseline)
        self.threshold = threshold
        self.batch_limit = batch_limit
        self.precision = precision  # "bf16": a torch model's matrix products under bf16 autocast (ml.precision)

    @classmethod
    def load(
        cls,
        path: str | Path,
        quantize: bool = False,
        adapter: bool = False,
        threshold: float = 0.5,
        precision: str = "fp32",
    ) -> Classifier:
        """Load a transformer run directory (`ml.load` loads a run of any method). LoRA runs load merged
        by default, or as base + adapter with adapter=True.

        quantize=True applies dynamic int8 quantisation of the linear layers (CPU only); precision="bf16"
        runs the fp32 weights' matrix products under bf16 autocast.
        """
        path = Path(path)
        run, metrics = read_servable(path)
        method = methods.REGISTRY.get(run.get("method"))  # type: ignore[arg-type]
        if method is not None and method.trains_itself:
            raise ModelLoadError(f"{path}: a {method.name} run is not a transformer; load it with ml.load")
        if not has_model(path):
            raise ModelLoadError(f"{path}: no model weights (model.safetensors) in this directory")
        if adapter:
            model, tokenizer = _load_with_adapter(path, run)
        else:
            model, tokenizer = load_classifier(str(path))
        # described before quantising: int8 linear layers hide their weights from parameters()
        info = _describe(path, run, metrics, model, adapter=adapter, quantized=quantize)
        if quantize:
            model = quantize_int8(model)
        limit = ALONE_BATCH_LIMIT if quantize or precision == "bf16" else None
        max_length = run.get("max_length", 128)
        return cls(model, tokenizer, info, max_length, threshold, batch_limit=limit, precision=precision)

    @torch.inference_mode()
    def predict_proba(self, texts: list[str], batch_size: int = 32, on_batch=None) -> list[float]:
        """Toxic-class probability per text, in input order. Texts are sorted by token length and run
        in batches of at most `batch_size` (and batch_limit), split where padding would pass PADDING_BUDGET
        of the real tokens.

        `on_batch(done, total)`, when given, is called after every batch (progress of long passes)."""
        if isinstance(texts, str):
            raise TypeError("predict takes a list of texts, not a single string")
        if not texts:
            return []
        encoded = self.tokenizer(list(texts), truncation=True, max_length=self.max_length)
        return self._score(encoded, batch_size, on_batch)

    def _score(self, encoded, batch_size: int = 32, on_batch=None, exact: bool = True) -> list[float]:
        """Toxic-class probability of each tokenized text of `encoded` (lists of token ids per key).

        exact=False lets a runtime with a batch_limit batch anyway: an explanation's variants of a
        comment, whose scores may then move by the batch's rounding (Classifier), far below a word's."""
        lengths = [len(ids) for ids in encoded["input_ids"]]
        probs = [0.0] * len(lengths)
        done = 0
        limit = self.batch_limit if exact else None
        for chunk in length_batches(lengths, min(batch_size, limit or batch_size)):
            with autocast(self.precision):
                logits = self.model(**self._padded(encoded, chunk)).logits.float()
            for i, p in zip(chunk, torch.softmax(logits, dim=-1)[:, 1].tolist(), strict=True):
                probs[i] = p
            done += len(chunk)
            if on_batch is not None:
                on_batch(done, len(lengths))
        return probs

    @torch.inference_mode()
    def explain(self, texts: list[str], batch_size: int = 32, on_batch=None) -> list[Explanation]:
        """Each text's verdict and a score per word (ml.words) by occlusion: p(toxic) of the text minus
        p(toxic) with the word's tokens deleted, in rounds (Occlusion). Everything runs through this
        Classifier's own model and runtime; the verdicts one text per pass where batch_limit says so,
        so that the verdict is the one `predict` gives, and the variants batched (exact=False). A word
        past the truncation scores 0 without a pass. `on_batch(done, total)`, when given, is called
        after every pass (as predict_proba's)."""
        if isinstance(texts, str):
            raise TypeError("explain takes a list of texts, not a single string")
        if not getattr(self.tokenizer, "is_fast", False):
            raise ModelLoadError("explanations need a fast tokenizer (its offset mapping finds the words)")
        encoded = self.tokenizer(list(texts), return_offsets_mapping=True, return_special_tokens_mask=True)
        keys = [key for key in encoded if key not in ("offset_mapping", "special_tokens_mask")]
        plans = [
            Occlusion(
                text,
                {key: encoded[key][i] for key in keys},
                encoded["offset_mapping"][i],
                encoded["special_tokens_mask"][i],
                self.max_length,
            )
            for i, text in enumerate(texts)
        ]
        score = functools.partial(self._score, batch_size=batch_size, on_batch=on_batch)
        verdicts = score(_stacked(keys, [plan.variant(()) for plan in plans]))
        for plan, verdict in zip(plans, verdicts, strict=True):
            plan.verdict = verdict
        for units_of in (Occlusion.first_round, Occlusion.refined_round):
            rounds = [(plan, units_of(plan)) for plan in plans]
            variants = [plan.variant(unit) for plan, units in rounds for unit in units]
            probs = iter(score(_stacked(keys, variants), exact=False) if variants else [])
            for plan, units in rounds:
                plan.record(units, [next(probs) for _ in units])
        return [self._explanation(plan) for plan in plans]

    def _explanation(self, plan: Occlusion) -> Explanation:
        label = LABELS[int(plan.verdict >= self.threshold)]
        words = scored_words(plan.text, plan.spans, plan.scores)
        return Explanation(label, plan.verdict, words, OCCLUSION, self.runtime)

    @property
    def runtime(self) -> str:
        """The runtime that computes this Classifier's verdicts (ml.names)."""
        if self.info.get("runtime"):
            return self.info["runtime"]
        return TORCH_INT8 if self.info.get("quantized") else BF16 if self.precision == "bf16" else FP32

    def _padded(self, encoded, chunk: list[int]) -> dict[str, torch.Tensor]:
        """The texts `chunk` of `encoded` as tensors padded to the longest of them.

        Our own rather than the tokenizer's `pad`: with its conversion to tensors, that was 29% of the
        serving thread's samples holding the GIL at 32 clients (py-spy --gil, docs/BENCHMARKS.md)."""
        lengths = [len(encoded["input_ids"][i]) for i in chunk]
        width = max(lengths)
        if min(lengths) == width:  # nothing to pad: one text, as int8 runtimes always run
            return {
                key: torch.from_numpy(np.array([rows[i] for i in chunk], dtype=np.int64))
                for key, rows in encoded.items()
            }
        starts = [width - n if self.tokenizer.padding_side == "left" else 0 for n in lengths]
        pads = {"input_ids": self.tokenizer.pad_token_id, "token_type_ids": self.tokenizer.pad_token_type_id}
        tensors = {}
        for key, rows in encoded.items():
            array = np.full((len(chunk), width), pads.get(key) or 0, dtype=np.int64)  # attention_mask: 0
            for row, (i, start, n) in enumerate(zip(chunk, starts, lengths, strict=True)):
                array[row, start : start + n] = rows[i]
            tensors[key] = torch.from_numpy(array)
        return tensors

    def predict(self, texts: list[str], batch_size: int = 32, on_batch=None) -> list[Prediction]:
        probs = self.predict_proba(texts, batch_size, on_batch=on_batch)
        return [Prediction(LABELS[int(p >= self.threshold)], p) for p in probs]


class Occlusion:
    """One comment's occlusion, in at most two rounds of passes (docs/BENCHMARKS.md, issue 23).

    A comment of up to SINGLE_WORDS words has each word deleted on its own. A longer one first has
    runs of consecutive words (RUNS of them) deleted a run at a time; then each word of the REFINED
    runs that pushed hardest towards toxic is deleted on its own, and the words of the other runs
    share their run's score equally. A 100-word comment then costs 1 + 15 + 3 x 7 = 37 passes, not 101.
    """

    SINGLE_WORDS = 32
    RUNS = 16
    REFINED = 3

    def __init__(self, text: str, rows: dict[str, list[int]], offsets, special: list[int], limit: int | None):
        self.text = text
        self.spans = word_spans(text)
        self.rows, self.special, self.limit = rows, special, limit
        self.owners = token_words(self.spans, offsets, special)
        seen = {self.owners[j] for j in kept_tokens(self.owners, special, limit)}
        self.occluded = [w for w in range(len(self.spans)) if w in seen]  # the words within the truncation
        self.scores = [0.0] * len(self.spans)
        self.verdict = 0.0
        self.run_scores: list[tuple[float, tuple[int, ...]]] = []

    def variant(self, deleted) -> dict[str, list[int]]:
        kept = kept_tokens(self.owners, self.special, self.limit, deleted)
        return {key: [row[j] for j in kept] for key, row in self.rows.items()}

    def first_round(self) -> list[tuple[int, ...]]:
        """The sets of words deleted in the first round, one per pass: each word, or each run."""
        words = self.occluded
        if len(words) <= self.SINGLE_WORDS:
            return [(w,) for w in words]
        size = -(-len(words) // self.RUNS)
        return [tuple(words[i : i + size]) for i in range(0, len(words), size)]

    def refined_round(self) -> list[tuple[int, ...]]:
        """Each word of the REFINED runs that pushed hardest in the first round (none without runs)."""
        refined = sorted(self.run_scores, key=lambda pair: pair[0], reverse=True)[: self.REFINED]
        return [(w,) for _, run in refined for w in run]

    def record(self, units: list[tuple[int, ...]], probs: list[float]) -> None:
        for unit, p in zip(units, probs, strict=True):
            drop = self.verdict - p
            for w in unit:
                self.scores[w] = drop / len(unit)
            if len(unit) > 1:
                self.run_scores.append((drop, unit))


def _stacked(keys: list[str], variants: list[dict[str, list[int]]]) -> dict[str, list[list[int]]]:
    """Variants (token ids per key) as Classifier._score takes them: per key, a row per variant."""
    return {key: [variant[key] for variant in variants] for key in keys}


def length_batches(lengths: list[int], batch_size: int, padding_budget: float = PADDING_BUDGET) -> list[list[int]]:
    """Indices of `lengths` (token counts) in batches: shortest first, each at most `batch_size` long,
    and closed before the padding to its longest text would pass `padding_budget` of its real tokens."""
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    batches: list[list[int]] = []
    tokens = 0
    for i in order:
        batch = batches[-1] if batches else None
        if (
            batch is None
            or len(batch) >= batch_size
            or (len(batch) + 1) * lengths[i] > (1 + padding_budget) * (tokens + lengths[i])
        ):
            batches.append([i])
            tokens = lengths[i]
        else:
            batch.append(i)
            tokens += lengths[i]
    return batches


def quantize_int8(model: torch.nn.Module) -> torch.nn.Module:
    """Dynamic int8 quantisation of nn.Linear layers (torch.ao; deprecated but working in torch 2.13)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from torch.ao.quantization import quantize_dynamic

        return quantize_dynamic(model.to("cpu").eval(), {torch.nn.Linear}, dtype=torch.qint8)


@torch.inference_mode()
def measure_latency(
    model: torch.nn.Module,
    tokenizer: PreTrainedTokenizerBase,
    texts: list[str],
    max_length: int = 128,
    device: torch.device | str | None = None,
) -> dict:
    """Milliseconds per comment at batch 1 and comments/s at batch 32, on `device` (model's own by default)."""
    device = device or next(model.parameters()).device
    model.eval()

    def run(batch):
        enc = tokenizer(batch, truncation=True, max_length=max_length, padding=True, return_tensors="pt")
        model(**{k: v.to(device) for k, v in enc.items()})

    return time_predictions(run, texts, str(device))


def time_predictions(run: Callable[[list[str]], object], texts: list[str], device: str) -> dict:
    """measure_latency's figures for any `run(batch)` that scores a batch of texts."""
    run(texts[:2])  # warm-up
    single = texts[:16]
    started = time.perf_counter()
    for text in single:
        run([text])
    ms_per_comment = (time.perf_counter() - started) * 1000 / len(single)
    started = time.perf_counter()
    for start in range(0, len(texts), 32):
        run(texts[start : start + 32])
    per_s = len(texts) / (time.perf_counter() - started)
    return {
        "ms_per_comment_batch1": round(ms_per_comment, 3),
        "comments_per_s_batch32": round(per_s, 1),
        "device": device,
        "texts": len(texts),
    }


def _load_with_adapter(path: Path, run: dict):
    from safetensors import SafetensorError

    from ml.lora import load_lora_adapter

    if not (path / "adapter" / "adapter_config.json").is_file():
        raise ModelLoadError(f"{path}: not a LoRA run (no adapter/adapter_config.json)")
    base, tokenizer = load_classifier(run.get("teacher", ""))
    try:
        return load_lora_adapter(base, path / "adapter"), tokenizer
    except (OSError, ValueError, RuntimeError, SafetensorError) as exc:
        raise ModelLoadError(f"{path}: could not attach the LoRA adapter: {one_line(exc)}") from exc


def _describe(path: Path, run: dict, metrics: dict, model, *, adapter: bool, quantized: bool) -> dict:
    return describe_run(
        path,
        run,
        metrics,
        layers=getattr(getattr(model, "config", None), "num_hidden_layers", None),
        parameters=sum(p.numel() for p in model.parameters()),
        adapter=adapter,
        quantized=quantized,
    )
