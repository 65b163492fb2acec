"""Tokenized splits and the batches a run trains and evaluates on."""

from __future__ import annotations

import math
from collections.abc import Iterator

import datasets
import torch
from transformers import DataCollatorWithPadding, PreTrainedTokenizerBase

from ml.data import SPLITS, DataSplits

TOKENIZER_KEYS = ("input_ids", "attention_mask", "token_type_ids")


def tokenize_splits(
    splits: DataSplits, tokenizer: PreTrainedTokenizerBase, max_length: int = 128
) -> dict[str, datasets.Dataset]:
    """Tokenize every split (truncated, not padded) into input_ids, attention_mask[, token_type_ids], labels."""
    return {name: tokenize(getattr(splits, name), tokenizer, max_length) for name in SPLITS}


def tokenize(data: datasets.Dataset, tokenizer: PreTrainedTokenizerBase, max_length: int = 128) -> datasets.Dataset:
    """One dataset of "text" and "label" columns, tokenized as tokenize_splits does."""

    def encode(batch: dict[str, list]) -> dict[str, list]:
        encoded = tokenizer(batch["text"], truncation=True, max_length=max_length)
        columns = {key: encoded[key] for key in TOKENIZER_KEYS if key in encoded}
        columns["labels"] = batch["label"]
        return columns

    return data.map(encode, batched=True, remove_columns=["text", "label"])


def make_dataloader(
    tokenized: datasets.Dataset,
    tokenizer: PreTrainedTokenizerBase,
    batch_size: int,
    shuffle: bool,
    seed: int = 42,
    group_by_length: bool = False,
) -> torch.utils.data.DataLoader:
    """Batches padded to their own longest item; shuffling is seeded so a run can be repeated.

    With `group_by_length` each batch holds comments of similar token length, so it pads far less than
    a batch drawn at random or in file order: shuffled (training) batches in random order
    (LengthGroupedBatches), unshuffled (evaluation) ones shortest first (LengthSortedBatches, whose
    `order` ml.evaluate.predict_probs reads to give its figures back in the dataset's order)."""
    collate = DataCollatorWithPadding(tokenizer, return_tensors="pt")
    if group_by_length:
        lengths = [len(ids) for ids in tokenized["input_ids"]]
        grouped = (
            LengthGroupedBatches(lengths, batch_size, seed) if shuffle else LengthSortedBatches(lengths, batch_size)
        )
        return torch.utils.data.DataLoader(tokenized, batch_sampler=grouped, collate_fn=collate)
    generator = torch.Generator().manual_seed(seed) if shuffle else None
    return torch.utils.data.DataLoader(
        tokenized, batch_size=batch_size, shuffle=shuffle, generator=generator, collate_fn=collate
    )


class LengthSortedBatches(torch.utils.data.Sampler[list[int]]):
    """Batches of indexes, shortest comments first; `order` is every index in the order they come."""

    drop_last = False

    def __init__(self, lengths: list[int], batch_size: int) -> None:
        self.order = sorted(range(len(lengths)), key=lengths.__getitem__)
        self.batch_size = batch_size

    def __len__(self) -> int:
        return math.ceil(len(self.order) / self.batch_size)

    def __iter__(self) -> Iterator[list[int]]:
        for start in range(0, len(self.order), self.batch_size):
            yield self.order[start : start + self.batch_size]


class LengthGroupedBatches(torch.utils.data.Sampler[list[int]]):
    """Batches of indexes of similar length, in random order: each epoch transformers' length grouping
    (shuffle, sort within mega-batches of a few batches) cut into batches, then the batches shuffled.

    Hand-wrapped because transformers' LengthGroupedSampler yields single indexes with each mega-batch
    longest first, so batches would run long to short within it; here their order is random too. The
    order depends only on the seed and the epoch (Accelerate calls set_epoch before each one).
    """

    drop_last = False  # Accelerate reads these two when it shards batches over processes

    def __init__(self, lengths: list[int], batch_size: int, seed: int) -> None:
        self.lengths = lengths
        self.batch_size = batch_size
        self.seed = seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return math.ceil(len(self.lengths) / self.batch_size)

    def __iter__(self) -> Iterator[list[int]]:
        from transformers.trainer_pt_utils import get_length_grouped_indices

        generator = torch.Generator().manual_seed(self.seed + self.epoch)
        order = get_length_grouped_indices(self.lengths, self.batch_size, generator=generator)
        batches = [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        for position in torch.randperm(len(batches), generator=generator).tolist():
            yield batches[position]
