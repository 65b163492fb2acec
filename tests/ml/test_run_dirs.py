"""Run directories are read in ml.artifacts with one policy: an absent optional file reads as empty,
an absent required one or an unreadable one is a RunDirError whose message is one line naming it."""

import pytest

from ml import artifacts
from ml.errors import ModelLoadError, RunDirError, one_line
from ml.reporting import compare_table


def test_a_plain_checkpoint_has_no_run_info_and_no_metrics(tmp_path):
    assert artifacts.read_run_info(tmp_path) is None
    assert artifacts.read_metrics(tmp_path) == {}


def test_a_required_file_that_is_absent_is_named_in_one_line(tmp_path):
    with pytest.raises(RunDirError) as error:
        artifacts.read_run_info(tmp_path, required=True)
    assert str(error.value) == f"{tmp_path} is not a finished run: run.json is missing"


@pytest.mark.parametrize("content", ['{"method": ', "[1, 2]", "\xff\xfe"])
def test_a_file_that_is_not_a_json_object_is_unreadable_whoever_reads_it(tmp_path, content):
    (tmp_path / "metrics.json").write_bytes(content.encode("latin-1"))
    for read in (artifacts.read_metrics, compare_table_of_one):
        with pytest.raises(RunDirError, match=r"metrics.json: unreadable") as error:
            read(tmp_path)
        assert "\n" not in str(error.value)


def test_what_is_written_reads_back(tmp_path):
    artifacts.write_json(tmp_path / "run.json", {"method": "odd"})
    artifacts.write_history(tmp_path / "history.jsonl", [{"step": 1}, {"step": 2}])
    assert artifacts.read_run_info(tmp_path) == {"method": "odd"}
    assert artifacts.read_history(tmp_path) == [{"step": 1}, {"step": 2}]


def test_a_run_dir_error_is_a_model_load_error_so_existing_handlers_catch_it():
    assert issubclass(RunDirError, ModelLoadError)


def test_one_line_collapses_a_message_and_cuts_a_long_one():
    assert one_line(ValueError("first\n  second\tthird ")) == "first second third"
    assert one_line(KeyError()) == "KeyError"
    long = one_line(OSError("x" * 1000))
    assert len(long) == 300 and long.endswith("…")


def compare_table_of_one(run_dir):
    return compare_table([run_dir])
