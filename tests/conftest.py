"""Shared fixtures: generated data sets, a small trained model and the real data folder."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from signlang import config, data  # noqa: E402

ALL_LABELS = np.array([label for label in range(config.MAX_LABEL + 1) if label not in config.MISSING_LABELS])


def make_images(labels: np.ndarray, seed: int = 0) -> np.ndarray:
    """Return 28x28 images where each letter is a bright block at its own place on noise."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 60, size=(len(labels), config.IMAGE_SIZE, config.IMAGE_SIZE), dtype=np.uint8)
    for i, label in enumerate(labels):
        index = data.LABEL_TO_CLASS[label]
        row, column = divmod(int(index), 6)
        images[i, 2 + row * 6:2 + row * 6 + 5, 2 + column * 4:2 + column * 4 + 4] = 230
    return images


def make_split(rows_per_letter: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    labels = np.repeat(ALL_LABELS, rows_per_letter)
    np.random.default_rng(seed).shuffle(labels)
    return make_images(labels, seed), labels


@pytest.fixture(scope="session")
def generated_data_dir(tmp_path_factory) -> Path:
    """A data folder with small generated training (480 rows) and test (96 rows) CSVs."""
    folder = tmp_path_factory.mktemp("generated-data")
    images, labels = make_split(20, seed=1)
    data.write_csv(folder / config.TRAIN_CSV, images, labels)
    images, labels = make_split(4, seed=2)
    data.write_csv(folder / config.TEST_CSV, images, labels)
    return folder


@pytest.fixture(scope="session")
def trained_model_path(tmp_path_factory, generated_data_dir) -> Path:
    """A CNN trained for 8 epochs on the generated data (no augmentation), saved with its JSON."""
    from signlang import training

    path = tmp_path_factory.mktemp("trained") / "tiny-cnn.keras"
    settings = training.TrainSettings(architecture="cnn", epochs=8, batch_size=32, augment=False)
    training.train(settings, data.load_split(generated_data_dir, "train"), data.load_split(generated_data_dir, "test"), path)
    return path


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    """The real Sign Language MNIST folder named by SIGNLANG_DATA_DIR; skips when unset."""
    value = os.environ.get(config.DATA_DIR_ENV)
    if not value:
        pytest.skip(f"{config.DATA_DIR_ENV} is not set, so tests on the real data set are skipped")
    folder = Path(value)
    if not data.has_data(folder):
        pytest.skip(f"{config.DATA_DIR_ENV}={folder} does not hold the Sign Language MNIST CSVs")
    return folder


@pytest.fixture(scope="session")
def real_test_set(real_data_dir) -> data.ImageSet:
    return data.load_split(real_data_dir, "test")


@pytest.fixture()
def models_folder(tmp_path, monkeypatch) -> Path:
    """An empty models folder that the app and CLI use instead of the bundled one."""
    folder = tmp_path / "models"
    folder.mkdir()
    monkeypatch.setenv(config.MODELS_DIR_ENV, str(folder))
    return folder
