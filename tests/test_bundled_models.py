"""Tests of the bundled models on the real test set: accuracy targets and fast-path agreement."""

from __future__ import annotations

import numpy as np
import pytest

from signlang import config, evaluation, storage
from signlang.inference import Predictor

TARGETS = {"cnn": 0.995, "resnet50": 0.997}


@pytest.fixture(scope="module", params=sorted(TARGETS))
def bundled(request):
    path = config.BUNDLED_MODELS_DIR / f"{request.param}{config.MODEL_SUFFIX}"
    return request.param, Predictor.load(path)


def test_bundled_model_files_are_complete():
    for name in TARGETS:
        path = config.BUNDLED_MODELS_DIR / f"{name}{config.MODEL_SUFFIX}"
        model, metadata = storage.load_model(path)
        assert metadata["architecture"] == name
        assert metadata["status"] == "complete"
        assert metadata["epochs_completed"] == metadata["settings"]["epochs"]
        assert path.stat().st_size < 20e6
        assert model.count_params() == metadata["params"]


def test_bundled_model_reaches_accuracy_target(bundled, real_test_set):
    name, predictor = bundled
    scores = evaluation.evaluate(predictor.model, real_test_set)
    assert scores.n == config.KAGGLE_TEST_ROWS
    assert scores.accuracy >= TARGETS[name], f"{name}: {scores.accuracy:.4f} < {TARGETS[name]}"


def test_fast_path_agrees_with_keras_on_every_test_image(bundled, real_test_set):
    name, predictor = bundled
    fast = predictor.predict_batch(real_test_set.images).argmax(axis=1)
    keras_call = evaluation.predict_probabilities(predictor.model, real_test_set.images).argmax(axis=1)
    single = np.array([predictor.predict(image).letter for image in real_test_set.images[:500]])
    assert np.array_equal(fast, keras_call)
    assert np.array_equal(single, np.array([config.LETTERS[i] for i in keras_call[:500]]))


def test_bundled_metadata_matches_real_data(bundled, real_data_dir, real_test_set):
    name, predictor = bundled
    assert predictor.metadata["data_sha256"]["test"] == real_test_set.checksum()
    assert predictor.metadata["test"]["n"] == config.KAGGLE_TEST_ROWS
