"""Training batches grouped by token length: every row once per epoch, seeded, padded to the batch's
own longest comment, and far less padding than random batches on the real comments."""

import pytest

from ml.batches import LengthGroupedBatches, make_dataloader, tokenize_splits
from ml.data import load_splits
from tests.support import paths


@pytest.fixture(scope="module")
def real_train(tokenizer):
    """800 real training comments, tokenized as a run does (max_length 128)."""
    data = paths.data_dir()
    if not (data / "train.csv").is_file():
        pytest.skip(f"real data not found at {data} (set TOXILAB_DATA_DIR)")
    splits = load_splits(str(data), max_train_samples=800, max_eval_samples=1, seed=42)
    return tokenize_splits(splits, tokenizer, 128)["train"]


LENGTHS = [(7 * i) % 97 + 1 for i in range(203)]  # 203 rows of varied lengths: the last batch is partial


def epoch(sampler, number):
    sampler.set_epoch(number)
    return list(sampler)


def test_each_epoch_holds_every_index_exactly_once_in_full_batches_but_the_last():
    sampler = LengthGroupedBatches(LENGTHS, batch_size=16, seed=3)
    for number in range(3):
        batches = epoch(sampler, number)
        assert len(batches) == len(sampler) == 13
        assert sorted(i for batch in batches for i in batch) == list(range(len(LENGTHS)))
        assert sorted(len(batch) for batch in batches) == [11] + [16] * 12


def test_the_order_depends_only_on_the_seed_and_the_epoch():
    first, again = LengthGroupedBatches(LENGTHS, 16, seed=3), LengthGroupedBatches(LENGTHS, 16, seed=3)
    assert epoch(first, 0) == epoch(again, 0) and epoch(first, 1) == epoch(again, 1)
    assert epoch(first, 0) != epoch(first, 1), "each epoch is shuffled anew"
    assert epoch(first, 0) != epoch(LengthGroupedBatches(LENGTHS, 16, seed=4), 0)


def test_batches_hold_similar_lengths_in_a_shuffled_order():
    batches = epoch(LengthGroupedBatches(LENGTHS, 16, seed=3), 0)
    spans = [max(LENGTHS[i] for i in batch) - min(LENGTHS[i] for i in batch) for batch in batches]
    longest = [max(LENGTHS[i] for i in batch) for batch in batches]
    assert sum(spans) / len(spans) < 0.5 * (max(LENGTHS) - min(LENGTHS))
    assert longest != sorted(longest) and longest != sorted(longest, reverse=True)


def test_a_grouped_batch_pads_to_its_own_longest_comment(real_train, tokenizer):
    lengths = [len(ids) for ids in real_train["input_ids"]]
    sampler_batches = epoch(LengthGroupedBatches(lengths, 32, seed=42), 0)
    loader = make_dataloader(real_train, tokenizer, 32, shuffle=True, seed=42, group_by_length=True)
    for indexes, batch in zip(sampler_batches, loader, strict=True):
        assert batch["input_ids"].shape[1] == max(lengths[i] for i in indexes)
        assert batch["attention_mask"].sum(dim=1).tolist() == [lengths[i] for i in indexes]


def test_grouping_pads_far_less_than_random_batches_on_real_comments(real_train, tokenizer):
    real = sum(len(ids) for ids in real_train["input_ids"])

    def padding(grouped):
        loader = make_dataloader(real_train, tokenizer, 32, shuffle=True, seed=42, group_by_length=grouped)
        return sum(batch["input_ids"].numel() for batch in loader) - real

    assert padding(True) < 0.5 * padding(False)


def test_accelerate_moves_the_grouped_batches_on_to_a_new_order_each_epoch(real_train, tokenizer):
    from accelerate import Accelerator

    loader = Accelerator(cpu=True).prepare(
        make_dataloader(real_train, tokenizer, 32, shuffle=True, seed=42, group_by_length=True)
    )
    epochs = [[batch["labels"].tolist() for batch in loader] for _ in range(2)]
    assert epochs[0] != epochs[1]
    assert sorted(map(len, epochs[0])) == sorted(map(len, epochs[1])) and sum(map(len, epochs[0])) == 800


def test_evaluation_batches_run_shortest_first_and_give_their_figures_back_in_the_splits_order(
    real_train, tokenizer, tiny_bert_dir
):
    """LengthSortedBatches pads less than batches in file order, and predict_probs undoes the sorting:
    the same labels and probabilities, row for row."""
    from ml.evaluate import predict_probs
    from ml.models import load_classifier

    model, _ = load_classifier(str(tiny_bert_dir))
    rows = real_train.select(range(200))
    in_order = make_dataloader(rows, tokenizer, 32, shuffle=False)
    by_length = make_dataloader(rows, tokenizer, 32, shuffle=False, group_by_length=True)

    labels, probs = predict_probs(model, in_order)
    sorted_labels, sorted_probs = predict_probs(model, by_length)

    assert sorted_labels.tolist() == labels.tolist() == rows["labels"]
    assert sorted_probs == pytest.approx(probs, abs=1e-5)
    lengths = [len(ids) for ids in rows["input_ids"]]
    assert [lengths[i] for i in by_length.batch_sampler.order] == sorted(lengths)
    slots = {
        name: sum(b["input_ids"].numel() for b in loader)
        for name, loader in (("file", in_order), ("sorted", by_length))
    }
    assert slots["sorted"] < 0.8 * slots["file"], slots
