"""Read and validate the Sign Language MNIST CSVs, and split the training rows."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import io
import logging
import re
import zipfile
import zlib
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from signlang import config
from signlang.errors import DataError

logger = logging.getLogger(__name__)

# Kaggle label -> model class index, -1 where no class exists (9 = J).
LABEL_TO_CLASS = np.array(
    [config.label_to_class(label) if label not in config.MISSING_LABELS else -1
     for label in range(config.MAX_LABEL + 1)],
    dtype=np.int64,
)

# First four values of the first row of each Kaggle file: label and three pixels.
# They tell the two files apart when a user passes one in place of the other.
_KAGGLE_FIRST_ROWS = {
    "train": (3, 107, 118, 127),
    "test": (6, 149, 149, 150),
}


@dataclasses.dataclass(frozen=True)
class ImageSet:
    """Images as `uint8` of shape `(n, 28, 28)` and their Kaggle labels (0-24, never 9)."""

    images: np.ndarray
    labels: np.ndarray
    source: str

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def classes(self) -> np.ndarray:
        """Model class indices (0-23) of the labels."""
        return LABEL_TO_CLASS[self.labels]

    def checksum(self) -> str:
        """Return a SHA-256 of labels and pixels, the same for `.csv`, `.csv.gz` and `.zip`."""
        digest = hashlib.sha256()
        digest.update(np.ascontiguousarray(self.labels, dtype=np.int64).tobytes())
        digest.update(np.ascontiguousarray(self.images, dtype=np.uint8).tobytes())
        return digest.hexdigest()

    def subset(self, indices: np.ndarray) -> "ImageSet":
        """Return the rows at `indices`."""
        return ImageSet(self.images[indices], self.labels[indices], self.source)


@dataclasses.dataclass(frozen=True)
class DataSource:
    """Location of one CSV: a plain or gzip file, or a member of a zip archive."""

    path: Path
    member: str | None = None

    @property
    def name(self) -> str:
        return f"{self.path}:{self.member}" if self.member else str(self.path)

    def open(self) -> IO[bytes]:
        if self.member is not None:
            with zipfile.ZipFile(self.path) as archive:
                return io.BytesIO(archive.read(self.member))
        raw = self.path.open("rb")
        if self.path.suffix == ".gz":
            return gzip.GzipFile(fileobj=raw)
        return raw


def locate_sources(data_dir: Path) -> dict[str, DataSource]:
    """Return the training and test CSVs that exist in `data_dir`, keyed by split.

    Each file may be plain (`sign_mnist_train.csv`), gzip-compressed (`.csv.gz`), or inside
    the `archive.zip` that Kaggle's download button gives. A missing folder or file is left
    out of the result, and an archive that is unreadable or lacks a CSV raises DataError.
    """
    data_dir = Path(data_dir)
    sources: dict[str, DataSource] = {}
    if not data_dir.is_dir():
        return sources
    for split, name in (("train", config.TRAIN_CSV), ("test", config.TEST_CSV)):
        for candidate in (data_dir / name, data_dir / f"{name}.gz"):
            if candidate.is_file():
                sources[split] = DataSource(candidate)
                break

    archive = data_dir / config.KAGGLE_ARCHIVE
    if len(sources) < 2 and archive.is_file():
        sources.update({k: v for k, v in _find_in_archive(archive).items() if k not in sources})
    return sources


def find_sources(data_dir: Path) -> dict[str, DataSource]:
    """Locate both CSVs in `data_dir`, or raise DataError naming the folder or missing files."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise DataError("data_dir_missing", folder=data_dir)
    sources = locate_sources(data_dir)
    missing = [name for split, name in (("train", config.TRAIN_CSV), ("test", config.TEST_CSV))
               if split not in sources]
    if missing:
        raise DataError("data_files_missing", folder=data_dir, files=", ".join(missing))
    return sources


def _find_in_archive(archive: Path) -> dict[str, DataSource]:
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = zipped.namelist()
    except (zipfile.BadZipFile, OSError) as error:
        raise DataError("archive_unreadable", file=archive, reason=error) from error

    found: dict[str, DataSource] = {}
    for split, name in (("train", config.TRAIN_CSV), ("test", config.TEST_CSV)):
        # Kaggle's archive contains each CSV twice (top level and in a folder), so the shortest path wins.
        matches = sorted((m for m in members if Path(m).name == name), key=len)
        if matches:
            found[split] = DataSource(archive, matches[0])
    if len(found) < 2:
        raise DataError("archive_incomplete", file=archive)
    return found


