"""Put the data set into the data folder: from an upload or from Kaggle with kagglehub.

Uploads are checked in full before anything is written, and they are saved only under the
names the app chooses (`sign_mnist_train.csv`, `sign_mnist_test.csv`) inside the data folder.
The uploaded file name and the names of archive members only appear in messages.
"""

from __future__ import annotations

import dataclasses
import gzip
import io
import logging
import os
import tempfile
import zipfile
import zlib
from pathlib import Path

from signlang import config
from signlang.data import ImageSet, parse_csv
from signlang.errors import DataError

logger = logging.getLogger(__name__)

SPLIT_FILES = {"train": config.TRAIN_CSV, "test": config.TEST_CSV}
TEMP_PREFIX = ".tmp-"
# mkstemp creates files readable by their owner only; saved data files are ordinary files.
FILE_MODE = 0o644

# Streamlit 1.67 counts server.maxUploadSize in MiB (starlette_routes.py multiplies by
# 1024 * 1024), so this check rejects exactly what the upload widget would have let through.
MAX_UPLOAD_BYTES = config.MAX_UPLOAD_MB * 1024 * 1024
# Limit on a decompressed upload (.csv.gz or a zip member). The Kaggle training CSV is about
# 80 MB uncompressed, so this leaves room while a small archive cannot fill the disk or memory.
MAX_UNCOMPRESSED_BYTES = MAX_UPLOAD_BYTES

GZIP_MAGIC = b"\x1f\x8b"


@dataclasses.dataclass(frozen=True)
class CheckedFile:
    """An uploaded CSV that passed every check: its split, uncompressed bytes and images."""

    split: str
    csv_bytes: bytes
    images: ImageSet


def _megabytes(size: int) -> float:
    return size / (1024 * 1024)


def _check_upload_size(raw: bytes, upload_name: str) -> None:
    if len(raw) > MAX_UPLOAD_BYTES:
        raise DataError("upload_too_large", file=upload_name, size_mb=_megabytes(len(raw)), limit_mb=config.MAX_UPLOAD_MB)


def _uncompressed_too_large(upload_name: str) -> DataError:
    return DataError("upload_uncompressed_too_large", file=upload_name, limit_mb=config.MAX_UPLOAD_MB)


def _uncompress(raw: bytes, upload_name: str) -> bytes:
    """Return the CSV bytes of a plain or gzip upload. Gzip is recognized by its magic bytes, not the name."""
    if not raw.startswith(GZIP_MAGIC):
        return raw
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
            text = stream.read(MAX_UNCOMPRESSED_BYTES + 1)
    except (OSError, EOFError, zlib.error) as error:
        raise DataError("file_unreadable", file=upload_name, reason=error) from error
    if len(text) > MAX_UNCOMPRESSED_BYTES:
        raise _uncompressed_too_large(upload_name)
    return text


def check_upload(raw: bytes, upload_name: str, split: str) -> CheckedFile:
    """Validate an uploaded training or test CSV (plain or gzip) without writing anything."""
    if split not in SPLIT_FILES:
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    _check_upload_size(raw, upload_name)
    csv_bytes = _uncompress(raw, upload_name)
    images = parse_csv(csv_bytes, upload_name, expected=split)
    return CheckedFile(split, csv_bytes, images)


def check_archive_upload(raw: bytes, upload_name: str) -> list[CheckedFile]:
    """Validate both CSVs in an uploaded Kaggle `archive.zip` without writing anything.

    Members are found by file name anywhere in the archive. Their folders are ignored, so
    a member path such as `../x/sign_mnist_train.csv` cannot choose where a file is written.
    """
    _check_upload_size(raw, upload_name)
    member_bytes: dict[str, bytes] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = [info for info in archive.infolist() if not info.is_dir()]
            for split, name in SPLIT_FILES.items():
                # Kaggle's archive contains each CSV twice (top level and in a folder), so the shortest path wins.
                matches = sorted((m for m in members if m.filename.replace("\\", "/").rsplit("/", 1)[-1] == name),
                                 key=lambda m: len(m.filename))
                if not matches:
                    raise DataError("archive_incomplete", file=upload_name)
                if matches[0].file_size > MAX_UNCOMPRESSED_BYTES:
                    raise _uncompressed_too_large(f"{upload_name}:{name}")
                member_bytes[split] = archive.read(matches[0])
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError, zlib.error) as error:
        raise DataError("archive_unreadable", file=upload_name, reason=error) from error

    return [
        CheckedFile(split, csv_bytes, parse_csv(csv_bytes, f"{upload_name}:{SPLIT_FILES[split]}", expected=split))
        for split, csv_bytes in member_bytes.items()
    ]


