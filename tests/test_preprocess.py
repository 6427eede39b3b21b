"""Tests of the camera preprocessing on the frame sizes that cameras give."""

from __future__ import annotations

import numpy as np
import pytest

from signlang import config, preprocess
from signlang.errors import SettingsError

FRAME_SIZES = [(640, 480), (480, 640), (320, 240), (1280, 720), (1920, 1080)]


@pytest.mark.parametrize(("width", "height"), FRAME_SIZES)
def test_center_square_fits_each_frame(width, height):
    box = preprocess.center_square(height, width, 0.6)
    assert box.side == round(min(width, height) * 0.6)
    assert box.x >= 0
    assert box.y >= 0
    assert box.x + box.side <= width
    assert box.y + box.side <= height
    assert abs((box.x + box.side / 2) - width / 2) <= 1
    assert abs((box.y + box.side / 2) - height / 2) <= 1


@pytest.mark.parametrize(("width", "height"), FRAME_SIZES)
def test_preprocess_returns_28x28_uint8(width, height):
    image = np.random.default_rng(0).integers(0, 256, size=(height, width, 3), dtype=np.uint8)
    model_input, box = preprocess.preprocess(image)
    assert model_input.shape == (28, 28)
    assert model_input.dtype == np.uint8
    assert box.side == round(min(width, height) * config.DEFAULT_ROI_FRACTION)


def test_preprocess_keeps_the_center_content():
    image = np.zeros((480, 640, 3), dtype=np.uint8)
    image[200:280, 280:360] = 255
    model_input, _ = preprocess.preprocess(image, 0.6)
    assert model_input[14, 14] > 200
    assert model_input[1, 1] < 20


def test_preprocess_enlarged_test_image_round_trips():
    rng = np.random.default_rng(1)
    small = rng.integers(0, 256, size=(28, 28), dtype=np.uint8)
    small = np.clip(np.kron(small[::4, ::4], np.ones((4, 4))), 0, 255).astype(np.uint8)[:28, :28]
    frame = np.zeros((480, 640, 3), dtype=np.uint8)
    enlarged = np.kron(small, np.ones((10, 10), dtype=np.uint8))
    top, left = (480 - 280) // 2, (640 - 280) // 2
    frame[top:top + 280, left:left + 280] = enlarged[..., np.newaxis]
    model_input, _ = preprocess.preprocess(frame, 280 / 480)
    assert np.abs(model_input.astype(int) - small.astype(int)).mean() < 12


@pytest.mark.parametrize("shape", [(1, 1, 3), (20, 20, 3), (3000, 4000, 3), (480, 640), (480, 640, 1), (480, 640, 4), (640, 480, 3)])
def test_preprocess_odd_shapes(shape):
    image = np.full(shape, 128, dtype=np.uint8)
    model_input, _ = preprocess.preprocess(image)
    assert model_input.shape == (28, 28)


def test_small_crop_is_not_blurred():
    image = np.zeros((28, 28), dtype=np.uint8)
    image[:, 14:] = 255
    model_input, _ = preprocess.preprocess(image, 1.0)
    assert np.array_equal(model_input, image)


@pytest.mark.parametrize("fraction", [0.0, 0.05, 1.5])
def test_center_square_rejects_fraction(fraction):
    with pytest.raises(SettingsError, match="Square size"):
        preprocess.center_square(480, 640, fraction)


def test_to_gray_handles_16_bit():
    image = np.full((30, 30), 65535, dtype=np.uint16)
    assert preprocess.to_gray(image).max() == 255
