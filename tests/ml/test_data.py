"""ml.data: loading, validating, splitting, subsampling and tokenizing datasets."""

from pathlib import Path

import datasets
import huggingface_hub.constants
import pandas as pd
import pytest

from ml.batches import make_dataloader, tokenize_splits
from ml.data import DataSplits, load_splits, stratified_sample
from ml.errors import DataError
from ml.sources import check_source
from tests.support import paths

SHARED_DATA = paths.data_dir()


@pytest.fixture(autouse=True, scope="module")
def private_datasets_cache(tmp_path_factory):
    """Keep the Arrow files datasets writes for the test CSVs out of the user's cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(datasets.config, "HF_DATASETS_CACHE", str(tmp_path_factory.mktemp("hf_datasets")))
        yield


@pytest.fixture(scope="module")
def shared_data() -> Path:
    if not (SHARED_DATA / "train.csv").is_file():
        pytest.skip(f"real data not found at {SHARED_DATA} (set TOXILAB_DATA_DIR)")
    return SHARED_DATA


def comments(n: int, toxic: int, prefix: str = "comment") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": range(n),
            "comment_text": [f"{prefix} number {i}" for i in range(n)],
            "label": [1] * toxic + [0] * (n - toxic),
        }
    )


def write_dir(root: Path, frames: dict, ext: str = ".csv") -> Path:
    root.mkdir(exist_ok=True)
    for name, frame in frames.items():
        if ext == ".csv":
            frame.to_csv(root / f"{name}{ext}", index=False)
        else:
            frame.to_parquet(root / f"{name}{ext}", index=False)
    return root


def good_splits() -> dict:
    return {"train": comments(20, 5, "train"), "validation": comments(6, 2, "val"), "test": comments(6, 2, "test")}


# ---- the real data ------------------------------------------------------------------------------


def test_it_loads_the_shared_directory_with_the_documented_row_counts(shared_data):
    splits = load_splits(str(shared_data))
    summary = splits.summary()

    assert [summary[name]["rows"] for name in ("train", "validation", "test")] == [60828, 7979, 7978]
    assert [summary[name]["toxic"] for name in ("train", "validation", "test")] == [14515, 1904, 1904]
    assert summary["train"]["toxic_share"] == pytest.approx(0.239, abs=0.001)
    assert summary["source"] == str(shared_data) and summary["extra_train_rows"] == 0
    assert splits.train.column_names == ["text", "label"]
    assert splits.train.features["label"].dtype == "int64"
    assert "\n" in splits.train[0]["text"]  # a quoted multi-line comment stays one row


def test_subsampling_keeps_both_classes_and_the_requested_size(shared_data):
    first = load_splits(str(shared_data), max_train_samples=50, max_eval_samples=9, seed=3)
    again = load_splits(str(shared_data), max_train_samples=50, max_eval_samples=9, seed=3)

    assert [len(first.train), len(first.validation), len(first.test)] == [50, 9, 9]
    for split in (first.train, first.validation, first.test):
        assert set(split["label"]) == {0, 1}
    assert first.summary()["train"]["toxic"] == 12  # 24% of 50, rounded
    assert first.train["text"] == again.train["text"]


def test_check_source_accepts_the_shared_directory(shared_data):
    result = check_source(str(shared_data))

    assert result["kind"] == "directory"
    assert [Path(f).name for f in result["files"]] == ["train.csv", "validation.csv", "test.csv"]


# ---- sampling and splitting ---------------------------------------------------------------------


def test_stratified_sample_keeps_the_rare_class_and_leaves_a_small_dataset_alone():
    ds = datasets.Dataset.from_pandas(
        comments(100, 1).rename(columns={"comment_text": "text"})[["text", "label"]], preserve_index=False
    )

    assert sorted(stratified_sample(ds, 2, seed=0)["label"]) == [0, 1]
    assert sum(stratified_sample(ds, 10, seed=0)["label"]) == 1
    assert stratified_sample(ds, 100, seed=0) is ds


def test_a_single_csv_is_split_80_10_10_deterministically_keeping_both_classes(tmp_path):
    comments(100, 30).to_csv(tmp_path / "all.csv", index=False)

    first = load_splits(str(tmp_path / "all.csv"), seed=1)
    again = load_splits(str(tmp_path / "all.csv"), seed=1)
    other = load_splits(str(tmp_path / "all.csv"), seed=2)

    assert [len(first.train), len(first.validation), len(first.test)] == [80, 10, 10]
    assert [sum(s["label"]) for s in (first.train, first.validation, first.test)] == [24, 3, 3]
    assert first.test["text"] == again.test["text"]
    assert first.test["text"] != other.test["text"]
    every_text = list(first.train["text"]) + list(first.validation["text"]) + list(first.test["text"])
    assert sorted(every_text) == sorted(comments(100, 30)["comment_text"])


def test_a_single_csv_too_small_to_split_is_refused(tmp_path):
    comments(10, 2).to_csv(tmp_path / "tiny.csv", index=False)

    with pytest.raises(DataError, match=r"tiny\.csv: only 2 rows with label 1"):
        load_splits(str(tmp_path / "tiny.csv"))


# ---- formats and values that must survive -------------------------------------------------------


def test_it_reads_a_parquet_directory_with_float_labels(tmp_path):
    frames = good_splits()
    frames["train"]["label"] = frames["train"]["label"].astype(float)

    splits = load_splits(str(write_dir(tmp_path / "pq", frames, ".parquet")))

    assert splits.summary()["train"] == {"rows": 20, "toxic": 5, "toxic_share": 0.25}
    assert splits.train.features["label"].dtype == "int64"


def test_a_comment_reading_NA_or_null_is_kept_as_text(tmp_path):
    frames = good_splits()
    frames["train"].loc[:3, "comment_text"] = ["NA", "null", "None", "nan"]

    splits = load_splits(str(write_dir(tmp_path / "d", frames)))

    assert splits.train["text"][:4] == ["NA", "null", "None", "nan"]


def test_labels_written_as_strings_or_floats_are_cast_to_int(tmp_path):
    frames = good_splits()
    frames["train"]["label"] = ["1.0", " 0 ", "1", "0.0"] * 5

    splits = load_splits(str(write_dir(tmp_path / "d", frames)))

    assert splits.train["label"][:4] == [1, 0, 1, 0]


# ---- what must be refused -----------------------------------------------------------------------


def _drop_text_column(frames, root):
    frames["validation"] = frames["validation"].rename(columns={"comment_text": "body"})


def _drop_label_column(frames, root):
    frames["test"] = frames["test"].drop(columns=["label"])


def _label_two(frames, root):
    frames["train"].loc[6, "label"] = 2


def _label_word(frames, root):
    frames["train"]["label"] = frames["train"]["label"].astype(str)
    frames["train"].loc[2, "label"] = "toxic"


def _blank_text(frames, root):
    frames["validation"].loc[3, "comment_text"] = "   "


def _no_rows(frames, root):
    frames["test"] = frames["test"].iloc[:0]


def _no_validation(frames, root):
    del frames["validation"]


BROKEN = [
    (_drop_text_column, r"validation\.csv: no text column 'comment_text'$"),
    (_drop_label_column, r"test\.csv: no label column 'label'$"),
    (_label_two, r"train\.csv: the label in row 7 is not 0 or 1"),
    (_label_word, r"train\.csv: the label in row 3 is not 0 or 1"),
    (_blank_text, r"validation\.csv: empty text in row 4"),
    (_no_rows, r"test\.csv: no rows"),
    (_no_validation, r"/d: no validation split \(expected validation\.csv or validation\.parquet\)"),
]


@pytest.mark.parametrize("breakage, message", BROKEN, ids=[b[0].__name__.strip("_") for b in BROKEN])
def test_it_rejects_a_broken_directory_naming_the_file_and_the_problem(tmp_path, breakage, message):
    frames = good_splits()
    breakage(frames, tmp_path)

    with pytest.raises(DataError, match=message):
        load_splits(str(write_dir(tmp_path / "d", frames)))


def test_it_rejects_a_csv_with_an_unterminated_quote(tmp_path):
    root = write_dir(tmp_path / "d", good_splits())
    (root / "train.csv").write_text('id,comment_text,label\n1,"never closed,0\n2,fine,1\n')

    with pytest.raises(DataError, match=r"train\.csv: cannot read file \(ParserError\)"):
        load_splits(str(root))


def test_it_rejects_a_corrupt_parquet_file(tmp_path):
    root = write_dir(tmp_path / "d", good_splits(), ".parquet")
    (root / "test.parquet").write_bytes(b"this is not parquet at all")

    with pytest.raises(DataError, match=r"test\.parquet: cannot read file"):
        load_splits(str(root))


def test_a_missing_local_path_is_reported_without_trying_the_hub(tmp_path):
    with pytest.raises(DataError, match=f"no such file or directory: {tmp_path}/absent"):
        load_splits(f"{tmp_path}/absent")


def test_an_unreachable_hub_dataset_becomes_a_data_error(monkeypatch):
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)  # fail at once instead of retrying
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)

    with pytest.raises(DataError, match=r"could not load dataset 'someone/absent' from the Hugging Face hub: "):
        load_splits("someone/absent")


# ---- extra reviewed rows -------------------------------------------------------------------------


def test_extra_train_rows_are_deduplicated_and_appended_after_subsampling(tmp_path):
    root = write_dir(tmp_path / "d", good_splits())
    extra = pd.DataFrame(
        {
            "text": [
                "TRAIN  number 3",  # in train, once case and spaces are normalised
                "val number\n1",  # in validation
                "brand new insult",
                "Brand new   INSULT",  # a duplicate within the file
                "a fresh kind word",
            ],
            "label": [0, 1, 1, 1, 0],
        }
    )
    extra.to_csv(tmp_path / "reviewed.csv", index=False)

    splits = load_splits(str(root), max_train_samples=10, extra_train_file=str(tmp_path / "reviewed.csv"))

    assert splits.extra_train_rows == 2
    assert len(splits.train) == 12
    assert splits.train["text"][-2:] == ["brand new insult", "a fresh kind word"]
    assert splits.train["label"][-2:] == [1, 0]


def test_an_extra_train_file_with_a_bad_label_is_refused(tmp_path):
    root = write_dir(tmp_path / "d", good_splits())
    pd.DataFrame({"text": ["fine", "odd"], "label": [0, 7]}).to_csv(tmp_path / "reviewed.csv", index=False)

    with pytest.raises(DataError, match=r"reviewed\.csv: the label in row 2"):
        load_splits(str(root), extra_train_file=str(tmp_path / "reviewed.csv"))


# ---- check_source ---------------------------------------------------------------------------------


def test_check_source_names_a_missing_column(tmp_path):
    frames = good_splits()
    frames["test"] = frames["test"].rename(columns={"label": "toxic"})

    with pytest.raises(DataError, match=r"test\.csv: no label column 'label'"):
        check_source(str(write_dir(tmp_path / "d", frames)))


def test_check_source_reports_a_missing_directory(tmp_path):
    with pytest.raises(DataError, match="no such file or directory"):
        check_source(str(tmp_path / "nowhere"))


def test_check_source_accepts_a_hub_id_without_contacting_the_hub():
    assert check_source("OxAISH-AL-LLM/wiki_toxic") == {"kind": "hub", "files": []}


def test_check_source_rejects_something_that_is_neither_path_nor_hub_id():
    with pytest.raises(DataError, match="not a local path or a Hugging Face dataset id"):
        check_source("just some words")


def test_check_source_accepts_a_single_parquet_file(tmp_path):
    comments(10, 3).to_parquet(tmp_path / "all.parquet")

    file = str(tmp_path / "all.parquet")

    assert check_source(file) == {"kind": "file", "files": [file]}


# ---- tokenizing and batching ----------------------------------------------------------------------


def _splits_of(texts: list[str]) -> DataSplits:
    ds = datasets.Dataset.from_dict({"text": texts, "label": [i % 2 for i in range(len(texts))]})
    return DataSplits(train=ds, validation=ds, test=ds, source="memory")


def test_batches_are_padded_to_their_own_longest_item_and_never_beyond_max_length(tokenizer):
    texts = ["short", "tiny one", " ".join(["word"] * 40), "a slightly longer sentence here"]
    tokenized = tokenize_splits(_splits_of(texts), tokenizer, max_length=16)

    assert set(tokenized["train"].column_names) == {"input_ids", "attention_mask", "token_type_ids", "labels"}
    batches = list(make_dataloader(tokenized["train"], tokenizer, batch_size=2, shuffle=False))
    widths = [batch["input_ids"].shape[1] for batch in batches]
    assert widths[0] < widths[1] == 16
    for batch in batches:
        assert batch["input_ids"].shape[1] == int(batch["attention_mask"].sum(dim=1).max())
        assert batch["labels"].tolist() == [0, 1]


def test_shuffled_batches_repeat_for_the_same_seed(tokenizer):
    tokenized = tokenize_splits(_splits_of([f"text {i}" for i in range(12)]), tokenizer)["train"]

    def order(seed):
        loader = make_dataloader(tokenized, tokenizer, batch_size=4, shuffle=True, seed=seed)
        return [batch["input_ids"][:, 2].tolist() for batch in loader]

    assert order(5) == order(5)
    assert order(5) != order(6)


def test_messages_about_a_file_never_quote_its_content(tmp_path):
    """A server file named by someone who cannot read it must not come back in the error."""
    secret = tmp_path / "secret.csv"
    secret.write_text("comment_text,label\nfine,hunter2-SECRET\n")
    header = tmp_path / "header.csv"
    header.write_text("hunter2-SECRET,x\n1,2\n")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b'comment_text,label\n\xffhunter2-SECRET\xfe,"\n')

    for path in (secret, header, binary):
        with pytest.raises(DataError) as raised:
            check_source(str(path))
        assert "hunter2" not in str(raised.value)


def test_with_roots_a_path_outside_them_gets_one_answer_whether_or_not_it_exists(tmp_path):
    (tmp_path / "data").mkdir()
    inside = write_dir(tmp_path / "data" / "d", good_splits())
    outside = write_dir(tmp_path / "elsewhere", good_splits())
    roots = [tmp_path / "data"]

    assert check_source(str(inside), roots=roots)["kind"] == "directory"
    answers = set()
    for path in (outside, tmp_path / "absent", tmp_path / "data" / ".." / "elsewhere", "/etc/passwd", "/etc"):
        with pytest.raises(DataError) as raised:
            check_source(str(path), roots=roots)
        answers.add(str(raised.value).removeprefix(str(path)))
    assert answers == {": not in a data directory this server reads from"}
    (tmp_path / "data" / "link").symlink_to(outside)
    with pytest.raises(DataError, match="not in a data directory"):
        check_source(str(tmp_path / "data" / "link"), roots=roots)
    assert check_source("owner/name", roots=roots)["kind"] == "hub"
