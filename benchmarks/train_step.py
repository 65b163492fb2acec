"""Where a training step's time goes on this machine: each cost of a step measured on its own. Prints JSON.

    .venv/bin/python benchmarks/train_step.py [--teacher bundled-minilm] [--batches 12]

On real training batches (length-grouped batches of 32 from 2,000 training comments, max_length 128),
milliseconds per batch of: tokenizing its comments; loading and padding it (the DataLoader's collation);
the teacher's forward pass in training mode and in evaluation mode (the gap is dropout and autograd's
bookkeeping); its backward pass; AdamW's step, fused or per tensor, with the word embeddings trained or
frozen (the 30,522-word table is half the teacher's parameters); and, for the odd student, the frozen
teacher's forward pass that distillation adds to each step. Each at fp32 and at bf16 autocast.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    import torch

    from ml.batches import make_dataloader, tokenize_splits
    from ml.config import DEFAULT_TEACHER
    from ml.data import load_splits
    from ml.models import load_classifier, make_student
    from ml.precision import native_bf16
    from tests.support.paths import data_dir

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teacher", default=DEFAULT_TEACHER)
    parser.add_argument("--data", default=str(data_dir()))
    parser.add_argument("--batches", type=int, default=12)
    args = parser.parse_args()

    splits = load_splits(args.data, max_train_samples=2000, max_eval_samples=1, seed=0)
    teacher, tokenizer = load_classifier(args.teacher)
    texts = list(splits.train["text"])
    started = time.perf_counter()
    tokenized = tokenize_splits(splits, tokenizer, 128)["train"]
    tokenize_ms = (time.perf_counter() - started) * 1000 / (len(texts) / 32)
    loader = make_dataloader(tokenized, tokenizer, 32, shuffle=True, seed=0, group_by_length=True)
    started = time.perf_counter()
    batches = [batch for _, batch in zip(range(args.batches), loader, strict=False)]
    collate_ms = (time.perf_counter() - started) * 1000 / len(batches)
    student, _ = make_student(teacher, "odd")
    report = {
        "machine": {"torch_threads": torch.get_num_threads(), "native_bf16": native_bf16("cpu")},
        "batches": len(batches),
        "mean_tokens_per_comment": round(sum(b["attention_mask"].sum().item() for b in batches) / 32 / len(batches), 1),
        "per_batch_ms": {"tokenize": round(tokenize_ms, 2), "load_and_pad": round(collate_ms, 2)},
    }
    for precision in ("fp32", "bf16"):
        report[precision] = {
            "teacher": step_costs(teacher, batches, precision),
            "odd_student": step_costs(student, batches, precision),
            "distillation_teacher_forward_ms": forward_ms(teacher, batches, precision),
        }
    print(json.dumps(report, indent=2))


def step_costs(model, batches, precision: str) -> dict:
    """Median ms per batch of the forward pass (training and evaluation mode), the backward pass and
    AdamW's step in each form."""
    import torch

    costs = {"forward_eval": forward_ms(model, batches, precision)}
    for name, fused, frozen in (
        ("adamw_per_tensor", False, False),
        ("adamw_fused", True, False),
        ("adamw_per_tensor_embeddings_frozen", False, True),
    ):
        model.train()
        model.bert.embeddings.word_embeddings.weight.requires_grad_(not frozen)
        optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-6, fused=fused)
        times = [_step(model, optimizer, batch, precision) for batch in batches]
        forward, backward, step = (statistics.median(t[i] for t in times[1:]) for i in range(3))
        costs[name] = round(step, 1)
        if name == "adamw_fused":
            costs["forward_train"], costs["backward"] = round(forward, 1), round(backward, 1)
            costs["step_fused_samples_per_s"] = round(32000 / (forward + backward + step), 1)
    model.bert.embeddings.word_embeddings.weight.requires_grad_(True)
    return costs


def _step(model, optimizer, batch, precision: str) -> tuple[float, float, float]:
    import torch

    from ml.precision import autocast

    batch = dict(batch)
    labels = batch.pop("labels")
    started = time.perf_counter()
    with autocast(precision):
        logits = model(**batch).logits
    loss = torch.nn.functional.cross_entropy(logits.float(), labels)
    forwarded = time.perf_counter()
    loss.backward()
    backwarded = time.perf_counter()
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    stepped = time.perf_counter()
    return (forwarded - started) * 1000, (backwarded - forwarded) * 1000, (stepped - backwarded) * 1000


def forward_ms(model, batches, precision: str) -> float:
    import torch

    from ml.precision import autocast

    model.eval()
    times = []
    with torch.no_grad(), autocast(precision):
        for batch in batches:
            inputs = {k: v for k, v in batch.items() if k != "labels"}
            started = time.perf_counter()
            model(**inputs, output_hidden_states=True)
            times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times[1:]), 1)


if __name__ == "__main__":
    main()
