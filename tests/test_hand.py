"""Tests of the hand finder on drawn frames: skin on colour, objects on gray, and empty frames."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from signlang import hand
from signlang.errors import SettingsError
from signlang.preprocess import Box, center_square

SKIN_BGR = (120, 150, 210)


def contains(box: Box, x: int, y: int, w: int, h: int) -> bool:
    return box.x <= x and box.y <= y and box.x + box.side >= x + w and box.y + box.side >= y + h


def hand_frame(background: tuple[int, int, int], x: int, y: int, w: int, h: int) -> np.ndarray:
    """Return a 640x480 BGR frame with an ellipse of skin colour (a palm) and a bar (a finger)."""
    frame = np.zeros((480, 640, 3), dtype=np.uint8)
    frame[:] = background
    cv2.ellipse(frame, (x + w // 2, y + h * 2 // 3), (w // 2, h // 3), 0, 0, 360, SKIN_BGR, -1)
    cv2.rectangle(frame, (x + w // 3, y), (x + w // 2, y + h // 2), SKIN_BGR, -1)
    noise = np.random.default_rng(0).integers(-6, 7, size=frame.shape)
    return np.clip(frame.astype(int) + noise, 0, 255).astype(np.uint8)


def test_find_hand_skin_on_blue_wall():
    frame = hand_frame((160, 90, 40), 400, 120, 160, 240)
    box = hand.find_hand(frame)
    assert box is not None
    assert contains(box, 405, 125, 150, 230)
    assert box.side <= 240 * 1.4
    assert box.x + box.side <= 640
    assert box.y + box.side <= 480


def test_find_hand_gray_object_off_center():
    frame = np.full((480, 640), 30, dtype=np.uint8)
    rng = np.random.default_rng(1)
    frame[40:290, 20:270] = rng.integers(120, 220, size=(250, 250))
    box = hand.find_hand(frame)
    assert box is not None
    assert contains(box, 25, 45, 240, 240)
    assert box.side <= 250 * 1.3


def test_find_hand_low_saturation_colour_frame_uses_foreground():
    gray = np.full((480, 640), 200, dtype=np.uint8)
    gray[200:400, 380:560] = 60
    frame = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
    assert hand.is_gray(frame)
    box = hand.find_hand(frame)
    assert box is not None
    assert contains(box, 385, 205, 170, 190)


@pytest.mark.parametrize("value", [0, 128, 255])
def test_find_hand_plain_frame_finds_nothing(value):
    assert hand.find_hand(np.full((480, 640, 3), value, dtype=np.uint8)) is None


def test_find_hand_noise_finds_nothing():
    frame = np.random.default_rng(2).integers(0, 80, size=(480, 640, 3), dtype=np.uint8)
    assert hand.find_hand(frame) is None


def test_find_hand_tiny_speck_finds_nothing():
    frame = np.zeros((480, 640, 3), dtype=np.uint8)
    frame[100:110, 100:110] = 255
    assert hand.find_hand(frame) is None


@pytest.mark.parametrize("shape", [(1, 1, 3), (4, 4), (20, 20, 3), (480, 640, 1), (480, 640, 4), (3000, 4000, 3)])
def test_find_hand_odd_shapes_stay_inside(shape):
    image = np.zeros(shape, dtype=np.uint8)
    height, width = shape[:2]
    image[height // 4:height // 2 + 1, width // 4:width // 2 + 1] = 200
    box = hand.find_hand(image)
    if box is not None:
        assert box.x >= 0
        assert box.y >= 0
        assert box.x + box.side <= width
        assert box.y + box.side <= height


def test_find_hand_rejects_bad_shape():
    with pytest.raises(ValueError, match="expected an image"):
        hand.find_hand(np.zeros((4, 4, 3, 2), dtype=np.uint8))


def test_square_around_pads_and_centres():
    box = hand.square_around((200, 100, 100, 200), 480, 640, padding=0.1)
    assert box.side == 240
    assert box.x + box.side / 2 == pytest.approx(250, abs=1)
    assert box.y + box.side / 2 == pytest.approx(200, abs=1)


def test_square_around_moves_inside_edges():
    box = hand.square_around((600, 440, 40, 40), 480, 640, padding=1.0)
    assert box == Box(520, 360, 120)
    box = hand.square_around((0, 0, 30, 30), 480, 640, padding=1.0)
    assert box == Box(0, 0, 90)


def test_square_around_caps_side_at_frame():
    box = hand.square_around((0, 0, 640, 480), 480, 640)
    assert box.side == 480
    assert 0 <= box.x <= 160
    assert box.y == 0


def test_square_around_rejects_negative_padding():
    with pytest.raises(ValueError, match="padding"):
        hand.square_around((0, 0, 10, 10), 480, 640, padding=-0.1)


def test_crop_box_falls_back_to_center():
    frame = np.zeros((480, 640, 3), dtype=np.uint8)
    box, found = hand.crop_box(frame, 0.6, hand_crop=True)
    assert not found
    assert box == center_square(480, 640, 0.6)


def test_crop_box_without_hand_crop_is_center():
    frame = hand_frame((160, 90, 40), 400, 120, 160, 240)
    box, found = hand.crop_box(frame, 0.5, hand_crop=False)
    assert not found
    assert box == center_square(480, 640, 0.5)


def test_crop_box_follows_hand():
    frame = hand_frame((160, 90, 40), 400, 120, 160, 240)
    box, found = hand.crop_box(frame, 0.6, hand_crop=True)
    assert found
    assert box.x > 300


def test_crop_box_checks_fraction_with_hand_crop():
    with pytest.raises(SettingsError):
        hand.crop_box(np.zeros((480, 640, 3), dtype=np.uint8), 3.0, hand_crop=True)