def has_data(data_dir: Path) -> bool:
    """Return whether `data_dir` contains both CSVs, without reading them."""
    try:
        find_sources(data_dir)
    except DataError:
        return False
    return True


def load_split(data_dir: Path, split: str) -> ImageSet:
    """Read and validate the `"train"` or `"test"` split from `data_dir`."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    return read_csv(find_sources(data_dir)[split], expected=split)


def read_csv(source: DataSource | Path, expected: str | None = None) -> ImageSet:
    """Read one Sign Language MNIST CSV and validate every cell.

    `expected` ("train" or "test") also rejects the other Kaggle file passed in its place.
    Errors name the file, the row (1 = first data row) and the column.
    """
    if not isinstance(source, DataSource):
        source = DataSource(Path(source))
    name = source.name
    try:
        with source.open() as stream:
            raw = stream.read()
    except FileNotFoundError as error:
        raise DataError("file_not_found", file=name) from error
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile, KeyError) as error:
        raise DataError("file_unreadable", file=name, reason=error) from error
    return parse_csv(raw, name, expected)


def parse_csv(raw: bytes, name: str, expected: str | None = None) -> ImageSet:
    """Parse and validate the bytes of one uncompressed CSV; `name` appears in errors."""
    if not raw.strip():
        raise DataError("file_empty", file=name)
    text = _decode(raw, name)
    _check_header(text, name)

    try:
        # Only an empty cell counts as missing, so "NaN" or "NA" in a cell is reported as not an integer.
        frame = pd.read_csv(io.StringIO(text), header=0, dtype=None, low_memory=False,
                            keep_default_na=False, na_values=[""])
    except pd.errors.ParserError as error:
        raise DataError("bad_row_length", file=name, line=_first_bad_line(text), columns=len(config.CSV_HEADER)) from error

    if frame.empty:
        raise DataError("no_rows", file=name)
    values = _to_numbers(frame, text, name)

    labels = values[:, 0]
    pixels = values[:, 1:]
    _check_range(labels, pixels, text, name)
    values = values.astype(np.int64)
    if expected is not None:
        _check_not_swapped(values, expected, name)

    images = values[:, 1:].astype(np.uint8).reshape(-1, config.IMAGE_SIZE, config.IMAGE_SIZE)
    logger.info("read %d images from %s", len(values), name)
    return ImageSet(images, values[:, 0].copy(), name)


def _decode(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DataError("not_text", file=name) from error


def _check_header(text: str, name: str) -> None:
    header = text.split("\n", 1)[0].strip()
    columns = [c.strip().strip('"') for c in header.split(",")]
    if columns == config.CSV_HEADER:
        return
    if "," not in header:
        if ";" in header:
            raise DataError("semicolons", file=name)
        if "\t" in header:
            raise DataError("tabs", file=name)
    if "label" not in columns:
        raise DataError("label_missing", file=name, found=_shorten(header))
    raise DataError("bad_header", file=name, count=len(columns), found=_shorten(header))


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else f"{text[:limit]}…"


def _lines(text: str) -> list[str]:
    # pandas ends a line at \n, \r\n or \r, but str.splitlines() also splits at \x0c and others.
    return re.split(r"\r\n|\r|\n", text)


def _first_bad_line(text: str) -> int:
    for number, line in enumerate(_lines(text), start=1):
        if line.strip() and line.count(",") + 1 != len(config.CSV_HEADER):
            return number
    return 0


def _line_of_row(text: str, row: int) -> tuple[int, str]:
    """Return the file line number and text of data row `row` (1 = first data row).

    pandas skips blank lines, so after a blank line the line number is more than row + 1.
    """
    seen = 0
    lines = _lines(text)
    for number, line in enumerate(lines[1:], start=2):
        if line.strip():
            seen += 1
            if seen == row:
                return number, line
    return row + 1, ""


def _to_numbers(frame: pd.DataFrame, text: str, name: str) -> np.ndarray:
    """Return the frame as int64, or float64 when a column was read as float.

    Raises DataError naming the first cell that is empty or not an integer.
    """
    bad_columns = [c for c in frame.columns if not pd.api.types.is_integer_dtype(frame[c])]
    if not bad_columns:
        return frame.to_numpy(dtype=np.int64)

    first: tuple[int, str, object] | None = None
    for column in bad_columns:
        series = frame[column]
        numeric = pd.to_numeric(series, errors="coerce")
        bad = numeric.isna() | (numeric != numeric.round())
        if bad.any():
            index = int(np.flatnonzero(bad.to_numpy())[0])
            if first is None or index < first[0]:
                first = (index, column, series.iloc[index])
    if first is None:
        # Whole numbers written as "3.0" or "1e3", or too large for int64: the range check
        # runs on the float values, so none of them wraps around when cast to an integer.
        return frame.apply(pd.to_numeric).to_numpy(dtype=np.float64)

    index, column, value = first
    row = index + 1
    line, line_text = _line_of_row(text, row)
    if line_text.count(",") + 1 != len(config.CSV_HEADER):
        raise DataError("bad_row_length", file=name, line=line, columns=len(config.CSV_HEADER))
    if pd.isna(value):
        raise DataError("empty_cell", file=name, row=row, line=line, column=column)
    raise DataError("not_integer", file=name, row=row, line=line, column=column, value=value)


def _check_range(labels: np.ndarray, pixels: np.ndarray, text: str, name: str) -> None:
    bad_label = (labels < 0) | (labels > config.MAX_LABEL) | np.isin(labels, config.MISSING_LABELS)
    if bad_label.any():
        row = int(np.flatnonzero(bad_label)[0]) + 1
        raise DataError("bad_label", file=name, row=row, line=_line_of_row(text, row)[0], value=int(labels[row - 1]))

    bad_pixel = (pixels < 0) | (pixels > 255)
    if bad_pixel.any():
        index, column = (int(i[0]) for i in np.nonzero(bad_pixel))
        raise DataError(
            "bad_pixel", file=name, row=index + 1, line=_line_of_row(text, index + 1)[0],
            column=config.CSV_HEADER[column + 1], value=int(pixels[index, column]),
        )


def _check_not_swapped(values: np.ndarray, expected: str, name: str) -> None:
    other = "test" if expected == "train" else "train"
    other_rows = config.KAGGLE_TEST_ROWS if other == "test" else config.KAGGLE_TRAIN_ROWS
    first_row = tuple(int(v) for v in values[0, :4])
    if first_row == _KAGGLE_FIRST_ROWS[other] and len(values) == other_rows:
        raise DataError(f"given_as_{expected}", file=name)


def train_val_split(
    data: ImageSet, val_fraction: float = config.DEFAULT_VAL_FRACTION, seed: int = config.DEFAULT_SEED
) -> tuple[ImageSet, ImageSet]:
    """Split `data` into training and validation sets, stratified by letter and seeded."""
    from signlang.errors import SettingsError

    if not 0 < val_fraction <= 0.5:
        raise SettingsError("val_fraction_range", value=val_fraction)
    rng = np.random.default_rng(seed)
    val_indices = []
    for label in np.unique(data.labels):
        rows = np.flatnonzero(data.labels == label)
        rng.shuffle(rows)
        count = int(round(len(rows) * val_fraction))
        if len(rows) > 1:
            count = min(max(count, 1), len(rows) - 1)
        else:
            count = 0
        val_indices.append(rows[:count])
    val_index = np.sort(np.concatenate(val_indices))
    train_mask = np.ones(len(data), dtype=bool)
    train_mask[val_index] = False
    if not val_index.size:
        raise SettingsError("val_split_empty", rows=len(data))
    return data.subset(np.flatnonzero(train_mask)), data.subset(val_index)


def write_csv(path: Path, images: np.ndarray, labels: np.ndarray) -> None:
    """Write images and labels in the Kaggle CSV layout (gzip when `path` ends in `.gz`)."""
    table = np.column_stack([np.asarray(labels).reshape(-1), np.asarray(images).reshape(len(labels), -1)])
    frame = pd.DataFrame(table.astype(np.int64), columns=config.CSV_HEADER)
    frame.to_csv(path, index=False)
