"""Shared fixtures: generated data sets, a small trained model and the real data folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from signlang import config, data, storage  # noqa: E402

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


APP = str(config.PROJECT_ROOT / "app.py")
PAGE_TIMEOUT = 120


@pytest.fixture()
def clear_streamlit_caches():
    """Clear Streamlit's data and resource caches before and after a page test."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def open_page(page: str | None = None, language: str | None = None):
    """Run the app with AppTest, switch to `page` (None: home), and fail on any exception."""
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(APP, default_timeout=PAGE_TIMEOUT)
    if language is not None:
        app.session_state["language"] = language
    app.run()
    if page is not None:
        app.switch_page(page)
        app.run()
    assert not app.exception, [error.value for error in app.exception]
    return app


@pytest.fixture()
def app_models(models_folder, trained_model_path):
    """A models folder holding two copies of the small trained model, named like the bundled ones."""
    for name in ("cnn", "resnet50"):
        target = models_folder / f"{name}.keras"
        shutil.copyfile(trained_model_path, target)
        shutil.copyfile(storage.metadata_path(trained_model_path), storage.metadata_path(target))
    return models_folder


@pytest.fixture()
def with_data(monkeypatch, generated_data_dir):
    """Point the app at the generated data folder."""
    monkeypatch.setenv(config.DATA_DIR_ENV, str(generated_data_dir))
    return generated_data_dir


@pytest.fixture()
def without_data(monkeypatch, tmp_path):
    """Point the app at an empty data folder."""
    empty = tmp_path / "empty-data"
    empty.mkdir()
    monkeypatch.setenv(config.DATA_DIR_ENV, str(empty))
    return empty


@pytest.fixture()
def webrtc_calls(monkeypatch):
    """Record webrtc_streamer calls in place of the component.

    AppTest's mock runtime has no session manager, which streamlit-webrtc needs, so the real
    component runs only in the browser tests.
    """
    import streamlit_webrtc

    calls = []
    monkeypatch.setattr(streamlit_webrtc, "webrtc_streamer", lambda **kwargs: calls.append(kwargs))
    return calls