def _write_atomically(path: Path, payload: bytes) -> None:
    """Write `payload` to a temporary file beside `path` and rename it onto `path`."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=path.parent)
    except OSError as error:
        raise DataError("data_dir_unwritable", folder=path.parent, reason=error) from error
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(payload)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temp_name, FILE_MODE)
        os.replace(temp_name, path)
    except OSError as error:
        raise DataError("data_dir_unwritable", folder=path.parent, reason=error) from error
    finally:
        Path(temp_name).unlink(missing_ok=True)


def save_checked(files: list[CheckedFile], data_dir: Path) -> None:
    """Write checked files into `data_dir` under the app's names, each atomically."""
    data_dir = Path(data_dir)
    for checked in files:
        target = data_dir / SPLIT_FILES[checked.split]
        _write_atomically(target, checked.csv_bytes)
        logger.info("saved %d rows as %s", len(checked.images), target)


def save_upload(raw: bytes, upload_name: str, split: str, data_dir: Path) -> ImageSet:
    """Validate an uploaded training or test CSV (plain or .gz) and save it in `data_dir`.

    The file is saved uncompressed as `sign_mnist_train.csv` or `sign_mnist_test.csv`. An
    invalid upload raises DataError and leaves the data folder unchanged.
    """
    checked = check_upload(raw, upload_name, split)
    save_checked([checked], data_dir)
    logger.info("saved upload %s as the %s split", upload_name, split)
    return checked.images


def save_archive_upload(raw: bytes, upload_name: str, data_dir: Path) -> dict[str, ImageSet]:
    """Validate an uploaded Kaggle `archive.zip` and save both CSVs from it in `data_dir`.

    An invalid archive, or one with an invalid CSV, raises DataError and writes nothing.
    """
    checked = check_archive_upload(raw, upload_name)
    save_checked(checked, data_dir)
    logger.info("saved both CSVs of upload %s", upload_name)
    return {item.split: item.images for item in checked}


def download_from_kaggle(data_dir: Path) -> Path:
    """Download the data set with kagglehub and copy both CSVs into `data_dir`.

    Raises DataError when kagglehub is missing, the network or Kaggle fails, the download
    lacks the CSVs, or a downloaded CSV is invalid. Nothing is written unless both are valid.
    """
    try:
        import kagglehub
    except ImportError as error:
        raise DataError("kaggle_missing") from error
    try:
        downloaded = Path(kagglehub.dataset_download(config.KAGGLE_DATASET))
    except Exception as error:  # noqa: BLE001 - kagglehub raises many network and HTTP types
        logger.warning("kaggle download of %s failed: %s", config.KAGGLE_DATASET, error)
        raise DataError("kaggle_failed", dataset=config.KAGGLE_DATASET, reason=_short(error)) from error

    checked = []
    for split, name in SPLIT_FILES.items():
        matches = sorted(downloaded.rglob(name), key=lambda p: len(p.parts))
        if not matches:
            raise DataError("kaggle_failed", dataset=config.KAGGLE_DATASET, reason=f"{name} not in the download")
        try:
            csv_bytes = matches[0].read_bytes()
        except OSError as error:
            raise DataError("file_unreadable", file=matches[0], reason=error) from error
        checked.append(CheckedFile(split, csv_bytes, parse_csv(csv_bytes, str(matches[0]), expected=split)))
    save_checked(checked, data_dir)
    logger.info("copied the Kaggle data set from %s to %s", downloaded, data_dir)
    return Path(data_dir)


def _short(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0][:200]
