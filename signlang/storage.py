"""Save, list and load models: a `.keras` file plus a `.json` metadata file beside it."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import tempfile
import time
import zipfile
from pathlib import Path

import keras

from signlang import config
from signlang.errors import ModelFileError

logger = logging.getLogger(__name__)

TEMP_PREFIX = ".tmp-"
# mkstemp creates files readable by their owner only; saved models are ordinary files.
FILE_MODE = 0o644


def metadata_path(model_path: Path) -> Path:
    """Return the JSON path that belongs to a `.keras` file."""
    return Path(model_path).with_suffix(config.METADATA_SUFFIX)


def file_sha256(path: Path) -> str:
    """Return the SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _atomic_write(path: Path, write) -> None:
    """Call `write(temp_path)`, then rename the temporary file onto `path`.

    The temporary file sits in the same folder, starts with a dot and keeps the suffix (Keras
    insists on `.keras`), so a crash leaves `path` untouched and listings skip the leftover.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=path.suffix, dir=path.parent)
    os.close(handle)
    temp_path = Path(temp_name)
    try:
        write(temp_path)
        with temp_path.open("rb") as file:
            os.fsync(file.fileno())
        temp_path.chmod(FILE_MODE)
        os.replace(temp_path, path)
    finally:
        temp_path.unlink(missing_ok=True)


def check_folder_writable(folder: Path) -> None:
    """Create `folder` if needed and raise ModelFileError unless a file can be written in it.

    Training calls this first, so a run does not end after hours with nowhere to save.
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(prefix=TEMP_PREFIX, dir=folder):
            pass
    except OSError as error:
        raise ModelFileError("models_dir_unwritable", folder=folder, reason=_first_line(error)) from error


def save_model(model: keras.Model, metadata: dict, path: Path) -> Path:
    """Save `model` without optimizer state and its metadata JSON, each atomically.

    The JSON records the SHA-256 of the `.keras` file, so a model whose JSON belongs to another
    file (a crash between the two renames) is detected when it is loaded.
    """
    path = Path(path)
    if path.suffix != config.MODEL_SUFFIX:
        raise ValueError(f"model path must end in {config.MODEL_SUFFIX}: {path}")

    # A model rebuilt from its config is not compiled, so the file gets no optimizer state,
    # which would triple its size. keras.models.clone_model keeps the optimizer (Keras 3.15).
    inference_model = keras.Model.from_config(model.get_config())
    inference_model.set_weights(model.get_weights())
    try:
        _atomic_write(path, lambda temp: inference_model.save(temp))
        metadata = dict(metadata, file_sha256=file_sha256(path), file_bytes=path.stat().st_size)
        text = json.dumps(metadata, indent=2, sort_keys=False, default=str)
        # NOTE: a crash between this rename and the one before leaves the new model beside the
        # old JSON. list_models() still lists the pair, and load_model() rejects it by checksum.
        _atomic_write(metadata_path(path), lambda temp: temp.write_text(text + "\n", encoding="utf-8"))
    except OSError as error:
        logger.error("saving model %s failed: %s", path, error)
        raise ModelFileError("model_save_failed", file=path, reason=_first_line(error)) from error
    logger.info("saved model %s (%d bytes)", path, metadata["file_bytes"])
    return path


@dataclasses.dataclass(frozen=True)
class ModelInfo:
    """A saved model and its metadata."""

    name: str
    path: Path
    metadata: dict

    @property
    def bundled(self) -> bool:
        """Whether this is one of the models the app ships (`cnn`, `resnet50`)."""
        return self.name in config.BUNDLED_MODEL_NAMES

    @property
    def test_accuracy(self) -> float | None:
        return self.metadata.get("test", {}).get("accuracy")


def read_metadata(model_path: Path) -> dict:
    """Read and check the JSON beside `model_path`."""
    json_path = metadata_path(model_path)
    if not json_path.is_file():
        raise ModelFileError("metadata_missing", file=json_path)
    try:
        metadata = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelFileError("metadata_corrupt", file=json_path, reason=error) from error
    if not isinstance(metadata, dict) or "architecture" not in metadata:
        raise ModelFileError("metadata_corrupt", file=json_path, reason="no 'architecture' field")
    return metadata


def list_models(folders: list[Path] | None = None) -> list[ModelInfo]:
    """List complete models (a `.keras` file with readable JSON) in `folders`, bundled first."""
    if folders is None:
        folders = [config.models_dir()]
        if config.BUNDLED_MODELS_DIR.resolve() not in {f.resolve() for f in folders}:
            folders.append(config.BUNDLED_MODELS_DIR)
    found: dict[str, ModelInfo] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob(f"*{config.MODEL_SUFFIX}")):
            if path.name.startswith(".") or path.stem in found:
                continue
            try:
                metadata = read_metadata(path)
            except ModelFileError as error:
                logger.warning("skipping model %s: %s", path, error)
                continue
            found[path.stem] = ModelInfo(path.stem, path, metadata)
    order = {name: i for i, name in enumerate(config.BUNDLED_MODEL_NAMES)}
    return sorted(found.values(), key=lambda info: (order.get(info.name, len(order)), info.name))


def remove_temporary_files(folder: Path, min_age_s: float = 0.0) -> int:
    """Delete leftovers of interrupted saves in `folder` and return how many there were.

    Only files last modified at least `min_age_s` seconds ago are deleted, so a caller can
    spare the temporary file of a save that another process is writing right now.
    """
    count = 0
    if not folder.is_dir():
        return count
    now = time.time()
    for path in folder.glob(f"{TEMP_PREFIX}*"):
        try:
            if now - path.stat().st_mtime < min_age_s:
                continue
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as error:
            logger.warning("could not remove leftover temporary file %s: %s", path, error)
            continue
        count += 1
    if count:
        logger.info("removed %d leftover temporary files in %s", count, folder)
    return count


def load_model(path: Path, check_hash: bool = True) -> tuple[keras.Model, dict]:
    """Load a model with Keras `safe_mode=True` and check that it fits this app.

    Raises ModelFileError for a missing, truncated or foreign file, a JSON that does not match,
    a model that needs unsafe deserialization, or one with the wrong input or output shape.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError("model_missing", file=path)
    metadata = read_metadata(path)
    if check_hash and metadata.get("file_sha256") not in (None, file_sha256(path)):
        raise ModelFileError("metadata_mismatch", file=path)
    if not zipfile.is_zipfile(path):
        raise ModelFileError("model_not_keras", file=path)
    try:
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
    except ValueError as error:
        if "safe_mode" in str(error) or "unsafe" in str(error).lower():
            raise ModelFileError("model_unsafe", file=path) from error
        raise ModelFileError("model_corrupt", file=path, reason=_first_line(error)) from error
    except Exception as error:  # noqa: BLE001 - a damaged config makes Keras raise KeyError, RuntimeError and more
        logger.warning("model %s could not be loaded: %s: %s", path, type(error).__name__, error)
        raise ModelFileError("model_corrupt", file=path, reason=_first_line(error)) from error

    input_shape = tuple(model.input_shape[1:]) if not isinstance(model.input_shape, list) else None
    if input_shape != config.INPUT_SHAPE:
        raise ModelFileError("model_wrong_input", file=path, found=model.input_shape, expected=(None, *config.INPUT_SHAPE))
    if tuple(model.output_shape[1:]) != (config.NUM_CLASSES,):
        raise ModelFileError("model_wrong_output", file=path, found=model.output_shape, expected=config.NUM_CLASSES)
    return model, metadata


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0][:200]
