"""Where a dataset's rows come from: a local directory of train/validation/test files (.csv or .parquet),
a single file, or a Hugging Face hub dataset id; each read and validated into two columns, "text" (str)
and "label" (int 0/1). Problems raise DataError naming the file and the problem; rows in messages are
numbered from 1, the header not counted.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import datasets
import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from ml.errors import DataError, path_too_long

SPLITS = ("train", "validation", "test")
FORMATS = {".csv": "csv", ".parquet": "parquet"}
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*$")
_LOCAL_PREFIXES = ("/", "./", "../", "~")
SPLIT_FRACTIONS = (0.8, 0.1, 0.1)  # a single file is split into train, validation and test
_PEEK_ROWS = 50


def check_source(
    source: str,
    *,
    text_column: str = "comment_text",
    label_column: str = "label",
    roots: list[str | Path] | None = None,
) -> dict:
    """Cheap validation for a form: files exist and are readable, columns and first rows are sound.

    With `roots`, a local path must lie inside one of those directories (symlinks resolved), and so must
    each split file of a directory; any other is refused before it is read, in the same words whether
    it exists or not."""
    if too_long := path_too_long(source):
        raise DataError(too_long)
    if roots is not None:
        check_within_roots(source, roots)
    path = _local_path(source)
    if path is None:
        if not _HUB_ID.match(source):
            raise DataError(f"not a local path or a Hugging Face dataset id 'owner/name': {source!r}")
        return {"kind": "hub", "files": []}
    files = list(_split_files(path).values()) if path.is_dir() else [_checked_file(path)]
    for file in files:
        _require_columns(file, _header(file), text_column, label_column)
        _clean(_peek(file, text_column, label_column), file, text_column, label_column)
    return {"kind": "directory" if path.is_dir() else "file", "files": [str(f) for f in files]}


def read_source(source: str, text_column: str, label_column: str, seed: int) -> dict[str, pd.DataFrame]:
    path = _local_path(source)
    if path is None:
        return _read_hub(source, text_column, label_column)
    if path.is_dir():
        files = _split_files(path)
        return {name: read_file(file, text_column, label_column) for name, file in files.items()}
    return _split_frame(read_file(path, text_column, label_column), path, seed)


def check_within_roots(source: str, roots: list[str | Path]) -> None:
    """DataError unless the local path `source`, and each split file when it is a directory, lies in one
    of `roots` once symlinks are resolved (a split file linked out of a root is refused); a hub id
    passes. The form checks this at launch, and the worker again before it reads."""
    if too_long := path_too_long(source):
        raise DataError(too_long)
    path = Path(os.path.expanduser(source))
    if not (path.exists() or source.startswith(_LOCAL_PREFIXES) or path.suffix.lower() in FORMATS):
        return  # a hub id
    resolved_roots = [Path(root).expanduser().resolve() for root in roots]
    _require_within(path, source, resolved_roots)
    if path.is_dir():
        split_files = (path / f"{name}{ext}" for name in SPLITS for ext in FORMATS)
        for file in split_files:
            if file.exists() or file.is_symlink():
                _require_within(file, f"{source}: {file.name}", resolved_roots)


def _require_within(path: Path, shown: str, roots: list[Path]) -> None:
    if not any(path.resolve().is_relative_to(root) for root in roots):
        raise DataError(f"{shown}: not in a data directory this server reads from")


def _local_path(source: str) -> Path | None:
    """The local path `source` names, or None when it should be read from the hub."""
    path = Path(os.path.expanduser(source))
    if path.exists():
        return path
    if source.startswith(_LOCAL_PREFIXES) or path.suffix.lower() in FORMATS:
        raise DataError(f"no such file or directory: {source}")
    return None


def _split_files(directory: Path) -> dict[str, Path]:
    files = {}
    for name in SPLITS:
        found = [directory / f"{name}{ext}" for ext in FORMATS if (directory / f"{name}{ext}").is_file()]
        if not found:
            raise DataError(f"{directory}: no {name} split (expected {name}.csv or {name}.parquet)")
        if len(found) > 1:
            raise DataError(f"{directory}: both {found[0].name} and {found[1].name}; keep only one")
        files[name] = found[0]
    return files


def _checked_file(path: Path) -> Path:
    if path.suffix.lower() not in FORMATS:
        raise DataError(f"{path}: unsupported file type {path.suffix!r} (expected .csv or .parquet)")
    return path


def _read_hub(source: str, text_column: str, label_column: str) -> dict[str, pd.DataFrame]:
    try:
        loaded = datasets.load_dataset(source)
    except Exception as exc:  # the hub client raises many kinds; all mean "cannot use it"
        raise DataError(f"could not load dataset '{source}' from the Hugging Face hub: {_reason(exc)}") from exc
    frames = {}
    for name in SPLITS:
        if name not in loaded:
            raise DataError(f"{source}: no {name} split on the hub (splits found: {', '.join(loaded)})")
        where = f"{source} [{name}]"
        _require_columns(where, loaded[name].column_names, text_column, label_column)
        table = loaded[name].select_columns([text_column, label_column]).to_pandas()
        frames[name] = _clean(table, where, text_column, label_column)
    return frames


def _split_frame(frame: pd.DataFrame, path: Path, seed: int) -> dict[str, pd.DataFrame]:
    """Seeded stratified 80/10/10 split of one file; every class appears in every split."""
    rng = np.random.default_rng(seed)
    parts: list[list[np.ndarray]] = [[], [], []]
    for cls in np.unique(frame["label"]):
        rows = rng.permutation(np.flatnonzero(frame["label"].to_numpy() == cls))
        n_val = n_test = max(1, int(len(rows) * SPLIT_FRACTIONS[1] + 0.5))
        if len(rows) - n_val - n_test < 1:
            raise DataError(f"{path}: only {len(rows)} rows with label {cls}; need 3 to split 80/10/10")
        chunks = np.split(rows, [len(rows) - n_val - n_test, len(rows) - n_test])
        for part, chunk in zip(parts, chunks, strict=True):
            part.append(chunk)
    return {
        name: frame.iloc[np.sort(np.concatenate(part))].reset_index(drop=True)
        for name, part in zip(SPLITS, parts, strict=True)
    }


# ---- reading and validating one file -----------------------------------------------------------


def read_file(path: Path, text_column: str, label_column: str) -> pd.DataFrame:
    """One .csv or .parquet file as the two clean columns; DataError naming the file and the problem."""
    _checked_file(path)
    _require_columns(path, _header(path), text_column, label_column)
    if _peek(path, text_column, label_column, rows=1).empty:  # datasets cannot build an empty split
        raise DataError(f"{path}: no rows")
    return _clean(_load_table(path, text_column, label_column), path, text_column, label_column)


def _header(path: Path) -> list[str]:
    try:
        if FORMATS[path.suffix.lower()] == "parquet":
            return list(pq.read_schema(path).names)
        return list(pd.read_csv(path, nrows=0).columns)
    except Exception as exc:  # pandas/pyarrow/OS errors all mean the file cannot be used
        raise DataError(f"{path}: cannot read file ({_kind(exc)})") from exc


def _load_table(path: Path, text_column: str, label_column: str) -> pd.DataFrame:
    columns = [text_column, label_column]
    if FORMATS[path.suffix.lower()] == "parquet":
        options: dict[str, object] = {"columns": columns}
    else:  # read every field as a string, "NA" and "null" included; labels are parsed in _clean
        as_text = datasets.Features({name: datasets.Value("string") for name in columns})
        options = {"features": as_text, "usecols": columns, "keep_default_na": False}
    data_files = {"train": str(path)}
    try:
        ds = datasets.load_dataset(FORMATS[path.suffix.lower()], data_files=data_files, split="train", **options)
    except Exception as exc:  # DatasetGenerationError wraps the parser's error
        raise DataError(f"{path}: cannot read file ({_kind(exc)})") from exc
    return ds.to_pandas()


def _peek(path: Path, text_column: str, label_column: str, rows: int = _PEEK_ROWS) -> pd.DataFrame:
    """The first rows of a file, read as cheaply as the format allows."""
    try:
        if FORMATS[path.suffix.lower()] == "parquet":
            columns = [text_column, label_column]
            first = next(pq.ParquetFile(path).iter_batches(batch_size=rows, columns=columns), None)
            return first.to_pandas() if first is not None else pd.DataFrame(columns=columns)
        return pd.read_csv(path, nrows=rows, dtype=str, keep_default_na=False)
    except Exception as exc:
        raise DataError(f"{path}: cannot read file ({_kind(exc)})") from exc


def _require_columns(where: str | Path, found: list[str], text_column: str, label_column: str) -> None:
    """A hub dataset's columns are listed in the message; a file's are not (its header is its content)."""
    for role, name in (("text", text_column), ("label", label_column)):
        if name not in found:
            listed = f" (columns found: {', '.join(map(str, found))})" if isinstance(where, str) else ""
            raise DataError(f"{where}: no {role} column '{name}'{listed}")


def _clean(table: pd.DataFrame, where: str | Path, text_column: str, label_column: str) -> pd.DataFrame:
    """Two columns, text and int label; DataError on no rows, a blank text or a label not 0/1."""
    if table.empty:
        raise DataError(f"{where}: no rows")
    text = table[text_column]
    blank = text.isna().to_numpy() | (text.fillna("").astype(str).str.strip() == "").to_numpy()
    if blank.any():
        row = int(np.flatnonzero(blank)[0])
        count = int(blank.sum())
        raise DataError(f"{where}: empty text in row {row + 1} ({count} empty in column '{text_column}')")
    labels = _parse_labels(table[label_column], where)
    return pd.DataFrame({"text": text.astype(str).to_numpy(), "label": labels})


def _parse_labels(labels: pd.Series, where: str | Path) -> np.ndarray:
    """0/1 as ints, floats or strings ("0", "1.0") become int; anything else is an error."""
    as_text = labels.astype("string").str.strip()
    numbers = pd.to_numeric(as_text, errors="coerce")
    bad = ~numbers.isin([0, 1]).to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(  # the value itself is not shown: the file may not be one the caller can read
            f"{where}: the label in row {row + 1} is not 0 or 1 ({int(bad.sum())} bad labels in column '{labels.name}')"
        )
    return numbers.to_numpy(dtype=np.int64)


def _kind(exc: BaseException) -> str:
    """The root cause's type only: a parser's message may quote the file (a row, a byte, a value)."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
    return type(exc).__name__


def _reason(exc: BaseException) -> str:
    """One line about the root cause of an exception chain."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
