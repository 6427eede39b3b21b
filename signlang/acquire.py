"""Put the data set into the data folder: from an upload or from Kaggle with kagglehub."""

from __future__ import annotations

import gzip
import logging
import os
import shutil
import tempfile
import zipfile
import zlib
from pathlib import Path

from signlang import config
from signlang.data import ImageSet, parse_csv
from signlang.errors import DataError

logger = logging.getLogger(__name__)

SPLIT_FILES = {"train": config.TRAIN_CSV, "test": config.TEST_CSV}


def _write_atomically(path: Path, payload: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(payload)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp_name, path)
    finally:
        Path(temp_name).unlink(missing_ok=True)


def _uncompress(raw: bytes, name: str) -> bytes:
    if not name.lower().endswith(".gz"):
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as error:
        raise DataError("file_unreadable", file=name, reason=error) from error


def save_upload(raw: bytes, upload_name: str, split: str, data_dir: Path) -> ImageSet:
    """Validate an uploaded training or test CSV (plain or .gz) and save it in `data_dir`.

    The file is saved uncompressed as `sign_mnist_train.csv` or `sign_mnist_test.csv`: the app
    chooses the name, and `upload_name` only appears in messages. An invalid upload raises
    DataError and leaves the data folder unchanged.
    """
    if split not in SPLIT_FILES:
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    size_mb = len(raw) / 1e6
    if size_mb > config.MAX_UPLOAD_MB:
        raise DataError("upload_too_large", file=upload_name, size_mb=size_mb, limit_mb=config.MAX_UPLOAD_MB)
    text = _uncompress(raw, upload_name)
    images = parse_csv(text, upload_name, expected=split)
    _write_atomically(Path(data_dir) / SPLIT_FILES[split], text)
    logger.info("saved uploaded %s (%d rows) as %s", upload_name, len(images), SPLIT_FILES[split])
    return images


def save_archive_upload(raw: bytes, upload_name: str, data_dir: Path) -> dict[str, ImageSet]:
    """Validate an uploaded Kaggle `archive.zip` and save both CSVs from it in `data_dir`."""
    import io

    size_mb = len(raw) / 1e6
    if size_mb > config.MAX_UPLOAD_MB:
        raise DataError("upload_too_large", file=upload_name, size_mb=size_mb, limit_mb=config.MAX_UPLOAD_MB)
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = archive.namelist()
            texts = {}
            for split, name in SPLIT_FILES.items():
                matches = sorted((m for m in members if Path(m).name == name), key=len)
                if not matches:
                    raise DataError("archive_incomplete", file=upload_name)
                texts[split] = archive.read(matches[0])
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as error:
        raise DataError("archive_unreadable", file=upload_name, reason=error) from error

    parsed = {split: parse_csv(text, f"{upload_name}:{SPLIT_FILES[split]}", expected=split) for split, text in texts.items()}
    for split, text in texts.items():
        _write_atomically(Path(data_dir) / SPLIT_FILES[split], text)
    return parsed


def download_from_kaggle(data_dir: Path) -> Path:
    """Download the data set with kagglehub and copy both CSVs into `data_dir`.

    Raises DataError when kagglehub is missing, the network or Kaggle refuses, or the
    download lacks the CSVs.
    """
    try:
        import kagglehub
    except ImportError as error:
        raise DataError("kaggle_missing") from error
    try:
        downloaded = Path(kagglehub.dataset_download(config.KAGGLE_DATASET))
    except Exception as error:  # noqa: BLE001 - kagglehub raises many network and HTTP types
        logger.warning("kaggle download failed: %s", error)
        raise DataError("kaggle_failed", dataset=config.KAGGLE_DATASET, reason=_short(error)) from error

    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    for name in SPLIT_FILES.values():
        matches = sorted(downloaded.rglob(name), key=lambda p: len(p.parts))
        if not matches:
            raise DataError("kaggle_failed", dataset=config.KAGGLE_DATASET, reason=f"{name} not in the download")
        parse_csv(matches[0].read_bytes(), str(matches[0]))
        temp = data_dir / f".tmp-{name}"
        shutil.copyfile(matches[0], temp)
        os.replace(temp, data_dir / name)
    logger.info("copied the Kaggle data set from %s to %s", downloaded, data_dir)
    return data_dir


def _short(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0][:200]
